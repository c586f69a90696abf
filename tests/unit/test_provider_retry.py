"""The shared retry helper, Google's error translation and endpoints, without any network."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import httplib2
import pytest
from googleapiclient.errors import HttpError
from hypothesis import given
from hypothesis import strategies as st

from syncer.errors import Conflict, CursorExpired, NotFound, ProviderError
from syncer.providers.google_http import GoogleSession, classify_google_error, sandbox_endpoint
from syncer.providers.retry import backoff_delay, call_with_retry, parse_retry_after


class Flaky(Exception):
    """Stands for a vendor exception in these tests."""

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


def classify(exc: BaseException) -> ProviderError | None:
    if isinstance(exc, Flaky):
        return ProviderError(
            "test",
            exc.status,
            "flaky",
            retryable=exc.status >= 500 or exc.status == 429,
            retry_after=exc.retry_after,
        )
    return None


def failing(times: int, status: int = 503, retry_after: float | None = None):
    state = {"calls": 0}

    def fn() -> str:
        state["calls"] += 1
        if state["calls"] <= times:
            raise Flaky(status, retry_after)
        return "ok"

    return fn, state


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("Mon, 02 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 02 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_transient_failures_are_retried_until_success() -> None:
    fn, state = failing(3)
    slept: list[float] = []
    assert call_with_retry(fn, provider="test", classify=classify, sleep=slept.append) == "ok"
    assert state["calls"] == 4
    assert len(slept) == 3


def test_retry_after_is_honoured_instead_of_backoff() -> None:
    fn, _ = failing(2, status=429, retry_after=1.5)
    slept: list[float] = []
    call_with_retry(fn, provider="test", classify=classify, sleep=slept.append)
    assert slept == [1.5, 1.5]


def test_retry_after_beyond_max_delay_is_left_to_the_job_layer() -> None:
    fn, state = failing(1, status=429, retry_after=120)
    with pytest.raises(ProviderError) as caught:
        call_with_retry(fn, provider="test", classify=classify, max_delay=30, sleep=lambda _: None)
    assert state["calls"] == 1
    assert caught.value.retryable and caught.value.retry_after == 120


def test_attempts_are_capped_and_the_last_error_is_raised_chained() -> None:
    fn, state = failing(10)
    with pytest.raises(ProviderError) as caught:
        call_with_retry(
            fn, provider="test", classify=classify, max_attempts=3, sleep=lambda _: None
        )
    assert state["calls"] == 3
    assert caught.value.status == 503
    assert isinstance(caught.value.__cause__, Flaky)


def test_permanent_failure_is_not_retried() -> None:
    fn, state = failing(1, status=400)
    with pytest.raises(ProviderError):
        call_with_retry(fn, provider="test", classify=classify, sleep=lambda _: None)
    assert state["calls"] == 1


def test_unknown_exceptions_are_bugs_and_pass_through() -> None:
    def fn() -> None:
        raise KeyError("oops")

    with pytest.raises(KeyError):
        call_with_retry(fn, provider="test", classify=classify, sleep=lambda _: None)


@given(st.integers(1, 12), st.floats(0.01, 2), st.floats(1, 60), st.integers(0, 1000))
def test_backoff_grows_within_jitter_bounds_and_the_cap(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    step = min(cap, base * 2 ** (attempt - 1))
    delay = backoff_delay(attempt, base_delay=base, max_delay=cap, rng=random.Random(seed))
    assert step / 2 <= delay <= step <= cap


def http_error(status: int, reason: str, headers: dict[str, str] | None = None) -> HttpError:
    body = {"error": {"code": status, "message": "m", "errors": [{"reason": reason}]}}
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    return HttpError(resp, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("status", "reason", "cursor_call", "kind", "retryable"),
    [
        (412, "conditionNotMet", False, Conflict, False),
        (410, "fullSyncRequired", True, CursorExpired, False),
        (410, "deleted", False, NotFound, False),
        (404, "notFound", False, NotFound, False),
        (403, "rateLimitExceeded", False, ProviderError, True),
        (403, "userRateLimitExceeded", False, ProviderError, True),
        (403, "forbidden", False, ProviderError, False),
        (429, "rateLimitExceeded", False, ProviderError, True),
        (500, "backendError", False, ProviderError, True),
        (503, "backendError", False, ProviderError, True),
        (400, "invalid", False, ProviderError, False),
    ],
)
def test_google_errors_translate_to_syncer_errors(
    status: int, reason: str, cursor_call: bool, kind: type, retryable: bool
) -> None:
    error = classify_google_error(http_error(status, reason), cursor_call=cursor_call)
    assert type(error) is kind
    assert error is not None and error.retryable is retryable
    assert error.status == status and error.reason == reason


def test_google_retry_after_header_is_carried() -> None:
    error = classify_google_error(http_error(429, "rateLimitExceeded", {"retry-after": "4"}))
    assert error is not None and error.retry_after == 4.0


def test_dropped_connections_are_retryable() -> None:
    error = classify_google_error(ConnectionResetError("reset by peer"))
    assert error is not None and error.retryable and error.status is None
    assert classify_google_error(KeyError("bug")) is None


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("https://www.googleapis.com/", None),
        ("https://docs.googleapis.com", None),
        (None, None),
        ("https://localhost:8443", "https://localhost:8443/"),
    ],
)
def test_google_hosts_use_the_libraries_own_endpoints(
    endpoint: str | None, expected: str | None
) -> None:
    assert sandbox_endpoint(endpoint) == expected


def test_production_requests_go_to_each_apis_own_path() -> None:
    """The config's default endpoint must not collapse every API onto one host and path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = {
        "type": "service_account",
        "client_email": "syncer@example.iam.gserviceaccount.com",
        "private_key": pem.decode(),
        "private_key_id": "k1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    session = GoogleSession(key, "https://www.googleapis.com/")
    events = session.collection("calendar", "events").list(calendarId="a@example.com")
    document = session.collection("docs", "documents").get(documentId="d1")
    assert events.uri.startswith("https://www.googleapis.com/calendar/v3/calendars/a%40example.com")
    assert document.uri.startswith("https://docs.googleapis.com/v1/documents/d1")
