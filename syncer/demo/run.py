"""`syncer demo`: the demo org on the local emulators, a few simulated weeks, in plain words.

The emulators stand in for Google Workspace and Microsoft 365 (Graph, OneDrive and the
identity platform msal signs in with); syncer talks to them through the real client libraries
over HTTPS, exactly as it talks to the real services, and keeps its state in the embedded
Redis. It runs as the service does (`syncer.demo.service`): the web app on a local port, which
both emulators post their push notifications to, and rq worker processes. The first sweep is a
job; after that every story step is a person's change in an emulator -> notification ->
webhook -> pull job -> pair job -> writes, and the demo waits until the service is quiet
before it tells what happened. When simulated time jumps, the demo enqueues the cron
schedule's time-driven jobs (renewals, the daily pass) as the scheduler would have.

One simulated clock drives both emulators and the service: the demo sets the emulators' clocks
here and the same instant in Redis, which the workers read (`syncer.store_clock`,
SYNCER_SIMULATED_CLOCK=1 in their environment). So weeks pass in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import Redis

from syncer.config import SyncerConfig, load_config
from syncer.core.blocks import BEGIN_MARKER, END_MARKER
from syncer.demo.scenario import BERLIN, TODAY, Sandboxes, Story, seed
from syncer.demo.service import DemoService, delta, free_port
from syncer.engine import Engine
from syncer.engine.providers import build_providers
from syncer.redis_server import connect, data_dir, redis_url_for
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from syncer.store import Store
from syncer.store_clock import SimulatedClock
from workers import jobs

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"
GOOGLE_PLACEHOLDER = "https://127.0.0.1:8701/"
GRAPH_PLACEHOLDER = "https://127.0.0.1:8702"  # .../demo-tenant (authority) and .../v1.0 (Graph)
TENANT, CLIENT_ID, CLIENT_SECRET = "demo-tenant", "demo-client", "demo-secret"  # demo.yaml's
WEB_LINE = re.compile(r"^web: .*$", re.MULTILINE)
DEMO_WORKERS = 2  # the machine the demo promises: 2 cores

Say = Callable[[str], None]


def _runtime_config(sandbox_dir: Path, google_url: str, graph_url: str, web_url: str) -> Path:
    """The demo config with the emulators' real addresses and the web app's (both emulators
    post their notifications to it): the file `syncer report -c` can use after the demo."""
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(GOOGLE_PLACEHOLDER, google_url + "/")
    text = text.replace(GRAPH_PLACEHOLDER + "/", graph_url + "/")
    bind = web_url.removeprefix("http://")
    text, found = WEB_LINE.subn(f"web: {{public_url: '{web_url}', bind: '{bind}'}}", text)
    if found != 1:
        raise ValueError(f"{DEMO_CONFIG} has no one-line `web:` section to point at the demo")
    path = sandbox_dir / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _tls(sandbox_dir: Path) -> TlsFiles:
    """One CA for both emulators, its certificate where demo.yaml's ca_bundle points."""
    tls = ensure_tls_files(sandbox_dir / "tls")
    shutil.copyfile(tls.ca_cert, sandbox_dir / "ca.pem")
    return tls


def _start_graph(config: SyncerConfig, tls: TlsFiles) -> tuple[GraphSandbox, str]:
    """The Microsoft 365 tenant: its people's mailboxes and the demo app's registration."""
    sandbox = GraphSandbox(GraphState("demo.test", tenant_id=TENANT), tls=tls)
    url = sandbox.start()
    state = sandbox.state
    for person in config.people_list():
        if person.provider == "microsoft":
            state.add_person(
                person.email, person.name, time_zone=person.timezone, manager=person.manager
            )
    state.register_app(CLIENT_ID, CLIENT_SECRET)
    return sandbox, url


def _start_google(
    config: SyncerConfig, sandbox_dir: Path, tls: TlsFiles
) -> tuple[GoogleSandbox, str]:
    sandbox = GoogleSandbox(GoogleState("demo.test"), tls=tls)
    url = sandbox.start()
    state = sandbox.state
    for person in config.people_list():
        if person.provider == "google":
            state.add_person(
                person.email, person.name, time_zone=person.timezone, manager=person.manager
            )
    key = state.issue_service_account("syncer@demo.test")
    key_file = sandbox_dir / "google-sa.json"
    key_file.write_text(json.dumps(key), encoding="utf-8")
    key_file.chmod(0o600)
    return sandbox, url


def _engine(config: SyncerConfig, redis: Redis, clock: Callable[[], dt.datetime]) -> Engine:
    """The demo's own engine: it only reads the store for the final report (the service's
    workers do every sync) and says which providers are unavailable."""
    providers, unavailable = build_providers(config, sleep=lambda _s: None, clock=clock)
    providers = {name: p for name, p in providers.items() if name not in unavailable}
    store = Store(redis, config.org)
    return Engine(config, store, providers, clock=clock, unavailable=unavailable)


