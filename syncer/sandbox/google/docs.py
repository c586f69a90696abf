"""Docs v1: documents.get and documents.batchUpdate (insertText only).

Indexes count UTF-16 code units; the body starts with a section break ending at index 1, so
text starts at index 1 and the body always ends with a newline (Docs "Structure of a Google
Docs document"). ``writeControl.requiredRevisionId`` that is not the current revision is
refused with 400 (documents.batchUpdate reference, WriteControl).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .drive import Document
    from .state import GoogleState

READ_SCOPES = ("documents", "documents.readonly", "drive", "drive.file", "drive.readonly")
WRITE_SCOPES = ("documents", "drive", "drive.file")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, index: int) -> int:
    """Python string offset of a Docs index (1-based, UTF-16 units)."""
    units = 1
    for position, char in enumerate(text):
        if units >= index:
            return position
        units += _units(char)
    return len(text)


def render(document: Document) -> dict[str, Any]:
    content: list[dict[str, Any]] = [
        {
            "endIndex": 1,
            "sectionBreak": {
                "sectionStyle": {
                    "columnSeparatorStyle": "NONE",
                    "contentDirection": "LEFT_TO_RIGHT",
                    "sectionType": "CONTINUOUS",
                }
            },
        }
    ]
    index = 1
    for line in document.text.splitlines(keepends=True):
        end = index + _units(line)
        run = {"startIndex": index, "endIndex": end, "textRun": {"content": line, "textStyle": {}}}
        content.append(
            {
                "startIndex": index,
                "endIndex": end,
                "paragraph": {
                    "elements": [run],
                    "paragraphStyle": {
                        "namedStyleType": "NORMAL_TEXT",
                        "direction": "LEFT_TO_RIGHT",
                    },
                },
            }
        )
        index = end
    return {
        "documentId": document.id,
        "title": document.title,
        "body": {"content": content},
        "revisionId": document.revision,
        "suggestionsViewMode": "SUGGESTIONS_INLINE",
    }


def _open(state: GoogleState, request: Request, document_id: str, *, write: bool) -> Document:
    assert request.grant is not None
    request.grant.require(*(WRITE_SCOPES if write else READ_SCOPES))
    record = state.drive.files.get(document_id)
    document = state.drive.documents.get(document_id)
    if record is None or document is None or state.drive.visible(request.person, record) is None:
        raise ApiError(404, "notFound", "Requested entity was not found.")
    if write and state.drive.visible(request.person, record) not in ("owner", "writer"):
        raise ApiError(403, "forbidden", "The caller does not have permission")
    return document


def get_document(state: GoogleState, request: Request, document_id: str) -> Answer:
    return Answer(200, render(_open(state, request, document_id, write=False)))


def _insert(document: Document, number: int, request: dict[str, Any]) -> None:
    text = request.get("text", "")
    last = _units(document.text)  # index of the final newline is `last`
    if "endOfSegmentLocation" in request:
        position = len(document.text) - 1
    elif "location" in request:
        index = int(request["location"].get("index", 0))
        if index < 1 or index > last:
            raise bad_request(
                f"Invalid requests[{number}].insertText: Index {index} must be less than "
                f"the end index of the referenced segment, {last + 1}."
            )
        position = _offset(document.text, index)
    else:
        raise bad_request(f"Invalid requests[{number}].insertText: a location is required.")
    document.text = document.text[:position] + text + document.text[position:]


def batch_update(state: GoogleState, request: Request, document_id: str) -> Answer:
    request.notes["event_id"] = document_id
    document = _open(state, request, document_id, write=True)
    body = request.json_body()
    wanted = body.get("writeControl", {}).get("requiredRevisionId")
    if wanted is not None and wanted != document.revision:
        raise bad_request(
            "The document was modified since the required revision; the requests were not applied.",
            "failedPrecondition",
        )
    original = document.text
    try:
        for number, item in enumerate(body.get("requests", [])):
            if set(item) != {"insertText"}:
                raise bad_request(f"Invalid requests[{number}]: only insertText is emulated.")
            _insert(document, number, item["insertText"])
    except ApiError:
        document.text = original  # a batch applies all or nothing
        raise
    document.revision = secrets.token_urlsafe(24)
    return Answer(
        200,
        {
            "documentId": document.id,
            "replies": [{} for _ in body.get("requests", [])],
            "writeControl": {"requiredRevisionId": document.revision},
        },
    )


ROUTES: list[Route] = [
    route("GET", "/v1/documents/(?P<document_id>[^/:]+)", get_document, "docs"),
    route(
        "POST",
        "/v1/documents/(?P<document_id>[^/:]+):batchUpdate",
        batch_update,
        "docs",
        write=True,
    ),
]
