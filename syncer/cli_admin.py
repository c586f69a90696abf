"""The admin's undo and record: `syncer audit` (what syncer wrote) and `syncer purge` (take it
all back). Thin commands over `Store.audit_entries` and `engine.purge`."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from syncer.errors import ConfigError, ConfigProblem

AUDIT_COLUMNS = (
    "time",
    "action",
    "result",
    "pair",
    "calendar",
    "event_id",
    "hash_before",
    "hash_after",
)


def _clear_errors(fn: Callable[..., None]) -> Callable[..., None]:
    """syncer.cli's one-line errors and exit codes (looked up at call time: syncer.cli
    imports this module to register its commands)."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> None:
        from syncer.cli import _clear_errors as clear

        clear(fn)(*args, **kwargs)

    return wrapper


_CONFIG = click.option(
    "-c", "--config", "config_path", required=True, type=click.Path(path_type=Path, exists=True)
)
_PAIR = click.option("--pair", nargs=2, default=None, help="Only this pair: two e-mail addresses")


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            [ConfigProblem("--since", f"not an ISO date or time: {value!r}")]
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_audit(entries: list[dict[str, str]], fmt: str) -> str:
    """JSON (a list of entries, as stored) or a table for a terminal."""
    if fmt == "json":
        return json.dumps(entries, indent=2, sort_keys=True) + "\n"
    if not entries:
        return "no audit entries\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(*AUDIT_COLUMNS, title=f"{len(entries)} audit entries")
    for entry in entries:
        table.add_row(*(entry.get(c, "") for c in AUDIT_COLUMNS))
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=False).print(table)
    return out.getvalue()


@click.command()
@_CONFIG
@_PAIR
@click.option("--since", default=None, help="Only entries from this ISO date/time on (UTC)")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_clear_errors
def audit(config_path: Path, pair: tuple[str, str] | None, since: str | None, fmt: str) -> None:
    """Every write syncer made (and every one that failed), oldest first."""
    from syncer.config import load_config
    from syncer.core.model import Pair
    from syncer.redis_server import connect
    from syncer.store import Store

    cfg = load_config(config_path)
    redis = connect(cfg.redis_url)
    try:
        key = Pair.of(*pair).key if pair else None
        entries = Store(redis, cfg.org).audit_entries(pair=key, since=_since(since))
    finally:
        redis.close()
    click.echo(render_audit(entries, fmt), nl=False)


@click.command()
@_CONFIG
@_PAIR
@click.option("--dry-run", is_flag=True, help="List what would be removed; write nothing")
@_clear_errors
def purge(config_path: Path, pair: tuple[str, str] | None, dry_run: bool) -> None:
    """Remove every block, marker, attachment and hold syncer added, on every calendar of the
    org (or only one pair's events). People's text is kept byte for byte; agenda docs stay."""
    from syncer.config import load_config
    from syncer.core.model import Pair
    from syncer.engine import open_engine

    cfg = load_config(config_path)
    with open_engine(cfg, dry_run=dry_run) as engine:
        for line in engine.unavailable_providers():
            click.echo(line, err=True)
        only = Pair.of(*pair) if pair else None
        calendars = sorted(
            e
            for e, p in engine.people.items()
            if p.provider in engine.providers and (only is None or e in only.people)
        )
        stats = engine.purger(dry_run=dry_run).purge(calendars, only)
    if dry_run:
        click.echo(f"dry run: {len(stats.planned)} write(s) planned, nothing written")
        for line in stats.planned:
            click.echo(f"  {line}")
    click.echo(stats.describe())
    if stats.failed:
        raise SystemExit(1)


__all__ = ["audit", "purge", "render_audit"]