def _block_of(state: GoogleState, email: str, event_id: str) -> str | None:
    text = str(state.event(email, event_id).get("description", ""))
    start, end = text.find(BEGIN_MARKER), text.find(END_MARKER)
    if start < 0 or end < 0:
        return None
    return text[start : end + len(END_MARKER)]


class _Clock:
    """The one simulated clock: both emulators' (in this process) and the service's (in Redis,
    read by the worker processes)."""

    def __init__(self, org: Sandboxes, service: SimulatedClock) -> None:
        self._org = org
        self._service = service

    def now(self) -> dt.datetime:
        return self._org.google.clock.now()

    def set(self, moment: dt.datetime) -> None:
        self._org.google.clock.set(moment)
        self._org.graph.clock.set(moment)
        self._service.set(moment)


@dataclass
class _Demo:
    """The running demo: emulators, service, clock; the story's moves go through here."""

    org: Sandboxes
    service: DemoService
    clock: _Clock

    def emulators(self) -> tuple[bool, tuple[int, int]]:
        """(every push notification answered?, how many were delivered so far)."""
        google, graph = self.org.google.channels, self.org.graph.subscriptions
        drained = google.drained() and graph.drained()
        return drained, (len(google.deliveries), len(graph.deliveries))

    def settle(self) -> dict[str, int]:
        """Wait until the service has done everything it is going to; what it counted."""
        before = self.service.counters()
        self.service.wait_quiet(self.emulators)
        return delta(self.service.counters(), before)

    def schedule(self, moment: dt.datetime) -> dict[str, int]:
        """Simulated time jumps to `moment`: the cron schedule's time-driven jobs run now, in
        the service's workers: channel renewals, then the daily pass over every pair (agenda
        sections, overdue flags). The scheduled pulls are left out: with push working they
        find nothing new, and the story's last step runs a whole sweep."""
        self.clock.set(moment)
        before = self.service.counters()
        self.service.enqueue("default", jobs.renew)
        self.service.wait_quiet(self.emulators)
        self.service.enqueue("default", jobs.plan_all)
        self.service.wait_quiet(self.emulators)
        return delta(self.service.counters(), before)

    def api_writes(self) -> int:
        return len(self.org.google.write_log) + len(self.org.graph.write_log)


def run_demo(
    say: Say,
    *,
    keep_state: bool = False,
    serve: Callable[[], None] | None = None,
    workers: int = DEMO_WORKERS,
) -> dict[str, Any]:
    """Play the demo; returns the final JSON report (tests read it)."""
    sandbox_dir = data_dir() / "sandbox"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    base_config = load_config(DEMO_CONFIG)
    tls = _tls(sandbox_dir)
    report: dict[str, Any] = {}
    with ExitStack() as running:
        google, google_url = _start_google(base_config, sandbox_dir, tls)
        running.callback(google.stop)
        graph, graph_url = _start_graph(base_config, tls)
        running.callback(graph.stop)
        web_url = f"http://127.0.0.1:{free_port()}"
        config_path = _runtime_config(sandbox_dir, google_url, graph_url, web_url)
        config = load_config(config_path)
        redis_url = redis_url_for(config.redis_url)
        redis = connect(redis_url)
        running.callback(redis.close)
        if not keep_state:
            Store(redis, config.org).wipe()
        org = Sandboxes(google.state, graph.state)
        clock = _Clock(org, SimulatedClock(redis, config.org))
        clock.set(dt.datetime(2026, 8, 25, 9, tzinfo=dt.UTC))
        story: Story = seed(org)
        engine = _engine(config, redis, clock.now)
        for line in engine.unavailable_providers():
            say(f"(note: {line}; its people are left out of this demo run)")
        say(
            f"Demo org '{engine.config.org}': {len(engine.people)} people; "
            f"Google Workspace emulator at {google_url}, Microsoft 365 emulator at {graph_url}"
        )
        service = DemoService(
            config_path, redis, redis_url, config.org, web_url, sandbox_dir / "service.log"
        )
        running.callback(service.stop)
        service.start(workers)
        failed_before = service.failed_jobs()
        say(f"syncer runs as a service: web app at {web_url}, {workers} rq workers.")
        demo = _Demo(org, service, clock)
        _play(say, demo, story)
        report = engine.report()
        opted_out = sorted(p.email for p in engine.people.values() if p.opt_out)
        _tell(say, report, org, story, opted_out)
        failed = service.failed_jobs() - failed_before
        if failed:
            say(f"\n({failed} job(s) failed; see {service.log_path})")
        say(f"\nThe demo's config (with the emulators' addresses) is {config_path};")
        say("its state stays in the embedded Redis under SYNCER_DATA_DIR.")
        if serve is not None:
            service.start_scheduler()
            _serving(say, service, config_path)
            serve()
    return report


