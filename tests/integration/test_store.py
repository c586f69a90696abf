"""Store round trips on a real Redis: the embedded one and a TCP one (REDIS_URL, else local)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib
from redis.exceptions import LockError

from syncer.core.model import (
    Attendee,
    BusyInterval,
    OccurrenceOverride,
    Pair,
    PatternedRecurrence,
    RRuleRecurrence,
    Series,
)
from syncer.store import Store

LOCAL_TCP_URL = "redis://127.0.0.1:6379/15"
PARIS = ZoneInfo("Europe/Paris")


def _reachable(url: str) -> bool:
    client = redis_lib.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis_lib.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture(params=["embedded", "tcp", "tcp-decoded"])
def store(request: pytest.FixtureRequest, org: str) -> Iterator[Store]:
    """A Store for a unique org on each kind of Redis; the org's keys are wiped afterwards.

    The TCP Redis is REDIS_URL as given, its db included (read as tests/conftest.py reads it),
    and an unreachable one fails: it was asked for. Without REDIS_URL it is a local server's db
    15, skipped when nothing answers there.
    """
    if request.param == "embedded":
        url = request.getfixturevalue("embedded_redis_url")
    else:
        given = os.environ.get("REDIS_URL")
        url = given or LOCAL_TCP_URL
        if not given and not _reachable(url):
            pytest.skip(f"no Redis reachable at {url}; the embedded-server run covers the store")
    client = redis_lib.Redis.from_url(url, decode_responses=request.param == "tcp-decoded")
    s = Store(client, org)
    yield s
    s.wipe()
    client.close()


def _series(calendar: str = "ana@acme.test", event_id: str = "ev1", **changes: object) -> Series:
    base = Series(
        uid=f"uid-{event_id}",
        calendar=calendar,
        provider="google",
        event_id=event_id,
        title="Ana / Bo 1:1",
        organizer="ana@acme.test",
        attendees=(
            Attendee("ana@acme.test", "accepted", organizer=True),
            Attendee("bo@acme.test", "tentative"),
        ),
        start=datetime(2024, 3, 4, 10, tzinfo=PARIS),
        end=datetime(2024, 3, 4, 10, 30, tzinfo=PARIS),
        timezone="Europe/Paris",
        recurrence=RRuleRecurrence(("RRULE:FREQ=WEEKLY;BYDAY=MO",)),
        overrides=(
            OccurrenceOverride(datetime(2024, 3, 11, 9, tzinfo=UTC), cancelled=True),
            OccurrenceOverride(
                datetime(2024, 3, 18, 9, tzinfo=UTC),
                start=datetime(2024, 3, 19, 9, tzinfo=UTC),
                end=datetime(2024, 3, 19, 9, 30, tzinfo=UTC),
                attendees=(Attendee("bo@acme.test", "declined"),),
            ),
        ),
        etag='"3"',
        markers={"syncer_doc": "doc-1"},
        attachments=("doc-1",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_cursor_round_trips_and_clear_calendar_forgets_it(store: Store) -> None:
    assert store.get_cursor("ana@acme.test") is None
    store.commit_pull("ana@acme.test", None, [], [], "token-1")
    store.commit_pull("ana@acme.test", "token-1", [], [], "token-2")
    assert store.get_cursor("ana@acme.test") == "token-2"
    store.put_series("ana@acme.test", _series())
    store.clear_calendar("ana@acme.test")
    assert store.get_cursor("ana@acme.test") is None
    assert store.series_of("ana@acme.test") == []
    assert store.calendars() == []


def test_a_pull_commits_its_series_and_cursor_together(store: Store) -> None:
    ana = "ana@acme.test"
    assert store.commit_pull(ana, None, [_series(), _series(event_id="ev2")], [], "token-1")
    assert store.get_cursor(ana) == "token-1" and store.calendars() == [ana]
    assert store.commit_pull(ana, "token-1", [_series(title="renamed")], ["ev2"], "token-2")
    ((only, title),) = [(s.event_id, s.title) for s in store.series_of(ana)]
    assert (only, title, store.get_cursor(ana)) == ("ev1", "renamed", "token-2")


@pytest.mark.parametrize("read", [None, "token-1"])
def test_a_pull_that_raced_a_change_of_cursor_stores_nothing(
    store: Store, read: str | None
) -> None:
    """Regression (fault suite, Redis flushed under a worker): a cursor stored by a pull whose
    snapshot was lost hid that calendar's events from every later, incremental pull."""
    ana = "ana@acme.test"
    store.commit_pull(ana, None, [_series()], [], "token-1")
    store.wipe()  # what the pull read is gone, or another pull moved the cursor on
    if read is None:
        store.commit_pull(ana, store.get_cursor(ana), [], [], "token-9")
    assert not store.commit_pull(ana, read, [_series(event_id="ev2")], ["ev1"], "token-2")
    assert store.series_of(ana) == []
    assert store.get_cursor(ana) == (None if read else "token-9")


