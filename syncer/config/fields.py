"""Validated scalar values of the admin config: e-mails, domains, zones, regexes, working hours.

Each check raises ValueError with a message fit for an admin; pydantic turns it into an error at
the key's location and the loader adds the key path and line. Kept apart from the section models
so the parsing rules (e.g. what "09:00-17:00" means) are in one place and testable on their own.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import time
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, PlainValidator, WithJsonSchema

from syncer.core.model import WEEKDAYS, WorkingHours

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?P<domain>[^@\s]+)")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_ORG = re.compile(r"[a-z0-9-]+")
OFF = "off"


def check_org(value: str) -> str:
    """The org's short name: it goes into job ids and Redis keys, so [a-z0-9-]+ only."""
    if not _ORG.fullmatch(value):
        raise ValueError(f"use lower-case letters, digits and '-' only, got {value!r}")
    return value


def check_domain(value: str) -> str:
    """A DNS name with at least one dot, lower-cased (`acme.test`)."""
    domain = value.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"not a valid domain: {value!r}")
    return domain


def check_email(value: str) -> str:
    """An address of the form local@domain.tld, lower-cased so lookups are case-insensitive."""
    email = value.strip().lower()
    m = _EMAIL.fullmatch(email)
    if m is None or not _DOMAIN.fullmatch(m.group("domain")):
        raise ValueError(f"not a valid e-mail address: {value!r}")
    return email


def check_email_or_domain(value: str) -> str:
    """A pilot entry: a whole domain (`acme.test`) or one address (`ana@acme.test`)."""
    if "@" in value:
        return check_email(value)
    try:
        return check_domain(value)
    except ValueError:
        raise ValueError(f"not a valid e-mail address or domain: {value!r}") from None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_zone(value: str) -> str:
    """An IANA zone name the zone database knows (`Europe/Berlin`, `UTC`)."""
    if value in _known_zones():
        return value
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def check_regex(value: str) -> str:
    """A Python regular expression (checked now, so a typo fails at load, not in a job)."""
    try:
        re.compile(value)
    except re.error as e:
        raise ValueError(f"invalid regular expression {value!r}: {e}") from None
    return value


def check_url(value: str) -> str:
    """An absolute http(s) URL. Endpoints are overridable for the sandbox, so http is allowed."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def check_redis_url(value: str) -> str:
    """redis://, rediss:// or unix:// (what redis-py's `from_url` accepts)."""
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"expected a redis://, rediss:// or unix:// URL, got {value!r}")
    return value


def check_bind(value: str) -> str:
    """`host:port` to listen on, port 1..65535."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, e.g. 127.0.0.1:8080, got {value!r}")
    return value


def check_not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


# --------------------------------------------------------------------------------------------
# Working hours


def parse_range(value: str) -> tuple[time, time]:
    """`"09:00-17:00"` -> (09:00, 17:00); the end must be after the start (no overnight shifts)."""
    m = _RANGE.fullmatch(value)
    if m is None:
        raise ValueError(f'expected a range like "09:00-17:00" or "off", got {value!r}')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"times must be between 00:00 and 23:59, got {value!r}")
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise ValueError(f"the end must be after the start, got {value!r}")
    return start, end


def _parse_day(value: object) -> tuple[time, time] | None:
    # `false` too: a YAML 1.1 file (or a habit) spells "off" that way.
    if value is False or (isinstance(value, str) and value.strip().lower() == OFF):
        return None
    if not isinstance(value, str):
        raise ValueError(f'expected a range like "09:00-17:00" or "off", got {value!r}')
    return parse_range(value)


def parse_working_hours(value: object) -> WorkingHours:
    """The config's spelling of working hours -> model.WorkingHours.

    A string is the same range Monday to Friday, weekends off. A mapping names weekdays
    (`mon`..`sun`); a day not named is a day off. At least one day must be a working day.
    """
    if isinstance(value, str):
        hours = parse_range(value)
        return WorkingHours(days=(hours,) * 5 + (None, None))
    if not isinstance(value, Mapping):
        raise ValueError(
            'expected "09:00-17:00" or a mapping of weekdays, e.g. {mon: "09:00-17:00", sat: off}'
        )
    days: list[tuple[time, time] | None] = [None] * 7
    problems: list[str] = []
    for key, day in value.items():
        name = str(key).strip().lower()
        if name not in WEEKDAYS:
            problems.append(f"unknown weekday {key!r} (use {', '.join(WEEKDAYS)})")
            continue
        try:
            days[WEEKDAYS.index(name)] = _parse_day(day)
        except ValueError as e:
            problems.append(f"{name}: {e}")
    if problems:
        raise ValueError("; ".join(problems))
    if all(d is None for d in days):
        raise ValueError("no working day: name at least one weekday with hours")
    return WorkingHours(days=tuple(days))


def _validate_working_hours(value: Any) -> str | dict[str, str]:
    parse_working_hours(value)
    if isinstance(value, str):
        return value.strip()
    return {str(k).strip().lower(): (OFF if v is False else str(v)) for k, v in value.items()}


_RANGE_SCHEMA = {"type": "string", "pattern": r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$"}
_DAY_SCHEMA = {"anyOf": [_RANGE_SCHEMA, {"const": OFF}]}

WorkingHoursSpec = Annotated[
    str | dict[str, str],
    PlainValidator(_validate_working_hours),
    WithJsonSchema(
        {
            "anyOf": [
                _RANGE_SCHEMA,
                {
                    "type": "object",
                    "properties": {day: _DAY_SCHEMA for day in WEEKDAYS},
                    "additionalProperties": False,
                },
            ],
            "description": 'A range Monday to Friday ("09:00-17:00"), or per weekday '
            '({mon: "09:00-17:00", ..., sat: off}); days not named are off.',
        }
    ),
]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Org = Annotated[
    str, AfterValidator(check_org), WithJsonSchema({"type": "string", "pattern": "^[a-z0-9-]+$"})
]
Email = Annotated[str, BeforeValidator(_strip), AfterValidator(check_email)]
Domain = Annotated[str, BeforeValidator(_strip), AfterValidator(check_domain)]
EmailOrDomain = Annotated[str, BeforeValidator(_strip), AfterValidator(check_email_or_domain)]
Zone = Annotated[str, BeforeValidator(_strip), AfterValidator(check_zone)]
Regex = Annotated[str, AfterValidator(check_regex)]
Url = Annotated[str, BeforeValidator(_strip), AfterValidator(check_url)]
RedisUrl = Annotated[str, BeforeValidator(_strip), AfterValidator(check_redis_url)]
Bind = Annotated[str, BeforeValidator(_strip), AfterValidator(check_bind)]
NonBlank = Annotated[str, AfterValidator(check_not_blank)]
