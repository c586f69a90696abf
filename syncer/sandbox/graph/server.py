"""The HTTPS server: identity endpoints, Graph v1.0 under ``/v1.0``, and ``/_sandbox/``.

It checks the bearer token, resolves the mailbox a ``/users/{id}`` path names (email or
object id), injects faults, routes to the API modules, renders Graph errors and keeps the call
and write logs. msal only talks HTTPS: give the server the ``TlsFiles`` of
``syncer.sandbox.tls.ensure_tls_files`` and the clients its ``ca_cert``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..tls import TlsFiles
from . import control, delta, directory, events, onedrive, schedule, subscriptions
from .errors import GraphError, OAuthError
from .state import GraphState
from .wire import Answer, Request, Route

ROUTES: list[Route] = [
    *delta.ROUTES,
    *schedule.ROUTES,
    *events.ROUTES,
    *onedrive.ROUTES,
    *subscriptions.ROUTES,
    *directory.ROUTES,
]
OPENID = re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
TOKEN = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
USER = re.compile(r"^/users/(?P<user>[^/]+)", re.IGNORECASE)


def _find(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in routes:
        if candidate.method == method and (match := candidate.pattern.match(path)):
            return candidate, match.groupdict()
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "GraphSandbox/1"
    state: GraphState  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # the call log has it all
        return

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = url.path
        if (match := OPENID.match(path)) and self.command == "GET":
            self._identity(lambda: self.state.identity.openid_configuration(match["tenant"]))
            return
        if (match := TOKEN.match(path)) and self.command == "POST":
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            self._identity(lambda: self.state.identity.token(match["tenant"], form), path)
            return
        body: Any = None
        if raw and "json" in headers.get("content-type", "json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        if path.startswith("/_sandbox/"):
            request = Request(self.command, path, params, headers, body, raw)
            found = _find(control.ROUTES, self.command, path)
            self._run(request, found)
            return
        if not path.startswith("/v1.0/"):
            self._send(Answer(404, GraphError(404, "BadRequest", "Invalid version.").body()))
            return
        path = path[len("/v1.0") :]
        request = Request(self.command, path, params, headers, body, raw)
        state = self.state
        if user := USER.match(path):
            person = state.person(urllib.parse.unquote(user["user"]))
            request.mailbox = person.email if person else None
        try:
            request.app = state.identity.app_for(headers.get("authorization"))
            if state.faults.latency:
                time.sleep(state.faults.latency)
            rule = state.faults.take(self.command, path, request.mailbox)
            if rule is not None:
                error = rule.error()
                if error is None:
                    state.log_call(request.mailbox, self.command, path, 0)
                    self.close_connection = True
                    self.connection.close()
                    return
                raise error
        except GraphError as exc:
            state.log_call(request.mailbox, self.command, path, exc.status)
            self._send(self._error(exc, request))
            return
        self._run(request, _find(ROUTES, self.command, path))

    def _error(self, exc: GraphError, request: Request) -> Answer:
        return Answer(exc.status, exc.body(request.headers.get("client-request-id")), exc.headers)

    def _run(self, request: Request, found: tuple[Route, dict[str, str]] | None) -> None:
        state = self.state
        try:
            if found is None:
                raise GraphError(
                    400, "BadRequest",
                    f"Resource not found for the segment '{request.path.rsplit('/', 1)[-1]}'.",
                )  # fmt: skip
            route, parts = found
            with state.lock:
                answer = route.handler(state, request, **parts)
        except GraphError as exc:
            answer = self._error(exc, request)
        except Exception:  # a bug in the emulator: say so loudly, answer like Graph's 500
            traceback.print_exc(file=sys.stderr)
            answer = self._error(GraphError(500, "InternalServerError", "Internal error."), request)
        if found is None or found[0].api != "sandbox":
            with state.lock:
                state.log_call(request.mailbox, self.command, request.path, answer.status)
                if found is not None and found[0].write:
                    state.log_write(
                        request.mailbox, self.command, request.path, found[0].api,
                        status=answer.status, **request.notes,
                    )  # fmt: skip
        self._send(answer)

    def _identity(self, produce: Any, path: str | None = None) -> None:
        state = self.state
        rule = state.faults.take("POST", path, None, explicit_only=True) if path else None
        if rule is not None and rule.error() is None:
            self.close_connection = True
            self.connection.close()
            return
        try:
            if rule is not None:
                error = rule.error()
                assert error is not None
                raise OAuthError(error.status, "temporarily_unavailable", 50001, error.message)
            with state.lock:
                answer = Answer(200, produce(), content_type="application/json; charset=utf-8")
        except OAuthError as exc:
            answer = Answer(exc.status, exc.body, content_type="application/json; charset=utf-8")
        state.log_call(None, self.command, self.path.split("?")[0], answer.status)
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        if answer.content is not None:
            payload = answer.content
        elif answer.body is None or answer.status == 204:
            payload = b""
        else:
            payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        if payload:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class GraphSandbox:
    """The emulator as a server. ``start()`` returns the base URL: the authority is
    ``{base_url}/{tenant_id}`` and Graph is ``{base_url}/v1.0``."""

    def __init__(
        self,
        state: GraphState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsFiles | None = None,
    ) -> None:
        self.state = state or GraphState()
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
            name="graph-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self.state.base_url

    @property
    def base_url(self) -> str:
        return self.state.base_url

    @property
    def authority(self) -> str:
        return f"{self.state.base_url}/{self.state.tenant_id}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.state.subscriptions.close()

    def __enter__(self) -> GraphSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
