"""One line in plain words per action, for `syncer plan --dry-run` and the logs."""

from __future__ import annotations

from datetime import date, datetime

from syncer.core.model import (
    Action,
    AppendAgendaSection,
    AttachAgenda,
    CreateHold,
    EnsureAgendaDoc,
    WriteBlock,
)


def _day(when: datetime | date) -> str:
    return when.strftime("%a %d %b")


def describe(action: Action) -> str:
    """One line in plain words, for `--dry-run`."""
    pair = f"{action.pair.a} / {action.pair.b}"
    if isinstance(action, EnsureAgendaDoc):
        return f"create agenda doc {action.title!r} owned by {action.owner} ({action.provider})"
    if isinstance(action, AttachAgenda):
        where = f"{action.calendar} event {action.event_id}"
        if action.occurrence_start is not None:
            where += f" (occurrence of {_day(action.occurrence_start)})"
        return f"attach agenda doc of {pair} to {where}"
    if isinstance(action, AppendAgendaSection):
        return f"append agenda section for {_day(action.day)} to the doc of {pair}"
    if isinstance(action, WriteBlock):
        c = action.content
        where = f"{action.calendar} event {action.event_id}"
        if action.occurrence_start is not None:
            where += f" (occurrence of {_day(action.occurrence_start)})"
        parts: list[str] = []
        if c.agenda_url:
            parts.append("agenda link")
        if c.overdue_days is not None:
            parts.append(f"overdue alert ({c.overdue_days} days, limit {c.limit_days})")
        if c.proposal_for is not None:
            n = len(c.proposals)
            what = f"{n} proposal{'s' if n != 1 else ''}"
            parts.append(f"{what} for the {c.proposal_kind} 1:1 of {_day(c.proposal_for)}")
        return f"write block on {where}: {', '.join(parts) if parts else 'clear it'}"
    if isinstance(action, CreateHold):
        return (
            f"create hold on {action.calendar} at {action.start:%a %d %b %H:%M} UTC "
            f"for the 1:1 of {_day(action.proposal_for)}"
        )
    return f"withdraw hold {action.event_id} on {action.calendar}"