def test_series_snapshot_round_trips_field_for_field(store: Store) -> None:
    graph = _series(
        event_id="ev2",
        provider="microsoft",
        recurrence=PatternedRecurrence(
            type="relativeMonthly",
            days_of_week=("monday",),
            index="last",
            recurrence_time_zone="Europe/Paris",
        ),
    )
    store.put_series("ana@acme.test", _series())
    store.put_series("ana@acme.test", graph)
    got = {s.event_id: s for s in store.series_of("ana@acme.test")}
    assert got["ev1"] == _series()
    assert got["ev2"] == graph
    assert got["ev1"].attendees == _series().attendees
    assert got["ev1"].overrides == _series().overrides
    assert dict(got["ev1"].markers) == {"syncer_doc": "doc-1"}
    assert store.get_series("ana@acme.test", "ev2") == graph
    assert store.get_series("ana@acme.test", "missing") is None


def test_series_start_comes_back_on_its_iana_zone(store: Store) -> None:
    store.put_series("ana@acme.test", _series())
    (back,) = store.series_of("ana@acme.test")
    assert back.start.tzinfo == PARIS
    # Still 10:00 on the wall clock after the DST change, as the zone (not the offset) says.
    assert (back.start + timedelta(weeks=4)).hour == 10


def test_putting_a_series_again_replaces_it_and_a_pull_deletes_it(store: Store) -> None:
    store.put_series("ana@acme.test", _series())
    store.put_series("ana@acme.test", _series(title="renamed", etag='"4"'))
    (only,) = store.series_of("ana@acme.test")
    assert only.title == "renamed"
    assert store.commit_pull("ana@acme.test", None, [], ["ev1"], "token-1")
    assert store.series_of("ana@acme.test") == []


def test_all_series_spans_every_calendar(store: Store) -> None:
    calendars = [f"p{i}@acme.test" for i in range(30)]
    for calendar in calendars:
        page = [_series(calendar, f"{calendar}-{n}") for n in range(3)]
        store.commit_pull(calendar, None, page, [], "token-1")
    everything = store.all_series()
    assert len(everything) == 90
    assert {s.calendar for s in everything} == set(calendars)
    assert store.calendars() == sorted(calendars)


def test_busy_intervals_replace_and_come_back_sorted(store: Store) -> None:
    t = datetime(2024, 3, 4, 9, tzinfo=UTC)
    later = BusyInterval(t + timedelta(hours=3), t + timedelta(hours=4))
    early = BusyInterval(t, t + timedelta(hours=1))
    assert store.busy_of("ana@acme.test") == []
    store.put_busy("ana@acme.test", [later, early])
    assert store.busy_of("ana@acme.test") == [early, later]
    store.put_busy("ana@acme.test", [later])
    assert store.busy_of("ana@acme.test") == [later]


def test_pair_state_and_doc_round_trip(store: Store) -> None:
    key = Pair.of("bo@acme.test", "ana@acme.test").key
    assert store.get_pair_state(key) is None
    assert store.get_doc(key) is None
    state = {"holds": [{"calendar": "ana@acme.test", "event_id": "h1"}], "last_proposals": None}
    store.put_pair_state(key, state)
    doc = {
        "id": "doc-1",
        "url": "https://docs.test/d/doc-1",
        "owner": "ana@acme.test",
        "provider": "google",
    }
    store.put_doc(key, doc)
    assert store.get_pair_state(key) == state
    assert store.get_doc(key) == doc
    assert store.pair_keys() == [key]


def test_pair_lock_excludes_a_second_holder_until_released(store: Store) -> None:
    key = Pair.of("ana@acme.test", "bo@acme.test").key
    first = store.pair_lock(key, timeout_s=10)
    assert first.acquire(blocking=False)
    assert not store.pair_lock(key, timeout_s=10).acquire(blocking=False)
    assert store.calendar_lock("ana@acme.test", timeout_s=10).acquire(blocking=False)
    first.release()
    second = store.pair_lock(key, timeout_s=10)
    assert second.acquire(blocking=False)
    second.release()
    with pytest.raises(LockError):
        second.release()


def test_lock_expires_so_a_killed_holder_cannot_block_for_ever(store: Store) -> None:
    assert store.lock("sweep", timeout_s=0.2).acquire(blocking=False)
    assert store.lock("sweep", timeout_s=5, blocking_timeout=3).acquire()


def test_audit_entries_filter_by_pair_and_time(store: Store) -> None:
    old = datetime(2024, 1, 1, tzinfo=UTC)
    store.audit({"action": "write_block", "pair": "a|b", "time": old.isoformat(), "writes": 1})
    store.audit({"action": "create_hold", "pair": "a|c", "note": None})
    store.audit({"action": "append_agenda_section", "pair": "a|b"})
    assert [e["action"] for e in store.audit_entries()] == [
        "write_block",
        "create_hold",
        "append_agenda_section",
    ]
    assert [e["action"] for e in store.audit_entries(pair="a|b")] == [
        "write_block",
        "append_agenda_section",
    ]
    recent = store.audit_entries(since=datetime(2024, 6, 1, tzinfo=UTC))
    assert [e["action"] for e in recent] == ["create_hold", "append_agenda_section"]
    first = store.audit_entries()[0]
    assert first["writes"] == "1"
    assert "note" not in store.audit_entries()[1]
    assert datetime.fromisoformat(store.audit_entries()[2]["time"]).tzinfo is not None


