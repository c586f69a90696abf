"""`syncer ...`: a thin layer over the engine. Errors become one clear line and an exit code."""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from syncer.errors import ConfigError, SyncerError

F = TypeVar("F", bound=Callable[..., Any])


def _clear_errors(fn: F) -> F:
    """Turn every SyncerError into one line on stderr and its exit code: never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as err:
            click.echo(str(err), err=True)
            sys.exit(err.exit_code)
        except SyncerError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="syncer")
@click.option("--log-level", default="warning", show_default=True, help="debug, info, warning")
@click.option("--log-json/--no-log-json", default=None, help="JSON logs (default: when not a TTY)")
def cli(log_level: str, log_json: bool | None) -> None:
    """syncer keeps an organisation's 1:1 meetings healthy."""
    from syncer.logging import configure_logging

    configure_logging(json=log_json, level=log_level)


@cli.group()
def config() -> None:
    """Check the admin's config file."""


@config.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def config_check(path: Path) -> None:
    """Print every problem in PATH with its key path and line; exit 0 when it is valid."""
    from syncer.config import check_config

    try:
        cfg, problems = check_config(path)
    except SyncerError as err:  # unreadable file and the like
        click.echo(f"{path}: {err}", err=True)
        sys.exit(2)
    if problems or cfg is None:
        for problem in problems:
            click.echo(f"{path}: {problem}", err=True)
        click.echo(f"{path}: {len(problems)} problem(s)", err=True)
        sys.exit(2)
    if cfg.people_source != "config":
        who = f"people from {cfg.people_source} with {len(cfg.people)} override(s)"
    else:
        people = cfg.people_list()
        providers = sorted({p.provider for p in people})
        who = f"{len(people)} people ({', '.join(providers) or 'none'})"
    click.echo(f"{path}: valid: org {cfg.org!r}, {who}, mode {cfg.mode}")


@cli.command()
@click.option("-c", "--config", "config_path", required=True, type=click.Path(path_type=Path))
@click.option("--once", is_flag=True, default=True, help="One pass over every calendar, then exit")
@click.option("--dry-run", is_flag=True, help="Print the planned actions; write nothing")
@_clear_errors
def sync(config_path: Path, once: bool, dry_run: bool) -> None:
    """Pull every calendar, find the 1:1s, plan and apply (or print, with --dry-run)."""
    from syncer.config import load_config
    from syncer.engine import open_engine

    cfg = load_config(config_path)
    with open_engine(cfg, dry_run=dry_run) as engine:
        for line in engine.unavailable_providers():
            click.echo(line, err=True)
        summary = engine.sync_once()
    if dry_run:
        click.echo(f"dry run: {len(summary.planned)} action(s) planned, nothing written")
        for line in summary.planned:
            click.echo(f"  {line}")
    click.echo(summary.describe())


@cli.command()
@click.option("-c", "--config", "config_path", required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--pair", nargs=2, default=None, help="Only this pair: two e-mail addresses")
@_clear_errors
def report(config_path: Path, fmt: str, pair: tuple[str, str] | None) -> None:
    """The state of every pair from what the last sync stored (no provider calls)."""
    from syncer.config import load_config
    from syncer.engine import open_engine
    from syncer.report import render_report

    cfg = load_config(config_path)
    with open_engine(cfg, dry_run=True) as engine:
        data = engine.report(pair=pair)
    click.echo(render_report(data, fmt), nl=False)


@cli.command()
@click.option("--keep-state", is_flag=True, help="Do not wipe the demo org's Redis keys first")
@click.option("--serve", is_flag=True, help="Keep the emulators running afterwards (Ctrl-C)")
@_clear_errors
def demo(keep_state: bool, serve: bool) -> None:
    """Play the demo org on the local emulators: a few simulated weeks, told in plain words."""
    from syncer.demo.run import run_demo

    def wait() -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()

    run_demo(click.echo, keep_state=keep_state, serve=wait if serve else None)


# ------------------------------------------------------------------------------------------------
# The service (syncer.service): thin commands over run_web / run_worker / run_scheduler.

_CONFIG = click.option(
    "-c", "--config", "config_path", required=True, type=click.Path(path_type=Path, exists=True)
)


@cli.command()
@_CONFIG
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--bind", default=None, help="host:port for the web app (default: web.bind)")
@click.option("--grace", default=60.0, show_default=True, help="Seconds to let jobs finish")
@_clear_errors
def run(config_path: Path, workers: int, bind: str | None, grace: float) -> None:
    """The whole service in one process tree: web app, N workers and the scheduler."""
    from syncer.service import Supervisor

    sys.exit(Supervisor(config_path, workers, bind=bind, grace_s=grace, echo=click.echo).run())


@cli.command()
@_CONFIG
@click.option("--bind", default=None, help="host:port (default: the config's web.bind)")
@_clear_errors
def web(config_path: Path, bind: str | None) -> None:
    """Webhooks, health, readiness and metrics (uvicorn)."""
    from syncer.service import run_web

    run_web(config_path, bind)


@cli.command()
@_CONFIG
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit")
@click.option("--name", default=None, help="Worker name (default: rq's)")
@_clear_errors
def worker(config_path: Path, burst: bool, name: str | None) -> None:
    """An rq worker on the push, default and sweep queues (scale by running more)."""
    from syncer.service import quiet_rq_logs, run_worker

    quiet_rq_logs()
    run_worker(config_path, burst=burst, name=name)


@cli.command()
@_CONFIG
@_clear_errors
def scheduler(config_path: Path) -> None:
    """rq's CronScheduler with the config's `schedule:` (pulls, sweep, renewals, daily)."""
    from syncer.service import quiet_rq_logs, run_scheduler

    quiet_rq_logs()
    run_scheduler(config_path)


@cli.group()
def redis() -> None:
    """The embedded Redis server (used when neither REDIS_URL nor redis_url is set)."""


@redis.command("stop")
def redis_stop() -> None:
    """Shut the embedded Redis down cleanly (its append-only file is flushed)."""
    from syncer.redis_server import data_dir, stop_embedded

    stopped = stop_embedded(data_dir())
    click.echo("embedded Redis stopped" if stopped else "embedded Redis was not running")


# The admin's record and undo (`audit`, `purge`) live in syncer.cli_admin, imported last
# because it uses _clear_errors from here. Run as `python -m syncer.cli` (how `syncer run`
# starts its children) this module is __main__: register it as syncer.cli too, or cli_admin's
# import would load a second copy that imports cli_admin half-initialised.
if __name__ == "__main__":
    sys.modules.setdefault("syncer.cli", sys.modules[__name__])
from syncer.cli_admin import audit, purge  # noqa: E402

cli.add_command(audit)
cli.add_command(purge)


def main() -> None:
    cli(prog_name="syncer")


if __name__ == "__main__":
    main()
