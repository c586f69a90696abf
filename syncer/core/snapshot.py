"""Folding a pull's changes into one calendar's snapshot of series. Pure.

A full pull replaces the snapshot. An incremental pull brings masters without their overrides and
overrides without their masters, in any order: they are merged by original start, so a changed
instance never loses its siblings and a changed master never loses its exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from syncer.core.model import (
    Change,
    EventRemoved,
    OccurrenceOverride,
    OverrideChanged,
    Series,
    SeriesChanged,
)


def _with_override(series: Series, override: OccurrenceOverride) -> Series:
    kept = tuple(o for o in series.overrides if o.original_start != override.original_start)
    merged = sorted((*kept, override), key=lambda o: o.original_start)
    return replace(series, overrides=tuple(merged))


def apply_changes(
    snapshot: Mapping[str, Series], changes: Iterable[Change], *, full: bool
) -> tuple[dict[str, Series], frozenset[str]]:
    """Return the new snapshot (event id -> series) and the ids whose series changed.

    Overrides whose master is unknown are dropped: their master is either not a meeting syncer
    keeps (a non-candidate) or will arrive in full with them on the next full pull.
    """
    result: dict[str, Series] = {} if full else dict(snapshot)
    changed: set[str] = set(snapshot) if full else set()
    pending: list[OverrideChanged] = []
    for update in changes:
        if isinstance(update, SeriesChanged):
            series = update.series
            old = result.get(series.event_id)
            if old is not None and not full and not series.overrides:
                series = replace(series, overrides=old.overrides)
            result[series.event_id] = series
            changed.add(series.event_id)
        elif isinstance(update, OverrideChanged):
            pending.append(update)
        elif isinstance(update, EventRemoved):
            result.pop(update.event_id, None)
            changed.add(update.event_id)
    for update in pending:
        master = result.get(update.master_event_id)
        if master is not None:
            result[update.master_event_id] = _with_override(master, update.override)
            changed.add(update.master_event_id)
    return result, frozenset(changed)


def with_own_write(
    series: Series,
    *,
    occurrence_start: datetime | None = None,
    block_hash: str | None = None,
    markers: Mapping[str, str | None] | None = None,
    attachment: str | None = None,
) -> Series:
    """The snapshot as it reads once syncer's own write landed, so the next plan, before the
    next pull brings the write back, does not ask for it again.

    `block_hash` is the hash of the block now on the series (or on the occurrence that started
    at `occurrence_start`); `markers` with a None value are deleted."""
    if occurrence_start is not None:
        found = [o for o in series.overrides if o.original_start == occurrence_start]
        base = found[0] if found else OccurrenceOverride(original_start=occurrence_start)
        if markers is None:  # a block write on the instance
            return _with_override(series, replace(base, block_hash=block_hash))
        return _with_override(series, replace(base, markers=_merged(base.markers, markers)))
    merged = _merged(series.markers, markers or {})
    attachments = series.attachments
    if attachment is not None and attachment not in attachments:
        attachments = (*attachments, attachment)
    changed = replace(series, markers=merged, attachments=attachments)
    if markers is not None and "syncer_block" in markers:
        changed = replace(changed, block_hash=block_hash)
    return changed


def _merged(current: Mapping[str, str], write: Mapping[str, str | None]) -> dict[str, str]:
    """`current` with `write` applied: a None value deletes the marker."""
    merged = dict(current)
    for key, value in write.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
