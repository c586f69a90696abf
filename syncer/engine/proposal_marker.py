"""The proposals marker: what an instance's managed block proposes, kept in the calendar.

Redis keeps the proposals people have seen so they stay stable from run to run; the calendar
keeps them too, as the `syncer_proposals` marker written in the same write as the block, so a
run after Redis was lost proposes exactly what a run with Redis would. The value is compact
JSON, `{"for": iso, "slots": [iso, ...]}`, every instant in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from syncer.core.model import BlockContent
from syncer.providers.base import MARKER_PROPOSALS

Proposals = dict[datetime, tuple[datetime, ...]]


def encode(content: BlockContent) -> str | None:
    """The marker value for a block showing `content`; None when it shows no proposals."""
    if content.proposal_for is None or not content.proposals:
        return None
    value = {
        "for": _iso(content.proposal_for),
        "slots": [_iso(s) for s in content.proposals],
    }
    return json.dumps(value, separators=(",", ":"))


def decode(text: str | None) -> tuple[datetime, tuple[datetime, ...]] | None:
    """(the occurrence the proposals are for, the slots), or None for an absent or unreadable
    value (a person could have edited it: it is then ignored, never trusted half)."""
    if not text:
        return None
    try:
        value = json.loads(text)
        when = _instant(value["for"])
        slots = tuple(_instant(s) for s in value["slots"])
    except (ValueError, TypeError, KeyError):
        return None
    return (when, slots) if slots else None


def shown(markers: Iterable[Mapping[str, str]]) -> Proposals:
    """The proposals the marked copies show, by occurrence; the first copy wins a clash."""
    found: Proposals = {}
    for marks in markers:
        decoded = decode(marks.get(MARKER_PROPOSALS))
        if decoded is not None:
            found.setdefault(decoded[0], decoded[1])
    return found


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _instant(text: object) -> datetime:
    if not isinstance(text, str):
        raise TypeError("not a timestamp")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive timestamp")
    return value.astimezone(UTC)
