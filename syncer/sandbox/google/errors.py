"""Errors in Google's JSON shape.

Google APIs answer failures as
``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}``
(Calendar "Handle API errors" guide); googleapiclient's ``HttpError.reason`` and
``error_details`` read exactly these fields, so callers branch on ``reason`` as in production.
"""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer; raised anywhere inside a handler, rendered by the server."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        headers: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
        status: str | None = None,
    ) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.domain = domain
        self.headers = headers or {}
        self.extra = extra or {}
        self.status = status or _STATUS.get(code)

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"domain": self.domain, "reason": self.reason}
        detail["message"] = self.message
        detail.update(self.extra)
        error: dict[str, Any] = {"code": self.code, "message": self.message, "errors": [detail]}
        if self.status:
            error["status"] = self.status
        return {"error": error}


def bad_request(message: str, reason: str = "invalid") -> ApiError:
    return ApiError(400, reason, message)


def not_found(message: str = "Not Found") -> ApiError:
    return ApiError(404, "notFound", message)


def forbidden(message: str = "Forbidden", reason: str = "forbidden") -> ApiError:
    return ApiError(403, reason, message)


def unauthenticated(reason: str = "authError", message: str = "Invalid Credentials") -> ApiError:
    return ApiError(
        401, reason, message, extra={"location": "Authorization", "locationType": "header"}
    )


def insufficient_scopes() -> ApiError:
    return ApiError(
        403, "insufficientPermissions", "Request had insufficient authentication scopes."
    )


def condition_not_met() -> ApiError:
    # Calendar answers a stale If-Match with 412 conditionNotMet ("Precondition Failed").
    return ApiError(
        412,
        "conditionNotMet",
        "Precondition Failed",
        extra={"location": "If-Match", "locationType": "header"},
    )


def full_sync_required() -> ApiError:
    # events.list reference / "Synchronize resources efficiently": 410 Gone, fullSyncRequired.
    return ApiError(
        410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
    )


def deleted() -> ApiError:
    return ApiError(410, "deleted", "Resource has been deleted")
