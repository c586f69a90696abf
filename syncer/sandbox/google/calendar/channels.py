"""events.watch and channels.stop, and the push notifications themselves.

A channel watches one calendar's events. Google first POSTs a ``sync`` message when the
channel is created, then ``exists`` on every change, with an empty body and X-Goog-* headers
(Calendar "Push notifications" guide). Deliveries run on a background thread so API calls do
not wait for the receiver; results are kept in ``deliveries`` for tests.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import queue
import secrets
import ssl
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...http import post
from ..errors import bad_request, not_found

if TYPE_CHECKING:
    from ..state import GoogleState

DEFAULT_TTL = dt.timedelta(days=7)
MAX_TTL = dt.timedelta(days=30)  # the documented maximum is not stated for events; assumption


@dataclass
class Channel:
    id: str
    resource_id: str
    calendar: str
    address: str
    token: str | None
    expiration: dt.datetime
    person: str | None
    messages: int = 0

    def as_resource(self, base_url: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": f"{base_url}/calendars/{self.calendar}/events?alt=json",
            "expiration": str(int(self.expiration.timestamp() * 1000)),
        }
        if self.token is not None:
            out["token"] = self.token
        return out


@dataclass(frozen=True)
class Delivery:
    channel: str
    state: str
    number: int
    status: int | None  # HTTP status from the receiver; None if it could not be reached


class Channels:
    def __init__(self, state: GoogleState) -> None:
        self._state = state
        self.channels: dict[str, Channel] = {}
        self.deliveries: list[Delivery] = []
        self.ssl_context: ssl.SSLContext | None = None  # for https receivers with a private CA
        self._queue: queue.Queue[tuple[Channel, str, int] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        state.calendars.listeners.append(self.changed)

    def watch(self, calendar: str, person: str | None, body: dict[str, Any]) -> Channel:
        if body.get("type") not in ("web_hook", "webhook"):
            raise bad_request("Invalid value for type.")
        if not body.get("id") or not body.get("address"):
            raise bad_request("Missing id or address.", "required")
        if body["id"] in self.channels:
            raise bad_request("Channel id not unique", "channelIdNotUnique")
        now = self._state.clock.now()
        expiration = now + DEFAULT_TTL
        if body.get("expiration"):
            asked = dt.datetime.fromtimestamp(int(body["expiration"]) / 1000, dt.UTC)
            expiration = min(asked, now + MAX_TTL)
        channel = Channel(
            id=body["id"],
            resource_id=secrets.token_urlsafe(20),
            calendar=calendar,
            address=body["address"],
            token=body.get("token"),
            expiration=expiration,
            person=person,
        )
        self.channels[channel.id] = channel
        self._send(channel, "sync")
        return channel

    def stop(self, body: dict[str, Any]) -> None:
        channel = self.channels.get(body.get("id", ""))
        if channel is None or channel.resource_id != body.get("resourceId"):
            raise not_found("Channel '{}' not found for project".format(body.get("id")))
        del self.channels[channel.id]

    def changed(self, calendar: str) -> None:
        now = self._state.clock.now()
        for channel in list(self.channels.values()):
            if channel.calendar == calendar and channel.expiration > now:
                self._send(channel, "exists")

    def _send(self, channel: Channel, resource_state: str) -> None:
        number = channel.messages + 1
        channel.messages = number
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._run, name="google-sandbox-push", daemon=True
            )
            self._worker.start()
        self._queue.put((channel, resource_state, number))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            channel, resource_state, number = item
            headers = {
                "X-Goog-Channel-ID": channel.id,
                "X-Goog-Channel-Expiration": email.utils.format_datetime(
                    channel.expiration, usegmt=True
                ),
                "X-Goog-Resource-ID": channel.resource_id,
                "X-Goog-Resource-URI": channel.as_resource(self._state.base_url)["resourceUri"],
                "X-Goog-Resource-State": resource_state,
                "X-Goog-Message-Number": str(number),
                "Content-Length": "0",
            }
            if channel.token is not None:
                headers["X-Goog-Channel-Token"] = channel.token
            request = urllib.request.Request(
                channel.address, data=b"", headers=headers, method="POST"
            )
            status = post(request, timeout=5, context=self.ssl_context)
            self.deliveries.append(Delivery(channel.id, resource_state, number, status))
            self._queue.task_done()

    def drained(self) -> bool:
        """True when every notification sent so far has been answered (or failed): a
        simulation waits on this, rather than sleeping, before it calls the receiver quiet."""
        return self._queue.unfinished_tasks == 0

    def close(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout=5)
