"""The managed block: the only part of an event description syncer writes.

People see syncer only through this block, so its one promise is: never damage the person's
text around it. Everything here is pure string work on the description as the provider gave it.

The shape, in both body types, is a BEGIN marker line, the block's lines, an END marker line:

    text:  BEGIN_MARKER "\\n" line "\\n" ... "\\n" END_MARKER             ("\\r\\n" in a CRLF body)
    html:  <div id="syncer-block">BEGIN_MARKER<br>line<br>...<br>END_MARKER</div>

How a block is found (the rules every function here shares):

- A *marker* is the exact marker text standing alone in its segment: surrounded only by
  whitespace up to the nearest boundary, a line break, `<` or `>` (in both body types: Google's
  web UI may turn a text description's lines into `<br>`s). So `MARKER` on its own line,
  `<p>MARKER</p>` and `...<br>MARKER<br>...` count, a marker quoted in a sentence does not, and
  markers survive a provider re-serialising the HTML around them. The marker text must stay
  literal (a body that spells `─` as `&#9472;` hides the block).
- BEGIN and END markers pair up like parentheses. Every outermost complete pair is syncer's
  block, everything between them included (the marker says edits inside are replaced); a pasted
  copy inside or beside the block is syncer's too, and `merge` collapses them into one.
  A lone BEGIN or END is the person's text and is never touched.
- A block's span also covers what syncer added around it: in text the blank-line separator
  before it ("\\n\\n" or "\\r\\n\\r\\n"); in HTML the `<div id="syncer-block">` wrapper when it is
  still exactly in place (the closing `</div>` only when whitespace and then a tag, a line break
  or the end follow it, so that removing the span can never glue two pieces of the person's
  text into a new marker).

Insertion: text at the end after a blank line; HTML before the last `</body>` if present, else
at the end. So `remove(merge(d, block)) == d` byte for byte for any `d` without a block, and
for any `d`, `remove(merge(d, block)) == remove(d)`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import BlockContent, BodyType

BEGIN_MARKER = "── syncer: 1:1 helper (edits inside this block are replaced) ──"
END_MARKER = "── end of syncer block ──"
HTML_OPEN = '<div id="syncer-block">'
HTML_CLOSE = "</div>"

_BOUNDARIES = frozenset("\n<>")
_BODY_END = re.compile(r"(?i)</body\s*>")
_LINE_TAGS = re.compile(r"(?i)<\s*/?\s*(?:br|p|div|li|ul|ol|tr|table|h[1-6])\b[^>]*>")
_TAGS = re.compile(r"<[^>]*>")
_WEB_URL = re.compile(r"(?i)https?://")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_KIND_WORDS = {"cancelled": "was cancelled", "declined": "was declined", "deleted": "was removed"}


@dataclass(frozen=True)
class BlockSpan:
    """Where a block sits in a description.

    `start`/`end` cover everything `remove` takes out (separator, wrapper, markers, lines);
    `block_start`/`block_end` the block itself as `render` would produce it (no separator).
    """

    start: int
    end: int
    block_start: int
    block_end: int


# --------------------------------------------------------------------------------------------
# Rendering


def render(
    content: BlockContent,
    tz: str,
    body_type: BodyType,
    names: Mapping[str, str] | None = None,
) -> str:
    """The block for `content`, markers included; "" when there is nothing to say.

    Times are shown on the wall clock of `tz` (the calendar owner's zone). `names` (display
    names by e-mail) is for people the block names; `BlockContent` names nobody yet, so it does
    not change the output, which `content_hash` relies on.
    """
    del names  # accepted for callers; see the docstring
    if content.empty:
        return ""
    zone = ZoneInfo(tz)
    lines: list[list[tuple[str, str | None]]] = []  # pieces of (text, href or None)
    if content.agenda_url is not None:
        url = _neutral(content.agenda_url)
        if body_type == "text":  # no boundary inside a text line: it stays one segment
            url = url.replace("<", "%3C").replace(">", "%3E")
        href = url if _WEB_URL.match(url) else None
        lines.append([("Agenda: ", None), (url, href)])
    if content.overdue_days is not None:
        text = f"You last met {_days(content.overdue_days)} ago"
        if content.limit_days is not None:
            text += f" (limit {_days(content.limit_days)})"
        lines.append([(text + ".", None)])
    if content.proposal_for is not None or content.proposals:
        lines.extend([[(text, None)] for text in _proposal_lines(content, zone, _neutral(tz))])
    if body_type == "html":
        inner = ["".join(_html_piece(text, href) for text, href in line) for line in lines]
        return HTML_OPEN + "<br>".join([BEGIN_MARKER, *inner, END_MARKER]) + HTML_CLOSE
    body = ["".join(text for text, _ in line) for line in lines]
    return "\n".join([BEGIN_MARKER, *body, END_MARKER])


def _proposal_lines(content: BlockContent, zone: ZoneInfo, tz_label: str) -> list[str]:
    lines: list[str] = []
    head = ""
    if content.proposal_for is not None:
        kind = _KIND_WORDS.get(content.proposal_kind or "cancelled", "cannot take place")
        head = f"The 1:1 on {_when(content.proposal_for, zone)} {kind}. "
    if not content.proposals:
        return [head + "No time when both of you are free was found; please pick one together."]
    lines.append(head + f"Free slots for both ({tz_label}):")
    length = timedelta(minutes=content.proposal_minutes)
    for start in content.proposals:
        end = _local(start, zone) + length
        until = f"{end:%H:%M}" if end.date() == _local(start, zone).date() else _when(end, zone)
        lines.append(f"- {_when(start, zone)}-{until}")
    return lines


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("block times must be aware datetimes")
    return moment.astimezone(zone)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """'Tue 24 Nov 10:00' in `zone`, English whatever the process locale."""
    t = _local(moment, zone)
    return f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]} {t:%H:%M}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _neutral(value: str) -> str:
    """A user-derived string on one line: control characters and line separators become spaces.

    Every rendered line starts with syncer's own words, so a one-line string can never make a
    text line that reads as a marker.
    """
    if value.isprintable():  # no Cc, Zl or Zp character in it: nothing to replace
        return value
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)


def _html_piece(text: str, href: str | None) -> str:
    # The box-drawing character becomes an entity, so no user string is ever a marker segment.
    escaped = html.escape(text, quote=True).replace("─", "&#9472;")
    if href is None:
        return escaped
    return f'<a href="{escaped}">{escaped}</a>'


# --------------------------------------------------------------------------------------------
# Finding


def find_all(description: str, body_type: BodyType) -> tuple[BlockSpan, ...]:
    """Every syncer block in the description, in order (see the module docstring for the rules)."""
    cores = _outermost_pairs(description)
    spans: list[BlockSpan] = []
    next_start: int | None = None
    for start, end in reversed(cores):  # right to left: a CLOSE may be followed by a span
        span = _extend(description, body_type, start, end, next_start)
        spans.append(span)
        next_start = span.start
    return tuple(reversed(spans))


def find(description: str, body_type: BodyType) -> BlockSpan | None:
    """The first syncer block, or None."""
    spans = find_all(description, body_type)
    return spans[0] if spans else None


def current_block(description: str, body_type: BodyType) -> str | None:
    """The text of the first block as `render` would have produced it (CRLF read as LF)."""
    span = find(description, body_type)
    if span is None:
        return None
    block = description[span.block_start : span.block_end]
    return block.replace("\r\n", "\n") if body_type == "text" else block


def _markers(description: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_begin) of every marker standing alone in its segment, in order."""
    found: list[tuple[int, int, bool]] = []
    for marker, is_begin in ((BEGIN_MARKER, True), (END_MARKER, False)):
        at = description.find(marker)
        while at >= 0:
            end = at + len(marker)
            if _alone(description, at, end):
                found.append((at, end, is_begin))
            at = description.find(marker, at + 1)
    found.sort()
    return found


