"""Talking to Google as each person: delegated credentials, built services, retried calls.

A service account with domain-wide delegation acts as each person: one delegated credential per
person (so a token is fetched once per person, not per call) over one shared connection pool.
Services and their collections are built once from the bundled discovery documents and shared;
each request runs on the acting person's connection. Every call goes through
`call_with_retry`, and wire errors leave only as `syncer.errors`.

A session is meant for one worker thread at a time (httplib2 connections are not thread-safe).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth.exceptions
import google_auth_httplib2
import httplib2
import structlog
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from syncer.errors import Conflict, CursorExpired, NotFound, ProviderError
from syncer.providers.retry import call_with_retry, parse_retry_after
from syncer.providers.slots import UNBOUNDED, CallSlots

SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/drive.file",
    "https://www.googleapis.com/auth/documents",
)
_APIS = {"calendar": "v3", "drive": "v3", "docs": "v1", "admin": "directory_v1"}
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def _error_reason(exc: HttpError) -> str | None:
    """The first `errors[].reason` of a Google error answer (what production code branches on)."""
    try:
        data = json.loads(exc.content.decode("utf-8"))
        errors = data["error"].get("errors") or []
        reason = errors[0].get("reason") if errors else data["error"].get("status")
        return str(reason) if reason else None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def classify_google_error(exc: BaseException, *, cursor_call: bool = False) -> ProviderError | None:
    """A googleapiclient / google-auth / transport exception -> the matching `syncer.errors`.

    `cursor_call`: the call carried a sync token, so 410 means "cursor expired" rather than
    "deleted". Returns None for anything that is not a provider failure (a bug: re-raised).
    """
    if isinstance(exc, HttpError):
        status = int(exc.resp.status)
        reason = _error_reason(exc)
        message = str(exc.reason or "")
        retry_after = parse_retry_after(exc.resp.get("retry-after"))
        if status == 412:
            return Conflict("google", status, message, reason=reason)
        if status == 410 and cursor_call:
            return CursorExpired("google", status, message, reason=reason)
        if status in (404, 410):
            return NotFound("google", status, message, reason=reason)
        retryable = status in _RETRY_STATUSES or (status == 403 and reason in _RATE_LIMIT_REASONS)
        return ProviderError(
            "google",
            status,
            message,
            retryable=retryable,
            retry_after=retry_after if retryable else None,
            reason=reason,
        )
    if isinstance(exc, google.auth.exceptions.RefreshError):
        retryable = bool(getattr(exc, "retryable", False))
        return ProviderError("google", None, str(exc), retryable=retryable, reason="token")
    if isinstance(exc, google.auth.exceptions.TransportError | httplib2.HttpLib2Error | OSError):
        name = type(exc).__name__
        return ProviderError("google", None, f"connection failed ({name})", retryable=True)
    return None


def sandbox_endpoint(api_endpoint: str | None) -> str | None:
    """The `api_endpoint` client option to pass, or None to use Google's own endpoints.

    With the option set, googleapiclient drops each API's service path (`calendar/v3/`) and
    uses the one URL for every API: right for the sandbox, wrong for Google, whose APIs live
    at different paths and hosts (www.googleapis.com/calendar/v3/, docs.googleapis.com/). So a
    Google host (the config's default) means "the library's defaults"."""
    if not api_endpoint:
        return None
    host = (urlsplit(api_endpoint).hostname or "").lower()
    if host == "googleapis.com" or host.endswith(".googleapis.com"):
        return None
    return api_endpoint.rstrip("/") + "/"


class GoogleSession:
    """Credentials, services and retried calls; the provider only says what to call."""

    def __init__(
        self,
        service_account_info: Mapping[str, Any] | str | os.PathLike[str],
        api_endpoint: str | None,
        *,
        ca_certs: str | None = None,
        scopes: Sequence[str] = SCOPES,
        timeout: float = 60.0,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        log: Any = None,
        slots: CallSlots = UNBOUNDED,
    ) -> None:
        if isinstance(service_account_info, Mapping):
            base = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                dict(service_account_info), scopes=list(scopes)
            )
        else:
            base = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                str(Path(service_account_info)), scopes=list(scopes)
            )
        self._base_credentials = base
        self.service_account_email: str = base.service_account_email
        self._endpoint = sandbox_endpoint(api_endpoint)
        self.log = log if log is not None else structlog.get_logger("syncer.providers.google")
        self._retry: dict[str, Any] = {
            "max_attempts": max_attempts,
            "base_delay": base_delay,
            "max_delay": max_delay,
        }
        if sleep is not None:
            self._retry["sleep"] = sleep
        # One connection pool for everyone; each person's AuthorizedHttp only adds their token.
        self._transport = httplib2.Http(ca_certs=ca_certs, timeout=timeout)
        self._https: dict[str, Any] = {}
        self._services: dict[str, Any] = {}
        self._collections: dict[tuple[str, str], Any] = {}
        self.calls = 0  # HTTP attempts made, retries included
        self.slots = slots

    def http(self, person: str) -> Any:
        """The authorised connection acting as `person`: one delegated credential each, so the
        token is fetched once per person and refreshed only when it expires."""
        key = person.lower()
        if key not in self._https:
            creds = self._base_credentials.with_subject(key)
            self._https[key] = google_auth_httplib2.AuthorizedHttp(creds, http=self._transport)
        return self._https[key]

    def collection(self, api: str, name: str) -> Any:
        """A collection (`events()`, `files()`, `documents()`...), built once per session.

        googleapiclient builds services and collections from the discovery document, docstrings
        included (~0.3 s for Docs): done once, and each request runs on the person's `http`."""
        key = (api, name)
        if key not in self._collections:
            if api not in self._services:
                options = {"api_endpoint": self._endpoint} if self._endpoint else None
                self._services[api] = build(
                    api,
                    _APIS[api],
                    http=self._transport,
                    client_options=options,
                    static_discovery=True,
                    cache_discovery=False,
                )
            self._collections[key] = getattr(self._services[api], name)()
        return self._collections[key]

    def call(
        self,
        person: str,
        api: str,
        collection: str,
        method: str,
        *,
        cursor_call: bool = False,
        etag: str | None = None,
        **params: Any,
    ) -> Any:
        """One API call as `person`, retried; `etag` becomes an If-Match precondition."""
        request = getattr(self.collection(api, collection), method)(**params)
        if etag is not None:
            request.headers["If-Match"] = etag
        http = self.http(person)

        def attempt() -> Any:
            self.calls += 1
            with self.slots.hold("google", person):  # on the wire only, not in a backoff
                return request.execute(http=http)

        return call_with_retry(
            attempt,
            provider="google",
            classify=partial(classify_google_error, cursor_call=cursor_call),
            log=self.log,
            **self._retry,
        )


__all__ = ["SCOPES", "GoogleSession", "classify_google_error", "sandbox_endpoint"]
