"""The Google provider: Calendar v3, Drive v3 and Docs v1 through google-api-python-client.

This module only sequences calls: `google_http.GoogleSession` acts as each person and retries,
`google_parse` turns payloads into the model. Writes always carry `sendUpdates="none"`:
nobody gets mail because syncer touched an event.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from syncer.core.blocks import current_block
from syncer.core.model import BusyInterval, Change, ProviderName
from syncer.core.people import DirectoryPerson
from syncer.errors import Conflict, NotFound, ProviderError
from syncer.providers.base import (
    MARKER_AGENDA,
    MARKER_HOLD,
    MARKER_PAIR,
    ChannelRef,
    DocRef,
    DocText,
    EventBody,
    HoldRef,
    MarkedCopy,
    PullResult,
)
from syncer.providers.google_directory import DIRECTORY_SCOPE, PAGE_SIZE, read_directory
from syncer.providers.google_http import SCOPES, GoogleSession, classify_google_error
from syncer.providers.google_parse import (
    MalformedItem,
    attach_overrides,
    document_text,
    parse_event,
    parse_event_body,
    parse_free_busy,
    parse_hold,
    parse_instant,
    zone_of,
)
from syncer.providers.slots import UNBOUNDED, CallSlots

DOC_MIME = "application/vnd.google-apps.document"
MARKER_DOC_NEW = "syncer_doc_new"  # on a doc until its header and shares are written
INSTANCE_SUFFIX = re.compile(r"_\d{8}(T\d{6}Z)?$")


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


class GoogleProvider:
    """Google Workspace calendars, agenda docs and free/busy for the people it hosts."""

    name: ProviderName = "google"

    def __init__(
        self,
        service_account_info: Mapping[str, Any] | str | os.PathLike[str],
        api_endpoint: str | None,
        *,
        ca_certs: str | None = None,
        service_account_email: str | None = None,
        opt_out_keyword: str = "#no-syncer",
        log: Any = None,
        scopes: Sequence[str] = SCOPES,
        max_attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] | None = None,
        timeout: float = 60.0,
        admin_subject: str | None = None,
        slots: CallSlots = UNBOUNDED,
    ) -> None:
        new_session = partial(
            GoogleSession,
            service_account_info,
            api_endpoint,
            ca_certs=ca_certs,
            timeout=timeout,
            max_attempts=max_attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
            log=log,
            slots=slots,
        )
        self._session = new_session(scopes=scopes)
        # The Directory is read as an admin with its own scope, on a session made when first
        # needed: an org whose people come from the config never asks for that scope.
        self._new_directory_session = partial(new_session, scopes=(DIRECTORY_SCOPE,))
        self._directory_session: GoogleSession | None = None
        self.admin_subject = admin_subject.lower() if admin_subject else None
        self.directory_page_size = PAGE_SIZE
        self._call = self._session.call
        # syncer's own account, which the engine folds like a room when detecting 1:1s.
        self.service_account_email = (
            service_account_email or self._session.service_account_email
        ).lower()
        self.opt_out_keyword = opt_out_keyword
        self._log = self._session.log

    @property
    def calls(self) -> int:
        """HTTP attempts made so far, retries included (benchmarks and tests read it)."""
        return self._session.calls

    # ----------------------------------------------------------------------------------------
    # Plumbing

    def _event_call(self, calendar: str, method: str, **params: Any) -> Any:
        """An events.* call on `calendar`, acting as its owner."""
        return self._call(calendar, "calendar", "events", method, calendarId=calendar, **params)

    def _list_all(
        self, calendar: str, params: dict[str, Any], *, cursor_call: bool = False
    ) -> tuple[list[Any], Any]:
        """Every page of an events.list; returns (items, last page)."""
        items: list[Any] = []
        page_token: str | None = None
        while True:
            extra = {"pageToken": page_token} if page_token else {}
            page = self._event_call(calendar, "list", cursor_call=cursor_call, **params, **extra)
            items.extend(page.get("items") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page

    # ----------------------------------------------------------------------------------------
    # Calendar

    def pull(self, calendar: str, cursor: str | None) -> PullResult:
        """Full (no cursor) or incremental events.list, every page, masters unexpanded.

        Items that cannot be read are logged by id and counted in `skipped`; the pull goes on.
        The calendar's own zone (the list's `timeZone`) stands in for events without one."""
        before = self.calls
        params: dict[str, Any] = {
            "singleEvents": False,
            "showDeleted": False,
            "maxResults": 2500,
        }
        if cursor is not None:
            params["syncToken"] = cursor
        items, last = self._list_all(calendar, params, cursor_call=cursor is not None)
        zone = zone_of(last.get("timeZone"), "UTC")
        changes: list[Change] = []
        skipped = 0
        for item in items:
            try:
                changes.append(
                    parse_event(
                        item,
                        calendar=calendar,
                        default_zone=zone,
                        opt_out_keyword=self.opt_out_keyword,
                    )
                )
            except MalformedItem as exc:
                skipped += 1
                event_id = item.get("id") if isinstance(item, Mapping) else None
                event_id = event_id if isinstance(event_id, str) else None  # never nested junk
                self._log.warning(
                    "pull.item_skipped", calendar=calendar, event_id=event_id, reason=str(exc)
                )
        token = last.get("nextSyncToken")
        if not token:
            raise ProviderError("google", None, "events.list ended without a nextSyncToken")
        full = cursor is None
        return PullResult(
            calendar=calendar,
            changes=attach_overrides(changes) if full else tuple(changes),
            cursor=str(token),
            full=full,
            skipped=skipped,
            calls=self.calls - before,
        )

    @staticmethod
    def _body(item: Any, calendar: str) -> EventBody:
        try:
            return parse_event_body(item, calendar)
        except MalformedItem as exc:  # an answer without id or etag: Google's fault, not ours
            raise ProviderError("google", None, f"unreadable event: {exc}") from exc

    def read_event(self, calendar: str, event_id: str) -> EventBody:
        return self._body(self._event_call(calendar, "get", eventId=event_id), calendar)

    def _patch(
        self, calendar: str, event_id: str, etag: str, body: dict[str, Any], **params: Any
    ) -> EventBody:
        item = self._event_call(
            calendar, "patch", eventId=event_id, body=body, sendUpdates="none", etag=etag, **params
        )
        return self._body(item, calendar)

    def write_event(
        self,
        calendar: str,
        event_id: str,
        *,
        etag: str,
        body: str | None,
        markers: Mapping[str, str | None],
    ) -> EventBody:
        patch: dict[str, Any] = {}
        if body is not None:
            patch["description"] = body
        if markers:
            patch["extendedProperties"] = {"private": dict(markers)}
        if not patch:
            current = self.read_event(calendar, event_id)
            if current.etag != etag:
                raise Conflict("google", 412, "event changed since read", reason="conditionNotMet")
            return current
        return self._patch(calendar, event_id, etag, patch)

    def attach_doc(self, calendar: str, event_id: str, doc: DocRef, etag: str) -> EventBody:
        """Add the doc to the event's attachments (keeping the others) and set the agenda marker.

        Nothing is written when both are already there."""
        item = self._event_call(calendar, "get", eventId=event_id)
        current = self._body(item, calendar)
        if current.etag != etag:
            raise Conflict("google", 412, "event changed since read", reason="conditionNotMet")
        attached = doc.id in current.attachments
        if attached and current.markers.get(MARKER_AGENDA) == doc.id:
            return current
        attachments = [dict(a) for a in item.get("attachments") or []]
        if not attached:
            attachments.append(
                {"fileUrl": doc.url, "fileId": doc.id, "title": doc.title, "mimeType": DOC_MIME}
            )
        patch = {
            "attachments": attachments,
            "extendedProperties": {"private": {MARKER_AGENDA: doc.id}},
        }
        return self._patch(calendar, event_id, etag, patch, supportsAttachments=True)

    def free_busy(
        self, emails: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """One freebusy.query for everyone. A person whose calendar Google could not read
        raises `ProviderError` (reason `freeBusy:<reason>`) rather than looking free: a slot
        proposed over someone's unknown busy time is worse than no proposal."""
        if not emails:
            return {}
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "timeZone": "UTC",
            "items": [{"id": e} for e in emails],
        }
        payload = self._call(emails[0], "calendar", "freebusy", "query", body=body)
        busy, errors = parse_free_busy(payload, emails)
        if errors:
            for email, reason in errors.items():
                self._log.warning("free_busy.calendar_error", calendar=email, reason=reason)
            reasons = sorted(set(errors.values()))
            raise ProviderError(
                "google",
                None,
                f"free/busy unavailable for {len(errors)} calendar(s)",
                retryable=any(r in ("backendError", "internalError") for r in reasons),
                reason="freeBusy:" + ",".join(reasons),
            )
        return busy

    # ----------------------------------------------------------------------------------------
    # Agenda documents (Drive + Docs)

    def find_doc(self, owner: str, pair_key: str) -> DocRef | None:
        """The pair's doc, found by its `syncer_pair` app property; the oldest if several.
        A doc still marked `syncer_doc_new` was left half made (no header or not shared yet)
        by a killed job: not found, so `create_doc` finishes it."""
        found = self._pair_docs(owner, pair_key)
        if not found or (found[0].get("appProperties") or {}).get(MARKER_DOC_NEW):
            return None
        return self._doc_ref(found[0], owner)

    def _pair_docs(self, owner: str, pair_key: str) -> list[dict[str, Any]]:
        value = pair_key.replace("\\", "\\\\").replace("'", "\\'")
        query = (
            f"appProperties has {{ key='{MARKER_PAIR}' and value='{value}' }} and trashed = false"
        )
        fields = "files(id,name,webViewLink,createdTime,appProperties)"
        answer = self._call(owner, "drive", "files", "list", q=query, spaces="drive", fields=fields)
        return sorted(answer.get("files") or [], key=lambda f: (f.get("createdTime", ""), f["id"]))

    @staticmethod
    def _doc_ref(file: Mapping[str, Any], owner: str) -> DocRef:
        url = file.get("webViewLink") or f"https://docs.google.com/document/d/{file['id']}/edit"
        return DocRef(
            id=str(file["id"]), url=url, owner=owner, provider="google", title=file.get("name", "")
        )

    def create_doc(
        self, owner: str, pair_key: str, title: str, text: str, share_with: Sequence[str]
    ) -> DocRef:
        """Create the doc as `owner`, write `text`, share it (no notification mail).

        Looks for the pair's doc first, so a job re-run after a crash never makes a second one.
        The doc is marked `syncer_doc_new` until written and shared, so a re-run after a crash
        between those steps finishes it (header, shares) instead of keeping it half made."""
        found = self._pair_docs(owner, pair_key)
        if found and not (found[0].get("appProperties") or {}).get(MARKER_DOC_NEW):
            return self._doc_ref(found[0], owner)
        if found:
            doc = self._doc_ref(found[0], owner)
            written = self.read_doc(doc).text.strip() != ""
        else:
            props = {MARKER_PAIR: pair_key, MARKER_DOC_NEW: "1"}
            meta = {"name": title, "mimeType": DOC_MIME, "appProperties": props}
            file = self._call(
                owner, "drive", "files", "create", body=meta, fields="id,name,webViewLink"
            )
            doc, written = self._doc_ref(file, owner), False
        if text and not written:
            insert = {"insertText": {"text": text, "endOfSegmentLocation": {}}}
            self._call(
                owner,
                "docs",
                "documents",
                "batchUpdate",
                documentId=doc.id,
                body={"requests": [insert]},
            )
        for email in share_with:
            if email.lower() == owner.lower():
                continue
            self._call(
                owner,
                "drive",
                "permissions",
                "create",
                fileId=doc.id,
                body={"role": "writer", "type": "user", "emailAddress": email},
                sendNotificationEmail=False,
            )
        done = {"appProperties": {MARKER_DOC_NEW: None}}
        self._call(owner, "drive", "files", "update", fileId=doc.id, body=done, fields="id")
        return doc

    def read_doc(self, doc: DocRef) -> DocText:
        document = self._call(doc.owner, "docs", "documents", "get", documentId=doc.id)
        return DocText(text=document_text(document), revision=str(document.get("revisionId", "")))

    def append_doc(self, doc: DocRef, text: str, revision: str) -> None:
        body = {
            "requests": [{"insertText": {"text": text, "endOfSegmentLocation": {}}}],
            "writeControl": {"requiredRevisionId": revision},
        }
        try:
            self._call(doc.owner, "docs", "documents", "batchUpdate", documentId=doc.id, body=body)
        except ProviderError as err:
            # Docs refuses a stale requiredRevisionId with 400 (reason failedPrecondition).
            said = f"{err.message} {err.reason}".lower()
            if err.status == 400 and ("revision" in said or "precondition" in said):
                raise Conflict("google", err.status, err.message, reason=err.reason) from err
            raise

    # ----------------------------------------------------------------------------------------
    # Holds

    def create_hold(
        self,
        calendar: str,
        start: datetime,
        end: datetime,
        title: str,
        body: str,
        markers: Mapping[str, str],
    ) -> HoldRef:
        """A tentative, busy-showing event on the person's own calendar, without attendees
        (so no invitation exists to send). Returns the existing hold for the same pair, slot and
        proposal when there is one, so a re-run does not double it."""
        if MARKER_PAIR not in markers or MARKER_HOLD not in markers:
            raise ValueError(f"a hold needs the {MARKER_PAIR} and {MARKER_HOLD} markers")
        proposal_for = parse_instant(markers[MARKER_HOLD]).astimezone(UTC)
        for hold in self.find_holds(calendar, markers[MARKER_PAIR]):
            same_slot = (hold.start, hold.end) == (start.astimezone(UTC), end.astimezone(UTC))
            if same_slot and hold.proposal_for == proposal_for:
                return hold
        event = {
            "summary": title,
            "description": body,
            "start": {"dateTime": _rfc3339(start), "timeZone": "UTC"},
            "end": {"dateTime": _rfc3339(end), "timeZone": "UTC"},
            "status": "tentative",
            "transparency": "opaque",
            "extendedProperties": {"private": dict(markers)},
        }
        created = self._event_call(calendar, "insert", body=event, sendUpdates="none")
        made = parse_hold(created, calendar)
        if made is None:
            raise ProviderError("google", None, "created hold came back without its markers")
        return replace(made, created=True)

    def find_holds(self, calendar: str, pair_key: str) -> list[HoldRef]:
        params = {
            "privateExtendedProperty": f"{MARKER_PAIR}={pair_key}",
            "singleEvents": False,
            "showDeleted": False,
            "maxResults": 2500,
        }
        items, _ = self._list_all(calendar, params)
        holds = (parse_hold(item, calendar) for item in items)
        return sorted(
            (h for h in holds if h is not None and h.pair_key == pair_key),
            key=lambda h: (h.start, h.event_id),
        )

    def find_marked(self, calendar: str) -> list[MarkedCopy]:
        """events.list unexpanded (masters, single events and changed occurrences, which
        Google lists on their own), kept when a syncer marker or a managed block is there."""
        params = {"singleEvents": False, "showDeleted": False, "maxResults": 2500}
        items, _ = self._list_all(calendar, params)
        found = []
        for item in items:
            event = self._body(item, calendar)
            if event.markers or current_block(event.body, event.body_type) is not None:
                people = [a for a in item.get("attendees") or [] if not a.get("resource")]
                people.append(item.get("organizer") or {})
                emails = frozenset(str(p["email"]).lower() for p in people if p.get("email"))
                found.append(MarkedCopy(event, emails))
        return found

    def detach_doc(self, calendar: str, event_id: str, doc_id: str, etag: str) -> EventBody:
        item = self._event_call(calendar, "get", eventId=event_id)
        if self._body(item, calendar).etag != etag:
            raise Conflict("google", 412, "event changed since read", reason="conditionNotMet")
        kept = [dict(a) for a in item.get("attachments") or [] if a.get("fileId") != doc_id]
        patch = {"attachments": kept, "extendedProperties": {"private": {MARKER_AGENDA: None}}}
        return self._patch(calendar, event_id, etag, patch, supportsAttachments=True)

    def delete_event(self, calendar: str, event_id: str) -> None:
        """Delete without notifying anyone; an event already gone counts as deleted."""
        try:
            self._event_call(calendar, "delete", eventId=event_id, sendUpdates="none")
        except NotFound:
            self._log.info("delete.already_gone", calendar=calendar, event_id=event_id)

    def instance_id(self, calendar: str, event_id: str, original_start: datetime) -> str:
        """The id of one occurrence: Google derives it from the master's id and the original
        start (`{id}_{YYYYMMDDTHHMMSSZ}`, `{id}_{YYYYMMDD}` all-day; events.instances
        reference), so no call is needed. An id that is already an instance's comes back."""
        if INSTANCE_SUFFIX.search(event_id):
            return event_id
        return f"{event_id}_{original_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    # ----------------------------------------------------------------------------------------
    # Push channels

    def watch(self, calendar: str, address: str, token: str, ttl: timedelta) -> ChannelRef:
        """events.watch on `calendar` (acting as its owner) with a fresh channel id; Google may
        grant less than `ttl`, so the answer's expiration is what counts."""
        expires_ms = int((datetime.now(UTC) + ttl).timestamp() * 1000)
        body = {
            "id": str(uuid.uuid4()),
            "type": "web_hook",
            "address": address,
            "token": token,
            "expiration": str(expires_ms),
        }
        answer = self._event_call(calendar, "watch", body=body)
        expiration = answer.get("expiration") or expires_ms
        return ChannelRef(
            provider="google",
            calendar=calendar,
            id=str(answer.get("id") or body["id"]),
            resource_id=str(answer["resourceId"]),
            expiration=datetime.fromtimestamp(int(expiration) / 1000, UTC),
        )

    def stop_watch(self, ref: ChannelRef) -> None:
        try:
            self._call(
                ref.calendar,
                "calendar",
                "channels",
                "stop",
                body={"id": ref.id, "resourceId": ref.resource_id},
            )
        except NotFound:
            self._log.info("watch.already_stopped", calendar=ref.calendar, channel=ref.id)

    # ----------------------------------------------------------------------------------------
    # Directory

    def list_people(self) -> list[DirectoryPerson]:
        """The Workspace's users (Admin SDK users.list, every page), read as `admin_subject`."""
        if self.admin_subject is None:
            why = "people_source google_directory needs providers.google.admin_subject"
            raise ProviderError("google", None, why)
        if self._directory_session is None:
            self._directory_session = self._new_directory_session()
        return read_directory(
            self._directory_session,
            self.admin_subject,
            page_size=self.directory_page_size,
            log=self._log,
        )


__all__ = ["DOC_MIME", "SCOPES", "GoogleProvider", "classify_google_error"]
