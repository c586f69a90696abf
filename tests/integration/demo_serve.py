"""`syncer demo --serve` as the README runs it, for the tests that read the demo (test_demo)
and look at its web app (test_dashboard): started in its own process, read until it says
where its web app is, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_TIMEOUT_S = 90.0


def start_demo(data_dir: Path, redis_url: str) -> tuple[subprocess.Popen[str], list[str], float]:
    """Start the demo and read its story up to where it serves (its `syncer report -c` hint).
    Returns the process, the lines read and the seconds that took; the caller stops it."""
    env = {**os.environ, "SYNCER_DATA_DIR": str(data_dir), "REDIS_URL": redis_url}
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "syncer"), "demo", "--serve"],  # the README's
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:  # the story first, then where the app is, then how to use it
            lines.append(line)
            if line.lstrip().startswith("syncer report -c"):
                break
            assert time.monotonic() - started < DEMO_TIMEOUT_S, "".join(lines)
    except BaseException:
        stop_demo(proc)
        raise
    return proc, lines, time.monotonic() - started


def stop_demo(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, and what the demo printed until it exited."""
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=60)
    return rest


def app_url(lines: list[str]) -> str:
    """The web app's address, from the line naming its health check."""
    health = next(w for line in lines for w in line.split() if w.endswith("/healthz"))
    return health.removesuffix("/healthz")
