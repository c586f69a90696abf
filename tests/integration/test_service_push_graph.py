"""The service end to end on the Graph emulator: subscriptions, webhooks, jobs, apply.

Everything speaks HTTPS, as with real Graph: syncer calls the emulator with its CA bundle, and
the emulator validates and notifies the web app (uvicorn with a certificate from the same CA)
and refuses plain http. Jobs run in this process (rq burst mode) where a test checks what was
queued, and in a real `syncer worker` process for the change-to-write path.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
import uvicorn
from rq import Queue, SimpleWorker

from syncer.core.blocks import BEGIN_MARKER
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.graph.subscriptions import Subscription
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from syncer.store_push import PushStore
from tests.integration.graph_org import ANA, BOB, CAT, DAN, MICROSOFT_PEOPLE, ROOM, write_config
from tests.integration.service_world import ROOT, free_port, remove_jobs, wait_for
from workers import jobs
from workers.context import forget
from workers.enqueue import QUEUES, jobs_in_flight


@dataclass
class GraphService:
    graph: GraphState
    config_path: Path
    redis: redis_lib.Redis
    redis_url: str
    org: str
    web_url: str
    client_tls: ssl.SSLContext
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def push(self) -> PushStore:
        return PushStore(self.redis, self.org)

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis)

    def queued(self) -> list[tuple[str, tuple[Any, ...]]]:
        return [(j.func_name, tuple(j.args)) for q in QUEUES for j in self.queue(q).jobs]

    def work(self) -> None:
        SimpleWorker([self.queue(q) for q in QUEUES], connection=self.redis).work(
            burst=True, logging_level="WARNING"
        )

    def start_worker(self) -> None:
        env = {**os.environ, "REDIS_URL": self.redis_url}
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "syncer.cli", "worker", "-c", str(self.config_path)],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def subscription(self, calendar: str) -> Subscription:
        """The calendar's subscription at Graph, the one syncer's store names."""
        channel = self.push.current_channel(calendar)
        assert channel is not None, f"no channel for {calendar}"
        return self.graph.subscriptions.get(channel)

    def writes(self, method: str, api: str | None = None) -> list[Any]:
        return [
            w for w in self.graph.write_log if w.method == method and (api is None or w.api == api)
        ]

    def post(self, body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            self.web_url + "/webhooks/graph",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.client_tls) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as err:
            return int(err.code)


@contextmanager
def running_web_tls(config_path: Path, port: int, tls: TlsFiles) -> Iterator[None]:
    from syncer.web import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config_path),
            host="127.0.0.1",
            port=port,
            log_level="error",
            ssl_certfile=str(tls.cert),
            ssl_keyfile=str(tls.key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="the web app")
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def world(
    tmp_path: Path, tls: TlsFiles, redis_url: str, org: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GraphService]:
    monkeypatch.setenv("REDIS_URL", redis_url)  # in-process jobs find the same Redis
    sandbox = GraphSandbox(GraphState("acme.test"), tls=tls)
    sandbox.start()
    state = sandbox.state
    state.clock.set(dt.datetime.now(dt.UTC))  # jobs use the wall clock
    state.subscriptions.allow_http = False  # as Graph: https notification URLs only
    state.subscriptions.ssl_context = tls.client_context()
    for m in MICROSOFT_PEOPLE:
        state.add_person(m.email, m.name, time_zone=m.timezone, manager=m.manager)
    state.add_person(ROOM, "Room Berlin", room=True)
    port = free_port()
    web_url = f"https://127.0.0.1:{port}"
    config_path = tmp_path / "syncer.yaml"
    web = f"web: {{public_url: '{web_url}', bind: '127.0.0.1:{port}'}}"
    write_config(
        config_path, MICROSOFT_PEOPLE, sandbox, state.register_app(), tls.ca_cert, extra=web
    )
    config_path.write_text(config_path.read_text().replace("org: acme", f"org: {org}", 1))
    client = redis_lib.Redis.from_url(redis_url)
    forget()
    world = GraphService(state, config_path, client, redis_url, org, web_url, tls.client_context())
    try:
        with running_web_tls(config_path, port, tls):
            yield world
    finally:
        for proc in world.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        remove_jobs(client, config_path)
        forget()
        Store(client, org).wipe()
        client.close()
        sandbox.stop()


def weekly_one_on_one(world: GraphService) -> tuple[str, dt.datetime]:
    """Ana and Bob, Mondays 15:00 UTC since six weeks ago; returns (series, next Monday)."""
    now = world.graph.clock.now()
    monday = (now - timedelta(days=now.weekday() + 42)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    series = world.graph.create_one_on_one(ANA, BOB, monday, time_zone="UTC")
    upcoming = monday + timedelta(weeks=7)
    while upcoming <= now + timedelta(days=1):
        upcoming += timedelta(weeks=1)
    return series, upcoming


def first_sync_with_subscriptions(world: GraphService) -> None:
    jobs.sweep(str(world.config_path))
    world.work()
    assert jobs.renew(str(world.config_path)) == {"created": 4}


def test_subscriptions_are_created_through_the_validation_handshake(world: GraphService) -> None:
    first_sync_with_subscriptions(world)
    sub = world.subscription(ANA)
    assert sub.notification_url == sub.lifecycle_url == world.web_url + "/webhooks/graph"
    assert sub.resource == f"/users/{ANA}/events"
    assert sub.change_types == {"created", "updated", "deleted"}
    left = sub.expiration - world.graph.clock.now()
    assert timedelta(hours=60) < left <= timedelta(minutes=4230)
    record = world.push.get_channel(sub.id)
    assert record is not None and record["provider"] == "microsoft"
    assert record["token"] == sub.client_state  # the clientState is the channel's secret
    # Graph validated both URLs of every subscription before it answered.
    assert world.push.counters()["webhooks|microsoft|validated"] == 8


def test_no_subscription_when_the_webhook_does_not_answer_the_handshake(
    world: GraphService,
) -> None:
    text = world.config_path.read_text()
    world.config_path.write_text(text.replace(world.web_url, f"https://127.0.0.1:{free_port()}"))
    assert jobs.renew(str(world.config_path)) == {"failed": 4}
    assert world.graph.subscriptions.items == {}
    assert world.push.channels() == {}


def test_a_declined_occurrence_reaches_the_calendar_through_notification_job_and_patch(
    world: GraphService,
) -> None:
    series, upcoming = weekly_one_on_one(world)
    first_sync_with_subscriptions(world)
    assert BEGIN_MARKER in world.graph.event(ANA, series)["body"]["content"]
    world.graph.reset_logs()
    world.start_worker()

    world.graph.decline_occurrence(BOB, series, upcoming)

    occurrence = world.graph.occurrence_id(ANA, series, upcoming)
    wait_for(
        lambda: any(w.event_id == occurrence for w in world.writes("PATCH", "calendar")),
        timeout=30,
        what="the proposal written on Ana's copy of the declined occurrence",
    )
    assert "declined" in world.graph.event(ANA, occurrence)["body"]["content"]
    deliveries = world.graph.subscriptions.deliveries
    assert deliveries and all(d.status == 202 for d in deliveries)
    assert world.push.counters().get("webhooks|microsoft|accepted", 0) >= 1
    wait_for(world.push.lags, what="the change-to-write latency recorded by the pair job")


def test_a_notification_with_a_wrong_client_state_is_rejected(world: GraphService) -> None:
    first_sync_with_subscriptions(world)
    sub = world.subscription(ANA)
    note = {
        "subscriptionId": sub.id,
        "changeType": "updated",
        "resource": f"Users/{ANA}/Events/x",
        "tenantId": world.graph.tenant_id,
    }
    assert world.post({"value": [{**note, "clientState": "guessed"}]}) == 403
    assert world.post({"value": [{**note, "lifecycleEvent": "subscriptionRemoved"}]}) == 403
    assert world.queued() == []
    assert world.push.get_channel(sub.id) is not None  # a forged removal removes nothing
    assert world.post({"value": [{**note, "clientState": sub.client_state}]}) == 202
    assert [name for name, _ in world.queued()] == ["workers.jobs.pull"]


def wait_delivered(world: GraphService, kind: str) -> None:
    wait_for(
        lambda: any(
            d.kind == kind and d.status == 202 for d in world.graph.subscriptions.deliveries
        ),
        what=f"the {kind} notification accepted",
    )


def test_missed_notifications_resync_the_calendar_in_full(world: GraphService) -> None:
    series, _ = weekly_one_on_one(world)
    first_sync_with_subscriptions(world)
    jobs.pull(str(world.config_path), ANA)  # syncer's own block write comes back once
    world.work()
    world.graph.reset_logs()
    jobs.pull(str(world.config_path), ANA)  # nothing new: the series is not fetched again
    assert [c.path for c in world.graph.call_log if series in c.path] == []
    assert world.queued() == []

    world.graph.subscriptions.lifecycle(world.subscription(ANA).id, "missed")

    wait_delivered(world, "missed")
    assert [(name, args[1], args[2]) for name, args in world.queued()] == [
        ("workers.jobs.pull", ANA, True)
    ]
    world.work()
    assert any(c.method == "GET" and series in c.path for c in world.graph.call_log)
    assert world.writes("PATCH", "calendar") == []  # nothing changed: nothing written


def test_reauthorization_required_renews_the_subscription_in_place(world: GraphService) -> None:
    first_sync_with_subscriptions(world)
    sub = world.subscription(ANA)
    sub.expiration = world.graph.clock.now() + timedelta(hours=30)  # well before renewal time
    world.graph.reset_logs()

    world.graph.subscriptions.lifecycle(sub.id, "reauthorizationRequired")

    wait_delivered(world, "reauthorizationRequired")
    world.work()
    assert [w.path for w in world.writes("PATCH")] == [f"/subscriptions/{sub.id}"]
    assert world.writes("POST") == [] and world.writes("DELETE") == []
    assert world.subscription(ANA) is sub  # same subscription, same clientState
    assert sub.expiration - world.graph.clock.now() > timedelta(hours=60)
    record = world.push.get_channel(sub.id)
    assert record is not None
    stored = dt.datetime.fromisoformat(record["expiration"])
    assert abs(stored - sub.expiration) < timedelta(seconds=1)  # what Graph granted


def test_a_removed_subscription_is_created_anew_and_the_calendar_pulled(
    world: GraphService,
) -> None:
    series, _ = weekly_one_on_one(world)
    first_sync_with_subscriptions(world)
    old = world.subscription(ANA)

    world.graph.subscriptions.lifecycle(old.id, "subscriptionRemoved")

    wait_delivered(world, "subscriptionRemoved")
    assert world.push.get_channel(old.id) is None
    assert sorted(name for name, _ in world.queued()) == ["workers.jobs.pull", "workers.jobs.renew"]
    world.graph.reset_logs()
    world.work()
    assert [w.path for w in world.writes("POST", "subscriptions")] == ["/subscriptions"]
    new = world.subscription(ANA)
    assert new.id != old.id and old.id not in world.graph.subscriptions.items
    record = world.push.get_channel(new.id)
    assert record is not None and record["token"] == new.client_state
    # ...and changes reach syncer again through the new subscription.
    world.graph.edit_body(ANA, series, "<p>Ana's notes</p>")
    wait_for(
        lambda: any(
            d.subscription == new.id and d.status == 202
            for d in world.graph.subscriptions.deliveries
        ),
        what="a change notification on the new subscription",
    )


def test_a_subscription_near_expiry_is_renewed_before_it_lapses(world: GraphService) -> None:
    series, upcoming = weekly_one_on_one(world)
    first_sync_with_subscriptions(world)
    assert set(jobs.renew(str(world.config_path))) == {"kept"}
    sub = world.subscription(ANA)
    soon = world.graph.clock.now() + timedelta(hours=3)
    sub.expiration = soon  # as Graph and the store both see it
    record = world.push.get_channel(sub.id)
    assert record is not None
    world.push.put_channel(ANA, sub.id, {**record, "expiration": soon.isoformat()})
    world.graph.reset_logs()

    assert jobs.renew(str(world.config_path)) == {"renewed": 1, "kept": 3}

    assert [w.path for w in world.writes("PATCH")] == [f"/subscriptions/{sub.id}"]
    assert world.subscription(ANA) is sub and sub.expiration > soon + timedelta(hours=48)
    # Past the old expiry the subscription still notifies.
    world.graph.clock.set(soon + timedelta(hours=1))
    world.graph.decline_occurrence(BOB, series, upcoming)
    wait_for(
        lambda: any(
            d.subscription == sub.id and d.status == 202
            for d in world.graph.subscriptions.deliveries
        ),
        what="a change notification after the old expiry",
    )


def test_a_stopped_subscription_is_deleted_and_stopping_it_again_is_fine(
    world: GraphService,
) -> None:
    from syncer.engine.push import current_channel, stop_channel
    from workers.context import context

    first_sync_with_subscriptions(world)
    engine = context(str(world.config_path)).engine
    channel = current_channel(world.push, ANA)
    assert channel is not None
    stop_channel(engine, channel)
    assert channel.ref.id not in world.graph.subscriptions.items
    assert world.push.get_channel(channel.ref.id) is None
    engine.provider_of(ANA).stop_watch(channel.ref)  # 404 at Graph: already stopped


def test_worker_processes_share_the_call_slots_of_a_busy_mailbox(world: GraphService) -> None:
    """Ana has three reports: four `syncer worker` processes plan their three 1:1s at once, all
    in her mailbox. With `limits.mailbox_concurrency: 1` (and Graph's limit set to 1 in the
    emulator), the workers' calls queue for her slot across processes: none is throttled."""
    world.config_path.write_text(
        world.config_path.read_text() + "\nlimits: {mailbox_concurrency: 1}\n"
    )
    forget()
    series, _ = weekly_one_on_one(world)
    start = world.graph.event(ANA, series)["start"]["dateTime"]
    monday = dt.datetime.fromisoformat(start[:19]).replace(tzinfo=dt.UTC)
    others = [world.graph.create_one_on_one(ANA, p, monday, time_zone="UTC") for p in (CAT, DAN)]
    world.graph.mailbox_concurrency.limit = 1
    world.graph.faults.latency = 0.05  # calls overlap as on a real network
    for _ in range(4):
        world.start_worker()
    world.queue("sweep").enqueue(jobs.sweep, str(world.config_path))

    def written() -> bool:
        bodies = [world.graph.event(ANA, s)["body"]["content"] for s in [series, *others]]
        return all(BEGIN_MARKER in body for body in bodies)

    wait_for(written, timeout=90, what="the three 1:1s' blocks")
    wait_for(lambda: jobs_in_flight(world.redis) == 0, timeout=60, what="the workers to finish")
    assert [c for c in world.graph.call_log if c.status == 429] == []
    assert world.graph.mailbox_concurrency.peaks[ANA] == 1
