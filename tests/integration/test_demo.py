"""`syncer demo`, the README's first command: the story plays out and syncer reacts right."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli


@pytest.fixture
def demo_env(tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", redis_url)
    return tmp_path


def test_demo_tells_what_syncer_did_and_the_last_run_writes_nothing(demo_env: Path) -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "7 agenda docs created" in out  # 4 Google pairs, 1 Outlook pair, 2 mixed pairs
    assert "Microsoft 365 emulator at https://" in out and "(note:" not in out
    assert "nothing changed since the last run.\n  syncer ran: 0 writes (0 API writes seen)" in out
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
    assert (demo_env / "sandbox" / "demo.yaml").exists()


def test_demo_report_afterwards_from_the_cli(demo_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    config = demo_env / "sandbox" / "demo.yaml"
    result = runner.invoke(cli, ["report", "-c", str(config), "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.strip().splitlines()
    assert header.startswith("person_a,person_b,status")
    assert any(r.startswith("maria@demo.test,priya@demo.test,overdue") for r in rows)
