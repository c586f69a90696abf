"""The CLI's promises to admins: clear lines and exit codes, never a traceback."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from syncer.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_config_check_accepts_the_demo_config_with_a_one_line_summary() -> None:
    code, out = run("config", "check", str(ROOT / "config" / "demo.yaml"))
    assert code == 0
    assert out.count("\n") == 1 and "valid: org 'demo', 10 people" in out


def test_config_check_names_key_and_line_of_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "org: acme\n"
        "domains: [acme.test]\n"
        "people:\n"
        "  - email: ana@acme.test\n"
        "    provider: google\n"
        "    timezone: Mars/Olympus\n"
        "policy:\n"
        "  max_gap_dayz: 3\n"
        "providers:\n"
        "  google: {service_account_file: /x.json}\n"
    )
    code, out = run("config", "check", str(bad))
    assert code == 2
    assert "people[0].timezone (line 6): unknown time zone 'Mars/Olympus'" in out
    assert "policy.max_gap_dayz (line 8)" in out
    assert "Traceback" not in out


def test_config_check_on_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    code, out = run("config", "check", str(tmp_path / "nope.yaml"))
    assert code != 0 and "nope.yaml" in out and "Traceback" not in out


def test_sync_with_a_broken_config_exits_with_the_problems_not_a_traceback(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("org: acme\nmode: sometimes\n")
    code, out = run("sync", "--once", "-c", str(bad))
    assert code == 2 and "mode (line 2)" in out and "Traceback" not in out


def test_config_check_of_a_directory_org_counts_overrides(tmp_path: Path) -> None:
    config = tmp_path / "dir.yaml"
    config.write_text(
        "org: acme\ndomains: [acme.test]\npeople_source: google_directory\n"
        "people:\n  - {email: ana@acme.test, opt_out: true}\n"
        "providers:\n  google: {service_account_file: /x.json, admin_subject: admin@acme.test}\n"
    )
    code, out = run("config", "check", str(config))
    assert code == 0 and "people from google_directory with 1 override(s)" in out
