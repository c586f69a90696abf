"""One calendarView/delta round -> changes, and what syncer remembers between rounds. Pure.

Graph's delta lists expanded entries (occurrence, exception, singleInstance), not series. syncer
turns them back into the model: a `SeriesChanged` per series master (fetched by the provider),
an `OverrideChanged` per exception or changed occurrence, `EventRemoved` per `@removed`.

Silent deletes. An occurrence the organiser deletes can vanish from delta without `@removed`
(api-notes). syncer counts it as a cancellation when the slot is *expected* and no longer there:

- a full round compares the master's pattern (within the delta window, up to the latest
  original start delta returned: "past-or-present of what delta already returned") with the
  occurrences present;
- between rounds, the cursor remembers per master the original starts present as plain
  occurrences and as exceptions (`Knowledge`). When a round re-sends a series' plain
  occurrences (its master changed, so Graph re-sends them all: a `seriesMaster` item or any plain
  occurrence in the round), a remembered plain slot that is missing is a deletion; a full listing
  of a series (`/instances`, which the provider asks for now and then) is compared likewise.

The cursor is compact JSON: the deltaLink, the window (fixed for the round's life), and per
master the slots as base-36 epoch minutes (about 7 bytes per occurrence).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from syncer.core.model import (
    Change,
    EventRemoved,
    OccurrenceOverride,
    OverrideChanged,
    Series,
    SeriesChanged,
)
from syncer.core.recurrence import expand
from syncer.errors import CursorExpired
from syncer.providers.graph_parse import (
    MalformedItem,
    MissingStart,
    original_start_of,
    parse_override,
    parse_series,
)

Payload = Mapping[str, Any]
CURSOR_VERSION = 1


def slot_key(moment: datetime) -> str:
    """A compact, sortable text for an original start (epoch minutes in base 36)."""
    minutes = int(moment.astimezone(UTC).timestamp()) // 60
    return _b36(minutes)


def slot_of(key: str) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=int(key, 36))


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


@dataclass(frozen=True)
class Slots:
    """Original starts (UTC) of one series present in delta: plain occurrences and exceptions."""

    plain: frozenset[datetime] = frozenset()
    exceptions: frozenset[datetime] = frozenset()
    checked: datetime | None = None  # last full listing (/instances) of the series


@dataclass(frozen=True)
class Knowledge:
    """What the cursor carries: the deltaLink, the round's window, slots per series master."""

    delta_link: str
    window: tuple[datetime, datetime]
    series: Mapping[str, Slots] = field(default_factory=dict)


def encode_cursor(knowledge: Knowledge) -> str:
    def slots(s: Slots) -> dict[str, str]:
        out = {
            "p": ",".join(sorted(map(slot_key, s.plain))),
            "x": ",".join(sorted(map(slot_key, s.exceptions))),
        }
        if s.checked is not None:
            out["c"] = slot_key(s.checked)
        return out

    data = {
        "v": CURSOR_VERSION,
        "d": knowledge.delta_link,
        "w": [slot_key(knowledge.window[0]), slot_key(knowledge.window[1])],
        "m": {k: slots(v) for k, v in sorted(knowledge.series.items())},
    }
    return json.dumps(data, separators=(",", ":"))


def decode_cursor(cursor: str) -> Knowledge:
    """The cursor back; one syncer cannot read (another version, garbage) is an expired one."""
    try:
        data = json.loads(cursor)
        if data.get("v") != CURSOR_VERSION or not isinstance(data.get("d"), str):
            raise ValueError("unknown cursor version")

        def keys(text: str) -> frozenset[datetime]:
            return frozenset(slot_of(k) for k in text.split(",") if k)

        series = {
            str(mid): Slots(
                keys(s.get("p", "")),
                keys(s.get("x", "")),
                slot_of(s["c"]) if s.get("c") else None,
            )
            for mid, s in data.get("m", {}).items()
        }
        window = (slot_of(data["w"][0]), slot_of(data["w"][1]))
        return Knowledge(data["d"], window, series)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise CursorExpired("microsoft", None, "cursor unreadable", reason="badCursor") from exc


@dataclass(frozen=True)
class Round:
    """A delta round's items, split by kind (malformed ones already counted out)."""

    singles: list[Payload] = field(default_factory=list)
    instances: dict[str, list[Payload]] = field(default_factory=dict)  # master id -> items
    masters_listed: set[str] = field(default_factory=set)  # seriesMaster items seen
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str | None, str]] = field(default_factory=list)  # (id, reason)
    outside: int = 0  # items with a null start: outside the window, ignored


