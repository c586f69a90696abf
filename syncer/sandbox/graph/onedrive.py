"""OneDrive for Business as syncer uses it for agenda documents.

Graph driveItem reference: small upload ``PUT /drive/root:/{path}:/content`` (< 4 MB,
``@microsoft.graph.conflictBehavior=fail|replace|rename``), ``PUT /drive/items/{id}/content``
with ``If-Match`` (412 ``resourceModified`` when the eTag is stale), ``GET /drive/items/{id}``
and ``/content`` (Graph answers ``/content`` with a 302 to a download URL; the emulator serves
the bytes directly, which requests cannot tell apart), ``/children`` of a folder by path,
``POST .../invite`` and ``.../createLink``. eTag changes on every change, cTag on content
changes only (driveItem reference).
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import GraphError, bad_request
from .render import stamp
from .wire import USER, Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GraphState

MAX_SIMPLE_UPLOAD = 4 * 1024 * 1024


def _drive_id() -> str:
    return "b!" + base64.urlsafe_b64encode(secrets.token_bytes(48)).decode().rstrip("=")


def _item_id() -> str:
    return "01" + base64.b32encode(secrets.token_bytes(20)).decode()[:32]


@dataclass
class DriveFile:
    id: str
    name: str
    parent: str | None
    content: bytes | None  # None: a folder
    mime: str
    created: dt.datetime
    modified: dt.datetime
    tag: str = field(default_factory=lambda: str(uuid.uuid4()).upper())
    version: int = 1
    content_version: int = 1
    permissions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return f'"{{{self.tag}}},{self.version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.tag}}},{self.content_version}"'


@dataclass
class Drive:
    mailbox: str
    id: str
    root: str
    files: dict[str, DriveFile]


def not_found(message: str = "The resource could not be found.") -> GraphError:
    return GraphError(404, "itemNotFound", message)


class Drives:
    def __init__(self, state: GraphState) -> None:
        self._state = state
        self.drives: dict[str, Drive] = {}
        self.invitations: list[dict[str, Any]] = []  # what invite was asked (tests read it)

    def of(self, mailbox: str) -> Drive:
        if mailbox not in self.drives:
            now = self._state.clock.now()
            root = DriveFile(_item_id(), "root", None, None, "", now, now)
            self.drives[mailbox] = Drive(mailbox, _drive_id(), root.id, {root.id: root})
        return self.drives[mailbox]

    def item(self, mailbox: str, item_id: str) -> DriveFile:
        found = self.of(mailbox).files.get(item_id)
        if found is None:
            raise not_found()
        return found

    def path_of(self, drive: Drive, file: DriveFile) -> str:
        parts: list[str] = []
        while file.parent is not None:
            parts.append(file.name)
            file = drive.files[file.parent]
        return "/".join(reversed(parts))

    def child(self, drive: Drive, parent: str, name: str) -> DriveFile | None:
        return next(
            (
                f
                for f in drive.files.values()
                if f.parent == parent and f.name.lower() == name.lower()
            ),
            None,
        )

    def by_path(self, mailbox: str, path: str, *, create_folders: bool = False) -> DriveFile:
        drive = self.of(mailbox)
        current = drive.files[drive.root]
        for name in [p for p in path.split("/") if p]:
            found = self.child(drive, current.id, name)
            if found is None:
                if not create_folders:
                    raise not_found()
                now = self._state.clock.now()
                found = DriveFile(_item_id(), name, current.id, None, "", now, now)
                drive.files[found.id] = found
            current = found
        return current

    def upload(
        self, mailbox: str, path: str, content: bytes, conflict: str
    ) -> tuple[DriveFile, bool]:
        if len(content) > MAX_SIMPLE_UPLOAD:
            raise GraphError(413, "requestTooLarge", "Maximum request length exceeded.")
        folder, _, name = path.strip("/").rpartition("/")
        if not name:
            raise bad_request("The name is empty.", "invalidRequest")
        parent = self.by_path(mailbox, folder, create_folders=True)
        drive = self.of(mailbox)
        existing = self.child(drive, parent.id, name)
        now = self._state.clock.now()
        if existing is not None:
            if conflict == "fail":
                raise GraphError(
                    409, "nameAlreadyExists", "The specified item name already exists."
                )
            if conflict == "rename":
                stem, dot, ext = name.rpartition(".")
                stem, ext = (stem, dot + ext) if dot else (name, "")
                n = 1
                while self.child(drive, parent.id, f"{stem} {n}{ext}") is not None:
                    n += 1
                name, existing = f"{stem} {n}{ext}", None
            else:
                self.write(existing, content)
                return existing, False
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        created = DriveFile(_item_id(), name, parent.id, content, mime, now, now)
        drive.files[created.id] = created
        return created, True

    def write(self, file: DriveFile, content: bytes) -> None:
        file.content = content
        file.version += 1
        file.content_version += 1
        file.modified = self._state.clock.now()

    def as_resource(self, mailbox: str, file: DriveFile) -> dict[str, Any]:
        drive, base = self.of(mailbox), self._state.base_url
        person = self._state.person(mailbox)
        who = {"user": {"email": mailbox, "id": person.id if person else mailbox,
                        "displayName": person.name if person else mailbox}}  # fmt: skip
        path = self.path_of(drive, file)
        site = f"https://{self._state.tenant_name}-my.sharepoint.com/personal/"
        body: dict[str, Any] = {
            "@odata.context": f"{base}/v1.0/$metadata#users('{mailbox}')/drive/items/$entity",
            "createdDateTime": stamp(file.created),
            "eTag": file.etag,
            "id": file.id,
            "lastModifiedDateTime": stamp(file.modified),
            "name": file.name,
            "webUrl": site
            + mailbox.replace("@", "_").replace(".", "_")
            + "/Documents/"
            + urllib.parse.quote(path),
            "cTag": file.ctag,
            "size": len(file.content or b""),
            "createdBy": who,
            "lastModifiedBy": who,
            "parentReference": {
                "driveType": "business",
                "driveId": drive.id,
                "id": file.parent,
                "path": "/drive/root:" + ("/" + path.rpartition("/")[0] if "/" in path else ""),
            },
            "fileSystemInfo": {
                "createdDateTime": stamp(file.created),
                "lastModifiedDateTime": stamp(file.modified),
            },
        }
        if file.parent is None:
            body.pop("parentReference")
            body["root"] = {}
        if file.content is None:
            body["folder"] = {
                "childCount": sum(1 for f in drive.files.values() if f.parent == file.id)
            }
        else:
            body["file"] = {"mimeType": file.mime, "hashes": {"quickXorHash": ""}}
            body["@microsoft.graph.downloadUrl"] = (
                f"{base}/v1.0/users/{mailbox}/drive/items/{file.id}/content"
            )
        return body


def _mailbox(state: GraphState, request: Request) -> str:
    return state.mailbox_of(request)


def upload(state: GraphState, request: Request, user: str, path: str) -> Answer:
    mailbox = _mailbox(state, request)
    conflict = request.param("@microsoft.graph.conflictBehavior", "replace") or "replace"
    if conflict not in ("fail", "replace", "rename"):
        raise bad_request("Invalid conflictBehavior.", "invalidRequest")
    file, created = state.drives.upload(mailbox, urllib.parse.unquote(path), request.raw, conflict)
    request.notes["item_id"] = file.id
    return Answer(201 if created else 200, state.drives.as_resource(mailbox, file))


def get_by_path(state: GraphState, request: Request, user: str, path: str) -> Answer:
    mailbox = _mailbox(state, request)
    file = state.drives.by_path(mailbox, urllib.parse.unquote(path))
    return Answer(200, state.drives.as_resource(mailbox, file))


def children(state: GraphState, request: Request, user: str, path: str | None = None) -> Answer:
    mailbox = _mailbox(state, request)
    folder = state.drives.by_path(mailbox, urllib.parse.unquote(path or ""))
    drive = state.drives.of(mailbox)
    values = [
        state.drives.as_resource(mailbox, f)
        for f in sorted(drive.files.values(), key=lambda f: f.name)
        if f.parent == folder.id
    ]
    for value in values:
        value.pop("@odata.context", None)
    return Answer(200, {"value": values})


def get_item(state: GraphState, request: Request, user: str, item: str) -> Answer:
    mailbox = _mailbox(state, request)
    return Answer(200, state.drives.as_resource(mailbox, state.drives.item(mailbox, item)))


def get_content(state: GraphState, request: Request, user: str, item: str) -> Answer:
    mailbox = _mailbox(state, request)
    file = state.drives.item(mailbox, item)
    if file.content is None:
        raise bad_request("The item is a folder.", "invalidRequest")
    return Answer(200, content=file.content, content_type=file.mime, headers={"ETag": file.etag})


def put_content(state: GraphState, request: Request, user: str, item: str) -> Answer:
    mailbox = _mailbox(state, request)
    file = state.drives.item(mailbox, item)
    request.notes["item_id"] = item
    expected = request.headers.get("if-match")
    if expected and expected not in ("*", file.etag, file.ctag):
        raise GraphError(412, "resourceModified", "ETag does not match current item's value")
    state.drives.write(file, request.raw)
    return Answer(200, state.drives.as_resource(mailbox, file))


def invite(state: GraphState, request: Request, user: str, item: str) -> Answer:
    mailbox = _mailbox(state, request)
    file = state.drives.item(mailbox, item)
    body = request.json_body()
    request.notes["item_id"] = item
    recipients = [str(r.get("email", "")).lower() for r in body.get("recipients") or []]
    roles = list(body.get("roles") or ["read"])
    if not recipients or set(roles) - {"read", "write", "owner"}:
        raise bad_request("Invalid recipients or roles.", "invalidRequest")
    state.drives.invitations.append(
        {
            "mailbox": mailbox, "item": item, "recipients": recipients, "roles": roles,
            "requireSignIn": bool(body.get("requireSignIn", False)),
            "sendInvitation": bool(body.get("sendInvitation", True)),
            "message": body.get("message"),
        }
    )  # fmt: skip
    if body.get("sendInvitation", True):
        state.log_mail(mailbox, recipients, "share", item)
    values = []
    for email in recipients:
        granted = [p for p in file.permissions if _grantee(p) == email]
        if granted:  # invited before: the same grant comes back (roles as now asked)
            granted[0]["roles"] = roles
            values.append(granted[0])
            continue
        person = state.person(email)
        permission = {
            "@odata.type": "#microsoft.graph.permission",
            "id": base64.urlsafe_b64encode(secrets.token_bytes(12)).decode(),
            "roles": roles,
            "grantedTo": {"user": {"email": email, "id": person.id if person else None,
                                   "displayName": person.name if person else email}},
        }  # fmt: skip
        file.permissions.append(permission)
        values.append(permission)
    return Answer(
        200,
        {
            "@odata.context": f"{state.base_url}/v1.0/$metadata#Collection("
            "microsoft.graph.permission)",
            "value": values,
        },
    )


def list_permissions(state: GraphState, request: Request, user: str, item: str) -> Answer:
    """GET .../items/{id}/permissions: the item's sharing permissions (Graph "List sharing
    permissions on a driveItem"; invites show as `grantedTo`, links as `link`)."""
    mailbox = _mailbox(state, request)
    file = state.drives.item(mailbox, item)
    return Answer(
        200,
        {
            "@odata.context": f"{state.base_url}/v1.0/$metadata#Collection("
            "microsoft.graph.permission)",
            "value": list(file.permissions),
        },
    )


