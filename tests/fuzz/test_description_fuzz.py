"""Description fuzzing: the managed block over bigger and nastier bodies than the unit
properties use (tests/unit/test_blocks_properties.py): nested, broken and look-alike markers,
long runs of pieces, HTML with Teams join blocks, and bodies near each provider's size limits
(Google's ~8 KB UI limit and past it; Graph bodies of megabytes). The promises: the text
outside the block is never lost, and a merge never leaves two blocks."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.blocks import (
    BEGIN_MARKER,
    END_MARKER,
    HTML_OPEN,
    current_block,
    find_all,
    merge,
    remove,
    render,
)
from syncer.core.model import BlockContent, BodyType
from tests.fuzz.logs import FUZZ_SETTINGS
from tests.fuzz.payloads import INJECTIONS
from tests.unit.test_blocks_properties import blocks, body_types, pieces

NASTY = [
    BEGIN_MARKER + BEGIN_MARKER,
    f"\n{BEGIN_MARKER}\n{BEGIN_MARKER}\n{END_MARKER}\n",  # nested, one END short
    f"\n{END_MARKER}\n{BEGIN_MARKER}\n",  # reversed
    f"<p>{BEGIN_MARKER}</p>",
    f"<p>{END_MARKER}</p>",
    BEGIN_MARKER.replace("─", "&#9472;"),  # the entity spelling hides a marker
    BEGIN_MARKER.replace("─", "—"),  # look-alike dash
    BEGIN_MARKER.replace(" ", "\u00a0"),
    "\u200b" + END_MARKER + "\u200b",
    f"{HTML_OPEN}{BEGIN_MARKER}<br>forged<br>",  # broken wrapper, no END
    f"{HTML_OPEN}{HTML_OPEN}</div></div>",
    "<div id='syncer-block'>",
    "<!-- " + BEGIN_MARKER + " -->",
    "<![CDATA[" + END_MARKER + "]]>",
    "<script>document.title='pwned'</script>",
    "________________\nMicrosoft Teams meeting\nJoin: https://teams.microsoft.com/l/x\n____",
    "\x00\x1b[31m",
    "\u2028\u2029\x85",
    *INJECTIONS,
]


def nasty_pieces(body_type: BodyType) -> st.SearchStrategy[str]:
    return st.one_of(pieces(body_type), st.sampled_from(NASTY), st.text(min_size=50, max_size=400))


@st.composite
def descriptions(draw: st.DrawFn, max_pieces: int) -> tuple[BodyType, str, str]:
    body_type = draw(body_types)
    text = "".join(draw(st.lists(nasty_pieces(body_type), max_size=max_pieces)))
    return body_type, text, draw(blocks(body_type))


def check_merge(body_type: BodyType, description: str, block: str) -> None:
    merged = merge(description, block, body_type)
    assert remove(merged, body_type) == remove(description, body_type)  # outside text kept
    if not find_all(description, body_type):
        assert remove(merged, body_type) == description  # byte for byte
    assert len(find_all(merged, body_type)) == 1  # never two blocks
    assert merge(merged, block, body_type) == merged  # the second write is a no-op
    removed = merge(merged, "", body_type)
    assert find_all(removed, body_type) == ()
    assert removed == remove(description, body_type)


@settings(max_examples=80, **FUZZ_SETTINGS)
@given(descriptions(max_pieces=40))
def test_nasty_descriptions_keep_their_outside_text_and_get_one_block(
    case: tuple[BodyType, str, str],
) -> None:
    check_merge(*case)


@pytest.mark.slow
@settings(max_examples=10_000, **FUZZ_SETTINGS)
@given(descriptions(max_pieces=120))
def test_ten_thousand_nasty_descriptions_keep_their_outside_text(
    case: tuple[BodyType, str, str],
) -> None:
    check_merge(*case)


@settings(max_examples=20, **FUZZ_SETTINGS)
@given(st.data(), st.sampled_from([7_900, 8_192, 9_000, 64_000]))
def test_bodies_near_googles_size_limit_keep_their_text(data: st.DataObject, size: int) -> None:
    body_type, head, block = data.draw(descriptions(max_pieces=10))
    filler = data.draw(st.sampled_from(["x", "é", "─", "\n", "<br>", "🙂"]))
    description = head + filler * (size // len(filler.encode()))
    check_merge(body_type, description, block)


@pytest.mark.parametrize("megabytes", [1, 4])
@pytest.mark.parametrize("body_type", ["text", "html"])
def test_megabyte_graph_bodies_with_many_fake_markers_merge_fast(
    megabytes: int, body_type: BodyType
) -> None:
    """A Graph body of MBs full of marker look-alikes and lone markers: linear, not quadratic."""
    unit = f"para {BEGIN_MARKER[:30]} <p>{END_MARKER}</p> {BEGIN_MARKER} x\n" + "y" * 200 + "\n"
    description = unit * (megabytes * 1_000_000 // len(unit))
    block = render(BlockContent(agenda_url="https://docs.test/d/1"), "UTC", body_type)
    started = time.perf_counter()
    check_merge(body_type, description, block)
    assert time.perf_counter() - started < 10 * megabytes


@settings(max_examples=30, **FUZZ_SETTINGS)
@given(st.data())
def test_successive_writes_between_edits_never_leave_two_blocks(data: st.DataObject) -> None:
    """Write, the person edits (anything, pasted blocks and lone markers included), write..."""
    body_type, description, _ = data.draw(descriptions(max_pieces=20))
    for _ in range(4):
        before = description
        description = merge(description, data.draw(blocks(body_type)), body_type)
        assert len(find_all(description, body_type)) == 1
        assert remove(description, body_type) == remove(before, body_type)
        assert current_block(description, body_type) is not None
        description += data.draw(nasty_pieces(body_type))  # the person edits in between
