"""Mutated Calendar v3 items through `GoogleProvider.pull`: never a crash, every unreadable
item skipped and logged with its id, no description in any log line.

The provider is the real one (its own pull loop and logger); only `_list_all`, the method
that fetches the pages, is replaced by one returning the generated items, so no HTTP is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.model import EventRemoved, OverrideChanged, SeriesChanged
from syncer.providers.google import GoogleProvider
from syncer.providers.google_parse import MalformedItem, parse_event
from tests.fuzz.logs import FUZZ_SETTINGS, CapturedLog
from tests.fuzz.payloads import BAD_ZONES, BODY_CANARY, IANA, google_items, mutate

BATCH = 25  # items per pull; the full form's 400 examples are 10,000 payloads


def _key_info() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": "fuzz",
        "private_key_id": "fuzz-key",
        "private_key": pem,
        "client_email": "syncer@fuzz.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://127.0.0.1:9/token",
    }


class CannedPages(GoogleProvider):
    """The real provider with its page fetch answered from memory."""

    items: list[Any]
    list_zone: Any = "Europe/Berlin"

    def _list_all(
        self, calendar: str, params: dict[str, Any], *, cursor_call: bool = False
    ) -> tuple[list[Any], Any]:
        return self.items, {"nextSyncToken": "sync-1", "timeZone": self.list_zone}


CAPTURED = CapturedLog()
PROVIDER = CannedPages(_key_info(), None, log=CAPTURED.log)


def _logged_id(item: Any) -> Any:
    """The id as the skip line carries it: a text id, else None (never nested junk)."""
    raw = item.get("id") if isinstance(item, Mapping) else None
    return raw if isinstance(raw, str) else None


def check_pull(items: list[Any], list_zone: Any) -> None:
    CAPTURED.clear()
    PROVIDER.items, PROVIDER.list_zone = items, list_zone
    bad = []
    for item in items:  # the oracle: which items the parser refuses on their own
        try:
            parse_event(item, calendar="ana@acme.test", default_zone="UTC", opt_out_keyword="#x")
        except MalformedItem:
            bad.append(item)
    result = PROVIDER.pull("ana@acme.test", None)
    skipped = CAPTURED.named("pull.item_skipped")
    assert result.skipped == len(bad) == len(skipped)
    assert sorted(map(repr, (e["event_id"] for e in skipped))) == sorted(
        map(repr, map(_logged_id, bad))
    )
    assert all(e["reason"] and e["calendar"] == "ana@acme.test" for e in skipped)
    assert not any(BODY_CANARY in line for line in CAPTURED.lines)
    for change in result.changes:
        assert isinstance(change, SeriesChanged | OverrideChanged | EventRemoved)
        if isinstance(change, SeriesChanged):
            series = change.series
            assert series.start.tzinfo is not None and series.end >= series.start
            assert series.start.utcoffset() is not None


batches = st.tuples(
    st.lists(google_items | st.sampled_from([None, "x", 3, []]), min_size=1, max_size=BATCH),
    st.sampled_from((*IANA, *BAD_ZONES, None, 7)),
)


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(batches)
def test_mutated_google_items_are_parsed_or_skipped_with_their_id_logged(
    batch: tuple[list[Any], Any],
) -> None:
    check_pull(*batch)


@pytest.mark.slow
@settings(max_examples=400, **FUZZ_SETTINGS)
@given(st.tuples(st.lists(google_items, min_size=BATCH, max_size=BATCH), st.sampled_from(IANA)))
def test_ten_thousand_mutated_google_items_never_crash_a_pull(
    batch: tuple[list[Any], Any],
) -> None:
    check_pull(*batch)


@settings(max_examples=15, **FUZZ_SETTINGS)
@given(st.data())
def test_heavily_mutated_google_items_still_never_crash(data: st.DataObject) -> None:
    items = [data.draw(google_items.flatmap(lambda e: mutate(e, 12))) for _ in range(5)]
    check_pull(items, "UTC")
