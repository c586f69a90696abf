"""Talking to Microsoft Graph: one msal app, one pinned HTTPS session, retried calls.

- One `msal.ConfidentialClientApplication` per provider, reused, so its token cache serves every
  call until the token expires (a 401 drops the cached token and asks once more).
- `PinnedSession` passes `verify` on every request. requests lets REQUESTS_CA_BUNDLE /
  CURL_CA_BUNDLE override a Session's `verify` when a request passes none (api-notes, "Trap"),
  and msal's own calls pass none: so the configured CA bundle would silently lose to the
  environment. The session also refuses any host but the authority's and Graph's: syncer talks
  to nothing else, and a server's link to elsewhere is a bug, not a redirect to follow.
- Every call goes through `retry.call_with_retry`; wire errors leave only as `syncer.errors`
  (`classify_graph_error`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import msal  # type: ignore[import-untyped]
import requests
import structlog

from syncer.errors import Conflict, CursorExpired, NotFound, ProviderError
from syncer.providers.retry import call_with_retry, parse_retry_after
from syncer.providers.slots import UNBOUNDED, CallSlots, graph_mailbox

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CURSOR_CODES = frozenset({"syncStateNotFound", "SyncStateNotFound", "syncStateInvalid"})


class GraphHttpError(Exception):
    """A non-2xx Graph answer, before classification."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.retry_after = response.headers.get("Retry-After")
        self.code: str | None = None
        self.message = response.reason or ""
        try:
            error = response.json().get("error")
            if isinstance(error, Mapping):
                self.code = str(error.get("code") or "") or None
                self.message = str(error.get("message") or self.message)
        except (ValueError, AttributeError):
            pass
        super().__init__(f"{self.status} {self.code}")


class TokenError(Exception):
    """msal could not get a token (bad secret, unknown tenant...)."""

    def __init__(self, answer: Mapping[str, Any]) -> None:
        self.error = str(answer.get("error") or "token_error")
        self.description = str(answer.get("error_description") or "")
        super().__init__(self.error)


def classify_graph_error(exc: BaseException, *, cursor_call: bool = False) -> ProviderError | None:
    """A Graph / msal / transport failure -> the matching `syncer.errors` (None: a bug)."""
    if isinstance(exc, GraphHttpError):
        status, code, message = exc.status, exc.code, exc.message
        if status == 412:
            return Conflict("microsoft", status, message, reason=code)
        if cursor_call and (status == 410 or code in _CURSOR_CODES):
            return CursorExpired("microsoft", status, message, reason=code)
        if status in (404, 410):
            return NotFound("microsoft", status, message, reason=code)
        retryable = status in _RETRY_STATUSES
        return ProviderError(
            "microsoft",
            status,
            message,
            retryable=retryable,
            retry_after=parse_retry_after(exc.retry_after) if retryable else None,
            reason=code,
        )
    if isinstance(exc, TokenError):
        # The description carries the AADSTS code an admin can look up; never a secret.
        first_line = exc.description.splitlines()[0] if exc.description else ""
        return ProviderError("microsoft", None, first_line or exc.error, reason=exc.error)
    if isinstance(exc, UnconfiguredHost):
        return ProviderError("microsoft", None, str(exc), reason="unconfiguredHost")
    if isinstance(exc, requests.RequestException | OSError):
        name = type(exc).__name__
        return ProviderError("microsoft", None, f"connection failed ({name})", retryable=True)
    return None


class UnconfiguredHost(requests.exceptions.InvalidURL):
    """A call to a host that is neither the authority nor Graph: refused, never retried."""


class PinnedSession(requests.Session):
    """A Session that always verifies with `ca_bundle` and only talks to `hosts`."""

    def __init__(self, ca_bundle: str | None, hosts: Iterable[str]) -> None:
        super().__init__()
        self._verify: str | bool = ca_bundle or True
        self._hosts = frozenset(h.lower() for h in hosts)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        verb = method if isinstance(method, str) else method.decode()
        url = url if isinstance(url, str) else url.decode()
        host = (urlsplit(url).netloc or "").lower()
        if host not in self._hosts:
            raise UnconfiguredHost(f"refusing a call to an unconfigured host {host}")
        kwargs["verify"] = self._verify
        return super().request(verb, url, *args, **kwargs)


