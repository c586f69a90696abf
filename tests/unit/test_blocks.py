"""The managed block: what it says, and that the person's text around it is never damaged."""

from __future__ import annotations

from datetime import UTC, datetime

from syncer.core.blocks import (
    BEGIN_MARKER,
    END_MARKER,
    block_hash,
    content_hash,
    current_block,
    find,
    find_all,
    merge,
    remove,
    render,
)
from syncer.core.model import BlockContent, BodyType

BODY_TYPES: tuple[BodyType, ...] = ("text", "html")
DECLINED = BlockContent(
    agenda_url="https://docs.google.com/document/d/abc/edit",
    overdue_days=23,
    limit_days=21,
    proposal_for=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    proposal_kind="declined",
    proposals=(
        datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 13, 30, tzinfo=UTC),
    ),
    proposal_minutes=30,
)
LINK_ONLY = BlockContent(agenda_url="https://docs.google.com/document/d/abc/edit")

TEAMS_BODY = (
    "<html>\r\n<head>\r\n"
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    "</head>\r\n<body>\r\n"
    '<div style="font-family: Aptos">Let\'s talk about Q3 &amp; the "roadmap" '
    "&lt;draft&gt; — ça va?</div>\r\n"
    "<br>\r\n"
    '<div style="width:100%">'
    '<span style="white-space:nowrap;color:#5F5F5F">'
    "________________________________________________________________________________"
    "</span></div>\r\n"
    '<div style="margin-bottom:24px"><span style="font-size:24px;color:#252424">'
    "Microsoft Teams meeting</span></div>\r\n"
    '<div><a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0'
    '?context=%7b%22Tid%22%3a%22t%22%7d" target="_blank">Join the meeting now</a></div>\r\n'
    "<div>Meeting ID: 123 456 789 0<br>Passcode: aB3cD4</div>\r\n"
    "</body>\r\n</html>\r\n"
)


# --------------------------------------------------------------------------------------------
# What the block says


def test_block_shows_link_alert_and_proposals_on_the_owners_wall_clock() -> None:
    block = render(DECLINED, "Europe/Berlin", "text")
    assert block.splitlines() == [
        BEGIN_MARKER,
        "Agenda: https://docs.google.com/document/d/abc/edit",
        "You last met 23 days ago (limit 21 days).",
        "The 1:1 on Tue 24 Nov 10:00 was declined. Free slots for both (Europe/Berlin):",
        "- Wed 25 Nov 10:00-10:30",
        "- Thu 26 Nov 14:30-15:00",
        END_MARKER,
    ]


def test_times_follow_the_calendar_owner_zone() -> None:
    block = render(DECLINED, "America/New_York", "text")
    assert "The 1:1 on Tue 24 Nov 04:00 was declined." in block
    assert "- Thu 26 Nov 08:30-09:00" in block


def test_a_slot_crossing_midnight_names_both_days() -> None:
    late = BlockContent(proposals=(datetime(2026, 11, 25, 22, 45, tzinfo=UTC),))
    assert "- Wed 25 Nov 23:45-Thu 26 Nov 00:15" in render(late, "Europe/Berlin", "text")


def test_cancelled_occurrence_without_free_slots_says_so() -> None:
    content = BlockContent(
        agenda_url="https://x.example/d",
        proposal_for=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        proposal_kind="cancelled",
    )
    block = render(content, "UTC", "text")
    assert "The 1:1 on Tue 24 Nov 09:00 was cancelled. No time when both" in block


def test_one_day_is_singular() -> None:
    block = render(BlockContent(overdue_days=1, limit_days=1), "UTC", "text")
    assert "You last met 1 day ago (limit 1 day)." in block


def test_empty_content_renders_no_block() -> None:
    assert render(BlockContent(), "UTC", "text") == ""
    assert render(BlockContent(), "UTC", "html") == ""


def test_html_block_escapes_the_link_and_is_wrapped_in_its_div() -> None:
    content = BlockContent(agenda_url='https://x.example/d?a=1&b="2"<script>')
    block = render(content, "UTC", "html")
    assert block.startswith('<div id="syncer-block">' + BEGIN_MARKER + "<br>")
    assert block.endswith("<br>" + END_MARKER + "</div>")
    assert 'href="https://x.example/d?a=1&amp;b=&quot;2&quot;&lt;script&gt;"' in block
    assert "<script>" not in block


