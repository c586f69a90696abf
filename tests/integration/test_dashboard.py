"""The admin dashboard served by the real web app: who may see it and that untrusted names stay
text (uvicorn on a free port over a store filled by a real sync of an emulated Google org), and
what a real browser (headless Chromium) renders from the app `syncer demo --serve` leaves running
with the demo org (config/demo.yaml, across both emulators), saved as docs/dashboard.png for the
README."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as redis_lib
import requests
import uvicorn

from syncer.sandbox.tls import TlsFiles
from syncer.store import Store
from syncer.store_clock import SimulatedClock
from syncer.web import create_app
from tests.integration.demo_serve import app_url, start_demo, stop_demo
from tests.integration.google_org import GoogleOrg, google_org
from tests.integration.report_org import HOSTILE_NAME, HOSTILE_TEAM, with_teams
from tests.integration.service_world import free_port, wait_for

TOKEN = "s3cret-admin-token"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "dashboard.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install -y chromium)",
)


def own_org(world: GoogleOrg, org: str) -> None:
    """Point the config at the test's own org, so the web app reads the keys the sync wrote."""
    path = world.config_path
    path.write_text(path.read_text().replace("org: acme\n", f"org: {org}\n"))


@pytest.fixture
def world(
    tmp_path: Path,
    tls: TlsFiles,
    store: Store,
    org: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[GoogleOrg]:
    monkeypatch.setenv("REDIS_URL", redis_url)  # the web app finds the tests' Redis
    with google_org(tmp_path, tls, store, f"web:\n  admin_token: {TOKEN}\n") as world:
        own_org(world, org)
        yield world


@contextmanager
def serving(world: GoogleOrg, host: str) -> Iterator[str]:
    """The web app on `host` and a free port, its dashboard's clock at the org's "now"."""
    port = free_port()
    app = create_app(world.config_path, bind=f"{host}:{port}", clock=lambda: world.now)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="the web app")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def without_token(world: GoogleOrg) -> None:
    path = world.config_path
    path.write_text(path.read_text().replace(f"  admin_token: {TOKEN}\n", "  bind: 0.0.0.0:1\n"))