def _alone(text: str, start: int, end: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] not in _BOUNDARIES:
        if not text[i].isspace():
            return False
        i -= 1
    j = end
    while j < len(text) and text[j] not in _BOUNDARIES:
        if not text[j].isspace():
            return False
        j += 1
    return True


def _outermost_pairs(description: str) -> list[tuple[int, int]]:
    """BEGIN..END pairs matched like parentheses, keeping those inside no other pair."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for start, end, is_begin in _markers(description):
        if is_begin:
            stack.append(start)
        elif stack:
            pairs.append((stack.pop(), end))
    pairs.sort()
    outer: list[tuple[int, int]] = []
    for start, end in pairs:
        if not outer or start >= outer[-1][1]:
            outer.append((start, end))
    return outer


def _extend(
    text: str, body_type: BodyType, start: int, end: int, next_start: int | None
) -> BlockSpan:
    """Widen a BEGIN..END pair to what syncer added around it (separator, wrapper)."""
    if body_type == "text":
        for sep in ("\r\n\r\n", "\n\n"):
            if start >= len(sep) and text.startswith(sep, start - len(sep)):
                return BlockSpan(start - len(sep), end, start, end)
        return BlockSpan(start, end, start, end)
    if start >= len(HTML_OPEN) and text.startswith(HTML_OPEN, start - len(HTML_OPEN)):
        start -= len(HTML_OPEN)
    if text.startswith(HTML_CLOSE, end):
        after = end + len(HTML_CLOSE)
        while after < len(text) and text[after].isspace() and text[after] != "\n":
            after += 1
        if after == len(text) or after == next_start or text[after] in _BOUNDARIES:
            end += len(HTML_CLOSE)
    return BlockSpan(start, end, start, end)


# --------------------------------------------------------------------------------------------
# Writing


def merge(description: str, block: str, body_type: BodyType) -> str:
    """The description with its block(s) replaced by `block`, or `block` inserted; "" removes.

    Only the block changes: the first block found is replaced in place (its separator kept),
    any other block is removed, and everything else is kept byte for byte. In a body whose own
    text uses CRLF, a text block is written with CRLF too.
    """
    if not block:
        return remove(description, body_type)
    spans = find_all(description, body_type)
    if body_type == "text":
        outside = _without(description, spans)
        newline = "\r\n" if "\r\n" in outside else "\n"
        block = block.replace("\r\n", "\n").replace("\n", newline)
    if not spans:
        return _insert(description, block, body_type)
    first = spans[0]
    pieces = [description[: first.block_start], block]
    pieces.append(_without(description[first.block_end :], _shift(spans[1:], -first.block_end)))
    return "".join(pieces)


def remove(description: str, body_type: BodyType) -> str:
    """The description without any syncer block: the inverse of inserting one."""
    return _without(description, find_all(description, body_type))


def _insert(description: str, block: str, body_type: BodyType) -> str:
    if body_type == "html":
        ends = [m.start() for m in _BODY_END.finditer(description)]  # not .lower(): it can
        at = ends[-1] if ends else len(description)  # change lengths ("İ") and so offsets
        return description[:at] + block + description[at:]
    if not description:
        return block
    newline = "\r\n" if "\r\n" in description else "\n"
    return description + newline * 2 + block


def _without(description: str, spans: tuple[BlockSpan, ...]) -> str:
    pieces: list[str] = []
    at = 0
    for span in spans:
        pieces.append(description[at : span.start])
        at = span.end
    pieces.append(description[at:])
    return "".join(pieces)


def _shift(spans: tuple[BlockSpan, ...], by: int) -> tuple[BlockSpan, ...]:
    return tuple(
        BlockSpan(s.start + by, s.end + by, s.block_start + by, s.block_end + by) for s in spans
    )


# --------------------------------------------------------------------------------------------
# Hashing


def block_hash(block_text: str) -> str:
    """A short hash of what a block says (16 hex digits of sha256).

    Tags, entities, line endings and runs of whitespace are folded first, so a provider that
    re-serialises the body (Graph rewrites HTML) does not make an unchanged block look changed;
    a change in any word, link or time does change it. Line tags (`<br>`, `<div>`, `<p>`...)
    count as line breaks, other tags as nothing, so a text and an HTML block saying the same
    thing hash the same.
    """
    text = _TAGS.sub("", _LINE_TAGS.sub("\n", block_text))
    text = html.unescape(text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    canonical = "\n".join(line for line in lines if line)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def content_hash(
    content: BlockContent,
    tz: str,
    body_type: BodyType,
    names: Mapping[str, str] | None = None,
) -> str:
    """The hash the block for `content` will have once written: `block_hash(render(...))`.

    Remembered for the last few (content, zone, body type): one pair's plan asks for the same
    content on several copies and instances, and `names` does not change what `render` writes.
    Few, because no two pairs share content (each has its own agenda doc) and a big cache would
    only keep garbage for the collector to walk.
    """
    del names  # see `render`
    return _content_hash(content, tz, body_type)


@functools.lru_cache(maxsize=64)
def _content_hash(content: BlockContent, tz: str, body_type: BodyType) -> str:
    return block_hash(render(content, tz, body_type))
