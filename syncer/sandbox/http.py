"""The HTTP(S) plumbing both emulators share: a threaded server that starts, stops and says
its base URL, and a request handler that injects faults, keeps the call and write logs and
writes answers.

Each emulator subclasses both: its handler parses paths, checks tokens, routes and renders
its own errors; its server names the state to make and what to close on stop.
"""

from __future__ import annotations

import json
import signal
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, Self, TypeVar

from .faults import Faults
from .tls import TlsFiles
from .wire import Answer, Route


class Emulator(Protocol):
    """What the shared plumbing needs of an emulator's state."""

    base_url: str

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def faults(self) -> Faults[Any]: ...

    def log_call(self, who: str | None, method: str, path: str, status: int) -> None: ...

    def log_write(
        self, who: str | None, method: str, path: str, api: str, **fields: Any
    ) -> None: ...


def json_payload(answer: Answer) -> bytes:
    """The answer's body as JSON; nothing for 204 or no body."""
    if answer.body is None or answer.status == 204:
        return b""
    return json.dumps(answer.body).encode()


def post(
    request: urllib.request.Request, *, timeout: float, context: ssl.SSLContext | None
) -> int | None:
    """Send a push notification: the receiver's status, None when it could not be reached."""
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


class SandboxHandler(BaseHTTPRequestHandler):
    """One request: the emulator's subclass implements ``_serve``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the call log has it all
        return

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        raise NotImplementedError

    def _drop(self) -> None:
        """End the call without an answer, as a ``drop`` fault does."""
        self.close_connection = True
        self.connection.close()

    def _inject_fault(self, state: Emulator, path: str, who: str | None) -> bool:
        """Wait the latency, then apply the first fault rule the call meets: raise its error
        for the handler to render, or drop the connection and say so (True)."""
        if state.faults.latency:
            time.sleep(state.faults.latency)
        rule = state.faults.take(self.command, path, who)
        if rule is None:
            return False
        error = rule.error()
        if error is None:
            state.log_call(who, self.command, path, 0)
            self._drop()
            return True
        raise error

    def _token_fault(self, state: Emulator, path: str) -> tuple[bool, Any]:
        """The fault a token endpoint meets (only rules naming its path apply there):
        ``(True, None)`` when it dropped the connection, else ``(False, error)`` with the
        rule's error, for the handler to answer in the identity service's shape, or None."""
        rule = state.faults.take("POST", path, None, explicit_only=True)
        if rule is None:
            return False, None
        error = rule.error()
        if error is None:
            self._drop()
            return True, None
        return False, error

    def _log_answer(
        self,
        state: Emulator,
        route: Route[Any] | None,
        who: str | None,
        path: str,
        status: int,
        notes: dict[str, Any],
    ) -> None:
        """Log an API call (and, for a write, what it wrote); calls to ``/_sandbox/`` are
        the test's, not syncer's, and stay out of the logs."""
        if route is not None and route.api == "sandbox":
            return
        with state.lock:
            state.log_call(who, self.command, path, status)
            if route is not None and route.write:
                state.log_write(who, self.command, path, route.api, status=status, **notes)

    def _write(
        self, status: int, payload: bytes, content_type: str, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


StateT = TypeVar("StateT", bound=Emulator)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (a worker killed -9, a timeout) is how networks
        are, not an emulator bug: let it go quietly. Anything else is printed as before."""
        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            return
        super().handle_error(request, client_address)


class SandboxServer(Generic[StateT]):
    """An emulator as a threaded server. ``start()`` returns the base URL; with ``tls`` it
    serves HTTPS as ``localhost`` (what the sandbox certificate names)."""

    handler: type[SandboxHandler]  # the emulator's handler; each server subclasses it
    state_type: Callable[[], StateT]  # the state to make when none is given
    thread_name: str

    def __init__(
        self,
        state: StateT | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsFiles | None = None,
    ) -> None:
        self.state: StateT = state or self.state_type()
        self.host, self.port, self.tls = host, port, tls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _close(self) -> None:
        """What the emulator closes beyond its socket (push channels, subscriptions)."""

    def start(self) -> str:
        handler = type("Handler", (self.handler,), {"state": self.state})
        server = _Server((self.host, self.port), handler)
        if self.tls is not None:
            server.socket = self.tls.server_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        scheme = "https" if self.tls else "http"
        host = "localhost" if self.tls and self.host in ("127.0.0.1", "0.0.0.0") else self.host
        self.state.base_url = f"{scheme}://{host}:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
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
        self._close()

    def run_until_signalled(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop (``python -m`` of an emulator)."""
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        signal.signal(signal.SIGINT, lambda *_: stopped.set())
        stopped.wait()
        self.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
