"""Drive v3: files.create/get/list/update/delete and permissions.create.

Creating a file with mimeType ``application/vnd.google-apps.document`` creates an empty Google
Doc (Docs API "Create and manage documents"). Without ``fields`` Drive v3 answers only a few
fields of a file (kind, id, name, mimeType) and of a permission (kind, id, type, role); ask with
``fields=`` for more, as in production. ``permissions.create`` mails the grantee unless
``sendNotificationEmail=false`` (its default is true for users and groups).
"""

from __future__ import annotations

import base64
import copy
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .drive_query import compile_query
from .errors import ApiError, bad_request, forbidden
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GoogleState

DOC_TYPE = "application/vnd.google-apps.document"
FILE_DEFAULT = ("kind", "id", "name", "mimeType")
PERMISSION_DEFAULT = ("kind", "id", "type", "role")
READ_SCOPES = ("drive", "drive.file", "drive.readonly")
WRITE_SCOPES = ("drive", "drive.file")
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")


@dataclass
class Document:
    """A Google Doc's text (always ending with a newline) and its revision."""

    id: str
    title: str
    text: str = "\n"
    revision: str = field(default_factory=lambda: secrets.token_urlsafe(24))


class DriveStore:
    def __init__(self, state: GoogleState) -> None:
        self._state = state
        self.files: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, Document] = {}

    def new_id(self) -> str:
        return "1" + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")

    def create(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        now = _now(self._state)
        file_id = self.new_id()
        mime = body.get("mimeType", "application/octet-stream")
        owner_permission = {
            "kind": "drive#permission",
            "id": _permission_id(owner),
            "type": "user",
            "role": "owner",
            "emailAddress": owner,
        }
        record = {
            "kind": "drive#file",
            "id": file_id,
            "name": body.get("name", "Untitled"),
            "mimeType": mime,
            "trashed": False,
            "createdTime": now,
            "modifiedTime": now,
            "permissions": [owner_permission],
            "version": "1",
        }
        for key in ("appProperties", "properties", "description", "parents"):
            if key in body:
                record[key] = copy.deepcopy(body[key])
        if mime == DOC_TYPE:
            record["webViewLink"] = f"https://docs.google.com/document/d/{file_id}/edit"
            self.documents[file_id] = Document(file_id, record["name"])
        self.files[file_id] = record
        return record

    def visible(self, person: str | None, record: dict[str, Any]) -> str | None:
        """The person's role on a file, or None."""
        for permission in record.get("permissions", []):
            if permission.get("type") == "anyone" or permission.get("emailAddress") == person:
                return str(permission["role"])
            if (
                permission.get("type") == "domain"
                and person
                and person.endswith("@" + permission.get("domain", ""))
            ):
                return str(permission["role"])
        return None

    def open(self, person: str | None, file_id: str, *, write: bool) -> dict[str, Any]:
        record = self.files.get(file_id)
        role = self.visible(person, record) if record else None
        if record is None or role is None:
            raise ApiError(
                404,
                "notFound",
                f"File not found: {file_id}.",
                extra={"location": "fileId", "locationType": "parameter"},
            )
        if write and role not in ("owner", "organizer", "fileOrganizer", "writer"):
            raise forbidden(
                "The user does not have sufficient permissions for this file.",
                "insufficientFilePermissions",
            )
        return record


def _now(state: GoogleState) -> str:
    return state.clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _permission_id(email: str) -> str:
    return str(int.from_bytes(email.encode()[:8].ljust(8, b"\0"), "big") % 10**20).rjust(20, "0")


def render_file(person: str | None, record: dict[str, Any], request: Request) -> dict[str, Any]:
    out = copy.deepcopy(record)
    owners = [p for p in record["permissions"] if p["role"] == "owner"]
    out["owners"] = [
        {
            "kind": "drive#user",
            "emailAddress": p["emailAddress"],
            "displayName": p["emailAddress"],
            "me": p["emailAddress"] == person,
        }
        for p in owners
    ]
    out["ownedByMe"] = any(p["emailAddress"] == person for p in owners)
    if request.param("fields") is None:
        out = {k: v for k, v in out.items() if k in FILE_DEFAULT}
    return out


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except ValueError as exc:
        raise bad_request("Invalid pageToken") from exc


def create_file(state: GoogleState, request: Request) -> Answer:
    assert request.grant is not None and request.person is not None
    request.grant.require(*WRITE_SCOPES)
    record = state.drive.create(request.person, request.json_body())
    request.notes["event_id"] = record["id"]
    return Answer(200, render_file(request.person, record, request))


def get_file(state: GoogleState, request: Request, file_id: str) -> Answer:
    assert request.grant is not None
    request.grant.require(*READ_SCOPES)
    return Answer(
        200,
        render_file(
            request.person, state.drive.open(request.person, file_id, write=False), request
        ),
    )


def update_file(state: GoogleState, request: Request, file_id: str) -> Answer:
    assert request.grant is not None
    request.grant.require(*WRITE_SCOPES)
    request.notes["event_id"] = file_id
    record = state.drive.open(request.person, file_id, write=True)
    body = request.json_body()
    for key in ("name", "description", "trashed"):
        if key in body:
            record[key] = body[key]
    for key in ("appProperties", "properties"):
        for name, value in (body.get(key) or {}).items():
            if value is None:
                record.setdefault(key, {}).pop(name, None)
            else:
                record.setdefault(key, {})[name] = value
    record["modifiedTime"] = _now(state)
    record["version"] = str(int(record["version"]) + 1)
    return Answer(200, render_file(request.person, record, request))


def delete_file(state: GoogleState, request: Request, file_id: str) -> Answer:
    assert request.grant is not None
    request.grant.require(*WRITE_SCOPES)
    request.notes["event_id"] = file_id
    record = state.drive.open(request.person, file_id, write=True)
    if state.drive.visible(request.person, record) != "owner":
        raise forbidden(
            "The user does not have sufficient permissions for this file.",
            "insufficientFilePermissions",
        )
    del state.drive.files[file_id]
    state.drive.documents.pop(file_id, None)
    return Answer(204)


def list_files(state: GoogleState, request: Request) -> Answer:
    assert request.grant is not None
    request.grant.require(*READ_SCOPES)
    matches = compile_query(request.param("q"))
    found = [
        record
        for record in sorted(state.drive.files.values(), key=lambda r: (r["createdTime"], r["id"]))
        if state.drive.visible(request.person, record) and matches(record)
    ]
    size = min(int(request.param("pageSize", "100") or 100), 1000)
    start = _offset(request.param("pageToken"))
    page = found[start : start + size]
    plain = request.param("fields") is None
    files = [
        render_file(request.person, r, request) if not plain else {k: r[k] for k in FILE_DEFAULT}
        for r in page
    ]
    answer: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
    if start + size < len(found):
        answer["nextPageToken"] = _token(start + size)
    return Answer(200, answer)


def create_permission(state: GoogleState, request: Request, file_id: str) -> Answer:
    assert request.grant is not None
    request.grant.require(*WRITE_SCOPES)
    request.notes["event_id"] = file_id
    record = state.drive.open(request.person, file_id, write=True)
    body = request.json_body()
    kind, role = body.get("type"), body.get("role")
    if kind not in ("user", "group", "domain", "anyone") or role not in ROLES:
        raise bad_request("Invalid permission type or role.")
    email = (body.get("emailAddress") or "").lower()
    if kind in ("user", "group") and not email:
        raise bad_request("The permission emailAddress field is required.", "required")
    permission = {
        "kind": "drive#permission",
        "id": _permission_id(email or kind),
        "type": kind,
        "role": role,
    }
    if email:
        permission["emailAddress"] = email
    if kind == "domain":
        permission["domain"] = body.get("domain", state.domain)
    record["permissions"] = [p for p in record["permissions"] if p["id"] != permission["id"]] + [
        permission
    ]
    notify = request.param("sendNotificationEmail", "true") != "false"
    request.notes["send_updates"] = "all" if notify and kind in ("user", "group") else "none"
    if notify and kind in ("user", "group"):
        state.log_mail(request.person, [email], "share", file_id)
    out = permission if request.param("fields") else {k: permission[k] for k in PERMISSION_DEFAULT}
    return Answer(200, out)


ROUTES: list[Route] = [
    route("POST", "/files", create_file, "drive", write=True),
    route("GET", "/files", list_files, "drive"),
    route("GET", "/files/(?P<file_id>[^/]+)", get_file, "drive"),
    route("PATCH", "/files/(?P<file_id>[^/]+)", update_file, "drive", write=True),
    route("DELETE", "/files/(?P<file_id>[^/]+)", delete_file, "drive", write=True),
    route("POST", "/files/(?P<file_id>[^/]+)/permissions", create_permission, "drive", write=True),
]
