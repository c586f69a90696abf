"""syncer: keeps an organisation's 1:1 meetings healthy on Google Workspace and Microsoft 365."""

__version__ = "0.1.0"
