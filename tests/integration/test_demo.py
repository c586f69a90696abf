"""`syncer demo`, the README's first command: the story plays out through the real service (web
app, rq workers, push notifications from both emulators) and syncer reacts right.

The demo runs once for this module, as a real `syncer demo --serve` process: the tests read
what it printed, what it left in Redis and what its web app answered while it was serving.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_lib
from click.testing import CliRunner

from syncer.cli import cli
from syncer.store import Store
from syncer.store_push import PushStore
from tests.integration.demo_serve import app_url, start_demo, stop_demo


@dataclass(frozen=True)
class DemoRun:
    out: str
    data_dir: Path
    counters: dict[str, int]
    healthz: str
    metrics: str
    seconds: float


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[DemoRun]:
    data_dir = tmp_path_factory.mktemp("demo")
    proc, lines, seconds = start_demo(data_dir, redis_url)
    try:
        base = app_url(lines)
        healthz, metrics = _get(base + "/healthz"), _get(base + "/metrics")
    finally:
        rest = stop_demo(proc)
    out = "".join(lines) + rest
    assert proc.returncode == 0, out
    client = redis_lib.Redis.from_url(redis_url)
    try:
        counters = PushStore(client, "demo").counters()
        yield DemoRun(out, data_dir, counters, healthz, metrics, seconds)
    finally:
        Store(client, "demo").wipe()
        client.close()


def test_demo_tells_what_syncer_did_and_the_last_run_writes_nothing(demo: DemoRun) -> None:
    out = demo.out
    assert "7 agenda docs created" in out  # 4 Google pairs, 1 Outlook pair, 2 mixed pairs
    assert "Microsoft 365 emulator at https://" in out and "(note:" not in out
    last = out.split("nothing changed since the last run; the hourly sweep runs.\n")[1]
    assert last.splitlines()[0].endswith("pair jobs -> no writes (0 API writes seen)")
    assert "maria@demo.test and priya@demo.test: OVERDUE" in out
    assert "maria@demo.test and sofia@demo.test: expected to meet" in out  # the new hire
    assert "the declined 1:1 of Tue 1 Dec 10:00: proposed" in out
    assert "the cancelled 1:1 of Thu 26 Nov 16:00: proposed" in out
    # Outlook: a silently deleted occurrence and a decline (Emma has Fridays off).
    assert "the cancelled 1:1 of Wed 2 Dec 16:00: proposed" in out
    declined = next(line for line in out.splitlines() if "declined 1:1 of Mon 30 Nov" in line)
    assert "proposed Mon" in declined and "Fri" not in declined.split("proposed")[1]
    # Mixed pairs (one Google, one Microsoft person) are pairs like any other.
    assert "arjun@demo.test and priya@demo.test: ok" in out
    assert "claire@demo.test and maria@demo.test: ok" in out
    assert "lucas@demo.test opted out" in out and "lucas@demo.test and" not in out
    assert "── syncer: 1:1 helper" in out and "Agenda: https://docs.google.com/" in out
    assert "job(s) failed" not in out
    assert (demo.data_dir / "sandbox" / "demo.yaml").exists()


def test_each_change_reaches_syncer_as_a_notification_and_is_written_by_a_pair_job(
    demo: DemoRun,
) -> None:
    steps = {
        "Jonas declines next Tuesday": "from Google",
        "Emma declines Monday": "from Outlook",
        "Jonas cancels tomorrow": "from Google",
    }
    lines = demo.out.splitlines()
    for says, source in steps.items():
        after = lines[next(i for i, line in enumerate(lines) if says in line) :]
        reaction = next(line for line in after if line.startswith("  syncer ran:"))
        assert source in reaction and "pair job" in reaction, reaction
        assert "1 managed block written" in reaction, reaction
    # Every write went through a job in a worker process, counted in Redis by the jobs.
    counted = demo.counters
    assert counted["webhooks|google|accepted"] > 0 and counted["webhooks|microsoft|accepted"] > 0
    assert counted["jobs|pull|ok"] > 0 and counted["jobs|pair|ok"] > 0
    assert counted["writes|ensure_agenda_doc"] == 7
    assert counted["writes|write_block"] >= 9 + 4  # the first sweep, then the four reactions
    assert counted.get("jobs|pair|error", 0) == 0


def test_demo_serve_leaves_the_web_app_running_with_its_metrics(demo: DemoRun) -> None:
    assert demo.healthz == "ok"
    assert 'syncer_jobs_total{kind="pair",outcome="ok"}' in demo.metrics
    assert 'syncer_webhooks_total{provider="microsoft",result="accepted"}' in demo.metrics
    assert "syncer sync --once -c" in demo.out
    assert demo.seconds < 60, f"the demo took {demo.seconds:.0f}s"


def test_demo_report_afterwards_from_the_cli(
    demo: DemoRun, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCER_DATA_DIR", str(demo.data_dir))
    monkeypatch.setenv("REDIS_URL", redis_url)
    config = demo.data_dir / "sandbox" / "demo.yaml"
    result = CliRunner().invoke(cli, ["report", "-c", str(config), "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.strip().splitlines()
    assert header.startswith("person_a,person_b,status")
    assert any(r.startswith("maria@demo.test,priya@demo.test,overdue") for r in rows)
