"""Names and titles carrying HTML/JS/Markdown payloads are inert wherever syncer shows them:
the managed block (text and HTML bodies), agenda docs (Google Doc text, .docx paragraphs) and
the dashboard (escaped HTML under a script-free Content-Security-Policy; in Chromium when it is
installed)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from syncer.core.agenda import doc_header
from syncer.core.blocks import BEGIN_MARKER, END_MARKER, find_all, merge, remove, render
from syncer.core.model import BlockContent, BodyType
from syncer.providers import graph_docx
from tests.security.asgi import call
from tests.security.conftest import write_config

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "javascript:alert(1)",
    f"x\n{END_MARKER}\n{BEGIN_MARKER}\nforged",
    f"{BEGIN_MARKER}",
    "<svg/onload=document.title='pwned'>",
    '</div><div id="syncer-block">',
]
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_the_agenda_link_is_escaped_in_an_html_block(payload: str) -> None:
    block = render(BlockContent(agenda_url=payload), "UTC", "html")
    assert "<script" not in block and "<img" not in block and "<svg" not in block
    assert not re.search(r"<[^>]*\son\w+=", block)  # no event handler inside any tag
    assert 'href="javascript' not in block  # only http(s) links become links
    assert block.count("<div") == 1 and block.count("</div>") == 1


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("body_type", ["text", "html"])
def test_a_payload_cannot_forge_or_split_the_block(payload: str, body_type: BodyType) -> None:
    person = f"Agenda for {payload} below\n"
    block = render(BlockContent(agenda_url=payload, overdue_days=30), "UTC", body_type)
    merged = merge(person, block, body_type)
    assert len(find_all(merged, body_type)) == 1
    assert remove(merged, body_type) == remove(person, body_type)
    assert merge(merged, block, body_type) == merged
    if body_type == "text":  # the link stays on its one line: no new marker line
        lines = block.split("\n")
        assert lines[0] == BEGIN_MARKER and lines[-1] == END_MARKER
        assert BEGIN_MARKER not in lines[1:] and END_MARKER not in lines[:-1]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_in_an_agenda_doc_are_plain_text(payload: str) -> None:
    header = doc_header((payload, "Bo"))
    # Google: the doc is written with insertText, which takes text, not markup.
    assert header.startswith("1:1 agenda: ")
    # Microsoft: .docx paragraphs hold the characters, escaped in the XML; no hyperlinks.
    content = graph_docx.build(f"1:1 {payload}", "ana@acme.test|bo@acme.test", header)
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert "<script" not in xml and "<img" not in xml and "<svg" not in xml
    assert "w:hyperlink" not in xml and "javascript:" not in xml.split("<w:t", 1)[0]
    single_line = " ".join(payload.split())
    assert single_line in graph_docx.text_of(content)


@pytest.mark.parametrize("name", ["Ana\x00Lima", "Ana\x07", "Ana\x1bLima", "Ana\ufffe"])
def test_a_name_with_control_characters_still_makes_a_docx(name: str) -> None:
    """Regression: python-docx raised ValueError on them, so the pair's doc was never made."""
    content = graph_docx.build(f"1:1 {name}", "a|b", doc_header((name, "Bo")))
    assert "Ana" in graph_docx.text_of(content)
    assert graph_docx.properties_of(content)[1].startswith("1:1 Ana")
    assert "Ana" in graph_docx.text_of(graph_docx.append(content, f"carried {name}\n"))


def _dashboard(tmp_path: Path, org: str, redis_url: str) -> str:
    path = write_config(tmp_path, org, redis_url, "127.0.0.1:8080", None)
    entries = []
    for i, payload in enumerate([*PAYLOADS[:4], PAYLOADS[6]]):
        quoted = payload.replace("'", "''")  # a single-quoted YAML scalar
        entries.append(
            f"  - email: p{i}@acme.test\n    provider: google\n    name: '{quoted}'\n"
            f"    team: '{quoted}'\n    manager: p{i + 1}@acme.test\n"
        )
    people = "".join(entries) + "  - email: p5@acme.test\n    provider: google\n"
    text = path.read_text().replace(
        "people:\n  - email: ana@acme.test\n    provider: google\n", f"people:\n{people}"
    )
    path.write_text(text)
    from syncer.web import create_app

    answer = call(create_app(path), "GET", "/dashboard")
    assert answer.status == 200, answer.text
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    return answer.text


def test_payload_names_and_teams_are_escaped_on_the_dashboard(
    tmp_path: Path, org: str, redis_url: str, redis_client: Any
) -> None:
    html = _dashboard(tmp_path, org, redis_url)
    assert "p0@acme.test" in html  # the people are on the page
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "<svg/onload" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_no_payload_runs_script_in_chromium(
    tmp_path: Path, org: str, redis_url: str, redis_client: Any
) -> None:
    html = _dashboard(tmp_path, org, redis_url)
    page = tmp_path / "dashboard.html"
    page.write_text(html.replace("<head>", "<head><title>syncer-ok</title>", 1))
    chromium = shutil.which(str(CHROMIUM)) or str(CHROMIUM)
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    assert "p0@acme.test" in dom  # Chromium rendered the page
    # Loaded from a file, the page has no CSP header: escaping alone keeps the payloads inert.
    assert re.findall(r"<title>(.*?)</title>", dom)[0] == "syncer-ok"
    assert "<img" not in dom.lower()
