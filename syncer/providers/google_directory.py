"""Google Workspace's org chart: Admin SDK Directory `users.list`, read as the admin.

The Directory answers only an administrator, so the service account acts as the config's
`providers.google.admin_subject` with the read-only user scope (which the Workspace admin adds
to the client's domain-wide delegation, next to the calendar scopes). The Directory keeps no
time zone: Google people get theirs from the config or the org's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncer.core.people import DirectoryPerson
from syncer.errors import ProviderError
from syncer.providers.google_http import GoogleSession

DIRECTORY_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
PAGE_SIZE = 500  # users.list's maximum


class MalformedUser(ValueError):
    """A directory entry without a primary address: skipped, logged by id."""


def parse_user(user: Mapping[str, Any]) -> DirectoryPerson:
    """One `admin#directory#user` (projection=full) as a `DirectoryPerson`.

    Suspended and archived accounts are inactive. The team is the org unit path without its
    leading slash (`/Engineering/Platform` -> `Engineering/Platform`; the root unit: none),
    which is what `policy.team_max_gap_days` names."""
    email = user.get("primaryEmail")
    if not isinstance(email, str) or "@" not in email:
        raise MalformedUser(f"user {user.get('id')!r} has no primaryEmail")
    primary = email.strip().lower()
    given = user.get("name")
    name: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    aliases = {
        str(a).strip().lower()
        for key in ("aliases", "nonEditableAliases")
        for a in user.get(key) or ()
        if isinstance(a, str)
    }
    manager = next(
        (
            str(r["value"]).strip().lower()
            for r in user.get("relations") or ()
            if isinstance(r, Mapping) and r.get("type") == "manager" and r.get("value")
        ),
        None,
    )
    unit = str(user.get("orgUnitPath") or "").strip("/")
    return DirectoryPerson(
        email=primary,
        name=str(name.get("fullName")) if name.get("fullName") else None,
        manager=manager if manager != primary else None,
        team=unit or None,
        aliases=frozenset(aliases - {primary}),
        active=not (user.get("suspended") or user.get("archived")),
    )


def read_directory(
    session: GoogleSession, admin: str, *, page_size: int = PAGE_SIZE, log: Any = None
) -> list[DirectoryPerson]:
    """Every user of the customer, every page (`pageToken`), acting as `admin`."""
    people: list[DirectoryPerson] = []
    page_token: str | None = None
    while True:
        extra: dict[str, Any] = {"pageToken": page_token} if page_token else {}
        page = session.call(
            admin,
            "admin",
            "users",
            "list",
            customer="my_customer",
            projection="full",
            maxResults=page_size,
            **extra,
        )
        if not isinstance(page, Mapping):
            raise ProviderError("google", None, "users.list answer is not an object")
        for user in page.get("users") or ():
            try:
                people.append(parse_user(user))
            except MalformedUser as exc:
                if log is not None:
                    log.warning("directory.user_skipped", reason=str(exc))
        page_token = page.get("nextPageToken")
        if not page_token:
            return people


__all__ = ["DIRECTORY_SCOPE", "PAGE_SIZE", "parse_user", "read_directory"]