def test_a_link_that_is_not_http_is_shown_but_not_linked() -> None:
    block = render(BlockContent(agenda_url="javascript:alert(1)"), "UTC", "html")
    assert "<a " not in block
    assert "Agenda: javascript:alert(1)" in block


def test_a_link_cannot_smuggle_a_marker_line_into_the_block() -> None:
    url = f"https://x.example/\n{END_MARKER}\n{BEGIN_MARKER}"
    for body_type in BODY_TYPES:
        block = render(BlockContent(agenda_url=url), "UTC", body_type)
        (span,) = find_all(block, body_type)
        assert (span.start, span.end) == (0, len(block))
        assert remove(block, body_type) == ""


def test_content_hash_matches_the_hash_of_the_block_once_written() -> None:
    for body_type in BODY_TYPES:
        block = render(DECLINED, "Europe/Berlin", body_type)
        written = merge("Notes\r\nfrom me\r\n", block, body_type)
        found = current_block(written, body_type)
        assert found is not None
        assert block_hash(found) == content_hash(DECLINED, "Europe/Berlin", body_type)
        assert len(content_hash(DECLINED, "UTC", body_type)) == 16


def test_content_hash_changes_with_what_the_block_says() -> None:
    assert content_hash(DECLINED, "UTC", "text") != content_hash(LINK_ONLY, "UTC", "text")
    assert content_hash(DECLINED, "UTC", "text") != content_hash(DECLINED, "Asia/Tokyo", "text")


def test_a_block_reserialised_by_the_provider_keeps_its_hash() -> None:
    """Graph rewrites HTML (ids, line breaks, entities): the same words must hash the same."""
    block = render(DECLINED, "Europe/Berlin", "html")
    rewritten = block.replace('id="syncer-block"', 'id="x_syncer-block"').replace(
        "<br>", "<br>\r\n"
    )
    body = f"<html><body><p>hi</p>{rewritten}</body></html>"
    found = current_block(body, "html")
    assert found is not None
    assert block_hash(found) == block_hash(block)


# --------------------------------------------------------------------------------------------
# Merging into a text description


def test_block_goes_at_the_end_after_a_blank_line_and_comes_out_again() -> None:
    block = render(LINK_ONLY, "UTC", "text")
    description = "Weekly 1:1.\nBring your notes."
    merged = merge(description, block, "text")
    assert merged == description + "\n\n" + block
    assert remove(merged, "text") == description


def test_block_in_an_empty_description_is_the_whole_description() -> None:
    block = render(LINK_ONLY, "UTC", "text")
    assert merge("", block, "text") == block
    assert remove(block, "text") == ""


def test_new_block_replaces_the_old_one_in_place_and_keeps_text_below_it() -> None:
    old = render(LINK_ONLY, "UTC", "text")
    new = render(DECLINED, "UTC", "text")
    description = f"Above.\n\n{old}\nThe person wrote this below the block.\n"
    merged = merge(description, new, "text")
    assert merged == f"Above.\n\n{new}\nThe person wrote this below the block.\n"
    assert merge(merged, "", "text") == "Above.\nThe person wrote this below the block.\n"


def test_crlf_line_endings_are_kept_and_the_block_follows_them() -> None:
    description = "Line one\r\nLine two\r\n"
    block = render(DECLINED, "UTC", "text")
    merged = merge(description, block, "text")
    assert merged.startswith(description)
    assert "\n" not in merged.replace("\r\n", "")
    assert remove(merged, "text") == description
    assert merge(merged, block, "text") == merged


