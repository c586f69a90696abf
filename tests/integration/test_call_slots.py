"""Call slots: at most `limits.mailbox_concurrency` calls in flight per mailbox across every
worker (Graph serves four per app and mailbox and throttles the fifth), on the real Redis, and
the Graph emulator enforcing that limit as Graph does."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis as redis_lib

from syncer.errors import Busy, ProviderError
from syncer.providers.graph_http import GraphSession
from syncer.providers.retry import call_with_retry
from syncer.providers.slots import UNBOUNDED, CallSlots, graph_mailbox
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from syncer.store_slots import RedisSlots
from tests.integration.graph_org import ANA, BOB, graph_org

SITE = str(Path(__file__).resolve().parents[2])


class Meter:
    """Counts holders inside a block and keeps the most ever there at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:  # handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def held(redis_client: redis_lib.Redis, org: str) -> Iterator[Callable[..., threading.Event]]:
    """Hold slots from other threads until the test ends: `held(slots, provider, mailbox)`."""
    release = threading.Event()
    threads: list[threading.Thread] = []

    def hold(slots: CallSlots, provider: str, mailbox: str | None) -> threading.Event:
        inside = threading.Event()

        def keep() -> None:
            with slots.hold(provider, mailbox):
                inside.set()
                release.wait(30)

        thread = threading.Thread(target=keep)
        thread.start()
        threads.append(thread)
        assert inside.wait(5)
        return inside

    yield hold
    release.set()
    for thread in threads:
        thread.join(10)


def test_no_more_than_the_limit_run_at_once_for_one_mailbox(
    redis_client: redis_lib.Redis, org: str
) -> None:
    slots = RedisSlots(redis_client, org, mailbox_limit=2, wait_s=30)
    meter = Meter()

    def call(_: int) -> None:
        with slots.hold("microsoft", "Ana@Acme.test"), meter:
            time.sleep(0.05)

    assert run_threads(8, call) == []
    assert meter.peak == 2
    assert slots.in_flight("microsoft", ANA) == 0  # every slot given back


def test_a_full_mailbox_holds_up_no_one_else_and_a_waiter_gives_up_busy(
    redis_client: redis_lib.Redis, org: str, held: Callable[..., threading.Event]
) -> None:
    slots = RedisSlots(redis_client, org, mailbox_limit=1, wait_s=0.3)
    held(slots, "microsoft", ANA)
    with slots.hold("microsoft", BOB):  # another mailbox: at once
        pass
    with slots.hold("google", ANA):  # the same address on the other provider: its own slots
        pass
    started = time.monotonic()
    with pytest.raises(Busy) as caught, slots.hold("microsoft", ANA):
        pytest.fail("a second holder got in over the limit of one")
    assert time.monotonic() - started >= 0.3
    assert caught.value.retryable and caught.value.provider == "microsoft"


def test_the_provider_limit_counts_every_mailbox_together(
    redis_client: redis_lib.Redis, org: str, held: Callable[..., threading.Event]
) -> None:
    slots = RedisSlots(redis_client, org, mailbox_limit=4, provider_limit=1, wait_s=0.2)
    held(slots, "google", ANA)
    with pytest.raises(Busy), slots.hold("google", BOB):
        pass
    with slots.hold("microsoft", BOB):  # the cap is per provider
        pass


