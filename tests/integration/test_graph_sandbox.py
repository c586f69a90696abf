"""The Graph emulator's identity and calendar behaviour, driven by the real msal and requests
over TLS with the sandbox CA."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msal
import requests

from syncer.sandbox.graph.clients import GRAPH_SCOPE, confidential_app
from syncer.sandbox.graph.controls import TEAMS_BLOCK, teams_body
from tests.integration.graph_world import (
    ALICE,
    BOB,
    FIRST,
    ROOM,
    WINDOW,
    GraphWorld,
    graph_tls,
    world,
)

__all__ = ["graph_tls", "world"]
WEEK = dt.timedelta(days=7)
PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name syncerBlock"


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- identity ---------------------------------------------------------------------------------


def test_msal_gets_a_token_and_graph_accepts_it(world: GraphWorld) -> None:
    result = world.app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["token_type"] == "Bearer" and result["expires_in"] > 0
    assert world.get(f"/users/{ALICE}").json()["mail"] == ALICE
    paths = [c.path for c in world.state.call_log]
    assert f"/{world.state.tenant_id}/v2.0/.well-known/openid-configuration" in paths


def test_bad_secret_is_refused_with_aadsts7000215(world: GraphWorld) -> None:
    app = confidential_app(world.sandbox.authority, world.client_id, "wrong", world.ca)
    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215")
    assert 7000215 in result["error_codes"]


def test_unknown_tenant_fails_discovery(world: GraphWorld) -> None:
    answer = requests.get(
        f"{world.sandbox.base_url}/nosuchtenant/v2.0/.well-known/openid-configuration",
        verify=world.ca,
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_tenant"
    try:
        confidential_app(f"{world.sandbox.base_url}/nosuchtenant", world.client_id, "x", world.ca)
    except ValueError as exc:
        assert "nosuchtenant" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("msal accepted an unknown tenant")


def test_missing_or_expired_bearer_gets_invalid_authentication_token(world: GraphWorld) -> None:
    answer = requests.get(world.url(f"/users/{ALICE}"), verify=world.ca, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert set(answer.json()["error"]["innerError"]) == {"date", "request-id", "client-request-id"}
    token = world.app.acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    world.state.clock.advance(dt.timedelta(hours=2))
    answer = requests.get(
        world.url(f"/users/{ALICE}"),
        headers={"Authorization": f"Bearer {token}"},
        verify=world.ca,
        timeout=5,
    )
    assert answer.status_code == 401 and "expired" in answer.json()["error"]["message"]


# -- calendarView/delta ------------------------------------------------------------------------


def test_delta_pages_then_returns_only_changes(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    items, link, pages = world.delta_round(ALICE, page_size=3)
    assert pages == 3 and len(items) == 9  # weekly Mondays 2 Mar .. 27 Apr
    assert {i["type"] for i in items} == {"occurrence"}
    assert all(i["seriesMasterId"] == series for i in items)
    again, link, _ = world.delta_round(ALICE, link)
    assert again == []
    world.state.move_occurrence(ALICE, series, FIRST + WEEK, FIRST + WEEK + dt.timedelta(hours=2))
    changed, _, _ = world.delta_round(ALICE, link)
    assert [(i["type"], i["originalStart"]) for i in changed] == [("exception", utc(FIRST + WEEK))]


def test_first_delta_call_requires_a_window(world: GraphWorld) -> None:
    answer = world.get(f"/users/{ALICE}/calendarView/delta")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "ErrorInvalidParameter"


def test_expired_delta_token_answers_410(world: GraphWorld) -> None:
    world.state.create_one_on_one(ALICE, BOB, FIRST)
    _, link, _ = world.delta_round(ALICE)
    world.state.expire_delta_tokens(ALICE)
    answer = world.http.get(link, timeout=5)
    assert answer.status_code == 410
    assert answer.json()["error"]["code"] == "SyncStateNotFound"


def test_deleted_event_comes_back_as_removed(world: GraphWorld) -> None:
    event = world.state.create_private_event(ALICE, FIRST)
    _, link, _ = world.delta_round(ALICE)
    assert world.delete(f"/users/{ALICE}/events/{event}").status_code == 204
    changed, _, _ = world.delta_round(ALICE, link)
    assert changed == [
        {"@odata.type": "#microsoft.graph.event", "id": event, "@removed": {"reason": "deleted"}}
    ]


def test_occurrence_deleted_by_organiser_vanishes_without_removed(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    before, link, _ = world.delta_round(ALICE)
    gone = world.state.delete_occurrence(ALICE, series, FIRST + 2 * WEEK)
    changed, _, _ = world.delta_round(ALICE, link)
    assert changed == []  # the trap: no @removed for it
    now, _, _ = world.delta_round(ALICE)
    assert gone in {i["id"] for i in before} and gone not in {i["id"] for i in now}
    bob_copy = world.state.occurrence_id(BOB, series, FIRST + 2 * WEEK)
    assert world.get(f"/users/{BOB}/events/{bob_copy}").json()["isCancelled"] is True


def test_series_master_comes_with_changes_when_the_flag_is_set(world: GraphWorld) -> None:
    world.state.delta_series_masters = True
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    _, link, _ = world.delta_round(ALICE)
    world.state.edit_body(ALICE, series, "<p>agenda</p>")
    changed, _, _ = world.delta_round(ALICE, link)
    assert [i["type"] for i in changed].count("seriesMaster") == 1
    assert [i["type"] for i in changed].count("occurrence") == 9


# -- events ------------------------------------------------------------------------------------


def test_copies_per_mailbox_share_icaluid_but_not_ids(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST, room=ROOM)
    mine = world.get(f"/users/{ALICE}/events/{series}").json()
    theirs = world.get(f"/users/{BOB}/events/{world.state.copy_id(BOB, series)}").json()
    assert mine["iCalUId"] == theirs["iCalUId"] and mine["id"] != theirs["id"]
    assert mine["type"] == theirs["type"] == "seriesMaster"
    assert mine["responseStatus"]["response"] == "organizer"
    assert theirs["responseStatus"]["response"] == "notResponded"
    assert [a["type"] for a in mine["attendees"]] == ["required", "resource"]
    alice_occ = world.state.occurrence_id(ALICE, series, FIRST)
    bob_occ = world.state.occurrence_id(BOB, series, FIRST)
    assert alice_occ != bob_occ


def test_prefer_timezone_converts_and_default_is_utc(world: GraphWorld) -> None:
    after_dst = dt.datetime(2026, 3, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    series = world.state.create_one_on_one(ALICE, BOB, after_dst)
    plain = world.get(f"/users/{ALICE}/events/{series}").json()
    assert plain["start"] == {"dateTime": "2026-03-30T08:00:00.0000000", "timeZone": "UTC"}
    assert plain["originalStartTimeZone"] == "W. Europe Standard Time"
    local = world.get(
        f"/users/{ALICE}/events/{series}",
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    ).json()
    assert local["start"] == {
        "dateTime": "2026-03-30T01:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }


def test_instances_expand_in_the_series_zone_across_dst(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    answer = world.get(
        f"/users/{ALICE}/events/{series}/instances",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Europe/Berlin"'},
    ).json()["value"]
    assert {i["start"]["dateTime"][11:16] for i in answer} == {"10:00"}
    utc_starts = [i["originalStart"][11:16] for i in answer]
    assert utc_starts[0] == "09:00" and utc_starts[-1] == "08:00"


def test_stale_if_match_gets_412_irresolvable_conflict(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    etag = world.get(f"/users/{ALICE}/events/{series}").json()["@odata.etag"]
    ok = world.patch(
        f"/users/{ALICE}/events/{series}", json={"subject": "1:1"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200 and ok.json()["@odata.etag"] != etag
    stale = world.patch(
        f"/users/{ALICE}/events/{series}", json={"subject": "x"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"


def test_organiser_patch_reaches_attendee_and_mails_them(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST, teams=True)
    world.state.reset_logs()
    body = world.get(f"/users/{ALICE}/events/{series}").json()["body"]
    new = {
        "contentType": "html",
        "content": body["content"].replace("<body>\r\n", "<body>\r\n<p>Agenda: budget</p>\r\n"),
    }
    assert world.patch(f"/users/{ALICE}/events/{series}", json={"body": new}).status_code == 200
    theirs = world.get(f"/users/{BOB}/events/{world.state.copy_id(BOB, series)}").json()
    assert theirs["body"] == new and TEAMS_BLOCK in theirs["body"]["content"]
    assert [m.kind for m in world.state.mails_to(BOB)] == ["update"]
    assert [w.method for w in world.state.write_log] == ["PATCH"]


def test_attendee_patch_stays_local_until_organiser_updates(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    bob_copy = world.state.copy_id(BOB, series)
    mine = {"contentType": "text", "content": "Bob's notes"}
    world.patch(f"/users/{BOB}/events/{bob_copy}", json={"body": mine})
    assert world.get(f"/users/{ALICE}/events/{series}").json()["body"]["content"] == ""
    assert world.get(f"/users/{BOB}/events/{bob_copy}").json()["body"] == mine
    assert world.state.mails_to(ALICE) == []
    world.patch(f"/users/{ALICE}/events/{series}", json={"subject": "Alice / Bob"})
    assert world.get(f"/users/{BOB}/events/{bob_copy}").json()["body"]["content"] == ""


def test_html_teams_body_round_trips_byte_for_byte(world: GraphWorld) -> None:
    body = teams_body("Hello & <welcome>")
    created = world.post(
        f"/users/{ALICE}/calendar/events",
        json={
            "subject": "Teams",
            "body": body,
            "start": {"dateTime": "2026-03-03T10:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-03-03T10:30:00", "timeZone": "Europe/Berlin"},
        },
    )
    assert created.status_code == 201
    again = world.get(f"/users/{ALICE}/events/{created.json()['id']}").json()
    assert again["body"]["content"].encode() == body["content"].encode()


def test_extended_property_round_trip_per_copy(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    world.state.reset_logs()
    patch = {"singleValueExtendedProperties": [{"id": PROP, "value": "hash:abc"}]}
    assert world.patch(f"/users/{ALICE}/events/{series}", json=patch).status_code == 200
    expand = {"$expand": f"singleValueExtendedProperties($filter=id eq '{PROP}')"}
    mine = world.get(f"/users/{ALICE}/events/{series}", params=expand).json()
    assert mine["singleValueExtendedProperties"] == [{"id": PROP, "value": "hash:abc"}]
    theirs = world.get(f"/users/{BOB}/events/{world.state.copy_id(BOB, series)}", params=expand)
    assert "singleValueExtendedProperties" not in theirs.json()
    assert world.state.mail_log == []  # only the caller's own property: no update mail
    selected = world.get(f"/users/{ALICE}/events/{series}", params={"$select": "subject"}).json()
    assert set(selected) == {"@odata.etag", "id", "subject"}


def test_attendee_declines_one_occurrence_and_organiser_sees_it(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    bob_occ = world.state.occurrence_id(BOB, series, FIRST + WEEK)
    answer = world.post(f"/users/{BOB}/events/{bob_occ}/decline", json={"sendResponse": True})
    assert answer.status_code == 202
    alice_occ = world.state.occurrence_id(ALICE, series, FIRST + WEEK)
    seen = world.get(f"/users/{ALICE}/events/{alice_occ}").json()
    assert seen["type"] == "exception"
    assert seen["attendees"][0]["status"]["response"] == "declined"
    other = world.get(f"/users/{ALICE}/events/{world.state.occurrence_id(ALICE, series, FIRST)}")
    assert other.json()["attendees"][0]["status"]["response"] == "none"
    assert [m.kind for m in world.state.mails_to(ALICE)] == ["response:declined"]


def test_series_ending_and_deletion(world: GraphWorld) -> None:
    series = world.state.create_one_on_one(ALICE, BOB, FIRST)
    world.state.end_series(ALICE, series, dt.date(2026, 3, 16))
    items, link, _ = world.delta_round(BOB)
    assert len(items) == 3
    world.state.delete_series(ALICE, series)
    changed, _, _ = world.delta_round(BOB, link)
    assert changed and all(i["isCancelled"] for i in changed)
    assert world.get(f"/users/{ALICE}/events/{series}").status_code == 404


def test_all_day_and_team_meeting_controls(world: GraphWorld) -> None:
    day = world.state.create_all_day(ALICE, dt.date(2026, 3, 4))
    event = world.get(f"/users/{ALICE}/events/{day}").json()
    assert event["isAllDay"] and event["start"]["dateTime"] == "2026-03-04T00:00:00.0000000"
    assert event["start"]["timeZone"] == "W. Europe Standard Time"
    meeting = world.state.create_team_meeting(
        ALICE, [BOB, "carol@example.com", "dan@example.com"], FIRST
    )
    assert len(world.get(f"/users/{ALICE}/events/{meeting}").json()["attendees"]) == 3
    for person in (BOB, "carol@example.com", "dan@example.com"):
        world.state.copy_id(person, meeting)


def test_msal_client_types_are_real(world: GraphWorld) -> None:
    assert isinstance(world.app, msal.ConfidentialClientApplication)
