"""Change notifications: ``/subscriptions`` and the POSTs Graph makes to the app.

Graph "Receive change notifications through webhooks": on create Graph POSTs
``{notificationUrl}?validationToken=...`` and the endpoint must answer 200 with the token as
``text/plain`` within 10 seconds, else the subscription is refused (400). Notifications are
``{"value": [{subscriptionId, subscriptionExpirationDateTime, changeType, resource,
resourceData {@odata.type, @odata.id, @odata.etag, id}, clientState, tenantId}]}``. Outlook
event subscriptions last at most 4230 minutes (subscription resource, "Maximum length of
subscription per resource type"); renew with PATCH. Lifecycle notifications
(reauthorizationRequired, subscriptionRemoved, missed) go to lifecycleNotificationUrl, here
on demand. Real Graph requires HTTPS notification URLs; the emulator also accepts http:// when
``allow_http`` is set (the default) so tests can use a plain local receiver.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import re
import secrets
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..http import post
from .calendar import etag
from .errors import GraphError, bad_request
from .wire import Answer, Request, Route, route
from .zones import parse_instant

if TYPE_CHECKING:
    from .state import GraphState

MAX_MINUTES = 4230
RESOURCE = re.compile(r"^/?(?:users|Users)/(?P<user>[^/]+)/(?:calendar/)?events$", re.IGNORECASE)
CHANGES = {"created", "updated", "deleted"}


@dataclass
class Subscription:
    id: str
    mailbox: str
    resource: str
    change_types: set[str]
    notification_url: str
    lifecycle_url: str | None
    expiration: dt.datetime
    client_state: str | None
    app: str | None

    def as_resource(self, base_url: str) -> dict[str, Any]:
        return {
            "@odata.context": f"{base_url}/v1.0/$metadata#subscriptions/$entity",
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.app,
            "changeType": ",".join(sorted(self.change_types)),
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": _stamp(self.expiration),
            "creatorId": self.app,
            "includeResourceData": False,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationUrlAppId": None,
        }


@dataclass(frozen=True)
class Delivery:
    subscription: str
    kind: str  # created | updated | deleted | a lifecycle event
    status: int | None  # the receiver's HTTP status; None if unreachable


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


class Subscriptions:
    def __init__(self, state: GraphState) -> None:
        self._state = state
        self.items: dict[str, Subscription] = {}
        self.deliveries: list[Delivery] = []
        self.ssl_context: ssl.SSLContext | None = None  # to trust a receiver's private CA
        self.allow_http = True
        self.validation_timeout = 10.0
        self._queue: queue.Queue[tuple[Subscription, str, dict[str, Any]] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        state.calendars.listeners.append(self.changed)

    # -- API -------------------------------------------------------------------------------

    def _expiration(self, raw: Any) -> dt.datetime:
        if not raw:
            raise bad_request("expirationDateTime is a required property.", "InvalidRequest")
        moment = parse_instant(str(raw))
        now = self._state.clock.now()
        if moment <= now:
            raise bad_request(
                "Subscription expiration can only be in the future.", "InvalidRequest"
            )
        if moment > now + dt.timedelta(minutes=MAX_MINUTES):
            raise bad_request(
                f"Subscription expiration can only be {MAX_MINUTES} minutes in the future.",
                "InvalidRequest",
            )
        return moment

    def _validate_url(self, url: str) -> None:
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme != "https" and not (self.allow_http and scheme == "http"):
            raise bad_request("The notification URL must use https.", "InvalidRequest")
        token = secrets.token_urlsafe(24)
        target = f"{url}{'&' if '?' in url else '?'}validationToken={urllib.parse.quote(token)}"
        request = urllib.request.Request(
            target, data=b"", method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.validation_timeout, context=self.ssl_context
            ) as answer:
                ok = answer.status == 200 and answer.read().decode() == token
                ok = ok and answer.headers.get_content_type() == "text/plain"
        except (urllib.error.URLError, OSError, ValueError):
            ok = False
        if not ok:
            raise bad_request(
                "Subscription validation request failed. Notification endpoint must respond "
                "with 200 OK to validation request.",
                "ValidationError",
            )

    def create(self, body: dict[str, Any], app: str | None) -> Subscription:
        resource = str(body.get("resource") or "")
        match = RESOURCE.match(resource)
        person = self._state.person(match.group("user")) if match else None
        if person is None:
            raise bad_request(f"Resource '{resource}' is not supported.", "ExtensionError")
        changes = {c.strip() for c in str(body.get("changeType") or "").split(",") if c.strip()}
        if not changes or changes - CHANGES:
            raise bad_request("Invalid changeType.", "InvalidRequest")
        url = str(body.get("notificationUrl") or "")
        if not url:
            raise bad_request("notificationUrl is a required property.", "InvalidRequest")
        expiration = self._expiration(body.get("expirationDateTime"))
        self._validate_url(url)
        lifecycle = body.get("lifecycleNotificationUrl")
        if lifecycle:
            self._validate_url(str(lifecycle))
        subscription = Subscription(
            str(uuid.uuid4()), person.email, resource, changes, url, lifecycle, expiration,
            body.get("clientState"), app,
        )  # fmt: skip
        self.items[subscription.id] = subscription
        return subscription

    def get(self, subscription_id: str) -> Subscription:
        found = self.items.get(subscription_id)
        if found is None:
            raise GraphError(
                404, "ResourceNotFound", f"The object was not found: {subscription_id}"
            )
        return found

    # -- notifications ---------------------------------------------------------------------

    def changed(self, mailbox: str, item_id: str, change: str) -> None:
        now = self._state.clock.now()
        person = self._state.person(mailbox)
        user = person.id if person else mailbox
        for sub in list(self.items.values()):
            if sub.mailbox != mailbox or change not in sub.change_types or sub.expiration <= now:
                continue
            path = f"Users/{user}/Events/{item_id}"
            resource_data = {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": path}
            if change != "deleted" and (tag := self._etag(mailbox, item_id)) is not None:
                resource_data["@odata.etag"] = tag
            resource_data["id"] = item_id
            note = {
                "subscriptionId": sub.id,
                "subscriptionExpirationDateTime": _stamp(sub.expiration),
                "changeType": change,
                "resource": path,
                "resourceData": resource_data,
                "clientState": sub.client_state,
                "tenantId": self._state.tenant_id,
            }
            self._send(sub, change, note)

    def _etag(self, mailbox: str, item_id: str) -> str | None:
        """The item's etag as the notification carries it (`W/"<changeKey>"`)."""
        item = self._state.calendars.items.get(mailbox, {}).get(item_id)
        change_key = getattr(item, "change_key", None)
        return etag(change_key) if change_key else None

    def lifecycle(self, subscription_id: str, event: str) -> None:
        """Send a lifecycle notification (reauthorizationRequired, subscriptionRemoved, missed);
        subscriptionRemoved also drops the subscription."""
        sub = self.get(subscription_id)
        if event not in ("reauthorizationRequired", "subscriptionRemoved", "missed"):
            raise bad_request(f"Unknown lifecycle event {event}")
        note = {
            "subscriptionId": sub.id,
            "subscriptionExpirationDateTime": _stamp(sub.expiration),
            "tenantId": self._state.tenant_id,
            "clientState": sub.client_state,
            "lifecycleEvent": event,
        }
        if event == "subscriptionRemoved":
            self.items.pop(sub.id, None)
        self._send(sub, event, note)

    def _send(self, sub: Subscription, kind: str, note: dict[str, Any]) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._deliver, name="graph-notify", daemon=True)
            self._worker.start()
        self._queue.put((sub, kind, note))

    def _deliver(self) -> None:
        while (job := self._queue.get()) is not None:
            sub, kind, note = job
            lifecycle = "lifecycleEvent" in note
            url = sub.lifecycle_url if lifecycle else sub.notification_url
            status: int | None = None
            if url:
                request = urllib.request.Request(
                    url,
                    data=json.dumps({"value": [note]}).encode(),
                    method="POST",
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
                status = post(request, timeout=10, context=self.ssl_context)
            self.deliveries.append(Delivery(sub.id, kind, status))
            self._queue.task_done()

    def drained(self) -> bool:
        """True when every notification sent so far has been answered (or failed): a
        simulation waits on this, rather than sleeping, before it calls the receiver quiet."""
        return self._queue.unfinished_tasks == 0

    def close(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout=5)
        self._worker = None


def create(state: GraphState, request: Request) -> Answer:
    sub = state.subscriptions.create(request.json_body(), request.app)
    return Answer(201, sub.as_resource(state.base_url))


def get_one(state: GraphState, request: Request, sub: str) -> Answer:
    return Answer(200, state.subscriptions.get(sub).as_resource(state.base_url))


def renew(state: GraphState, request: Request, sub: str) -> Answer:
    found = state.subscriptions.get(sub)
    body = request.json_body()
    found.expiration = state.subscriptions._expiration(body.get("expirationDateTime"))
    return Answer(200, found.as_resource(state.base_url))


def delete(state: GraphState, request: Request, sub: str) -> Answer:
    state.subscriptions.get(sub)
    state.subscriptions.items.pop(sub, None)
    return Answer(204)


def list_all(state: GraphState, request: Request) -> Answer:
    values = [s.as_resource(state.base_url) for s in state.subscriptions.items.values()]
    for value in values:
        value.pop("@odata.context", None)
    return Answer(
        200, {"@odata.context": f"{state.base_url}/v1.0/$metadata#subscriptions", "value": values}
    )


ROUTES: list[Route] = [
    route("POST", "/subscriptions", create, "subscriptions", write=True),
    route("GET", "/subscriptions", list_all, "subscriptions"),
    route("GET", "/subscriptions/(?P<sub>[^/]+)", get_one, "subscriptions"),
    route("PATCH", "/subscriptions/(?P<sub>[^/]+)", renew, "subscriptions", write=True),
    route("DELETE", "/subscriptions/(?P<sub>[^/]+)", delete, "subscriptions", write=True),
]
