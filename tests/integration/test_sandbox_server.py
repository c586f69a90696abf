"""What both emulators' HTTP server does for a client that hangs up before its answer (a worker
killed -9 mid-call): nothing printed, and the server goes on serving."""

from __future__ import annotations

import socket
import ssl
import struct
import time
import urllib.request

import pytest

from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.tls import TlsFiles


def hang_up_mid_call(host: str, port: int, tls: TlsFiles) -> None:
    context = ssl.create_default_context(cafile=str(tls.ca_cert))
    raw = socket.create_connection((host, port))
    conn = context.wrap_socket(raw, server_hostname="localhost")
    conn.sendall(b"GET /calendar/v3/users/me/calendarList HTTP/1.1\r\nHost: localhost\r\n\r\n")
    # Linger 0: close sends RST, so the server's answer meets a dead connection.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def test_a_client_hanging_up_mid_call_is_not_an_emulator_error(
    tls: TlsFiles, capfd: pytest.CaptureFixture[str]
) -> None:
    with GoogleSandbox(GoogleState("acme.test"), tls=tls) as sandbox:
        sandbox.state.faults.latency = 0.2  # the answer comes after the hang-up
        port = int(sandbox.base_url.rsplit(":", 1)[1])
        for _ in range(5):
            hang_up_mid_call("127.0.0.1", port, tls)
        time.sleep(0.6)
        sandbox.state.faults.latency = 0.0
        context = ssl.create_default_context(cafile=str(tls.ca_cert))
        with urllib.request.urlopen(
            f"{sandbox.base_url}/_sandbox/call_log", context=context, timeout=5
        ) as r:
            assert r.status == 200  # still serving
    printed = capfd.readouterr().err
    assert "Traceback" not in printed, printed