def test_a_description_near_8_kb_survives_byte_for_byte() -> None:
    paragraph = "Ünïcödé notes — with <tags>, & \"quotes\", 'apostrophes' and emoji 🎉.\n"
    description = (paragraph * (8000 // len(paragraph.encode())))[:-1]
    assert 7000 < len(description.encode()) <= 8192
    for body_type in BODY_TYPES:
        block = render(DECLINED, "Europe/Berlin", body_type)
        merged = merge(description, block, body_type)
        assert remove(merged, body_type) == description


def test_a_lone_begin_marker_is_the_persons_text() -> None:
    description = f"I pasted this:\n{BEGIN_MARKER}\nand nothing else"
    assert find(description, "text") is None
    block = render(LINK_ONLY, "UTC", "text")
    merged = merge(description, block, "text")
    assert merged == description + "\n\n" + block
    assert remove(merged, "text") == description


def test_a_lone_end_marker_is_the_persons_text() -> None:
    description = f"{END_MARKER}\nnotes"
    assert find(description, "text") is None
    assert remove(description, "text") == description


def test_a_marker_quoted_inside_a_sentence_is_not_a_marker() -> None:
    description = f"The line '{BEGIN_MARKER}' then '{END_MARKER}' in one sentence."
    assert find(description, "text") is None
    assert find(description, "html") is None


def test_copy_pasted_blocks_collapse_into_one() -> None:
    old = render(LINK_ONLY, "UTC", "text")
    new = render(DECLINED, "UTC", "text")
    description = f"Top\n\n{old}\nmiddle\n{old}\nbottom"
    merged = merge(description, new, "text")
    assert merged == f"Top\n\n{new}\nmiddle\n\nbottom"
    assert len(find_all(merged, "text")) == 1


def test_a_block_pasted_inside_the_block_goes_with_it() -> None:
    inner = render(LINK_ONLY, "UTC", "text")
    description = f"Top\n\n{BEGIN_MARKER}\nold line\n{inner}\n{END_MARKER}\nafter"
    assert remove(description, "text") == "Top\nafter"


def test_merging_nothing_removes_the_block() -> None:
    block = render(LINK_ONLY, "UTC", "text")
    assert merge("Hello\n\n" + block, "", "text") == "Hello"


# --------------------------------------------------------------------------------------------
# Merging into an HTML body


def test_html_block_goes_before_the_body_end_and_teams_block_is_untouched() -> None:
    block = render(DECLINED, "Europe/Berlin", "html")
    merged = merge(TEAMS_BODY, block, "html")
    at = TEAMS_BODY.rfind("</body>")
    assert merged == TEAMS_BODY[:at] + block + TEAMS_BODY[at:]
    assert remove(merged, "html") == TEAMS_BODY
    assert merge(merged, block, "html") == merged
    replaced = merge(merged, render(LINK_ONLY, "UTC", "html"), "html")
    assert remove(replaced, "html") == TEAMS_BODY


def test_html_without_a_body_gets_the_block_at_the_end() -> None:
    description = 'Notes with <b>"quotes"</b>, &amp;, &lt;, 1 < 2 & ünïcödé<br>end'
    block = render(LINK_ONLY, "UTC", "html")
    merged = merge(description, block, "html")
    assert merged == description + block
    assert remove(merged, "html") == description


def test_html_block_rewritten_by_the_web_ui_is_still_found_and_replaced() -> None:
    """Google's editor turns the div into plain lines: the markers still delimit the block."""
    description = (
        f"Agenda below<br>{BEGIN_MARKER}<br>Agenda: <a href='https://x'>https://x</a>"
        f"<br>{END_MARKER}<br>my own line"
    )
    block = render(LINK_ONLY, "UTC", "html")
    merged = merge(description, block, "html")
    assert merged == f"Agenda below<br>{block}<br>my own line"
    assert remove(merged, "html") == "Agenda below<br><br>my own line"
    assert merge(merged, block, "html") == merged


def test_html_marker_inside_a_paragraph_counts() -> None:
    description = f"<p>x</p><p> {BEGIN_MARKER} </p><p>old</p><p>{END_MARKER}</p><p>y</p>"
    assert remove(description, "html") == "<p>x</p><p> </p><p>y</p>"


def test_a_text_block_turned_into_html_by_the_web_ui_is_still_one_block() -> None:
    """Google's editor may rewrite a text description's lines as `<br>`s."""
    old = render(LINK_ONLY, "UTC", "text").replace("\n", "<br>")
    description = f"My notes<br><br>{old}<br>more notes"
    new = render(DECLINED, "UTC", "text")
    merged = merge(description, new, "text")
    assert merged == f"My notes<br><br>{new}<br>more notes"
    assert len(find_all(merged, "text")) == 1


def test_text_and_html_blocks_saying_the_same_thing_hash_the_same() -> None:
    assert content_hash(DECLINED, "Europe/Berlin", "text") == content_hash(
        DECLINED, "Europe/Berlin", "html"
    )


def test_html_insertion_point_is_right_even_after_characters_that_change_case_length() -> None:
    description = "<html><body>İstanbul İİİ</BODY></html>"
    block = render(LINK_ONLY, "UTC", "html")
    merged = merge(description, block, "html")
    assert merged == "<html><body>İstanbul İİİ" + block + "</BODY></html>"
    assert remove(merged, "html") == description
