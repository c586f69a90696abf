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
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..tls import TlsFiles
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


def _find(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method == method and (match := candidate.pattern.match(path)):
            return candidate, match.groupdict()
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "GoogleSandbox/1"
    state: GoogleState  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the call log has it all
        return

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

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
        found = _find(self.command, path)
        answer: Answer
        try:
            if found is None:
                raise ApiError(404, "notFound", f"Not Found: {self.command} {path}")
            route, parts = found
            if route.auth:
                request.grant = state.auth.grant_for(self.headers.get("Authorization"))
                if state.faults.latency:
                    time.sleep(state.faults.latency)
                rule = state.faults.take(self.command, path, request.person)
                if rule is not None:
                    error = rule.error()
                    if error is None:
                        state.log_call(request.person, self.command, path, 0)
                        self.close_connection = True
                        return
                    raise error
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
        if found is None or found[0].api != "sandbox":
            with state.lock:
                state.log_call(request.person, self.command, path, answer.status)
                if found is not None and found[0].write:
                    state.log_write(
                        request.person,
                        self.command,
                        path,
                        found[0].api,
                        status=answer.status,
                        **request.notes,
                    )
        self._send(answer)

    def _token(self, form: dict[str, str]) -> None:
        state = self.state
        rule = state.faults.take("POST", "/token", None, explicit_only=True)
        if rule is not None and rule.error() is None:
            self.close_connection = True
            return
        try:
            if rule is not None:
                error = rule.error()
                assert error is not None
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
        payload = (
            b"" if answer.body is None or answer.status == 204 else json.dumps(answer.body).encode()
        )
        self.send_response(answer.status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class GoogleSandbox:
    """The emulator as a server. ``start()`` returns the base URL to give the clients as
    ``api_endpoint`` (and that service-account key files carry as token_uri)."""

    def __init__(
        self,
        state: GoogleState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsFiles | None = None,
    ) -> None:
        self.state = state or GoogleState()
        self.host, self.port, self.tls = host, port, tls
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"state": self.state})
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        if self.tls is not None:
            server.socket = self.tls.server_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        scheme = "https" if self.tls else "http"
        host = "localhost" if self.tls and self.host in ("127.0.0.1", "0.0.0.0") else self.host
        self.state.base_url = f"{scheme}://{host}:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="google-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self.state.base_url

    @property
    def base_url(self) -> str:
        return self.state.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.state.channels.close()

    def __enter__(self) -> GoogleSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
