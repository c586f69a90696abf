"""The admin dashboard served by the real web app (uvicorn on a free port) over a store filled by
a real sync of an emulated org: who may see it, that untrusted names stay text, and what a real
browser (headless Chromium) renders, saved as docs/dashboard.png for the README."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from syncer.store import Store
from syncer.web import create_app
from tests.integration.google_org import NOW, GoogleOrg, google_org
from tests.integration.report_org import HOSTILE_NAME, HOSTILE_TEAM, seed, with_teams
from tests.integration.service_world import free_port, wait_for

TOKEN = "s3cret-admin-token"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "dashboard.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls_files(tmp_path_factory.mktemp("tls"))


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


SHOT_ORG = "acme-dashboard"  # a fixed org name, so the README's screenshot is the same each run


@pytest.fixture
def shot_world(
    tmp_path: Path,
    tls: TlsFiles,
    redis_client: Any,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[GoogleOrg]:
    """Like `world`, under a fixed org name whose keys this fixture wipes before and after."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = Store(redis_client, SHOT_ORG)
    store.wipe()
    try:
        with google_org(tmp_path, tls, store) as world:
            own_org(world, SHOT_ORG)
            yield world
    finally:
        store.wipe()


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


@needs_chromium
def test_dashboard_in_headless_chromium_lists_overdue_and_missing_pairs_with_plots(
    shot_world: GoogleOrg, tmp_path: Path
) -> None:
    world = shot_world
    seed(world)  # a real sync of the emulated org fills the store
    assert world.now == NOW
    with serving(world, "127.0.0.1") as url:
        page = f"{url}/dashboard"
        dumped = chromium(page, tmp_path / "profile-dom", "--dump-dom")
        assert dumped.returncode == 0, dumped.stderr[-2000:]
        dom = dumped.stdout
        SCREENSHOT.unlink(missing_ok=True)
        shot = chromium(page, tmp_path / "profile-shot", f"--screenshot={SCREENSHOT}")
        assert shot.returncode == 0, shot.stderr[-2000:]
    attention = dom.split('id="attention"')[1].split("<h2")[0]
    rows = re.findall(r'<tr class="pair-row">(.*?)</tr>', attention, re.S)
    assert len(rows) == 2
    cat = next(r for r in rows if "cat@acme.test" in r)
    dan = next(r for r in rows if "dan@acme.test" in r)
    assert "overdue" in cat and ">58<" in cat and "2026-09-28" in cat
    assert "missing" in dan and "never" in dan
    assert "bob@acme.test" not in attention  # Ana and Bob are fine
    for figure in ("days-since-histogram", "cancellations-per-week"):
        block = dom.split(f'id="{figure}"')[1].split("</figure>")[0]
        assert "<svg" in block and "</svg>" in block, figure
    assert "days since last met" in dom and "week starting" in dom
    assert re.search(r'<h3 class="team">Platform</h3>', dom)
    assert "<script" not in dom.lower()  # the hostile team name stayed text
    assert png_size(SCREENSHOT) == (1280, 1600)