def _play(say: Say, demo: _Demo, story: Story) -> None:
    first = dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)
    demo.clock.set(first)
    say(f"\n{first:%a %d %b %Y}: syncer is installed; its first sweep reads every calendar.")
    demo.service.enqueue("sweep", jobs.sweep)
    say("  " + _jobs_line(demo.settle()))
    demo.service.enqueue("default", jobs.renew)
    opened = demo.settle()
    channels = opened.get("channels|created", 0) + opened.get("channels|renewed", 0)
    say(f"  it opened {channels} push channels (Google watch channels, Graph subscriptions)")
    say(f"  to {demo.service.url}: from now on people's changes reach it as notifications.")
    for step in story.steps:
        meanwhile = demo.schedule(step.when)
        say(f"\n{step.when:%a %d %b %Y}: {step.says}")
        if _writes(meanwhile):
            say("  (meanwhile, on schedule: " + _writes_words(meanwhile) + ")")
        step.change(demo.org)
        say("  " + _jobs_line(demo.settle()))
    demo.schedule(TODAY)
    demo.org.google.reset_logs()
    demo.org.graph.reset_logs()
    say(f"\n{TODAY:%a %d %b %Y}: nothing changed since the last run; the hourly sweep runs.")
    demo.service.enqueue("sweep", jobs.sweep)
    quiet = demo.settle()
    say(f"  {_jobs_line(quiet)} ({demo.api_writes()} API writes seen)")


def _writes(counted: dict[str, int]) -> int:
    return sum(n for name, n in counted.items() if name.startswith("writes|"))


_WRITE_WORDS = {
    "ensure_agenda_doc": ("agenda doc created", "agenda docs created"),
    "attach_agenda": ("agenda doc attached", "agenda docs attached"),
    "append_agenda_section": ("agenda section added", "agenda sections added"),
    "write_block": ("managed block written", "managed blocks written"),
    "create_hold": ("hold placed", "holds placed"),
    "withdraw_hold": ("hold withdrawn", "holds withdrawn"),
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _writes_words(counted: dict[str, int]) -> str:
    total = _writes(counted)
    if not total:
        return "no writes"
    parts = [
        _count(counted[f"writes|{kind}"], *words)
        for kind, words in _WRITE_WORDS.items()
        if counted.get(f"writes|{kind}")
    ]
    return _count(total, "calendar/doc write", "calendar/doc writes") + ": " + ", ".join(parts)


def _jobs_line(counted: dict[str, int]) -> str:
    """What the service did, in the order it happened: notifications, pulls, pairs, writes."""
    heard = {
        "Google": counted.get("webhooks|google|accepted", 0),
        "Outlook": counted.get("webhooks|microsoft|accepted", 0),
    }
    parts = []
    if sum(heard.values()):
        who = ", ".join(f"{n} from {name}" for name, n in heard.items() if n)
        parts.append(_count(sum(heard.values()), "notification", "notifications") + f" ({who})")
    parts.append(_count(counted.get("jobs|pull|ok", 0), "calendar pull", "calendar pulls"))
    parts.append(_count(counted.get("jobs|pair|ok", 0), "pair job", "pair jobs"))
    return "syncer ran: " + " -> ".join(parts) + " -> " + _writes_words(counted)


def _serving(say: Say, service: DemoService, config_path: Path) -> None:
    url = service.url
    say("\nThe service keeps running with the emulators (Ctrl-C stops everything):")
    say(f"  web app  {url}   health {url}/healthz   ready {url}/readyz   metrics {url}/metrics")
    say(f"  dashboard {url}/dashboard   (open on this machine; it binds to localhost)")
    say(f"  logs     {service.log_path}")
    say("Meanwhile, try:")
    say(f"  syncer sync --once -c {config_path} --dry-run")
    say(f"  syncer report -c {config_path}")


def _tell(
    say: Say, report: dict[str, Any], org: Sandboxes, story: Story, opted_out: list[str]
) -> None:
    say("\nWhat syncer did, in plain words:")
    for pair in report["pairs"]:
        a, b = pair["people"]
        if pair["status"] == "missing":
            say(f"- {a} and {b}: expected to meet (manager and report) but have no 1:1 at all.")
        elif pair["status"] == "overdue":
            say(
                f"- {a} and {b}: OVERDUE, last met {pair['days_since_met']} days ago "
                f"(limit {pair['limit_days']})."
            )
        else:
            last = _local(pair["last_met"]) if pair["last_met"] else "never"
            say(f"- {a} and {b}: {pair['status']}, last met {last}.")
        for c in pair["cancellations"]:
            slots = ", ".join(_local(p) for p in c["proposals"]) or "none found"
            say(f"    the {c['kind']} 1:1 of {_local(c['date'])}: proposed {slots}")
    for person in opted_out:
        say(f"- {person} opted out: syncer never read, stored or wrote their events.")
    block = _block_of(
        org.google, "maria@demo.test", f"{story.series['maria-jonas']}_20261201T090000Z"
    )
    if block:
        say("\nThe managed block as Maria and Jonas see it in next Tuesday's event:\n")
        for line in block.splitlines():
            say("    " + line)


def _local(iso: str) -> str:
    """An ISO instant from the report as the demo's people read it (Berlin time)."""
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(BERLIN)
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"
