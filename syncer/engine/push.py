"""Push channels: one Google watch channel / Graph subscription per calendar, kept alive.

Channels cannot be extended on Google, so renewing means: open a new channel, remember it, stop
the old one. Graph subscriptions are extended in place (`PATCH expirationDateTime`, which also
answers a `reauthorizationRequired` lifecycle notification): a provider that offers
`renew_watch` is renewed that way, keeping the channel's id and token, and a subscription Graph
no longer knows (404, or `subscriptionRemoved`) is created anew. Every channel has its own
random token (Google X-Goog-Channel-Token, Graph clientState), stored with it in Redis and
compared by the web app; it never appears in a log or a job argument.

No `web.public_url` in the config means no push at all: the scheduled pulls are the fallback.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

import structlog

from syncer.core.model import ProviderName
from syncer.engine import Engine
from syncer.errors import NotFound, ProviderError
from syncer.providers.base import ChannelRef
from syncer.store_push import PushStore

# What each vendor grants at most (Google: about a week for events; Graph: 4230 minutes for
# Outlook events); asking for less keeps a margin.
CHANNEL_TTL: dict[ProviderName, timedelta] = {
    "google": timedelta(days=7),
    "microsoft": timedelta(minutes=4200),
}
WEBHOOK_PATH: dict[ProviderName, str] = {
    "google": "/webhooks/google",
    "microsoft": "/webhooks/graph",
}

Result = Literal["kept", "created", "renewed", "failed", "off"]


@runtime_checkable
class RenewsInPlace(Protocol):
    """A provider whose channels can be extended without replacing them (Graph)."""

    def renew_watch(self, ref: ChannelRef, ttl: timedelta) -> ChannelRef: ...


@dataclass(frozen=True)
class Channel:
    """A channel as the store keeps it (the web app checks notifications against this)."""

    ref: ChannelRef
    token: str
    address: str

    def record(self) -> dict[str, Any]:
        return {
            "provider": self.ref.provider,
            "calendar": self.ref.calendar,
            "id": self.ref.id,
            "resource_id": self.ref.resource_id,
            "expiration": self.ref.expiration.isoformat(),
            "token": self.token,
            "address": self.address,
        }

    @staticmethod
    def from_record(record: dict[str, Any]) -> Channel:
        ref = ChannelRef(
            provider=record["provider"],
            calendar=record["calendar"],
            id=record["id"],
            resource_id=record["resource_id"],
            expiration=datetime.fromisoformat(record["expiration"]),
        )
        return Channel(ref, record["token"], record["address"])


def webhook_address(public_url: str, provider: ProviderName) -> str:
    return public_url.rstrip("/") + WEBHOOK_PATH[provider]


def current_channel(push: PushStore, calendar: str) -> Channel | None:
    channel_id = push.current_channel(calendar)
    record = push.get_channel(channel_id) if channel_id else None
    return Channel.from_record(record) if record else None


def ensure_channel(
    engine: Engine, calendar: str, *, renew_before: timedelta, force: bool = False
) -> Result:
    """Make sure `calendar` has a channel that lives at least `renew_before` longer.

    `force`: renew it whatever its expiry (Graph reauthorizationRequired). A failure is logged
    and reported; the scheduled pulls keep the calendar fresh meanwhile."""
    public_url = engine.config.web.public_url
    if not public_url:
        return "off"
    push = PushStore.of(engine.store)
    provider = engine.provider_of(calendar)
    address = webhook_address(str(public_url), provider.name)
    log = structlog.get_logger().bind(org=engine.config.org, calendar=calendar)
    old = current_channel(push, calendar)
    now = engine.clock()
    if (
        old is not None
        and not force
        and old.address == address
        and old.ref.expiration - now > renew_before
    ):
        return "kept"
    ttl = CHANNEL_TTL[provider.name]
    if old is not None and old.address == address and isinstance(provider, RenewsInPlace):
        try:
            ref = provider.renew_watch(old.ref, ttl)
        except NotFound:
            log.info("push.channel_gone", channel=old.ref.id)
            push.drop_channel(old.ref.id)
            old = None
        except ProviderError as err:
            log.warning("push.renew_failed", status=err.status, reason=err.reason)
            return "failed"
        else:
            push.put_channel(calendar, ref.id, Channel(ref, old.token, address).record())
            log.info("push.channel_renewed", channel=ref.id, expiration=ref.expiration.isoformat())
            return "renewed"
    token = secrets.token_urlsafe(32)
    try:
        ref = provider.watch(calendar, address, token, ttl)
    except ProviderError as err:
        log.warning("push.watch_failed", status=err.status, reason=err.reason)
        return "failed"
    push.put_channel(calendar, ref.id, Channel(ref, token, address).record())
    log.info("push.channel_opened", channel=ref.id, expiration=ref.expiration.isoformat())
    if old is None:
        return "created"
    stop_channel(engine, old)
    return "renewed"


def stop_channel(engine: Engine, channel: Channel) -> None:
    """Stop a channel at the vendor and forget it (a vendor failure only logs: it expires)."""
    push = PushStore.of(engine.store)
    try:
        engine.provider_of(channel.ref.calendar).stop_watch(channel.ref)
    except ProviderError as err:
        structlog.get_logger().warning(
            "push.stop_failed", calendar=channel.ref.calendar, status=err.status
        )
    push.drop_channel(channel.ref.id)


def renew_all(engine: Engine, *, renew_before: timedelta) -> dict[str, int]:
    """`ensure_channel` for every calendar; counts of each result."""
    counts: dict[str, int] = {}
    for calendar in engine.calendars():
        result = ensure_channel(engine, calendar, renew_before=renew_before)
        counts[result] = counts.get(result, 0) + 1
    return counts
