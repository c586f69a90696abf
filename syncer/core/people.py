"""Who is in the org: the directory's people merged with the admin's per-person overrides.

With `people_source: google_directory | microsoft_directory` the org chart (who exists, who
manages whom, teams, aliases, sometimes zones) comes from the directory, and the config's
`people` entries only adjust what the directory cannot know (opt-out, working hours, a zone,
a start date). A config entry for someone the directory does not list is kept as a person of
its own: an admin can add a contractor or a shared calendar the directory leaves out.

Pure: the engine reads the directory (through a provider, cached in Redis) and the config, and
passes both in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from syncer.core.model import Person, ProviderName, WorkingHours


@dataclass(frozen=True)
class DirectoryPerson:
    """One account as the directory lists it, already read off the wire by a provider.

    `active` is False for a suspended (Google) or disabled (Microsoft) account, and for an
    account without a mailbox: such people are left out of the org, config entry or not.
    `manager` is an address as the directory gives it (it may be an alias).
    """

    email: str  # lower-cased primary address
    name: str | None = None
    manager: str | None = None
    team: str | None = None  # Google orgUnitPath (without the leading /), Graph department
    timezone: str | None = None  # IANA, when the directory knows it
    aliases: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True)
class PersonOverride:
    """A config `people` entry read as overrides: None (or empty) means "not said"."""

    email: str
    provider: ProviderName | None = None
    timezone: str | None = None
    working_hours: WorkingHours | None = None
    manager: str | None = None
    start_date: date | None = None
    opt_out: bool | None = None
    aliases: frozenset[str] = frozenset()
    name: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Roster:
    """The merged org and what the admin should hear about the merge."""

    people: tuple[Person, ...]
    config_only: tuple[str, ...] = ()  # config entries the directory does not list: kept
    inactive: tuple[str, ...] = ()  # config entries for suspended/disabled accounts: dropped


def merge_roster(
    directory: Iterable[DirectoryPerson],
    overrides: Iterable[PersonOverride],
    *,
    org_timezone: str,
    provider: ProviderName,
) -> Roster:
    """Directory people (active ones) with their overrides, then config-only people.

    An override matches a directory person by primary address or alias. Every field an
    override sets wins; otherwise the directory's value, then the defaults (the org's zone,
    the directory's provider, Monday-to-Friday 9 to 5). Managers named by an alias are given
    by their primary address, so manager/report pairs line up with the calendars read.
    """
    listed = list(directory)
    active = [d for d in listed if d.active]
    index = _address_index(active)
    inactive_addresses = {a for d in listed if not d.active for a in (d.email, *d.aliases)}

    matched: dict[str, PersonOverride] = {}
    config_only: dict[str, PersonOverride] = {}  # the first entry of an address wins
    inactive: list[str] = []
    for o in overrides:
        email = o.email.lower()
        owner = index.get(email) or next(
            (index[a.lower()] for a in o.aliases if a.lower() in index), None
        )
        if owner is not None:
            matched.setdefault(owner.email, o)
        elif email in inactive_addresses:
            inactive.append(email)
        else:
            config_only.setdefault(email, o)

    people = [
        _person(d.email, d, matched.get(d.email), org_timezone, provider)
        for d in sorted(active, key=lambda d: d.email)
    ]
    people += [_person(e, None, o, org_timezone, provider) for e, o in config_only.items()]
    primary = _primary_of(people)
    people = [
        replace(p, manager=primary[p.manager]) if p.manager and p.manager in primary else p
        for p in people
    ]
    return Roster(
        people=tuple(people),
        config_only=tuple(config_only),
        inactive=tuple(inactive),
    )


def merge_people(
    directory: Iterable[DirectoryPerson],
    overrides: Iterable[PersonOverride],
    *,
    org_timezone: str,
    provider: ProviderName,
) -> tuple[Person, ...]:
    """The people of the org (see `merge_roster`, which also says what did not match)."""
    return merge_roster(directory, overrides, org_timezone=org_timezone, provider=provider).people


def _address_index(people: Iterable[DirectoryPerson]) -> Mapping[str, DirectoryPerson]:
    """Address -> person; a primary address wins over someone else's alias."""
    everyone = list(people)
    index = {a.lower(): d for d in everyone for a in d.aliases}
    index.update({d.email.lower(): d for d in everyone})
    return index


def _primary_of(people: Iterable[Person]) -> Mapping[str, str]:
    everyone = list(people)
    primary = {a: p.email for p in everyone for a in p.aliases}
    primary.update({p.email: p.email for p in everyone})
    return primary


def _person(
    email: str,
    d: DirectoryPerson | None,
    o: PersonOverride | None,
    org_timezone: str,
    provider: ProviderName,
) -> Person:
    o = o or PersonOverride(email=email)
    aliases = {a.lower() for a in o.aliases} | set(d.aliases if d else ())
    manager = o.manager or (d.manager if d else None)
    return Person(
        email=email,
        provider=o.provider or provider,
        timezone=o.timezone or (d.timezone if d else None) or org_timezone,
        working_hours=o.working_hours or WorkingHours(),
        manager=manager.lower() if manager else None,
        start_date=o.start_date,
        opt_out=bool(o.opt_out),
        aliases=frozenset(aliases - {email}),
        name=o.name or (d.name if d else None),
        team=o.team or (d.team if d else None),
    )
