"""`syncer demo`: the demo org on the local emulators, a few simulated weeks, in plain words.

The emulators stand in for Google Workspace and Microsoft 365 (Graph, OneDrive and the
identity platform msal signs in with); syncer talks to them through the real client libraries
over HTTPS, exactly as it talks to the real services, and keeps its state in the embedded
Redis. One simulated clock drives both emulators and syncer, so weeks pass in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from syncer.config import SyncerConfig, load_config
from syncer.core.blocks import BEGIN_MARKER, END_MARKER
from syncer.demo.scenario import BERLIN, TODAY, Sandboxes, Story, seed
from syncer.engine import Engine, SyncSummary
from syncer.engine.providers import build_providers
from syncer.redis_server import connect, data_dir
from syncer.sandbox.google import GoogleSandbox, GoogleState
from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from syncer.store import Store

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"
GOOGLE_PLACEHOLDER = "https://127.0.0.1:8701/"
GRAPH_PLACEHOLDER = "https://127.0.0.1:8702"  # .../demo-tenant (authority) and .../v1.0 (Graph)
TENANT, CLIENT_ID, CLIENT_SECRET = "demo-tenant", "demo-client", "demo-secret"  # demo.yaml's

Say = Callable[[str], None]


def _runtime_config(sandbox_dir: Path, google_url: str, graph_url: str) -> Path:
    """The demo config with the emulators' real addresses: the file `syncer report -c` can use
    after the demo."""
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(GOOGLE_PLACEHOLDER, google_url + "/")
    text = text.replace(GRAPH_PLACEHOLDER + "/", graph_url + "/")
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


def _engine(config_path: Path, clock: Callable[[], dt.datetime]) -> Engine:
    config = load_config(config_path)
    providers, unavailable = build_providers(config, sleep=lambda _s: None, clock=clock)
    providers = {name: p for name, p in providers.items() if name not in unavailable}
    store = Store(connect(config.redis_url), config.org)
    return Engine(config, store, providers, clock=clock, unavailable=unavailable)


def _summary_line(summary: SyncSummary) -> str:
    a = summary.apply
    parts = [f"{a.writes} calendar/doc writes"]
    if a.docs_created:
        parts.append(f"{a.docs_created} agenda docs created")
    if a.by_kind.get("write_block"):
        parts.append(f"{a.by_kind['write_block']} managed blocks written")
    return "syncer ran: " + ", ".join(parts)


def _block_of(state: GoogleState, email: str, event_id: str) -> str | None:
    text = str(state.event(email, event_id).get("description", ""))
    start, end = text.find(BEGIN_MARKER), text.find(END_MARKER)
    if start < 0 or end < 0:
        return None
    return text[start : end + len(END_MARKER)]


def run_demo(
    say: Say, *, keep_state: bool = False, serve: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Play the demo; returns the final JSON report (tests read it)."""
    sandbox_dir = data_dir() / "sandbox"
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    base_config = load_config(DEMO_CONFIG)
    tls = _tls(sandbox_dir)
    google, google_url = _start_google(base_config, sandbox_dir, tls)
    try:
        graph, graph_url = _start_graph(base_config, tls)
    except BaseException:
        google.stop()
        raise
    org = Sandboxes(google.state, graph.state)
    clock = _Clock(org)
    try:
        config_path = _runtime_config(sandbox_dir, google_url, graph_url)
        clock.set(dt.datetime(2026, 8, 25, 9, tzinfo=dt.UTC))
        story: Story = seed(org)
        engine = _engine(config_path, clock.now)
        if not keep_state:
            engine.store.wipe()
        for line in engine.unavailable_providers():
            say(f"(note: {line}; its people are left out of this demo run)")
        say(
            f"Demo org '{engine.config.org}': {len(engine.people)} people; "
            f"Google Workspace emulator at {google_url}, Microsoft 365 emulator at {graph_url}"
        )
        clock.set(dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC))
        say(f"\n{clock.now():%a %d %b %Y}: syncer is installed and runs for the first time.")
        say("  " + _summary_line(engine.sync_once()))
        for step in story.steps:
            clock.set(step.when)
            say(f"\n{step.when:%a %d %b %Y}: {step.says}")
            step.change(org)
            say("  " + _summary_line(engine.sync_once()))
        clock.set(TODAY)
        org.google.reset_logs()
        org.graph.reset_logs()
        say(f"\n{TODAY:%a %d %b %Y}: nothing changed since the last run.")
        quiet = engine.sync_once()
        seen = len(org.google.write_log) + len(org.graph.write_log)
        say(f"  syncer ran: {quiet.apply.writes} writes ({seen} API writes seen)")
        report = engine.report()
        _tell(say, report, org, story)
        for person in sorted(p.email for p in engine.people.values() if p.opt_out):
            say(f"- {person} opted out: syncer never read, stored or wrote their events.")
        say(f"\nThe demo's config (with the emulators' addresses) is {config_path};")
        say("its state stays in the embedded Redis under SYNCER_DATA_DIR.")
        if serve is not None:
            clock.set(TODAY)
            say("\nThe emulators keep running (Ctrl-C stops them). Meanwhile, try:")
            say(f"  syncer sync --once -c {config_path} --dry-run")
            say(f"  syncer report -c {config_path}")
            serve()
        return report
    finally:
        graph.stop()
        google.stop()


class _Clock:
    """The one simulated clock: both emulators' and syncer's."""

    def __init__(self, org: Sandboxes) -> None:
        self._org = org

    def now(self) -> dt.datetime:
        return self._org.google.clock.now()

    def set(self, moment: dt.datetime) -> None:
        self._org.google.clock.set(moment)
        self._org.graph.clock.set(moment)


def _tell(say: Say, report: dict[str, Any], org: Sandboxes, story: Story) -> None:
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
