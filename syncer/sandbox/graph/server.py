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
import traceback
import urllib.parse
from typing import Any

from ..http import SandboxHandler, SandboxServer, json_payload
from ..wire import find_route
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


class _Handler(SandboxHandler):
    server_version = "GraphSandbox/1"
    state: GraphState  # set on the subclass made per server

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
            found = find_route(control.ROUTES, self.command, path)
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
            with state.mailbox_concurrency.request(request.app, request.mailbox, path):
                if self._inject_fault(state, path, request.mailbox):
                    return
                self._run(request, find_route(ROUTES, self.command, path))
        except GraphError as exc:  # a bad token, an injected fault, MailboxConcurrency
            state.log_call(request.mailbox, self.command, path, exc.status)
            self._send(self._error(exc, request))

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
        served = found[0] if found else None
        self._log_answer(state, served, request.mailbox, request.path, answer.status, request.notes)
        self._send(answer)

    def _identity(self, produce: Any, path: str | None = None) -> None:
        state = self.state
        dropped, error = self._token_fault(state, path) if path else (False, None)
        if dropped:
            return
        try:
            if error is not None:
                raise OAuthError(error.status, "temporarily_unavailable", 50001, error.message)
            with state.lock:
                answer = Answer(200, produce(), content_type="application/json; charset=utf-8")
        except OAuthError as exc:
            answer = Answer(exc.status, exc.body, content_type="application/json; charset=utf-8")
        state.log_call(None, self.command, self.path.split("?")[0], answer.status)
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        payload = answer.content if answer.content is not None else json_payload(answer)
        self._write(answer.status, payload, answer.content_type, answer.headers)


class GraphSandbox(SandboxServer[GraphState]):
    """The emulator as a server. ``start()`` returns the base URL: the authority is
    ``{base_url}/{tenant_id}`` and Graph is ``{base_url}/v1.0``."""

    handler = _Handler
    state_type = GraphState
    thread_name = "graph-sandbox"

    def _close(self) -> None:
        self.state.subscriptions.close()

    @property
    def authority(self) -> str:
        return f"{self.state.base_url}/{self.state.tenant_id}"