class GraphSession:
    """Tokens, the pinned session and retried JSON calls; the provider only says what to call."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        authority: str | None,
        graph_endpoint: str,
        ca_bundle: str | None = None,
        timeout: float = 60.0,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        log: Any = None,
        slots: CallSlots = UNBOUNDED,
    ) -> None:
        authority = (authority or f"https://login.microsoftonline.com/{tenant_id}").rstrip("/")
        self.base = graph_endpoint.rstrip("/")
        hosts = {urlsplit(authority).netloc, urlsplit(self.base).netloc}
        self.http = PinnedSession(ca_bundle, hosts)
        self.timeout = timeout
        self.log = log if log is not None else structlog.get_logger("syncer.providers.microsoft")
        self._app = msal.ConfidentialClientApplication(
            client_id,
            client_credential=client_secret,
            authority=authority,
            http_client=self.http,
            instance_discovery=False,
            validate_authority=False,
        )
        self._retry: dict[str, Any] = {
            "max_attempts": max_attempts,
            "base_delay": base_delay,
            "max_delay": max_delay,
        }
        if sleep is not None:
            self._retry["sleep"] = sleep
        self.calls = 0  # HTTP attempts to Graph, retries included (token calls not counted)
        self.slots = slots

    def token(self) -> str:
        answer = self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if not isinstance(answer, Mapping) or "access_token" not in answer:
            raise TokenError(answer if isinstance(answer, Mapping) else {})
        return str(answer["access_token"])

    def _forget_token(self) -> None:
        cache = self._app.token_cache
        # A list first: removing while msal's search iterates its dict raises RuntimeError.
        for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(entry)

    def url(self, path: str) -> str:
        return path if path.startswith("https://") else f"{self.base}{path}"

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        cursor_call: bool = False,
        raw: bool = False,
    ) -> Any:
        """One Graph call, retried; returns the decoded JSON (None for 204), or the bytes with
        `raw`. `path` is relative to the Graph endpoint, or a full link Graph gave us."""
        url = self.url(path)
        mailbox = graph_mailbox(url)

        def attempt() -> Any:
            for fresh in (False, True):
                self.calls += 1
                head = {"Authorization": f"Bearer {self.token()}", **(headers or {})}
                with self.slots.hold("microsoft", mailbox):  # on the wire only, not in a backoff
                    response = self.http.request(
                        method,
                        url,
                        params=params,
                        json=json_body,
                        data=data,
                        headers=head,
                        timeout=self.timeout,
                    )
                if response.status_code == 401 and not fresh:
                    self._forget_token()  # revoked or expired early: one fresh token
                    continue
                if response.status_code >= 400:
                    raise GraphHttpError(response)
                if raw:
                    return response.content
                if response.status_code == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError as exc:
                    raise ProviderError("microsoft", response.status_code, "not JSON") from exc
            raise AssertionError("unreachable")

        return call_with_retry(
            attempt,
            provider="microsoft",
            classify=partial(classify_graph_error, cursor_call=cursor_call),
            log=self.log,
            **self._retry,
        )

    def pages(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        cursor_call: bool = False,
    ) -> tuple[list[Any], dict[str, Any]]:
        """Every page of a collection (@odata.nextLink); returns (items, last page)."""
        items: list[Any] = []
        send = partial(self.send, headers=headers, cursor_call=cursor_call)
        page = send("GET", path, params=params)
        while True:
            if not isinstance(page, dict):
                raise ProviderError("microsoft", None, "collection answer is not an object")
            items.extend(page.get("value") or [])
            link = page.get("@odata.nextLink")
            if not link:
                return items, page
            page = send("GET", str(link))


__all__ = [
    "GRAPH_SCOPE",
    "GraphHttpError",
    "GraphSession",
    "PinnedSession",
    "TokenError",
    "UnconfiguredHost",
    "classify_graph_error",
]
