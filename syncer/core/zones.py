"""Time-zone names as providers send them -> IANA zones.

Google sends IANA names. Microsoft Graph sends Windows names ("W. Europe Standard Time") in
`start.timeZone`, `originalStartTimeZone`, `recurrenceTimeZone` and working hours, and also
accepts IANA names. The mapping is CLDR's windowsZones table as shipped by `tzlocal`, never a
hand-written dict, so it stays as current as that package.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

_UTC_NAMES = frozenset({"utc", "tzone://microsoft/utc", "etc/utc", "z"})
_WINDOWS_FOLDED = {name.casefold(): iana for name, iana in win_tz.items()}


def windows_to_iana(name: str) -> str:
    """The IANA name for a Windows (or already IANA) zone name.

    IANA names pass through unchanged; the UTC spellings Graph uses become "UTC". An unknown
    name raises ValueError: the provider turns that into a skipped malformed item, because
    guessing a zone would put every occurrence at the wrong hour.
    """
    key = name.strip()
    if key.casefold() in _UTC_NAMES:
        return "UTC"
    iana = win_tz.get(key) or _WINDOWS_FOLDED.get(key.casefold())
    if iana is not None:
        return iana
    if _is_iana(key):
        return key
    raise ValueError(f"unknown time zone {name!r}")


@functools.lru_cache(maxsize=1024)
def resolve_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a Windows or IANA zone name (ValueError when unknown)."""
    return ZoneInfo(windows_to_iana(name))


@functools.lru_cache(maxsize=1024)
def _is_iana(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
