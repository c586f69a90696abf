"""The HTTP(S) server: parses requests, checks the bearer token, injects faults, routes to
the API modules and writes Google-shaped answers.

With ``client_options={"api_endpoint": base_url}`` google-api-python-client drops the
service path, so requests arrive as ``/calendars/...``, ``/files``, ``/v1/documents/...``,
``/admin/directory/v1/users``; the ``/calendar/v3`` and ``/drive/v3`` prefixes are accepted
too. One server serves every API, the token endpoint (``/token``) and ``/_sandbox/``.
"""

from __future__ import annotations

import json
import sys
import traceback
import urllib.parse
from typing import Any

from ..http import SandboxHandler, SandboxServer, json_payload
from ..wire import find_route
from . import control, directory, docs, drive, fields
from .auth import OAuthError
from .calendar import events
from .errors import ApiError
from .state import GoogleState
from .wire import Answer, Request, Route

ROUTES: list[Route] = [
    *events.ROUTES,
    *drive.ROUTES,
    *docs.ROUTES,
    *directory.ROUTES,
    *control.ROUTES,
]
PREFIXES = ("/calendar/v3", "/drive/v3")


class _Handler(SandboxHandler):
    server_version = "GoogleSandbox/1"
    state: GoogleState  # set on the subclass made per server

    def _read_body(self) -> tuple[bytes, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        if not raw:
            return raw, None
        if "application/x-www-form-urlencoded" in kind:
            return raw, dict(urllib.parse.parse_qsl(raw.decode()))
        try:
            return raw, json.loads(raw)
        except ValueError:
            return raw, None

    def _serve(self) -> None:
        state = self.state
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        for prefix in PREFIXES:
            if path.startswith(prefix + "/"):
                path = path[len(prefix) :]
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        _raw, body = self._read_body()
        if self.command == "POST" and path == "/token":
            self._token(body or {})
            return
        request = Request(
            self.command, path, params, {k.lower(): v for k, v in self.headers.items()}, body
        )
        found = find_route(ROUTES, self.command, path)
        answer: Answer
        try:
            if found is None:
                raise ApiError(404, "notFound", f"Not Found: {self.command} {path}")
            route, parts = found
            if route.auth:
                request.grant = state.auth.grant_for(self.headers.get("Authorization"))
                if self._inject_fault(state, path, request.person):
                    return
            with state.lock:
                answer = route.handler(state, request, **parts)
        except ApiError as exc:
            answer = Answer(exc.code, exc.body(), exc.headers)
        except Exception:  # a bug in the emulator: say so loudly, answer like Google's 500
            traceback.print_exc(file=sys.stderr)
            answer = Answer(500, ApiError(500, "backendError", "Backend Error").body())
        spec = request.param("fields")
        if spec and answer.status == 200 and found and found[0].api != "sandbox":
            answer.body = fields.apply(answer.body, fields.parse(spec))
        served = found[0] if found else None
        self._log_answer(state, served, request.person, path, answer.status, request.notes)
        self._send(answer)

    def _token(self, form: dict[str, str]) -> None:
        state = self.state
        dropped, error = self._token_fault(state, "/token")
        if dropped:
            return
        try:
            if error is not None:
                raise OAuthError(error.code, "internal_failure", error.message)
            with state.lock:
                body = state.auth.token_for_assertion(
                    form.get("grant_type", ""), form.get("assertion", "")
                )
            answer = Answer(200, body)
        except OAuthError as exc:
            answer = Answer(exc.status, exc.body)
        state.log_call(None, "POST", "/token", answer.status)
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self._write(
            answer.status, json_payload(answer), "application/json; charset=UTF-8", answer.headers
        )


class GoogleSandbox(SandboxServer[GoogleState]):
    """The emulator as a server. ``start()`` returns the base URL to give the clients as
    ``api_endpoint`` (and that service-account key files carry as token_uri)."""

    handler = _Handler
    state_type = GoogleState
    thread_name = "google-sandbox"

    def _close(self) -> None:
        self.state.channels.close()
