"""Errors in Graph's and Entra ID's JSON shapes.

Graph answers ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`` (Graph "Microsoft Graph error responses and resource types");
the identity platform answers OAuth errors as ``{"error", "error_description", "error_codes",
"timestamp", "trace_id", "correlation_id", "error_uri"}`` (Entra "Error codes" reference).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any


class GraphError(Exception):
    """A Graph error answer; raised anywhere inside a handler, rendered by the server."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self, client_request_id: str | None = None) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        inner = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": client_request_id or request_id,
        }
        return {"error": {"code": self.code, "message": self.message, "innerError": inner}}


class OAuthError(Exception):
    """An error of the token or discovery endpoints (AADSTS codes)."""

    def __init__(self, status: int, error: str, aadsts: int, text: str) -> None:
        super().__init__(f"{status} {error}: AADSTS{aadsts}")
        self.status = status
        now = dt.datetime.now(dt.UTC)
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        self.body: dict[str, Any] = {
            "error": error,
            "error_description": (
                f"AADSTS{aadsts}: {text}\r\nTrace ID: {trace}\r\n"
                f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"
            ),
            "error_codes": [aadsts],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={aadsts}",
        }


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def not_found(message: str = "The specified object was not found in the store.") -> GraphError:
    return GraphError(404, "ErrorItemNotFound", message)


def invalid_token(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def irresolvable_conflict() -> GraphError:
    # A stale If-Match on an Outlook item: 412 with ErrorIrresolvableConflict, Exchange's code
    # for a changeKey that no longer matches (MS-OXWSCORE ConflictResolutionType, "the
    # UpdateItem operation fails and ErrorIrresolvableConflict ... will be returned"; seen
    # from Graph as 412 ErrorIrresolvableConflict, e.g. analogdotnow/Analog PR 475).
    return GraphError(
        412,
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed "
        "in the request does not match the current change key for the item.",
    )


def sync_state_expired() -> GraphError:
    # Outlook delta: an expired or unknown token answers 410 Gone (api-notes; Microsoft 365
    # developer blog "Duration of change tracking tokens").
    return GraphError(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found. Please retry with a new delta request.",
    )
