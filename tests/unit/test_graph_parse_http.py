"""Graph wire errors -> syncer.errors, and the session that talks only to configured hosts."""

from __future__ import annotations

import pytest
import requests

from syncer.errors import Conflict, CursorExpired, NotFound
from syncer.providers.graph_http import (
    GraphHttpError,
    PinnedSession,
    UnconfiguredHost,
    classify_graph_error,
)


def answer(status: int, code: str, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (
        b'{"error": {"code": "%s", "message": "m", "innerError": {}}}' % code.encode()
    )
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    ("status", "code", "cursor_call", "kind"),
    [
        (412, "ErrorIrresolvableConflict", False, Conflict),
        (410, "SyncStateNotFound", True, CursorExpired),
        (400, "syncStateNotFound", True, CursorExpired),
        (404, "ErrorItemNotFound", False, NotFound),
        (410, "ErrorItemNotFound", False, NotFound),
    ],
)
def test_statuses_become_the_matching_error(
    status: int, code: str, cursor_call: bool, kind: type
) -> None:
    error = classify_graph_error(GraphHttpError(answer(status, code)), cursor_call=cursor_call)
    assert type(error) is kind and error.reason == code


@pytest.mark.parametrize("status", [429, 503, 504])
def test_throttling_and_unavailability_are_retryable_with_retry_after(status: int) -> None:
    error = classify_graph_error(GraphHttpError(answer(status, "x", {"Retry-After": "7"})))
    assert error is not None and error.retryable and error.retry_after == 7.0


def test_a_bad_request_is_not_retried() -> None:
    error = classify_graph_error(GraphHttpError(answer(400, "ErrorInvalidProperty")))
    assert error is not None and not error.retryable


def test_the_session_refuses_hosts_it_was_not_configured_for() -> None:
    session = PinnedSession(None, ["graph.microsoft.com", "login.microsoftonline.com"])
    with pytest.raises(UnconfiguredHost) as refused:
        session.get("https://attacker.example/v1.0/users")
    error = classify_graph_error(refused.value)
    assert error is not None and not error.retryable