def _grantee(permission: dict[str, Any]) -> str:
    return str(permission.get("grantedTo", {}).get("user", {}).get("email", "")).lower()


def create_link(state: GraphState, request: Request, user: str, item: str) -> Answer:
    mailbox = _mailbox(state, request)
    file = state.drives.item(mailbox, item)
    body = request.json_body()
    request.notes["item_id"] = item
    kind, scope = body.get("type"), body.get("scope", "organization")
    if kind not in ("view", "edit", "embed") or scope not in ("anonymous", "organization", "users"):
        raise bad_request("Invalid link type or scope.", "invalidRequest")
    permission = {
        "id": base64.urlsafe_b64encode(secrets.token_bytes(12)).decode(),
        "roles": ["write" if kind == "edit" else "read"],
        "link": {
            "type": kind,
            "scope": scope,
            "webUrl": f"https://{state.tenant_name}-my.sharepoint.com/:w:/g/personal/"
            + secrets.token_urlsafe(16),
        },
    }
    file.permissions.append(permission)
    return Answer(201, permission)


ITEM = USER + r"/drive/items/(?P<item>[^/]+)"
ROUTES: list[Route] = [
    route("PUT", USER + r"/drive/root:/(?P<path>.+):/content", upload, "drive", write=True),
    route("GET", USER + r"/drive/root:/(?P<path>.+):/children", children, "drive"),
    route("GET", USER + r"/drive/root/children", children, "drive"),
    route("GET", USER + r"/drive/root:/(?P<path>[^:]+):?", get_by_path, "drive"),
    route("GET", ITEM + "/content", get_content, "drive"),
    route("PUT", ITEM + "/content", put_content, "drive", write=True),
    route("POST", ITEM + "/invite", invite, "drive", write=True),
    route("GET", ITEM + "/permissions", list_permissions, "drive"),
    route("POST", ITEM + "/createLink", create_link, "drive", write=True),
    route("GET", ITEM, get_item, "drive"),
]
