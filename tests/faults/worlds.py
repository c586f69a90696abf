"""One story on either emulator, and the provider-neutral picture of what it ends as.

A fault trial runs the story with faults, a clean twin runs it without, and the two final
states are compared as `Snapshot`s: every event copy (description and syncer's markers), every
agenda doc (count, text and who it is shared with, per pair) and every hold, read straight
from the emulator (the ground truth, not syncer's store). Ids the emulators invent at random
(doc ids, ports) are replaced by stable names, so two worlds that did the same thing compare
equal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from syncer.core.blocks import BEGIN_MARKER
from syncer.engine import Engine, SyncSummary
from syncer.providers import graph_docx
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from tests.integration.google_org import GoogleOrg, google_org
from tests.integration.graph_org import GraphOrg, graph_org

ProviderKind = Literal["google", "microsoft"]
PROVIDERS: tuple[ProviderKind, ...] = ("google", "microsoft")

ANA, BOB, CAT, DAN = "ana@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
FIRST = dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Mon 10:00
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # next Monday, 10:00 Berlin
HOLDS = "mode: full\npolicy:\n  reschedule:\n    hold: true\n"
PERSONAL = {
    "google": "Ana's notes: <b>bold</b> & ünïcødé ✓\nsecond line",
    "microsoft": "<p>Ana's notes: <b>bold</b> &amp; ünïcødé ✓</p>",
}
_HOST = re.compile(r"https?://(?:localhost|127\.0\.0\.1):\d+")


@dataclass
class FaultWorld:
    """Either org behind one face: what the trials need of an emulator and of syncer."""

    kind: ProviderKind
    org: GoogleOrg | GraphOrg

    @property
    def state(self) -> Any:
        return self.org.state

    @property
    def store(self) -> Store:
        return self.org.store

    @property
    def body_type(self) -> str:
        return "text" if self.kind == "google" else "html"

    def engine(self) -> Engine:
        return self.org.engine()

    def sync(self) -> SyncSummary:
        return self.org.sync()

    def at(self, moment: dt.datetime) -> None:
        self.org.at(moment)

    def calls(self) -> int:
        return len(self.state.call_log)

    def writes(self) -> list[Any]:
        return [w for w in self.state.write_log if getattr(w, "api", "") != "token"]

    def expire_cursors(self, calendar: str | None = None) -> None:
        if self.kind == "google":
            self.state.expire_sync_tokens(calendar)
        else:
            self.state.expire_delta_tokens(calendar)

    # -- people, as they would act in their calendar app -----------------------------------

    def weekly(self, organizer: str, attendee: str, start: dt.datetime, text: str = "") -> str:
        if self.kind == "google":
            return str(self.state.create_one_on_one(organizer, attendee, start, description=text))
        body = {"contentType": "html", "content": text} if text else None
        kw = {"body": body} if body else {}
        return str(self.state.create_one_on_one(organizer, attendee, start, **kw))

    def end_series(self, organizer: str, series: str, until: dt.datetime) -> None:
        if self.kind == "google":
            self.state.end_series(organizer, series, until)
        else:
            self.state.end_series(organizer, series, until.date())

    def respond(self, attendee: str, series: str, status: str, start: dt.datetime) -> None:
        self.state.respond(attendee, series, status, start)

    def occurrence(self, calendar: str, series: str, start: dt.datetime) -> str:
        """The id of one occurrence on `calendar` (for edits and reads)."""
        if self.kind == "google":
            return f"{series}_{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
        return str(self.state.occurrence_id(calendar, series, start))

    def text(self, calendar: str, event_id: str) -> str:
        """The description (Google) or body content (Graph) of one copy, as stored."""
        event = self.state.event(calendar, event_id)
        if self.kind == "google":
            return str(event.get("description", ""))
        return str(event.get("body", {}).get("content", ""))

    def edit(self, calendar: str, event_id: str, text: str) -> str:
        """A person rewrites the text of `event_id` (not an API call); returns what was stored."""
        if self.kind == "google":
            self.state.edit_description(calendar, event_id, text)
        else:
            body = {"contentType": "html", "content": text}
            self.state.calendars.patch(calendar, event_id, {"body": body})
        return self.text(calendar, event_id)

    # -- the final state --------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with self.state.lock:
            if self.kind == "google":
                return _google_snapshot(self.state)
            return _graph_snapshot(self.state)


@dataclass(frozen=True)
class Snapshot:
    """events: key -> sorted records (a duplicate shows as two); docs: pair -> texts."""

    events: dict[str, list[str]]
    docs: dict[str, list[str]]

    def blocks_per_copy(self) -> dict[str, int]:
        return {k: max(r.count(BEGIN_MARKER) for r in v) for k, v in self.events.items()}

    def holds(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.events.items() if "syncer_hold" in "".join(v)}

    def differences(self, clean: Snapshot) -> list[str]:
        """What differs from the clean twin's final state, one line per difference."""
        found = []
        for key in sorted(set(self.events) | set(clean.events)):
            if self.events.get(key) != clean.events.get(key):
                found.append(f"event {key}: {self.events.get(key)!r} != {clean.events.get(key)!r}")
        for pair in sorted(set(self.docs) | set(clean.docs)):
            if self.docs.get(pair) != clean.docs.get(pair):
                found.append(f"doc {pair}: {self.docs.get(pair)!r} != {clean.docs.get(pair)!r}")
        return found


