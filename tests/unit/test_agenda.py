"""The agenda doc: template, dated sections, carried-forward action items, append-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.agenda import (
    ACTION_ITEMS,
    DEFAULT_TEMPLATE,
    TemplateArea,
    doc_header,
    has_section,
    last_section_day,
    next_section,
    open_items,
    render_section,
    section_heading,
    template_from_config,
)

TUESDAY = date(2026, 11, 24)
NEXT_TUESDAY = TUESDAY + timedelta(days=7)


def test_default_template_covers_what_good_one_on_ones_cover_with_two_or_three_prompts() -> None:
    headings = [area.heading.lower() for area in DEFAULT_TEMPLATE]
    for topic in (
        "how things are going",
        "wins",
        "roadblocks",
        "workload",
        "communication",
        "feedback both ways",
        "career growth",
        "well-being",
        "action items",
    ):
        assert any(topic in heading for heading in headings), topic
    for area in DEFAULT_TEMPLATE:
        assert 2 <= len(area.prompts) <= 3, area.heading
        assert all(p.endswith("?") for p in area.prompts)


def test_default_template_passes_its_own_validation() -> None:
    as_config = [{"heading": a.heading, "prompts": list(a.prompts)} for a in DEFAULT_TEMPLATE]
    assert template_from_config(as_config) == DEFAULT_TEMPLATE
    assert template_from_config("default") == DEFAULT_TEMPLATE


def test_template_from_config_takes_mappings_and_loaded_sections() -> None:
    @dataclass
    class Section:  # the shape of the config's parsed sections
        heading: str
        prompts: tuple[str, ...]

    expected = (TemplateArea("Goals", ("Where are we?",)), TemplateArea("Misc", ()))
    assert (
        template_from_config(
            [{"heading": "Goals", "prompts": ["Where are we?"]}, {"heading": "Misc"}]
        )
        == expected
    )
    assert (
        template_from_config([Section("Goals", ("Where are we?",)), Section("Misc", ())])
        == expected
    )
    assert template_from_config(expected) == expected


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("agenda.yaml", "default"),
        ([], "non-empty"),
        ([{"prompts": ["x?"]}], "[0].heading"),
        ([{"heading": "a\nb"}], "[0].heading"),
        ([{"heading": "1:1 on 2026-11-24 (Tuesday)"}], "[0].heading"),
        ([{"heading": "Ok"}, {"heading": "B", "prompts": "not a list"}], "[1].prompts"),
        ([{"heading": "Ok", "prompts": ["fine?", "[ ] sneaky item"]}], "[0].prompts[1]"),
        ([{"heading": "Ok", "prompts": [""]}], "[0].prompts[0]"),
    ],
)
def test_a_bad_template_is_refused_naming_the_item(value: object, where: str) -> None:
    with pytest.raises(ValueError, match=re.escape(where)):
        template_from_config(value)


def test_doc_header_names_the_pair_and_how_to_use_it() -> None:
    header = doc_header(("Ada Lovelace", "Grace Hopper"))
    assert header.splitlines()[0] == "1:1 agenda: Ada Lovelace and Grace Hopper"
    assert "[ ]" in header and header.endswith("\n")
    assert open_items(header) == []


def test_section_heading_is_the_date_and_its_weekday() -> None:
    assert section_heading(TUESDAY) == "1:1 on 2026-11-24 (Tuesday)"


def test_section_lists_each_area_with_its_prompts_then_action_items_last() -> None:
    template = (
        TemplateArea(ACTION_ITEMS, ("Who does what?",)),
        TemplateArea("Wins", ("What went well?", "What else?")),
    )
    section = render_section(template, TUESDAY, ["ship it", "ship it", "  write   docs "])
    assert section.splitlines() == [
        "1:1 on 2026-11-24 (Tuesday)",
        "",
        "Wins",
        "- What went well?",
        "- What else?",
        "",
        "Action items",
        "- Who does what?",
        "[ ] ship it",
        "[ ] write docs",
        "[ ] ",
    ]


def test_a_template_without_action_items_still_gets_them() -> None:
    section = render_section((TemplateArea("Wins", ()),), TUESDAY, [])
    assert section.endswith("Action items\n[ ] \n")


def doc_with_two_sections() -> str:
    return (
        doc_header(("A", "B"))
        + "\n"
        + render_section(DEFAULT_TEMPLATE, TUESDAY - timedelta(days=7), ["old open thing"])
        + "[x] old done thing\n"
        + "\n"
        + render_section(DEFAULT_TEMPLATE, TUESDAY, [])
        + "- [ ] ship the thing\n"
        + "* [ ] talk to design\n"
        + "[x] book the offsite\n"
        + "- [X] fix the build\n"
        + "[ ] ship the thing\n"
        + "notes: the [ ] in this sentence is not an item\n"
    )


def test_carry_forward_picks_only_open_items_of_the_last_section() -> None:
    assert open_items(doc_with_two_sections()) == [
        "ship the thing",
        "talk to design",
        "ship the thing",
    ]


def test_done_items_are_not_carried_and_open_ones_are_carried_once() -> None:
    section = next_section(doc_with_two_sections(), DEFAULT_TEMPLATE, NEXT_TUESDAY)
    assert section is not None
    items = [line for line in section.splitlines() if line.startswith("[")]
    assert items == ["[ ] ship the thing", "[ ] talk to design", "[ ] "]
    assert "old open thing" not in section
    assert "book the offsite" not in section


def test_a_doc_without_sections_carries_nothing() -> None:
    assert open_items("[ ] a thing before any date\n") == []
    assert last_section_day("no sections yet") is None


def test_section_is_appended_once_per_day() -> None:
    doc = doc_header(("A", "B"))
    section = next_section(doc, DEFAULT_TEMPLATE, TUESDAY)
    assert section is not None
    doc += section
    assert has_section(doc, TUESDAY)
    assert next_section(doc, DEFAULT_TEMPLATE, TUESDAY) is None
    assert last_section_day(doc) == TUESDAY
    assert not has_section(doc, NEXT_TUESDAY)


def test_a_heading_with_the_wrong_weekday_is_not_a_section() -> None:
    assert not has_section("1:1 on 2026-11-24 (Monday)\n", TUESDAY)


def test_next_section_starts_with_just_enough_blank_line() -> None:
    def first_line_gap(doc: str) -> str:
        section = next_section(doc, DEFAULT_TEMPLATE, TUESDAY)
        assert section is not None
        return section[: section.index("1:1 on")]

    assert first_line_gap("") == ""
    assert first_line_gap("title") == "\n\n"
    assert first_line_gap("title\n") == "\n"
    assert first_line_gap("title\n\n") == ""


lines = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["[ ] open", "- [ ] x", "* [x] y", "[X] z", "[ ]", "[]", "\r", "#"]),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)).map(section_heading),
)
docs = st.lists(lines, max_size=15).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(docs, st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)))
def test_appending_the_next_section_is_append_only_and_idempotent(doc: str, day: date) -> None:
    section = next_section(doc, DEFAULT_TEMPLATE, day)
    if section is None:
        assert has_section(doc, day)
        return
    after = doc + section
    assert after.startswith(doc)
    assert next_section(after, DEFAULT_TEMPLATE, day) is None
    assert last_section_day(after) == day
    carried = list(dict.fromkeys(" ".join(i.split()) for i in open_items(doc)))
    assert open_items(after) == carried
