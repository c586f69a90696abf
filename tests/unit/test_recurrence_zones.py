"""core.zones: Graph's Windows zone names -> IANA, through CLDR's table."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from tzlocal.windows_tz import win_tz

from syncer.core.zones import resolve_zone, windows_to_iana


@pytest.mark.parametrize(
    ("windows", "iana"),
    [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Eastern Standard Time", "America/New_York"),
        ("GMT Standard Time", "Europe/London"),
        ("India Standard Time", "Asia/Calcutta"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
    ],
)
def test_windows_names_map_to_iana(windows: str, iana: str) -> None:
    assert windows_to_iana(windows) == iana


@pytest.mark.parametrize("name", ["UTC", "tzone://Microsoft/Utc", "Etc/UTC"])
def test_utc_spellings_become_utc(name: str) -> None:
    assert windows_to_iana(name) == "UTC"


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Sao_Paulo", "Asia/Kolkata"])
def test_iana_names_pass_through_unchanged(name: str) -> None:
    assert windows_to_iana(name) == name


def test_lookup_tolerates_case_and_surrounding_space() -> None:
    assert windows_to_iana("  pacific standard time ") == "America/Los_Angeles"


@pytest.mark.parametrize(
    "name", ["Mars Standard Time", "", "tzone://Microsoft/Custom", "../../etc/passwd"]
)
def test_unknown_names_raise_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        windows_to_iana(name)


def test_every_windows_name_in_the_table_resolves_to_a_zone() -> None:
    for windows in win_tz:
        assert isinstance(resolve_zone(windows), ZoneInfo)


def test_resolve_zone_gives_the_zone_object() -> None:
    assert resolve_zone("W. Europe Standard Time") == ZoneInfo("Europe/Berlin")
    assert resolve_zone("tzone://Microsoft/Utc") == ZoneInfo("UTC")
    with pytest.raises(ValueError):
        resolve_zone("Nowhere Standard Time")
