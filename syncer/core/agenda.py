"""The agenda doc's content: one plain-text doc per pair, appended to before each occurrence.

The doc is append-only (people write in it; syncer never rewrites a character of theirs), so
everything syncer needs is read back from the text itself:

- a dated section starts with a heading line `1:1 on 2026-11-24 (Tuesday)`; that line is how
  syncer knows a section for a day exists, so appending is idempotent;
- action items are checkbox lines: `[ ] open`, `[x] done` (also `- [ ] ...`, `* [ ] ...`);
  the open ones of the last section are carried forward into the next one, until ticked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

ACTION_ITEMS = "Action items"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HEADING = re.compile(r"^#*\s*1:1 on (\d{4}-\d{2}-\d{2}) \((\w+)\)$")
_ITEM = re.compile(r"^(?:[-*•]\s*)?\[([ xX]?)\]\s?(.*)$")


@dataclass(frozen=True)
class TemplateArea:
    """One area a 1:1 covers: a heading and the questions written under it."""

    heading: str
    prompts: tuple[str, ...] = ()


Template: TypeAlias = tuple[TemplateArea, ...]

DEFAULT_TEMPLATE: Template = (
    TemplateArea(
        "How things are going",
        ("How are you doing, honestly?", "What has been on your mind since we last talked?"),
    ),
    TemplateArea(
        "Wins",
        ("What went well since last time?", "What are you proud of, big or small?"),
    ),
    TemplateArea(
        "Roadblocks",
        ("What is slowing you down or blocking you?", "Where could the other one of us help?"),
    ),
    TemplateArea(
        "Workload",
        (
            "How manageable is your workload right now?",
            "Is there anything to drop, hand over or postpone?",
        ),
    ),
    TemplateArea(
        "Communication",
        (
            "Is anything unclear about priorities or decisions?",
            "Is there something you would like to hear about sooner or more often?",
        ),
    ),
    TemplateArea(
        "Feedback both ways",
        (
            "What is one thing the other could do differently?",
            "What worked well between us lately?",
        ),
    ),
    TemplateArea(
        "Career growth",
        (
            "What would you like to learn or get better at?",
            "What kind of work would you like more of?",
            "What is one step towards that before we next meet?",
        ),
    ),
    TemplateArea(
        "Personal well-being",
        (
            "How are your energy and balance outside work?",
            "Is there anything you would like the other to know, to support you?",
        ),
    ),
    TemplateArea(
        ACTION_ITEMS,
        ("What will each of us do before next time?", "Who owns it, and by when?"),
    ),
)


def template_from_config(value: object) -> Template:
    """The template from the config's `agenda.template` value, loaded and parsed already.

    Accepts "default", a list of `{heading, prompts}` mappings, or a list of objects with
    `heading` and `prompts` attributes (the config's sections, or `TemplateArea`s). Reading a
    template file is the config's job. Raises ValueError naming the offending item.
    """
    if isinstance(value, str):
        if value.strip().lower() == "default":
            return DEFAULT_TEMPLATE
        raise ValueError(f'agenda template must be "default" or a list of areas, not {value!r}')
    if not isinstance(value, Sequence) or not value:
        raise ValueError("agenda template must be a non-empty list of {heading, prompts}")
    areas: list[TemplateArea] = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            heading, prompts = item.get("heading"), item.get("prompts", ())
        else:
            heading, prompts = getattr(item, "heading", None), getattr(item, "prompts", ())
        areas.append(_area(i, heading, prompts))
    return tuple(areas)


def _area(i: int, heading: object, prompts: object) -> TemplateArea:
    if not isinstance(heading, str) or not _one_line(heading):
        raise ValueError(f"[{i}].heading: must be one non-empty line of text")
    if _HEADING.match(heading.strip()) or _ITEM.match(heading.strip()):
        raise ValueError(f"[{i}].heading: looks like a dated heading or a [ ] checkbox line")
    if isinstance(prompts, str) or not isinstance(prompts, Sequence):
        raise ValueError(f"[{i}].prompts: must be a list of questions")
    for j, prompt in enumerate(prompts):
        if not isinstance(prompt, str) or not _one_line(prompt):
            raise ValueError(f"[{i}].prompts[{j}]: must be one non-empty line of text")
        if _ITEM.match(prompt.strip()):
            raise ValueError(f"[{i}].prompts[{j}]: must not be a [ ] checkbox line")
    return TemplateArea(heading.strip(), tuple(p.strip() for p in prompts))


def _one_line(text: str) -> bool:
    return bool(text.strip()) and len(text.strip().splitlines()) == 1


# --------------------------------------------------------------------------------------------
# Reading the doc


def doc_header(pair_names: tuple[str, str]) -> str:
    """The text a new agenda doc starts with: a title line and how to use the doc."""
    first, second = (" ".join(name.split()) for name in pair_names)
    return (
        f"1:1 agenda: {first} and {second}\n"
        "Add topics under the next date any time before you meet. Write action items as "
        '"[ ] ..." lines and tick them "[x]" when done; open ones move on to the next date.\n'
    )


def section_heading(day: date) -> str:
    """The heading line of the section for `day`; stable, because it marks the section as done."""
    return f"1:1 on {day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


def has_section(doc_text: str, day: date) -> bool:
    """Whether the doc already has the dated section for `day`."""
    return day in (d for _, d in _sections(doc_text))


def last_section_day(doc_text: str) -> date | None:
    """The day of the last dated section in the doc (by position), if any."""
    sections = _sections(doc_text)
    return sections[-1][1] if sections else None


def open_items(doc_text: str) -> list[str]:
    """The open `[ ]` items of the last dated section, in order, without their checkbox.

    Done items (`[x]`, `[X]`) and empty boxes are not carried; nothing before the first dated
    section counts (that is the doc's header).
    """
    lines = doc_text.splitlines()
    sections = _sections(doc_text)
    if not sections:
        return []
    items: list[str] = []
    for line in lines[sections[-1][0] + 1 :]:
        match = _ITEM.match(line.strip())
        if match and not match.group(1).strip():
            text = " ".join(match.group(2).split())
            if text:
                items.append(text)
    return items


def _sections(doc_text: str) -> list[tuple[int, date]]:
    """(line index, day) of every dated heading line whose weekday matches its date."""
    found: list[tuple[int, date]] = []
    for index, line in enumerate(doc_text.splitlines()):
        match = _HEADING.match(line.strip())
        if not match:
            continue
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            continue
        if _WEEKDAYS[day.weekday()] == match.group(2):
            found.append((index, day))
    return found


# --------------------------------------------------------------------------------------------
# Writing the next section


def render_section(template: Template, day: date, carried: Sequence[str]) -> str:
    """The dated section: heading, each area with its prompts, then the action items.

    Action items come last whatever the template's order, with the template's prompts for them
    (if it has that area), the carried items as `[ ] ...` lines (deduplicated, order kept) and
    one empty `[ ] ` line to write in. Ends with a newline.
    """
    lines = [section_heading(day), ""]
    actions = TemplateArea(ACTION_ITEMS)
    for area in template:
        if area.heading.lower() == ACTION_ITEMS.lower():
            actions = area
            continue
        lines.append(area.heading)
        lines.extend(f"- {prompt}" for prompt in area.prompts)
        lines.append("")
    lines.append(actions.heading)
    lines.extend(f"- {prompt}" for prompt in actions.prompts)
    seen: set[str] = set()
    for item in carried:
        text = " ".join(item.split())
        if text and text not in seen:
            seen.add(text)
            lines.append(f"[ ] {text}")
    lines.append("[ ] ")
    return "\n".join(lines) + "\n"


def next_section(doc_text: str, template: Template, day: date) -> str | None:
    """The text to append to the doc for `day`, or None if its section is already there.

    Starts with whatever blank-line separator the doc's end needs; carries forward the open
    items of the doc's last section.
    """
    if has_section(doc_text, day):
        return None
    if not doc_text or doc_text.endswith("\n\n"):
        separator = ""
    elif doc_text.endswith("\n"):
        separator = "\n"
    else:
        separator = "\n\n"
    return separator + render_section(template, day, open_items(doc_text))
