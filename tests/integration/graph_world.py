"""A running Graph emulator over TLS with a registered app, an msal client and a Graph
session, shared by the Graph sandbox tests (import the fixtures into a test module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msal
import pytest
import requests

from syncer.sandbox.graph import GraphSandbox, GraphState
from syncer.sandbox.graph.clients import confidential_app, graph_session
from syncer.sandbox.tls import TlsFiles, ensure_tls_files

ALICE, BOB, CAROL, DAN = (
    "alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com",
)  # fmt: skip
ROOM = "room.berlin@example.com"
BERLIN = dt.timezone(dt.timedelta(hours=1))
FIRST = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)  # a Monday, before the DST change
WINDOW = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-30T00:00:00Z"}


@dataclass
class GraphWorld:
    sandbox: GraphSandbox
    tls: TlsFiles
    client_id: str
    secret: str
    app: msal.ConfidentialClientApplication
    http: requests.Session

    @property
    def state(self) -> GraphState:
        return self.sandbox.state

    @property
    def ca(self) -> str:
        return str(self.tls.ca_cert)

    def url(self, path: str) -> str:
        return f"{self.sandbox.base_url}/v1.0{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(path), timeout=15, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.patch(self.url(path), timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.url(path), timeout=10, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url(path), timeout=10, **kwargs)

    def delta_round(
        self, mailbox: str, link: str | None = None, page_size: int = 4
    ) -> tuple[list[dict[str, Any]], str, int]:
        """Follow nextLinks to the deltaLink: (items, deltaLink, pages)."""
        headers = {"Prefer": f"odata.maxpagesize={page_size}"}
        if link is None:
            answer = self.get(
                f"/users/{mailbox}/calendarView/delta", params=WINDOW, headers=headers
            )
        else:
            answer = self.http.get(link, headers=headers, timeout=10)
        answer.raise_for_status()
        page, items, pages = answer.json(), [], 1
        items += page["value"]
        while "@odata.nextLink" in page:
            page = self.http.get(page["@odata.nextLink"], headers=headers, timeout=10).json()
            items += page["value"]
            pages += 1
        return items, page["@odata.deltaLink"], pages


@pytest.fixture(scope="session")
def graph_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls_files(Path(tmp_path_factory.mktemp("graph-tls")))


@pytest.fixture
def world(graph_tls: TlsFiles) -> Iterator[GraphWorld]:
    state = GraphState("example.com")
    state.add_person(ALICE, "Alice Archer", time_zone="Europe/Berlin")
    state.add_person(BOB, "Bob Baker", time_zone="W. Europe Standard Time", manager=ALICE)
    state.add_person(CAROL, "Carol Cole", time_zone="America/New_York", manager=ALICE)
    state.add_person(DAN, "Dan Drake", manager=BOB)
    state.add_person(ROOM, "Room Berlin", room=True)
    with GraphSandbox(state, tls=graph_tls) as sandbox:
        client_id, secret = state.register_app()
        app = confidential_app(sandbox.authority, client_id, secret, str(graph_tls.ca_cert))
        yield GraphWorld(
            sandbox, graph_tls, client_id, secret, app, graph_session(app, str(graph_tls.ca_cert))
        )
