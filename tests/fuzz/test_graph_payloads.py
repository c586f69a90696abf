"""Mutated Graph delta rounds through `MicrosoftProvider.pull`: never a crash, every unreadable
item skipped and logged with its id, no body in any log line.

The provider is the real one, built against the Graph emulator (msal discovers its authority at
construction); the two fetches of a pull, the delta pages and the series masters, are answered
from the generated round, so each pull is pure parsing and logging.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.errors import NotFound
from syncer.providers.microsoft import MicrosoftProvider
from syncer.sandbox.tls import TlsFiles, ensure_tls_files
from tests.contract.microsoft_world import microsoft_world
from tests.fuzz.logs import FUZZ_SETTINGS, CapturedLog
from tests.fuzz.payloads import BODY_CANARY, graph_event, graph_round, mutate

BATCH = 25  # delta items per round; the full form's 400 rounds are 10,000 payloads
NOW = datetime(2026, 2, 20, 12, tzinfo=UTC)
CAPTURED = CapturedLog()


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MicrosoftProvider]:
    tls: TlsFiles = ensure_tls_files(tmp_path_factory.mktemp("fuzz-graph-tls"))
    with microsoft_world(tls) as world:
        yield world.provider(log=CAPTURED.log, clock=lambda: NOW)


def check_round(provider: MicrosoftProvider, items: list[Any], masters: dict[str, Any]) -> None:
    def pages(path: str, **_: Any) -> tuple[list[Any], dict[str, str]]:
        return items, {"@odata.deltaLink": "https://graph.test/delta?token=t"}

    def get_event(calendar: str, master_id: str) -> Any:
        if master_id not in masters:
            raise NotFound("microsoft", 404, "gone")
        return masters[master_id]

    provider._session.pages = pages  # type: ignore[method-assign]
    provider._get_event = get_event  # type: ignore[method-assign]
    CAPTURED.clear()
    result = provider.pull("ana@acme.test", None)
    skipped = CAPTURED.named("pull.item_skipped")
    assert result.skipped == len(skipped)
    known = {str(i.get("id")) for i in items if isinstance(i, dict)} | set(masters)
    for event in skipped:
        assert event["event_id"] is None or event["event_id"] in known
        assert event["reason"]
    assert not any(BODY_CANARY in line for line in CAPTURED.lines)
    doomed = [i["id"] for i in items if isinstance(i, dict) and i.get("doomed")]
    assert set(doomed) <= {e["event_id"] for e in skipped}


@st.composite
def rounds(draw: st.DrawFn, size: int) -> tuple[list[Any], dict[str, Any]]:
    """A round plus a few items certain to be unreadable (garbage start) and junk entries."""
    items, masters = draw(graph_round(size))
    for n in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["singleInstance", "exception"]))
        if kind == "exception" and not masters:
            kind = "singleInstance"
        item = draw(graph_event(kind, draw(st.sampled_from(sorted(masters))) if masters else None))
        item.update(id=f"doomed-{n}", doomed=True, type=kind)
        item["start"] = {"dateTime": draw(st.sampled_from(["garbage", "0001-01-01T00:00:00"])),
                         "timeZone": "UTC"}  # fmt: skip
        items.append(item)
    items += draw(st.lists(st.sampled_from([None, 3, "x", [], {"type": "occurrence"}]), max_size=2))
    return items, masters


@settings(max_examples=30, **FUZZ_SETTINGS)
@given(rounds(8))
def test_mutated_graph_rounds_are_parsed_or_skipped_with_their_id_logged(
    provider: MicrosoftProvider, round_: tuple[list[Any], dict[str, Any]]
) -> None:
    check_round(provider, *round_)


@pytest.mark.slow
@settings(max_examples=400, **FUZZ_SETTINGS)
@given(rounds(BATCH))
def test_ten_thousand_mutated_graph_items_never_crash_a_pull(
    provider: MicrosoftProvider, round_: tuple[list[Any], dict[str, Any]]
) -> None:
    check_round(provider, *round_)


@settings(max_examples=20, **FUZZ_SETTINGS)
@given(st.data())
def test_heavily_mutated_graph_items_still_never_crash(
    provider: MicrosoftProvider, data: st.DataObject
) -> None:
    master = data.draw(graph_event("seriesMaster").flatmap(lambda e: mutate(e, 10)))
    master["id"] = "m1"
    items = [
        data.draw(graph_event(kind, "m1").flatmap(lambda e: mutate(e, 10)))
        for kind in ("singleInstance", "occurrence", "exception")
    ]
    check_round(provider, [*items, {"id": "m1", "type": "seriesMaster"}], {"m1": master})
