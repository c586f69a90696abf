"""``/users``: the tenant's directory (user-list, user-get, user-list-manager).

Default properties are the ten Graph returns without ``$select``; ``accountEnabled``,
``department`` and ``proxyAddresses`` come only when ``$select`` names them (as on Graph).
``$top`` pages (default 100, max 999) with ``@odata.nextLink``; ``$expand=manager`` embeds the
manager. ``/users/{id}/mailboxSettings`` gives the zone and working hours of one person
(Graph refuses mailboxSettings in a collection's ``$select``; so does this).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .errors import GraphError, bad_request
from .schedule import working_hours_json
from .wire import Answer, Request, Route, route

if TYPE_CHECKING:
    from .state import GraphState, Person

DEFAULT_TOP, MAX_TOP = 100, 999


def user_json(state: GraphState, person: Person) -> dict[str, Any]:
    first, _, last = person.name.partition(" ")
    return {
        "businessPhones": [],
        "displayName": person.name,
        "givenName": first or None,
        "jobTitle": person.job_title,
        "mail": person.email,
        "mobilePhone": None,
        "officeLocation": person.office,
        "preferredLanguage": "en-US",
        "surname": last or None,
        "userPrincipalName": person.email,
        "id": person.id,
    }


def _selectable(person: Person) -> dict[str, Any]:
    """Properties Graph returns only when `$select` asks for them."""
    return {
        "accountEnabled": person.account_enabled,
        "department": person.department,
        "proxyAddresses": [f"SMTP:{person.email}", *(f"smtp:{a}" for a in person.aliases)],
    }


def _shape(state: GraphState, person: Person, request: Request) -> dict[str, Any]:
    body = user_json(state, person)
    select = request.param("$select")
    if select:
        wanted = {s.strip() for s in select.split(",")}
        body = {**body, **_selectable(person)}
        body = {k: v for k, v in body.items() if k in wanted or k == "id"}
    expand = (request.param("$expand") or "").strip()
    if expand:
        if expand.split("(")[0] != "manager":
            raise bad_request(f"Could not find a property named '{expand}'.", "Request_BadRequest")
        manager = state.person(person.manager) if person.manager else None
        if manager is not None:
            body["manager"] = {"@odata.type": "#microsoft.graph.user", **user_json(state, manager)}
    return body


def list_users(state: GraphState, request: Request) -> Answer:
    if "mailboxSettings" in (request.param("$select") or ""):
        raise bad_request(
            "The Id is invalid.", "ExplicitTargetMailboxIdShouldNotBeNullOrWhiteSpace"
        )
    people = sorted((p for p in state.people.values() if not p.room), key=lambda p: p.email)
    skip = request.param("$skiptoken")
    offset = state.directory_pages.pop(skip, None) if skip else 0
    if offset is None:
        raise bad_request("Invalid $skiptoken.", "Directory_ExpiredPageToken")
    try:
        top = min(int(request.param("$top") or DEFAULT_TOP), MAX_TOP)
    except ValueError as exc:
        raise bad_request("Invalid $top.", "Request_BadRequest") from exc
    page = people[offset : offset + top]
    body: dict[str, Any] = {
        "@odata.context": f"{state.base_url}/v1.0/$metadata#users",
        "value": [_shape(state, p, request) for p in page],
    }
    if offset + top < len(people):
        token = secrets.token_urlsafe(18)
        state.directory_pages[token] = offset + top
        query = [f"$skiptoken={token}", f"$top={top}"]
        for name in ("$select", "$expand"):
            if request.param(name):
                query.append(f"{name}={request.param(name)}")
        body["@odata.nextLink"] = f"{state.base_url}/v1.0/users?" + "&".join(query)
    return Answer(200, body)


def _person(state: GraphState, user: str) -> Person:
    person = state.person(user)
    if person is None:
        raise GraphError(
            404, "Request_ResourceNotFound",
            f"Resource '{user}' does not exist or one of its queried reference-property objects "
            "are not present.",
        )  # fmt: skip
    return person


def get_user(state: GraphState, request: Request, user: str) -> Answer:
    body = _shape(state, _person(state, user), request)
    body["@odata.context"] = f"{state.base_url}/v1.0/$metadata#users/$entity"
    return Answer(200, body)


def get_manager(state: GraphState, request: Request, user: str) -> Answer:
    person = _person(state, user)
    manager = state.person(person.manager) if person.manager else None
    if manager is None:
        raise GraphError(
            404, "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects "
            "are not present.",
        )  # fmt: skip
    body = {
        "@odata.context": f"{state.base_url}/v1.0/$metadata#directoryObjects/$entity",
        "@odata.type": "#microsoft.graph.user",
        **user_json(state, manager),
    }
    return Answer(200, body)


def get_mailbox_settings(state: GraphState, request: Request, user: str) -> Answer:
    person = _person(state, user)
    return Answer(
        200,
        {
            "@odata.context": f"{state.base_url}/v1.0/$metadata#users('{person.id}')"
            "/mailboxSettings",
            "timeZone": person.time_zone,
            "workingHours": working_hours_json(person),
        },
    )


ROUTES: list[Route] = [
    route("GET", "/users", list_users, "directory"),
    route("GET", "/users/(?P<user>[^/]+)/mailboxSettings", get_mailbox_settings, "directory"),
    route("GET", "/users/(?P<user>[^/]+)/manager", get_manager, "directory"),
    route("GET", "/users/(?P<user>[^/]+)", get_user, "directory"),
]
