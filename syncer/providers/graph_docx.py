"""The agenda document on OneDrive: a real Word (.docx) file, built and read with python-docx.

Text maps to paragraphs one line each, so `text_of(build(t))` gives `t` back (with a final
newline). The pair key sits in the core properties (`identifier`, and `subject` for people
browsing file properties), so a doc found by name can be checked to be the pair's own.
"""

from __future__ import annotations

import io
import re

import docx

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# Characters XML 1.0 cannot hold (python-docx raises ValueError on them): C0 controls other
# than tab/newline/CR, and U+FFFE/U+FFFF. A name from the directory may carry one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def _lines(text: str) -> list[str]:
    lines = _xml_safe(text).replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last paragraph, it does not start a new one
    return lines


def build(title: str, pair_key: str, text: str) -> bytes:
    """A new .docx holding `text`, titled `title`, marked with the pair key."""
    document = docx.Document()
    props = document.core_properties
    props.title = _xml_safe(title)
    props.identifier = pair_key
    props.subject = pair_key
    for line in _lines(text):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _open(content: bytes) -> docx.document.Document:
    try:
        return docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises zipfile/lxml/KeyError on a non-docx
        raise ValueError("not a readable .docx") from exc


def text_of(content: bytes) -> str:
    """The document's text: each paragraph followed by a newline."""
    return "".join(p.text + "\n" for p in _open(content).paragraphs)


def properties_of(content: bytes) -> tuple[str, str]:
    """(pair key, title) from the document's core properties ("" when absent)."""
    props = _open(content).core_properties
    return (props.identifier or props.subject or ""), (props.title or "")


def append(content: bytes, text: str) -> bytes:
    """The same document with `text` appended as new paragraphs at the end."""
    document = _open(content)
    for line in _lines(text):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


__all__ = ["DOCX_MIME", "append", "build", "properties_of", "text_of"]
