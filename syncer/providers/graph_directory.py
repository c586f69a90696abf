"""Microsoft 365's org chart: Graph `/users` with their managers, read with app permissions.

One paged listing (`$select` the properties syncer uses, `$expand=manager`, `@odata.nextLink`)
carries everyone and their manager; it needs User.Read.All. Graph lists no mailbox settings in
a collection, so a person's zone is one more call each (`/users/{id}/mailboxSettings`, which
needs MailboxSettings.Read): made for directories up to `ZONE_LOOKUPS` enabled people, and
given up on the first 403 (permission not granted). Beyond that, zones come from the config or
the org's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from syncer.core.people import DirectoryPerson
from syncer.core.zones import windows_to_iana
from syncer.errors import NotFound, ProviderError
from syncer.providers.graph_http import GraphSession

PAGE_SIZE = 999  # /users' maximum $top
ZONE_LOOKUPS = 2000  # above this many enabled people, no per-person zone calls
SELECT = "id,mail,userPrincipalName,displayName,accountEnabled,department,proxyAddresses"
EXPAND = "manager($select=id,mail,userPrincipalName)"


def _address(user: Mapping[str, Any]) -> str | None:
    """A user's mail address (their calendar's id for syncer); None without a mailbox."""
    mail = user.get("mail")
    return mail.strip().lower() if isinstance(mail, str) and "@" in mail else None


def parse_user(user: Mapping[str, Any]) -> DirectoryPerson | None:
    """One Graph user as a `DirectoryPerson`; None for an entry with neither mail nor UPN.

    A user without `mail` has no mailbox, so no calendar: listed, but inactive (like a
    disabled account). Secondary SMTP addresses (`smtp:` in proxyAddresses) are aliases."""
    email = _address(user)
    upn = user.get("userPrincipalName")
    fallback = upn.strip().lower() if isinstance(upn, str) and "@" in upn else None
    primary = email or fallback
    if primary is None:
        return None
    aliases = {
        a[5:].strip().lower()
        for a in user.get("proxyAddresses") or ()
        if isinstance(a, str) and a.lower().startswith("smtp:")
    }
    if fallback:
        aliases.add(fallback)
    manager = user.get("manager")
    boss = (_address(manager) or manager.get("userPrincipalName")) if manager else None
    department = user.get("department")
    return DirectoryPerson(
        email=primary,
        name=str(user["displayName"]) if user.get("displayName") else None,
        manager=str(boss).lower() if boss and str(boss).lower() != primary else None,
        team=str(department).strip() if department else None,
        aliases=frozenset(aliases - {primary}),
        active=user.get("accountEnabled") is not False and email is not None,
    )


def read_directory(
    session: GraphSession,
    *,
    page_size: int = PAGE_SIZE,
    zone_lookups: int = ZONE_LOOKUPS,
    log: Any = None,
) -> list[DirectoryPerson]:
    """Every user with their manager (every page), then zones where that is affordable."""
    params = {"$select": SELECT, "$expand": EXPAND, "$top": str(page_size)}
    users, _ = session.pages("/users", params=params, headers={})
    people: list[tuple[str, DirectoryPerson]] = []
    for user in users:
        person = parse_user(user) if isinstance(user, Mapping) else None
        if person is None:
            if log is not None:
                log.warning("directory.user_skipped", reason="no mail or userPrincipalName")
            continue
        people.append((str(user.get("id") or person.email), person))
    enabled = [(i, p) for i, p in people if p.active]
    if len(enabled) > zone_lookups:
        if log is not None:
            log.info("directory.zones_skipped", people=len(enabled), limit=zone_lookups)
        return [p for _, p in people]
    zones = _zones(session, [i for i, _ in enabled], log)
    return [replace(p, timezone=zones[i]) if i in zones else p for i, p in people]


def _zones(session: GraphSession, ids: list[str], log: Any) -> dict[str, str]:
    zones: dict[str, str] = {}
    for user_id in ids:
        try:
            settings = session.send("GET", f"/users/{quote(user_id, safe='@')}/mailboxSettings")
        except NotFound:
            continue
        except ProviderError as err:
            if err.status == 403:  # MailboxSettings.Read not granted: no zones at all
                if log is not None:
                    log.info("directory.zones_forbidden", error=str(err))
                return zones
            raise
        name = settings.get("timeZone") if isinstance(settings, Mapping) else None
        try:
            if name:
                zones[user_id] = windows_to_iana(str(name))
        except ValueError:  # a custom zone: the config's or the org's instead
            continue
    return zones


__all__ = ["PAGE_SIZE", "ZONE_LOOKUPS", "parse_user", "read_directory"]