def split_round(items: Iterable[Any]) -> Round:
    out = Round()
    for item in items:
        if not isinstance(item, Mapping):
            out.skipped.append((None, "item is not an object"))
            continue
        item_id = item.get("id") if isinstance(item.get("id"), str) else None
        if "@removed" in item:
            if item_id:
                out.removed.append(item_id)
            continue
        kind = item.get("type")
        if kind == "seriesMaster":
            if item_id:
                out.masters_listed.add(item_id)
            continue
        if not item_id:
            out.skipped.append((None, "missing id"))
        elif kind in ("occurrence", "exception"):
            master = item.get("seriesMasterId")
            if not isinstance(master, str) or not master:
                out.skipped.append((item_id, "instance without seriesMasterId"))
                continue
            out.instances.setdefault(master, []).append(item)
        else:
            out.singles.append(item)
    return out


def master_changed(round_: Round) -> set[str]:
    """Masters whose series changed in this round: a seriesMaster item, or a plain occurrence
    (Graph re-sends unchanged occurrences only when their master changed, and then all of
    them)."""
    changed = set(round_.masters_listed)
    for master, items in round_.instances.items():
        if any(i.get("type") == "occurrence" for i in items):
            changed.add(master)
    return changed


def master_ids_to_fetch(round_: Round, cached: Iterable[str], *, full: bool) -> set[str]:
    """Masters to (re)fetch: every one in a full round; in an incremental round those not
    cached and those whose master changed (a seriesMaster item, or a plain occurrence: Graph
    re-sends unchanged occurrences only when their master changed)."""
    touched = set(round_.instances) | round_.masters_listed
    if full:
        return touched
    return master_changed(round_) | (touched - set(cached))


@dataclass
class Assembled:
    changes: list[Change]
    series: dict[str, Slots]
    skipped: list[tuple[str | None, str]]
    outside: int = 0


def assemble(
    round_: Round,
    masters: Mapping[str, Series],
    gone: Iterable[str],
    prior: Mapping[str, Slots],
    *,
    calendar: str,
    opt_out_keyword: str,
    window: tuple[datetime, datetime],
    full: bool,
    refreshed: Iterable[str] = (),
    occurrence_ids: Mapping[str, tuple[str, datetime]] | None = None,
) -> Assembled:
    """The changes of one round. `masters`: the series masters fetched for this round (by id);
    plus cached ones; `gone`: masters that answered 404; `prior`: the slots remembered from the
    last round (ignored in a full round); `refreshed`: masters fetched this round (a changed
    master gets a `SeriesChanged`, and its round counts as re-sending its plain occurrences)."""
    out = Assembled([], {} if full else dict(prior), list(round_.skipped), round_.outside)
    for item in round_.singles:
        try:
            out.changes.append(
                SeriesChanged(
                    parse_series(item, calendar=calendar, opt_out_keyword=opt_out_keyword)
                )
            )
        except MissingStart:
            out.outside += 1
        except MalformedItem as exc:
            out.skipped.append((str(item.get("id")), str(exc)))
    for master_id in sorted(set(gone)):
        out.changes.append(EventRemoved(master_id))
        out.series.pop(master_id, None)
    resent, dropped = set(refreshed), set(gone)
    complete = master_changed(round_)
    for master_id in sorted(set(round_.instances) | (set(masters) if full else resent)):
        if master_id in dropped:
            continue
        master = masters.get(master_id)
        overrides, slots = _instances(
            round_.instances.get(master_id, []), master, out, calendar, opt_out_keyword
        )
        before = out.series.get(master_id, Slots())
        if full:
            if master is not None:
                overrides.update(_silent_full(master, slots, overrides, window))
            out.series[master_id] = slots
        else:
            merged, lost = _merge_slots(before, slots, master_id in complete)
            for original in lost:
                overrides.setdefault(original, OccurrenceOverride(original, cancelled=True))
            out.series[master_id] = merged
        if master is not None and (full or master_id in resent):
            shown = tuple(overrides[k] for k in sorted(overrides)) if full else ()
            out.changes.append(SeriesChanged(replace(master, overrides=shown)))
        if not full or master is None:
            out.changes.extend(OverrideChanged(master_id, overrides[k]) for k in sorted(overrides))
    for removed in round_.removed:
        known = (occurrence_ids or {}).get(removed)
        if known is not None and known[0] in out.series:
            master_id, original = known
            out.changes.append(
                OverrideChanged(
                    master_id, OccurrenceOverride(original, cancelled=True, event_id=removed)
                )
            )
            s = out.series[master_id]
            out.series[master_id] = replace(
                s, plain=s.plain - {original}, exceptions=s.exceptions - {original}
            )
        else:
            out.changes.append(EventRemoved(removed))
            out.series.pop(removed, None)
    return out