def test_a_holder_killed_mid_call_frees_its_slot_when_the_lease_ends(
    redis_url: str, redis_client: redis_lib.Redis, org: str
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, redis\n"
            "from syncer.store_slots import RedisSlots\n"
            f"slots = RedisSlots(redis.Redis.from_url({redis_url!r}), {org!r}, mailbox_limit=1,"
            " lease_s=1.5)\n"
            f"with slots.hold('microsoft', {ANA!r}):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=SITE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        holder.kill()  # SIGKILL: no finally runs, the slot stays taken
        holder.wait(10)
        slots = RedisSlots(redis_client, org, mailbox_limit=1, wait_s=0.1)
        assert slots.in_flight("microsoft", ANA) == 1
        with pytest.raises(Busy), slots.hold("microsoft", ANA):
            pass
        patient = RedisSlots(redis_client, org, mailbox_limit=1, wait_s=10)
        started = time.monotonic()
        with patient.hold("microsoft", ANA):
            assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait(10)


def test_busy_is_not_retried_in_place() -> None:
    attempts: list[int] = []

    def call() -> None:
        attempts.append(1)
        raise Busy("microsoft", None, "no free call slot", retryable=True, reason="slots")

    with pytest.raises(Busy):
        call_with_retry(call, provider="microsoft", classify=lambda _e: None, sleep=lambda _s: None)
    assert len(attempts) == 1


def test_the_mailbox_of_a_graph_call_is_read_from_its_path_or_link() -> None:
    assert graph_mailbox("/users/Ana%40acme.test/events/AAMk=") == ANA
    assert graph_mailbox(f"https://graph.test/v1.0/users/{BOB}/calendarView/delta?$x=1") == BOB
    assert graph_mailbox("/subscriptions/abc") is None


# --------------------------------------------------------------------------------------------
# Against the Graph emulator


@pytest.fixture
def graph(tls: TlsFiles) -> Iterator[tuple[GraphSandbox, tuple[str, str]]]:
    sandbox = GraphSandbox(GraphState("acme.test"), tls=tls)
    sandbox.start()
    sandbox.state.add_person(ANA, "Ana")
    secret = sandbox.state.register_app()
    sandbox.state.faults.latency = 0.15  # calls overlap as on a slow network
    try:
        yield sandbox, secret
    finally:
        sandbox.stop()


def session(
    graph: tuple[GraphSandbox, tuple[str, str]], tls: TlsFiles, slots: CallSlots, attempts: int
) -> GraphSession:
    """One worker's session: its own msal app and connections."""
    sandbox, (client_id, secret) = graph
    return GraphSession(
        tenant_id=sandbox.state.tenant_id,
        client_id=client_id,
        client_secret=secret,
        authority=sandbox.authority,
        graph_endpoint=f"{sandbox.base_url}/v1.0",
        ca_bundle=str(tls.ca_cert),
        max_attempts=attempts,
        slots=slots,
    )


def throttled(sandbox: GraphSandbox) -> int:
    return sum(1 for call in sandbox.state.call_log if call.status == 429)


def test_the_graph_emulator_throttles_the_fifth_concurrent_call_to_a_mailbox(
    graph: tuple[GraphSandbox, tuple[str, str]], tls: TlsFiles
) -> None:
    sessions = [session(graph, tls, UNBOUNDED, attempts=1) for _ in range(6)]
    for one in sessions:
        one.token()  # tokens first: only the mailbox calls race

    errors = run_threads(6, lambda i: sessions[i].send("GET", f"/users/{ANA}/mailboxSettings"))
    assert errors, "six calls at once all went through"
    assert all(isinstance(e, ProviderError) and e.status == 429 for e in errors)
    assert {e.reason for e in errors if isinstance(e, ProviderError)} == {"ApplicationThrottled"}
    assert all(isinstance(e, ProviderError) and e.retry_after == 1.0 for e in errors)
    assert graph[0].state.mailbox_concurrency.peaks[ANA] == 4


def test_workers_sharing_the_slots_stay_within_graphs_mailbox_limit(
    graph: tuple[GraphSandbox, tuple[str, str]],
    tls: TlsFiles,
    redis_client: redis_lib.Redis,
    org: str,
) -> None:
    slots = RedisSlots(redis_client, org, mailbox_limit=4, wait_s=30)
    sessions = [session(graph, tls, slots, attempts=1) for _ in range(8)]

    def three_calls(i: int) -> None:
        for _ in range(3):
            sessions[i].send("GET", f"/users/{ANA}/mailboxSettings")

    assert run_threads(8, three_calls) == []  # one attempt each: a 429 would fail the call
    sandbox = graph[0]
    assert throttled(sandbox) == 0
    assert sandbox.state.mailbox_concurrency.peaks[ANA] == 4


def test_the_service_builds_its_providers_on_the_configured_slots(
    tmp_path: Path,
    tls: TlsFiles,
    store: Store,
    org: str,
    redis_url: str,
    held: Callable[..., threading.Event],
) -> None:
    from workers.context import context, forget

    extra = f"limits: {{mailbox_concurrency: 1, slot_wait_seconds: 0.3}}\nredis_url: {redis_url}"
    with graph_org(tmp_path, tls, store, extra_config=extra) as world:
        text = world.config_path.read_text().replace("org: acme", f"org: {org}")
        world.config_path.write_text(text)
        try:
            ctx = context(str(world.config_path))
            other_worker = RedisSlots(store.redis, org, mailbox_limit=1)
            held(other_worker, "microsoft", ANA)
            with pytest.raises(Busy):
                ctx.engine.providers["microsoft"].pull(ANA, None)
            ctx.engine.providers["microsoft"].pull(BOB, None)  # Bob's mailbox is free
        finally:
            forget()