def test_write_counter_counts_per_run_and_expires(store: Store) -> None:
    assert [store.count_write("run-1") for _ in range(3)] == [1, 2, 3]
    assert store.count_write("run-2") == 1
    assert 0 < store.redis.ttl("syncer:" + store.org + ":writes:run-1") <= 86_400


def test_write_counter_is_exact_under_concurrency(store: Store) -> None:
    def bump() -> None:
        for _ in range(50):
            store.count_write("run-c")

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count_write("run-c") == 201


def test_forget_person_keeps_only_their_busy_intervals(store: Store) -> None:
    ana, bo, cy = "ana@acme.test", "bo@acme.test", "cy@acme.test"
    t = datetime(2024, 3, 4, 9, tzinfo=UTC)
    store.commit_pull(bo, store.get_cursor(bo), [], [], "tok")
    store.put_series(bo, _series(bo, "bo-copy"))
    store.put_series(ana, _series(ana, "ana-copy"))
    unrelated = _series(
        ana, "ana-cy", organizer=ana, attendees=(Attendee(ana, organizer=True), Attendee(cy))
    )
    store.put_series(ana, unrelated)
    store.put_busy(bo, [BusyInterval(t, t + timedelta(hours=1))])
    store.put_pair_state(Pair.of(ana, bo).key, {"x": 1})
    store.put_doc(Pair.of(ana, bo).key, {"id": "d"})
    store.put_pair_state(Pair.of(ana, cy).key, {"x": 2})
    store.audit({"action": "write_block", "pair": Pair.of(ana, bo).key})
    store.audit({"action": "write_block", "pair": Pair.of(ana, cy).key})

    assert store.forget_person("Bo@Acme.test") == 5

    assert store.get_cursor(bo) is None
    assert store.series_of(bo) == []
    assert store.series_of(ana) == [unrelated]
    assert store.busy_of(bo) == [BusyInterval(t, t + timedelta(hours=1))]
    assert store.pair_keys() == [Pair.of(ana, cy).key]
    assert store.get_doc(Pair.of(ana, bo).key) is None
    assert [e["pair"] for e in store.audit_entries()] == [Pair.of(ana, cy).key]


def test_wipe_drops_this_org_only(store: Store) -> None:
    neighbour = Store(store.redis, store.org + "-neighbour")
    try:
        for s in (store, neighbour):
            s.commit_pull("ana@acme.test", s.get_cursor("ana@acme.test"), [], [], "tok")
            s.put_series("ana@acme.test", _series())
            s.audit({"action": "x"})
        assert store.wipe() >= 3
        assert store.get_cursor("ana@acme.test") is None
        assert store.all_series() == []
        assert neighbour.get_cursor("ana@acme.test") == "tok"
        assert len(neighbour.all_series()) == 1
    finally:
        neighbour.wipe()


def test_keys_are_namespaced_by_org_and_carry_no_secrets(store: Store) -> None:
    store.commit_pull("ana@acme.test", None, [], [], "secret-sync-token")
    store.put_series("ana@acme.test", _series())
    store.put_busy("ana@acme.test", [])
    store.put_pair_state("a|b", {})
    store.put_doc("a|b", {"id": "d"})
    store.audit({"action": "x"})
    store.count_write("run-1")
    keys = [
        k.decode() if isinstance(k, bytes) else k
        for k in store.redis.scan_iter(match=f"syncer:{store.org}:*")
    ]
    assert len(keys) >= 7
    assert not any("secret-sync-token" in k for k in keys)


@pytest.mark.parametrize("bad", ["", "a:b", "two words"])
def test_org_names_that_would_break_the_namespace_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="org"):
        Store(redis_lib.Redis(), bad)


def test_redis_client_fixture_wipes_its_org(redis_client: redis_lib.Redis, org: str) -> None:
    Store(redis_client, org).commit_pull("ana@acme.test", None, [], [], "tok")
    assert redis_client.exists(f"syncer:{org}:cursors")


def test_all_series_of_ten_thousand_calendars_comes_back_in_seconds(
    embedded_redis_url: str, org: str
) -> None:
    client = redis_lib.Redis.from_url(embedded_redis_url)
    store = Store(client, org)
    try:
        template = _series()
        for i in range(10_000):
            calendar = f"p{i}@acme.test"
            store.commit_pull(
                calendar, None, [replace(template, calendar=calendar, event_id=f"e{i}")], [], "t"
            )
        started = time.monotonic()
        everything = store.all_series()
        elapsed = time.monotonic() - started
        assert len(everything) == 10_000
        assert elapsed < 10, f"all_series took {elapsed:.1f}s for 10k calendars"
    finally:
        store.wipe()
        client.close()
