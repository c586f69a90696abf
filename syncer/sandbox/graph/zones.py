"""Time zones as Graph writes them: Windows names ("W. Europe Standard Time") in payloads,
IANA names accepted too. The mapping is CLDR's windowsZones table as shipped by tzlocal
(api-notes: no hand-written dict)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from .errors import bad_request

GRAPH_FORMAT = "%Y-%m-%dT%H:%M:%S.0000000"


def to_iana(name: str) -> str:
    if name in win_tz:
        return win_tz[name]
    if name in ("UTC", "Etc/UTC", "Coordinated Universal Time"):
        return "UTC"
    return name


def to_windows(name: str) -> str:
    if name in win_tz or name == "UTC":
        return name
    return tz_win.get(name, name)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(to_iana(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad_request(
            f"A valid TimeZone value must be specified: {name}.", "TimeZoneNotSupportedException"
        ) from exc


def parse(value: dict[str, str] | None, field: str = "start") -> tuple[dt.datetime, str]:
    """A ``dateTimeTimeZone`` as (aware UTC datetime, Windows zone name)."""
    if not isinstance(value, dict) or "dateTime" not in value:
        raise bad_request(f"Property {field} is required.", "ErrorInvalidRequest")
    name = value.get("timeZone") or "UTC"
    text = value["dateTime"].rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = head + "." + frac[:6]
    try:
        naive = dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError as exc:
        raise bad_request(f"Invalid dateTime {value['dateTime']}", "ErrorInvalidRequest") from exc
    return naive.replace(tzinfo=zone(name)).astimezone(dt.UTC), to_windows(name)


def render(moment: dt.datetime, name: str) -> dict[str, str]:
    """``{"dateTime": "2026-11-24T10:00:00.0000000", "timeZone": name}``."""
    local = moment.astimezone(zone(name))
    return {"dateTime": local.strftime(GRAPH_FORMAT), "timeZone": name}


def parse_instant(text: str) -> dt.datetime:
    """A query-string time (``2026-11-24T00:00:00Z`` or with offset; naive means UTC)."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"Invalid date time: {text}", "ErrorInvalidParameter") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