def _instances(
    items: Sequence[Payload],
    master: Series | None,
    out: Assembled,
    calendar: str,
    opt_out_keyword: str,
) -> tuple[dict[datetime, OccurrenceOverride], Slots]:
    overrides: dict[datetime, OccurrenceOverride] = {}
    plain: set[datetime] = set()
    exceptions: set[datetime] = set()
    cancelled: set[datetime] = set()
    for item in items:
        try:
            original = original_start_of(item)
            override = parse_override(
                item, master, calendar=calendar, opt_out_keyword=opt_out_keyword
            )
        except MissingStart:
            out.outside += 1
            continue
        except MalformedItem as exc:
            out.skipped.append((str(item.get("id")), str(exc)))
            continue
        if override is not None:
            overrides[original] = override
        if override is not None and override.cancelled:
            cancelled.add(original)
        elif item.get("type") == "occurrence":
            plain.add(original)
        else:
            exceptions.add(original)
    # Cancelled slots are known and stay out of both sets (so never "missing" later).
    return overrides, Slots(frozenset(plain), frozenset(exceptions))


def _silent_full(
    master: Series,
    slots: Slots,
    overrides: Mapping[datetime, OccurrenceOverride],
    window: tuple[datetime, datetime],
) -> dict[datetime, OccurrenceOverride]:
    """Expected slots of the pattern that a full round did not list: deleted occurrences."""
    present = slots.plain | slots.exceptions | set(overrides)
    if master.recurrence is None or master.cancelled or not present:
        return {}
    horizon = max(slots.plain | slots.exceptions, default=None)
    if horizon is None:
        return {}
    bare = replace(master, overrides=())
    expected = {o.original_start for o in expand(bare, window[0], min(window[1], horizon))}
    return {
        t: OccurrenceOverride(t, cancelled=True) for t in sorted(expected - present) if t <= horizon
    }


def _merge_slots(before: Slots, now: Slots, complete_plain: bool) -> tuple[Slots, list[datetime]]:
    """Fold this round's slots into the remembered ones; with `complete_plain` (the round
    re-sent every plain occurrence), remembered plain slots not re-sent are lost."""
    listed = now.plain | now.exceptions
    lost: list[datetime] = []
    plain = (before.plain - now.exceptions) | now.plain
    if complete_plain and now.plain:
        horizon = max(now.plain)
        lost = sorted(t for t in before.plain - listed if t <= horizon)
        plain -= set(lost)
    exceptions = (before.exceptions - now.plain) | now.exceptions
    return Slots(frozenset(plain), frozenset(exceptions), before.checked), lost


def reconcile_listing(
    master_id: str,
    before: Slots,
    listing: Sequence[Payload],
    checked: datetime,
) -> tuple[Slots, list[Change]]:
    """Compare a full listing of one series (`/instances` over the window) with what the
    cursor remembers: a remembered slot missing from it is a deleted occurrence."""
    plain: set[datetime] = set()
    exceptions: set[datetime] = set()
    for item in listing:
        try:
            original = original_start_of(item)
        except MalformedItem:
            continue
        if item.get("isCancelled"):
            continue
        (plain if item.get("type") == "occurrence" else exceptions).add(original)
    present = plain | exceptions
    horizon = max(present, default=None)
    known = before.plain | before.exceptions
    lost = sorted(t for t in known - present if horizon is not None and t <= horizon)
    changes: list[Change] = [
        OverrideChanged(master_id, OccurrenceOverride(t, cancelled=True)) for t in lost
    ]
    return Slots(frozenset(plain), frozenset(exceptions), checked), changes


__all__ = [
    "Assembled",
    "Knowledge",
    "Round",
    "Slots",
    "assemble",
    "decode_cursor",
    "encode_cursor",
    "master_ids_to_fetch",
    "reconcile_listing",
    "split_round",
]