def _utc(when: dict[str, Any] | None) -> str:
    if not when:
        return "-"
    if "date" in when:
        return str(when["date"])
    raw = str(when["dateTime"]).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(raw).astimezone(dt.UTC).isoformat()


def _record(text: str, markers: dict[str, str], extra: str, names: dict[str, str]) -> str:
    shown = {k.rsplit(" ", 1)[-1]: v for k, v in markers.items() if "syncer" in k}
    for key in shown:
        if key.endswith("syncer_block"):
            shown[key] = "<hash>"  # a hash over the doc link: compared by "settled" instead
    return _normal(f"{text!r} markers={sorted(shown.items())} {extra}", names)


def _normal(text: str, names: dict[str, str]) -> str:
    text = _HOST.sub("<host>", text)
    for raw, name in names.items():
        text = text.replace(raw, name)
    return text


def _google_snapshot(state: Any) -> Snapshot:
    names: dict[str, str] = {}
    docs: dict[str, list[str]] = {}
    for file_id, file in state.drive.files.items():
        pair = (file.get("appProperties") or {}).get("syncer_pair")
        if pair and not file.get("trashed"):
            names[file_id] = f"<doc {pair}>"
            document = state.drive.documents.get(file_id)
            shared = sorted(p.get("emailAddress", "") for p in file.get("permissions", []))
            text = document.text if document else ""
            docs.setdefault(pair, []).append(f"{text}shared with {shared}")
    events: dict[str, list[str]] = {}
    for cal_id, calendar in state.calendars.calendars.items():
        for event in calendar.events.values():
            body = event.body
            start = body.get("originalStartTime") or body.get("start")
            key = f"{cal_id}|{body.get('summary', '')}|{_utc(start)}"
            markers = (body.get("extendedProperties") or {}).get("private") or {}
            attached = sorted(a.get("fileId", "") for a in body.get("attachments", []))
            extra = f"status={body.get('status')} attachments={attached}"
            record = _record(str(body.get("description", "")), markers, extra, names)
            events.setdefault(key, []).append(record)
    return Snapshot({k: sorted(v) for k, v in events.items()}, docs)


def _graph_snapshot(state: Any) -> Snapshot:
    names: dict[str, str] = {}
    docs: dict[str, list[str]] = {}
    for drive in state.drives.drives.values():
        for file in drive.files.values():
            if file.content and file.name.endswith(".docx"):
                pair, _title = graph_docx.properties_of(file.content)
                names[file.id] = f"<doc {pair}>"
                shared = sorted(
                    str(p.get("grantedTo", {}).get("user", {}).get("email", ""))
                    for p in file.permissions
                )
                text = graph_docx.text_of(file.content)
                docs.setdefault(pair, []).append(f"{text}shared with {shared}")
    events: dict[str, list[str]] = {}
    for mailbox, items in state.calendars.items.items():
        for item in items.values():
            subject = item.fields.get("subject", "")
            body = (item.fields.get("body") or {}).get("content", "")
            extra = f"cancelled={bool(item.fields.get('isCancelled'))}"
            key = f"{mailbox}|{subject}|{item.start.isoformat()}"
            events.setdefault(key, []).append(_record(body, item.extended, extra, names))
            for original, override in item.overrides.items():
                own = (override.fields.get("body") or {}).get("content")
                if own is None and not override.extended:
                    continue
                okey = f"{mailbox}|{subject}|occurrence {original.isoformat()}"
                record = _record(str(own), override.extended, "", names)
                events.setdefault(okey, []).append(record)
    return Snapshot({k: sorted(v) for k, v in events.items()}, docs)


@contextmanager
def fault_world(
    kind: ProviderKind, tmp: Path, tls: TlsFiles, store: Store, extra: str = HOLDS
) -> Iterator[FaultWorld]:
    """A fresh org of four people on `kind`'s emulator, syncer configured, nothing synced."""
    tmp.mkdir(parents=True, exist_ok=True)
    if kind == "google":
        with google_org(tmp, tls, store, extra) as google:
            yield FaultWorld(kind, google)
    else:
        with graph_org(tmp, tls, store, extra) as graph:
            yield FaultWorld(kind, graph)
