"""The proposals marker: what a block proposes, written next to it and read back after Redis
was lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from syncer.core.model import BlockContent
from syncer.engine import proposal_marker
from syncer.providers.base import MARKER_PROPOSALS

MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@given(instants, st.lists(instants, min_size=1, max_size=5))
def test_the_proposals_a_block_shows_come_back_from_its_marker(
    when: datetime, slots: list[datetime]
) -> None:
    content = BlockContent(proposal_for=when, proposals=tuple(slots))
    text = proposal_marker.encode(content)
    assert text is not None and len(text) < 1024  # Google's limit on a property value
    assert proposal_marker.decode(text) == (when, tuple(slots))


def test_a_block_without_proposals_has_no_marker() -> None:
    assert proposal_marker.encode(BlockContent(agenda_url="https://x")) is None
    assert proposal_marker.encode(BlockContent(proposal_for=MONDAY)) is None


def test_instants_are_written_in_utc_whatever_zone_they_came_in() -> None:
    berlin = timezone(timedelta(hours=1))
    content = BlockContent(proposal_for=MONDAY.astimezone(berlin), proposals=(MONDAY,))
    text = proposal_marker.encode(content)
    assert text == '{"for":"2026-11-30T09:00:00+00:00","slots":["2026-11-30T09:00:00+00:00"]}'


def test_an_edited_or_garbled_marker_is_ignored_not_half_trusted() -> None:
    for text in (
        None,
        "",
        "not json",
        "[]",
        '{"for":"2026-11-30T09:00:00+00:00"}',
        '{"for":"2026-11-30T09:00:00","slots":["2026-11-30T10:00:00+00:00"]}',
        '{"for":"2026-11-30T09:00:00+00:00","slots":[]}',
        '{"for":"2026-11-30T09:00:00+00:00","slots":[42]}',
    ):
        assert proposal_marker.decode(text) is None, text


def test_shown_proposals_are_gathered_by_occurrence_and_the_first_copy_wins() -> None:
    first = '{"for":"2026-11-30T09:00:00+00:00","slots":["2026-11-30T14:00:00+00:00"]}'
    other = '{"for":"2026-11-30T09:00:00+00:00","slots":["2026-12-01T14:00:00+00:00"]}'
    found = proposal_marker.shown(
        [{MARKER_PROPOSALS: first}, {"syncer_block": "x"}, {MARKER_PROPOSALS: other}]
    )
    assert found == {MONDAY: (datetime(2026, 11, 30, 14, tzinfo=UTC),)}
