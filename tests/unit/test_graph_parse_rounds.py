"""Delta rounds -> changes and the cursor: @removed, null starts, seriesMaster items, silent
deletes in full and incremental rounds. Hand-made JSON shaped like Graph v1.0's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.core.model import EventRemoved, OverrideChanged, SeriesChanged
from syncer.errors import CursorExpired
from syncer.providers.graph_parse import parse_series
from syncer.providers.graph_sync import (
    Knowledge,
    Slots,
    assemble,
    decode_cursor,
    encode_cursor,
    master_ids_to_fetch,
    reconcile_listing,
    split_round,
)
from tests.unit.test_graph_parse import ALICE, master, occurrence

WINDOW = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
MONDAYS = [datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(weeks=i) for i in range(8)]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def masters() -> dict[str, object]:
    return {"AAMkM1": parse_series(master(), calendar=ALICE, opt_out_keyword="")}


def run(items: list[dict[str, object]], *, full: bool, prior: dict[str, Slots] | None = None,
        refreshed: tuple[str, ...] = ("AAMkM1",)):  # fmt: skip
    return assemble(
        split_round(items),
        masters(),  # type: ignore[arg-type]
        (),
        prior or {},
        calendar=ALICE,
        opt_out_keyword="",
        window=WINDOW,
        full=full,
        refreshed=refreshed,
    )


def test_full_round_folds_instances_into_the_series_and_finds_a_silent_delete() -> None:
    present = [occurrence(stamp(m)) for i, m in enumerate(MONDAYS) if i != 3]
    out = run(present, full=True)
    (change,) = out.changes
    assert isinstance(change, SeriesChanged)
    (override,) = change.series.overrides
    assert override.cancelled and override.original_start == MONDAYS[3]
    assert out.series["AAMkM1"].plain == frozenset(MONDAYS) - {MONDAYS[3]}


def test_full_round_expects_nothing_past_the_last_listed_occurrence() -> None:
    out = run([occurrence(stamp(m)) for m in MONDAYS[:2]], full=True)
    (change,) = out.changes
    assert isinstance(change, SeriesChanged) and change.series.overrides == ()


def test_removed_item_is_an_event_removed_and_a_known_occurrence_a_cancellation() -> None:
    removed = {
        "@odata.type": "#microsoft.graph.event",
        "id": "X1",
        "@removed": {"reason": "deleted"},
    }
    gone_occurrence = dict(removed, id="OCC")
    out = assemble(
        split_round([removed, gone_occurrence]),
        {},
        (),
        {"AAMkM1": Slots(frozenset(MONDAYS), frozenset())},
        calendar=ALICE,
        opt_out_keyword="",
        window=WINDOW,
        full=False,
        occurrence_ids={"OCC": ("AAMkM1", MONDAYS[2])},
    )
    assert out.changes[0] == EventRemoved("X1")
    assert isinstance(out.changes[1], OverrideChanged) and out.changes[1].override.cancelled
    assert MONDAYS[2] not in out.series["AAMkM1"].plain


def test_items_without_a_start_are_skipped_without_a_crash() -> None:
    single = master(id="S1", type="singleInstance", recurrence=None, start=None, end=None)
    out = run([single, occurrence(stamp(MONDAYS[0]), start=None, end=None)], full=True)
    assert out.outside == 2 and not out.skipped


def test_a_series_master_item_is_tolerated_and_marks_the_series_changed() -> None:
    round_ = split_round([master(), occurrence(stamp(MONDAYS[0]), type="exception")])
    assert round_.masters_listed == {"AAMkM1"} and not round_.singles
    assert master_ids_to_fetch(round_, {"AAMkM1"}, full=False) == {"AAMkM1"}
    exception_only = split_round([occurrence(stamp(MONDAYS[0]), type="exception")])
    assert master_ids_to_fetch(exception_only, {"AAMkM1"}, full=False) == set()


def test_incremental_round_that_resends_the_series_reveals_a_vanished_occurrence() -> None:
    prior = {"AAMkM1": Slots(frozenset(MONDAYS), frozenset())}
    resent = [occurrence(stamp(m)) for i, m in enumerate(MONDAYS) if i != 5]
    out = run(resent, full=False, prior=prior)
    series = [c for c in out.changes if isinstance(c, SeriesChanged)]
    cancelled = [c.override for c in out.changes if isinstance(c, OverrideChanged)]
    assert len(series) == 1 and series[0].series.overrides == ()
    assert [o.original_start for o in cancelled if o.cancelled] == [MONDAYS[5]]


def test_incremental_round_with_one_exception_cancels_nothing_else() -> None:
    prior = {"AAMkM1": Slots(frozenset(MONDAYS), frozenset())}
    moved = occurrence(
        stamp(MONDAYS[2]),
        type="exception",
        start={"dateTime": "2026-01-21T13:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-01-21T13:30:00.0000000", "timeZone": "UTC"},
    )
    out = run([moved], full=False, prior=prior, refreshed=())
    (change,) = out.changes
    assert isinstance(change, OverrideChanged) and not change.override.cancelled
    assert out.series["AAMkM1"].exceptions == {MONDAYS[2]}
    assert MONDAYS[2] not in out.series["AAMkM1"].plain


def test_a_listing_missing_a_remembered_slot_is_a_cancellation() -> None:
    before = Slots(frozenset(MONDAYS[:4]), frozenset({MONDAYS[4]}))
    listing = [occurrence(stamp(m)) for m in (MONDAYS[0], MONDAYS[2], MONDAYS[3])]
    listing.append(occurrence(stamp(MONDAYS[4]), type="exception"))
    now = datetime(2026, 2, 1, tzinfo=UTC)
    slots, changes = reconcile_listing("AAMkM1", before, listing, now)
    assert [c.override.original_start for c in changes if isinstance(c, OverrideChanged)] == [
        MONDAYS[1]
    ]
    assert slots.checked == now and MONDAYS[1] not in slots.plain


def test_cursor_round_trips_compactly() -> None:
    knowledge = Knowledge(
        "https://graph.example/v1.0/users/a/calendarView/delta?$deltatoken=abc",
        WINDOW,
        {"AAMkM1": Slots(frozenset(MONDAYS), frozenset({MONDAYS[0]}), WINDOW[0])},
    )
    text = encode_cursor(knowledge)
    assert decode_cursor(text) == knowledge
    assert len(text) < len(knowledge.delta_link) + 6 * 9 + 100  # ~6 bytes per slot


@pytest.mark.parametrize("garbage", ["", "not json", '{"v": 99, "d": "x"}', "[]"])
def test_an_unreadable_cursor_is_an_expired_one(garbage: str) -> None:
    with pytest.raises(CursorExpired):
        decode_cursor(garbage)