def test_dashboard_bound_beyond_localhost_answers_401_without_the_token_and_200_with_it(
    world: GoogleOrg,
) -> None:
    with_teams(world)
    with serving(world, "0.0.0.0") as url:
        page = f"{url}/dashboard"
        refused = requests.get(page, timeout=10)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "Dan" not in refused.text
        wrong = {"Authorization": "Bearer not-the-token"}
        assert requests.get(page, headers=wrong, timeout=10).status_code == 401
        assert requests.get(page, params={"token": "nope"}, timeout=10).status_code == 401
        ok = requests.get(page, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert ok.status_code == 200 and "Overdue and missing pairs" in ok.text
        # The login link: a cookie (HttpOnly, SameSite=Strict, not the token) and a clean URL.
        login = requests.get(page, params={"token": TOKEN}, allow_redirects=False, timeout=10)
        assert login.status_code == 303 and login.headers["location"] == "/dashboard"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
        session = requests.Session()
        assert session.get(page, params={"token": TOKEN}, timeout=10).status_code == 200
        assert session.get(page, timeout=10).status_code == 200
        assert requests.get(f"{url}/healthz", timeout=10).status_code == 200


def test_names_and_teams_are_shown_as_text_never_as_html(world: GoogleOrg) -> None:
    with_teams(world)
    with serving(world, "0.0.0.0") as url:
        answer = requests.get(
            f"{url}/dashboard", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
    html = answer.text
    assert "&lt;img src=x onerror=" in html and "&lt;script&gt;" in html
    assert HOSTILE_NAME not in html and HOSTILE_TEAM not in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script" not in policy


def test_localhost_needs_no_token_and_a_public_bind_without_a_token_is_refused(
    world: GoogleOrg,
) -> None:
    without_token(world)
    with serving(world, "127.0.0.1") as url:
        assert requests.get(f"{url}/dashboard", timeout=10).status_code == 200
    with serving(world, "0.0.0.0") as url:
        answer = requests.get(f"{url}/dashboard", timeout=10)
        assert answer.status_code == 403 and "admin_token" in answer.text


def chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


DEMO_ORG = "demo"  # config/demo.yaml's org


@dataclass(frozen=True)
class DemoApp:
    url: str  # the demo's web app, bound to 127.0.0.1 (the dashboard needs no token there)
    out: str  # what the demo printed up to the point where it serves
    simulated_now: dt.datetime  # the demo's clock when its story ended


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[DemoApp]:
    """`syncer demo --serve` as the README runs it (as tests/integration/test_demo.py does): the
    demo org seeded across the Google and Microsoft emulators, its story played through the
    real service; once it says where its web app is, the app keeps serving until the module
    ends."""
    proc, lines, _ = start_demo(tmp_path_factory.mktemp("demo"), redis_url)
    client = redis_lib.Redis.from_url(redis_url)
    try:
        out = "".join(lines)
        assert "job(s) failed" not in out and "(note:" not in out, out
        url = app_url(lines)
        assert url.startswith("http://127.0.0.1:"), url
        yield DemoApp(url, out, SimulatedClock(client, DEMO_ORG).now())
    finally:
        rest = stop_demo(proc)
        Store(client, DEMO_ORG).wipe()
        client.close()
    assert proc.returncode == 0, "".join(lines) + rest


# The demo org's pairs (config/demo.yaml) as the demo's story leaves them on its "today",
# 2026-11-25 12:00 UTC: (pair, team, status, last met). Lucas opted out: he is in no pair.
DEMO_PAIRS = [
    ("maria@demo.test", "sofia@demo.test", "platform", "missing", "never"),  # the new hire
    ("maria@demo.test", "priya@demo.test", "data", "overdue", "2026-10-12"),
    ("arjun@demo.test", "priya@demo.test", "data", "ok", "2026-11-25"),  # mixed: Outlook+Google
    ("claire@demo.test", "maria@demo.test", "platform", "ok", "2026-11-20"),  # mixed
    ("jonas@demo.test", "maria@demo.test", "platform", "ok", "2026-11-24"),
    ("jonas@demo.test", "noah@demo.test", "platform", "ok", "2026-11-20"),
    ("claire@demo.test", "david@demo.test", "sales", "ok", "2026-11-18"),  # Outlook, due 25th pm
    ("david@demo.test", "emma@demo.test", "sales", "ok", "2026-11-23"),  # Outlook
]


def pair_rows(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>\s*<td>(.*?)</tr>", html, re.S)


def row_of(rows: list[str], a: str, b: str) -> str:
    found = [r for r in rows if f"&lt;{a}&gt;" in r and f"&lt;{b}&gt;" in r]
    assert len(found) == 1, (a, b, found)
    return found[0]


@pytest.fixture(scope="module")
def demo_page(demo_app: DemoApp, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The dashboard as headless Chromium rendered it from the demo's running app (its DOM),
    and its screenshot saved as docs/dashboard.png."""
    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium)")
    profiles = tmp_path_factory.mktemp("chromium")
    page = f"{demo_app.url}/dashboard"
    dumped = chromium(page, profiles / "dom", "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    SCREENSHOT.unlink(missing_ok=True)
    shot = chromium(page, profiles / "shot", f"--screenshot={SCREENSHOT}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    return dumped.stdout


@needs_chromium
def test_dashboard_in_headless_chromium_shows_the_demo_org_with_its_overdue_and_missing_pairs(
    demo_app: DemoApp, demo_page: str
) -> None:
    dom = demo_page
    assert "<h1>1:1s at demo</h1>" in dom
    assert '<div class="tile"><b>8</b>pairs</div>' in dom
    # Needs attention: the pair that has not met within its limit, and the new hire whose
    # manager has no 1:1 with her at all.
    attention = dom.split('id="attention"')[1].split("<h2")[0]
    rows = pair_rows(attention)
    overdue = row_of(rows, "maria@demo.test", "priya@demo.test")
    assert "Maria Schulz" in overdue and "Priya Sharma" in overdue
    assert 'class="status overdue"' in overdue and "2026-10-12" in overdue
    assert '<td class="n">21</td>' in overdue  # the limit
    missing = row_of(rows, "maria@demo.test", "sofia@demo.test")
    assert 'class="status missing"' in missing and "never" in missing
    assert '<td class="n">10</td>' in missing  # a new hire's stricter limit
    # Every pair of the demo org, across both emulators, in its team's table.
    teams = dom.split("<h2>Teams</h2>")[1].split("<h2")[0]
    for team in ("data", "platform", "sales"):
        assert f'<h3 class="team">{team}</h3>' in teams, team
    for a, b, team, _status, last_met in DEMO_PAIRS:
        table = teams.split(f'<h3 class="team">{team}</h3>')[1].split("<h3")[0]
        assert f"<td>{last_met}</td>" in row_of(pair_rows(table), a, b), (a, b)
    assert len(pair_rows(teams)) == len(DEMO_PAIRS)
    assert "lucas@demo.test" not in dom  # opted out: nothing about him is stored or shown
    # The manager table names the report without a 1:1.
    managers = dom.split('id="managers"')[1].split("</table>")[0]
    maria = next(r for r in pair_rows(managers) if r.startswith("Maria Schulz &lt;maria@"))
    assert "<td>sofia@demo.test</td>" in maria
    for figure in ("days-since-histogram", "cancellations-per-week"):
        block = dom.split(f'id="{figure}"')[1].split("</figure>")[0]
        assert "<svg" in block and "</svg>" in block, figure
    assert "days since last met" in dom and "week starting" in dom
    assert "<script" not in dom.lower()  # a server-rendered page: nothing runs in the browser
    answer = requests.get(f"{demo_app.url}/dashboard", timeout=10)  # loopback: no token
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert png_size(SCREENSHOT) == (1280, 1600)


@needs_chromium
def test_the_demo_dashboard_is_dated_by_the_demo_clock_so_only_its_two_pairs_need_attention(
    demo_app: DemoApp, demo_page: str
) -> None:
    as_of = re.search(r"As of (\S+?);", demo_page)
    assert as_of is not None
    assert dt.datetime.fromisoformat(as_of[1].replace("Z", "+00:00")) == demo_app.simulated_now
    # On the demo's "today" every other pair is fine; by the wall clock they fall due one by one.
    attention = demo_page.split('id="attention"')[1].split("<h2")[0]
    assert len(pair_rows(attention)) == sum(1 for pair in DEMO_PAIRS if pair[3] != "ok")
