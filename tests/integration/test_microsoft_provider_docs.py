"""Agenda docs, attachment markers and holds on the Graph emulator: nothing mails anyone."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import docx
import pytest

from syncer.core.model import Pair
from syncer.errors import ProviderError
from syncer.providers.base import MARKER_AGENDA, MARKER_HOLD, MARKER_PAIR
from syncer.sandbox.tls import TlsFiles
from tests.contract.microsoft_world import ALICE, BOB, MicrosoftWorld, microsoft_world

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(tls: TlsFiles) -> Iterator[MicrosoftWorld]:
    with microsoft_world(tls) as w:
        w.state.clock.set(datetime(2026, 2, 20, 12, tzinfo=UTC))
        yield w


def test_the_agenda_is_a_real_docx_in_the_syncer_folder_shared_without_mail(
    world: MicrosoftWorld,
) -> None:
    provider = world.provider()
    key = Pair.of(ALICE, BOB).key
    doc = provider.create_doc(ALICE, key, "Alice / Bob: 1:1", "Agenda\n[ ] hiring\n", [ALICE, BOB])
    drive = world.state.drives.of(ALICE)
    file = drive.files[doc.id]
    assert world.state.drives.path_of(drive, file).endswith("syncer/Alice - Bob- 1-1.docx")
    document = docx.Document(io.BytesIO(file.content or b""))
    assert [p.text for p in document.paragraphs] == ["Agenda", "[ ] hiring"]
    assert document.core_properties.identifier == key
    (invitation,) = world.state.drives.invitations
    assert invitation["recipients"] == [BOB] and invitation["roles"] == ["write"]
    assert not invitation["sendInvitation"] and invitation["requireSignIn"]
    assert world.mails() == []


def test_a_found_doc_is_shared_only_with_whoever_lacks_the_grant(world: MicrosoftWorld) -> None:
    """Regression (fault suite, Redis wiped): every find re-invited the other person, so the
    pass after a wipe wrote although nothing had changed."""
    provider = world.provider()
    key = Pair.of(ALICE, BOB).key
    doc = provider.create_doc(ALICE, key, "Alice / Bob: 1:1", "Agenda\n", [ALICE, BOB])
    assert len(world.state.drives.invitations) == 1
    assert provider.find_doc(ALICE, key) == doc
    assert len(world.state.drives.invitations) == 1  # read its permissions, wrote nothing
    world.state.drives.of(ALICE).files[doc.id].permissions.clear()  # a job killed mid-create
    assert provider.find_doc(ALICE, key) == doc
    assert world.state.drives.invitations[-1]["recipients"] == [BOB]
    assert len(world.state.drives.invitations) == 2


def test_attaching_the_doc_records_only_the_marker_once(world: MicrosoftWorld) -> None:
    provider = world.provider()
    event_id = world.seed_weekly_one_on_one(ALICE, BOB, FIRST)
    invitations = world.mails()  # Alice inviting Bob: people's doing, not syncer's
    doc = provider.create_doc(ALICE, Pair.of(ALICE, BOB).key, "1:1", "Agenda\n", [ALICE, BOB])
    read = provider.read_event(ALICE, event_id)
    attached = provider.attach_doc(ALICE, event_id, doc, read.etag)
    assert attached.markers[MARKER_AGENDA] == doc.id and attached.body == read.body
    writes = len(world.writes())
    again = provider.attach_doc(ALICE, event_id, doc, attached.etag)
    assert again.etag == attached.etag and len(world.writes()) == writes
    assert world.mails() == invitations  # a marker is a private property: no update mail


def test_a_hold_is_tentative_has_no_attendees_and_mails_nobody(world: MicrosoftWorld) -> None:
    provider = world.provider()
    start = datetime(2026, 2, 24, 15, tzinfo=UTC)
    markers = {MARKER_PAIR: Pair.of(ALICE, BOB).key, MARKER_HOLD: FIRST.isoformat()}
    hold = provider.create_hold(ALICE, start, start + timedelta(minutes=30), "Hold", "x", markers)
    event = world.state.event(ALICE, hold.event_id)
    assert event["showAs"] == "tentative" and event["attendees"] == []
    assert world.mails() == []


def test_free_busy_refuses_to_call_an_unknown_person_free(world: MicrosoftWorld) -> None:
    provider = world.provider()
    day = datetime(2026, 2, 25, tzinfo=UTC)
    with pytest.raises(ProviderError):
        provider.free_busy([ALICE, "ghost@example.com"], day, day + timedelta(days=1))
