"""A local emulator of Microsoft Graph v1.0 (calendar, OneDrive, directory, subscriptions)
and the identity platform's token endpoint, driven by the real msal and requests over TLS."""

from .faults import FaultRule, Faults
from .server import GraphSandbox
from .state import GraphState

__all__ = ["FaultRule", "Faults", "GraphSandbox", "GraphState"]
