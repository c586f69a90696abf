"""A local emulator of Google Calendar v3, Drive v3, Docs v1, Admin Directory and the OAuth
token endpoint, driven by the real google-api-python-client and google-auth. See README.md."""

from .faults import FaultRule, Faults
from .server import GoogleSandbox
from .state import GoogleState

__all__ = ["FaultRule", "Faults", "GoogleSandbox", "GoogleState"]
