"""Choosing Redis, and the embedded server shared by every syncer process of one data dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from syncer.errors import StoreError
from syncer.redis_server import (
    connect,
    data_dir,
    embedded_url,
    ensure_embedded,
    redact_url,
    redis_url_for,
    socket_path,
    stop_embedded,
)

# Ask the embedded server who it is (its pid) through the public entry point, as a CLI would.
# With argv (ready, go): say ready once imported, then wait for go, so children race for real.
WHO_ANSWERS = """
import sys, time
from pathlib import Path
from syncer.redis_server import connect
if len(sys.argv) > 2:
    Path(sys.argv[1]).touch()
    deadline = time.monotonic() + 30
    while not Path(sys.argv[2]).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
r = connect()
print(r.info("server")["process_id"], r.get("shared-key"))
"""


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh SYNCER_DATA_DIR (short path: unix socket paths are limited); server stopped after."""
    directory = tmp_path_factory.mktemp("home")
    yield directory
    stop_embedded(directory)


@pytest.fixture
def no_redis_url(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SYNCER_DATA_DIR", str(home))
    return home


def _child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["SYNCER_DATA_DIR"] = str(home)
    return env


def _server_pid(home: Path) -> int:
    return int((home / "redis" / "redis.pid").read_text())


def _live_servers_of(home: Path) -> list[int]:
    """Pids of running (not zombie) redis-server processes serving `home`'s socket."""
    needle = str(socket_path(home)).encode()
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (
                needle in (proc / "cmdline").read_bytes()
                and "State:\tZ" not in (proc / "status").read_text()
            ):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def test_data_dir_comes_from_syncer_data_dir_and_is_created(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SYNCER_DATA_DIR", str(tmp_path / "deep" / "dir"))
    assert data_dir() == tmp_path / "deep" / "dir"
    assert data_dir().is_dir()


def test_redis_url_env_wins_over_config_and_config_over_embedded(
    monkeypatch: pytest.MonkeyPatch, no_redis_url: Path
) -> None:
    assert redis_url_for("redis://config-host:6379/2") == "redis://config-host:6379/2"
    monkeypatch.setenv("REDIS_URL", "redis://env-host:6379/3")
    assert redis_url_for("redis://config-host:6379/2") == "redis://env-host:6379/3"
    assert not socket_path(no_redis_url).exists()  # nothing embedded was started


def test_without_urls_the_embedded_server_starts_and_persists_to_the_data_dir(
    no_redis_url: Path,
) -> None:
    assert redis_url_for() == embedded_url(no_redis_url)
    client = connect(decode_responses=True)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("dir")["dir"] == str((no_redis_url / "redis").absolute())
    client.close()


def test_embedded_server_outlives_its_starter_and_is_reused_by_other_processes(
    no_redis_url: Path,
) -> None:
    # A first process starts the server and exits: the server stays up.
    started = subprocess.run(
        [sys.executable, "-c", WHO_ANSWERS],
        env=_child_env(no_redis_url),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    first_pid = int(started.stdout.split()[0])
    client = redis_lib.Redis.from_url(redis_url_for())
    client.set("shared-key", "seen")
    assert client.info("server")["process_id"] == first_pid
    # A second process finds the same server (and the key) through the socket.
    again = subprocess.run(
        [sys.executable, "-c", WHO_ANSWERS],
        env=_child_env(no_redis_url),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert again.stdout.split() == [str(first_pid), "b'seen'"]
    client.close()


def test_concurrent_starts_start_one_server(home: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(3)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WHO_ANSWERS, str(flag), str(go)],
            env=_child_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 30
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()
    outputs = [child.communicate(timeout=60) for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    pids = {out.split()[0] for out, _err in outputs}
    assert pids == {str(_server_pid(home))}
    if Path("/proc/self").exists():
        assert _live_servers_of(home) == [_server_pid(home)]


def test_stop_shuts_down_cleanly_and_a_restart_keeps_the_data(home: Path) -> None:
    client = redis_lib.Redis.from_url(ensure_embedded(home))
    client.set("kept", "across restarts")
    client.close()
    assert stop_embedded(home) is True
    assert not socket_path(home).exists()
    assert not (home / "redis" / "redis.pid").exists()
    assert stop_embedded(home) is False
    client = redis_lib.Redis.from_url(ensure_embedded(home))
    assert client.get("kept") == b"across restarts"
    client.close()


def test_a_stale_socket_left_by_a_crash_is_replaced(home: Path) -> None:
    sock = socket_path(home)
    sock.parent.mkdir(parents=True)
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(sock))
    dead.close()  # the file stays, nobody listens
    (sock.parent / "redis.pid").write_text("999999\n")  # a pid that is not running
    client = redis_lib.Redis.from_url(ensure_embedded(home))
    assert client.ping()
    client.close()


def test_stop_with_nothing_running_says_so(tmp_path: Path) -> None:
    assert stop_embedded(tmp_path) is False


def test_unreachable_redis_url_names_the_url_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(StoreError) as caught:
        connect()
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "REDIS_URL" in message
    assert "hunter2" not in message


def test_a_socket_path_too_long_for_unix_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="SYNCER_DATA_DIR"):
        ensure_embedded(tmp_path / ("x" * 120))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://user:pw@host/1", "rediss://user:***@host/1"),
        ("redis://host:6379/0?password=pw&db=1", "redis://host:6379/0?password=***&db=1"),
        ("unix:///tmp/x/redis.sock", "unix:///tmp/x/redis.sock"),
    ],
)
def test_redact_url_hides_passwords(url: str, shown: str) -> None:
    assert redact_url(url) == shown
