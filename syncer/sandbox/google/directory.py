"""Admin SDK Directory: users.list and users.get, read by an admin acting through the
service account (Directory API "Perform domain-wide delegation of authority").

``customer=my_customer`` or ``domain=`` is required; maxResults defaults to 100 and caps at 500
(users.list reference).
"""

from __future__ import annotations

import base64
import urllib.parse
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request, forbidden
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GoogleState, Person

SCOPES = ("admin.directory.user", "admin.directory.user.readonly")
CUSTOMER_ID = "C0sandbox"


def render_user(state: GoogleState, person: Person) -> dict[str, Any]:
    given, _, family = person.name.partition(" ")
    user: dict[str, Any] = {
        "kind": "admin#directory#user",
        "id": person.id,
        "etag": f'"{person.id}"',
        "primaryEmail": person.email,
        "name": {"givenName": given, "familyName": family or given, "fullName": person.name},
        "isAdmin": person.admin,
        "isDelegatedAdmin": False,
        "suspended": person.suspended,
        "orgUnitPath": person.org_unit,
        "customerId": CUSTOMER_ID,
        "isMailboxSetup": True,
        "includeInGlobalAddressList": True,
    }
    if person.aliases:
        user["aliases"] = list(person.aliases)
    if person.manager:
        user["relations"] = [{"type": "manager", "value": person.manager}]
    return user


def _admin(state: GoogleState, request: Request) -> None:
    assert request.grant is not None
    request.grant.require(*SCOPES)
    person = state.person(request.person or "")
    if person is None or not person.admin:
        raise forbidden("Not Authorized to access this resource/api")


def list_users(state: GoogleState, request: Request) -> Answer:
    _admin(state, request)
    customer, domain = request.param("customer"), request.param("domain")
    if customer not in (None, "my_customer", CUSTOMER_ID) or (domain and domain != state.domain):
        raise forbidden("Not Authorized to access this resource/api")
    if customer is None and domain is None:
        raise bad_request("Bad Request", "badRequest")
    size = min(int(request.param("maxResults", "100") or 100), 500)
    try:
        start = int(base64.urlsafe_b64decode(request.param("pageToken", "") or "MA==").decode())
    except ValueError as exc:
        raise bad_request("Invalid pageToken") from exc
    people = sorted(state.people.values(), key=lambda p: p.email)
    page = people[start : start + size]
    answer: dict[str, Any] = {
        "kind": "admin#directory#users",
        "etag": f'"{len(people)}"',
        "users": [render_user(state, p) for p in page],
    }
    if start + size < len(people):
        answer["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return Answer(200, answer)


def get_user(state: GoogleState, request: Request, user_key: str) -> Answer:
    _admin(state, request)
    key = urllib.parse.unquote(user_key).lower()
    person = state.person(key) or next(
        (p for p in state.people.values() if p.id == key or key in p.aliases), None
    )
    if person is None:
        raise ApiError(404, "notFound", "Resource Not Found: userKey")
    return Answer(200, render_user(state, person))


ROUTES: list[Route] = [
    route("GET", "/admin/directory/v1/users", list_users, "directory"),
    route("GET", "/admin/directory/v1/users/(?P<user_key>[^/]+)", get_user, "directory"),
]
