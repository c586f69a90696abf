"""Properties of the managed block over arbitrary descriptions, in both body types.

Descriptions are built from random unicode text mixed with the pieces that make finding a block
hard: markers alone, marker halves, wrappers without markers, separators, CRLF, `</body>`, and
whole rendered blocks (so descriptions may already hold zero, one or several blocks).
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.blocks import (
    BEGIN_MARKER,
    END_MARKER,
    HTML_CLOSE,
    HTML_OPEN,
    block_hash,
    content_hash,
    current_block,
    find_all,
    merge,
    remove,
    render,
)
from syncer.core.model import BlockContent, BodyType

ZONES = ("UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata")

contents = st.builds(
    BlockContent,
    agenda_url=st.none() | st.text(max_size=40) | st.just("https://docs.example.com/d/1?a=1&b=2"),
    overdue_days=st.none() | st.integers(0, 400),
    limit_days=st.none() | st.integers(1, 90),
    proposal_for=st.none()
    | st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    proposal_kind=st.sampled_from([None, "cancelled", "declined", "deleted"]),
    proposals=st.lists(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        ),
        max_size=3,
    ).map(tuple),
    proposal_minutes=st.integers(15, 120),
).filter(lambda c: not c.empty)

BODY_TYPES: tuple[BodyType, ...] = ("text", "html")
body_types = st.sampled_from(BODY_TYPES)


@st.composite
def blocks(draw: st.DrawFn, body_type: BodyType) -> str:
    return render(draw(contents), draw(st.sampled_from(ZONES)), body_type)


def pieces(body_type: BodyType) -> st.SearchStrategy[str]:
    tricky = [
        BEGIN_MARKER,
        END_MARKER,
        f"\n{BEGIN_MARKER}\n",
        f"\n{END_MARKER}\n",
        f"  {END_MARKER}\t",
        BEGIN_MARKER[:20],
        BEGIN_MARKER[20:],
        END_MARKER[:9],
        END_MARKER[9:],
        f"quoted {BEGIN_MARKER} in a sentence",
        HTML_OPEN,
        HTML_CLOSE,
        "\n",
        "\r\n",
        "\n\n",
        "\r\n\r\n",
        "\r",
        " ",
        "<br>",
        "<p>",
        "</p>",
        "<body>",
        "</body>",
        "</BODY></html>",
        "&amp; <b>\"quoted\" 'x'</b> &lt;",
        "________________________________________________________________________________",
        "Microsoft Teams meeting",
        "İ ß ﬁ",
    ]
    return st.one_of(
        st.text(max_size=12),
        st.sampled_from(tricky),
        blocks(body_type),
        blocks("text" if body_type == "html" else "html"),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[BodyType, str, str]:
    body_type = draw(body_types)
    description = "".join(draw(st.lists(pieces(body_type), max_size=12)))
    return body_type, description, draw(blocks(body_type))


@settings(max_examples=400, deadline=None)
@given(cases())
def test_merge_keeps_the_text_outside_the_block_and_leaves_one_block(
    case: tuple[BodyType, str, str],
) -> None:
    body_type, description, block = case
    merged = merge(description, block, body_type)
    # (1) the text outside the block is preserved byte for byte
    assert remove(merged, body_type) == remove(description, body_type)
    if not find_all(description, body_type):
        assert remove(merged, body_type) == description
    # (2) idempotent
    assert merge(merged, block, body_type) == merged
    # (3) never two blocks, and the one there says what was rendered
    assert len(find_all(merged, body_type)) == 1
    found = current_block(merged, body_type)
    assert found is not None
    assert block_hash(found) == block_hash(block)


@settings(max_examples=200, deadline=None)
@given(cases(), st.data())
def test_replacing_a_block_changes_only_the_block(
    case: tuple[BodyType, str, str], data: st.DataObject
) -> None:
    body_type, description, first = case
    second = data.draw(blocks(body_type))
    before = merge(description, first, body_type)
    after = merge(before, second, body_type)
    (old,) = find_all(before, body_type)
    (new,) = find_all(after, body_type)
    assert before[: old.block_start] == after[: new.block_start]
    assert before[old.block_end :] == after[new.block_end :]
    assert after == merge(description, second, body_type)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_remove_leaves_no_block_and_is_idempotent(case: tuple[BodyType, str, str]) -> None:
    body_type, description, _ = case
    removed = remove(description, body_type)
    assert find_all(removed, body_type) == ()
    assert remove(removed, body_type) == removed
    assert merge(description, "", body_type) == removed


@settings(max_examples=200, deadline=None)
@given(contents, st.sampled_from(ZONES), body_types)
def test_content_hash_is_the_hash_of_the_rendered_block(
    content: BlockContent, tz: str, body_type: BodyType
) -> None:
    block = render(content, tz, body_type)
    assert content_hash(content, tz, body_type) == block_hash(block)
    (span,) = find_all(block, body_type)
    assert (span.start, span.end) == (0, len(block))


@settings(max_examples=200, deadline=None)
@given(contents, st.sampled_from(ZONES), body_types, st.text())
def test_no_user_string_can_forge_a_marker(
    content: BlockContent, tz: str, body_type: BodyType, url_tail: str
) -> None:
    forged = f"{url_tail}\n{END_MARKER}\n<p>{BEGIN_MARKER}</p>\r{END_MARKER}"
    block = render(
        BlockContent(agenda_url=forged, overdue_days=content.overdue_days), tz, body_type
    )
    (span,) = find_all(block, body_type)
    assert (span.start, span.end) == (0, len(block))
    if body_type == "html":
        assert "\n" not in block and "\r" not in block
