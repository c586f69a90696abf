"""The pair's agenda document as a .docx in the organiser's OneDrive, under `syncer/`.

- Created with `PUT /users/{id}/drive/root:/syncer/{name}.docx:/content` and
  `@microsoft.graph.conflictBehavior=fail` (never overwrite a file), then shared with the other
  person through `POST .../invite` (`sendInvitation: false`, `requireSignIn: true`, write).
- Found again by listing `syncer/` and checking the pair key in each .docx's core properties:
  the name comes from the title, which may change or collide; the key does not.
- Read: `/content` as text, the driveItem's `eTag` as the revision. Append: download, add
  paragraphs, `PUT /drive/items/{id}/content` with `If-Match: eTag` (412 -> Conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from syncer.errors import Conflict, NotFound, ProviderError
from syncer.providers import graph_docx
from syncer.providers.base import DocRef, DocText
from syncer.providers.graph_http import GraphSession

DOC_FOLDER = "syncer"
_UNSAFE_NAME = str.maketrans({c: "-" for c in '"*:<>?/\\|#%'})


def doc_name(title: str) -> str:
    """A OneDrive-safe file name from the doc title."""
    name = " ".join(title.translate(_UNSAFE_NAME).split()).strip(". ") or "1-1 agenda"
    return name[:120] + ".docx"


class AgendaDocs:
    def __init__(self, session: GraphSession) -> None:
        self._session = session
        self._send = session.send

    @staticmethod
    def _drive(owner: str) -> str:
        return f"/users/{quote(owner, safe='@')}/drive"

    def _item(self, owner: str, item_id: str) -> str:
        return f"{self._drive(owner)}/items/{quote(item_id, safe='')}"

    @staticmethod
    def _ref(item: Mapping[str, Any], owner: str, title: str) -> DocRef:
        return DocRef(
            id=str(item["id"]),
            url=str(item.get("webUrl") or ""),
            owner=owner,
            provider="microsoft",
            title=title,
        )

    def _download(self, owner: str, item_id: str) -> bytes:
        return bytes(self._send("GET", f"{self._item(owner, item_id)}/content", raw=True))

    def find(self, owner: str, pair_key: str) -> DocRef | None:
        """The pair's doc (first by name if several), or None."""
        try:
            children, _ = self._session.pages(
                f"{self._drive(owner)}/root:/{DOC_FOLDER}:/children",
                params={"$select": "id,name,webUrl,eTag,file"},
                headers={},
            )
        except NotFound:
            return None
        for item in sorted(children, key=lambda c: str(c.get("name", ""))):
            name = str(item.get("name", ""))
            if not name.lower().endswith(".docx"):
                continue
            try:
                key, title = graph_docx.properties_of(self._download(owner, str(item["id"])))
            except ValueError:
                continue  # not a .docx python-docx can read: not ours
            if key == pair_key:
                doc = self._ref(item, owner, title or name[: -len(".docx")])
                others = [e for e in pair_key.split("|") if e.lower() != owner.lower()]
                self._share(doc, [e for e in others if e.lower() not in self._writers(doc)])
                return doc
        return None

    def create(
        self, owner: str, pair_key: str, title: str, text: str, share_with: Sequence[str]
    ) -> DocRef:
        """Looks for the pair's doc first, so a re-run after a crash never makes a second one."""
        existing = self.find(owner, pair_key)
        if existing is not None:
            return existing
        item = self._send(
            "PUT",
            f"{self._drive(owner)}/root:/{DOC_FOLDER}/{quote(doc_name(title))}:/content",
            params={"@microsoft.graph.conflictBehavior": "fail"},
            data=graph_docx.build(title, pair_key, text),
            headers={"Content-Type": graph_docx.DOCX_MIME},
        )
        doc = self._ref(item, owner, title)
        self._share(doc, [e for e in share_with if e.lower() != owner.lower()])
        return doc

    def _writers(self, doc: DocRef) -> set[str]:
        """Who was granted write on the doc (lower-case e-mails), from its permissions."""
        permissions, _ = self._session.pages(
            f"{self._item(doc.owner, doc.id)}/permissions", params={}, headers={}
        )
        # A grant names its person in grantedToV2.user / grantedTo.user, or, while the invite
        # is pending, in invitation.email (Graph "permission resource type").
        found = set()
        for p in permissions:
            user = (p.get("grantedToV2") or p.get("grantedTo") or {}).get("user") or {}
            email = user.get("email") or (p.get("invitation") or {}).get("email")
            if "write" in (p.get("roles") or []) and email:
                found.add(str(email).lower())
        return found

    def _share(self, doc: DocRef, others: Sequence[str]) -> None:
        """Grant `others` write access (no mail). A found doc is shared with whoever lacks
        the grant (a job killed between the upload and this call left the doc unshared);
        one already shared costs a read of its permissions, no write."""
        if not others:
            return
        self._send(
            "POST",
            f"{self._item(doc.owner, doc.id)}/invite",
            json_body={
                "recipients": [{"email": e} for e in others],
                "roles": ["write"],
                "requireSignIn": True,
                "sendInvitation": False,
            },
        )

    def read(self, doc: DocRef) -> DocText:
        meta = self._send("GET", self._item(doc.owner, doc.id))
        try:
            text = graph_docx.text_of(self._download(doc.owner, doc.id))
        except ValueError as exc:
            raise ProviderError("microsoft", None, "agenda doc is not a .docx") from exc
        return DocText(text=text, revision=str(meta.get("eTag", "")))

    def append(self, doc: DocRef, text: str, revision: str) -> None:
        meta = self._send("GET", self._item(doc.owner, doc.id))
        if str(meta.get("eTag", "")) != revision:
            raise Conflict("microsoft", 412, "agenda doc changed since read", reason="eTag")
        content = graph_docx.append(self._download(doc.owner, doc.id), text)
        self._send(
            "PUT",
            f"{self._item(doc.owner, doc.id)}/content",
            data=content,
            headers={"If-Match": revision, "Content-Type": graph_docx.DOCX_MIME},
        )


__all__ = ["DOC_FOLDER", "AgendaDocs", "doc_name"]
