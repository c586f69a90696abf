"""Push notification receivers: Google watch channels and Microsoft Graph subscriptions.

A notification only says *that* a calendar changed; the answer is a pull job on the `push`
queue, enqueued under the calendar's deterministic id so a burst makes one job. Every call is
checked against a channel syncer opened (stored with its random token in Redis): unknown
channels get 404, a wrong token 403, a replayed Google message number 403. Rejections are
logged with a reason and never with the request's headers or body.
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import structlog
from redis import Redis
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from syncer.store_push import PushStore
from workers import jobs
from workers.enqueue import enqueue_unique, pull_job_id

MAX_BODY_BYTES = 1_000_000
MAX_VALIDATION_TOKEN = 4096


class BodyTooLarge(Exception):
    pass


@dataclass
class Receiver:
    """What the webhook handlers share: the config path (for the jobs), Redis, the org."""

    config_path: str
    redis: Redis
    org: str

    @property
    def push(self) -> PushStore:
        return PushStore(self.redis, self.org)

    def reject(self, provider: str, status: int, reason: str) -> Response:
        self.push.count(f"webhooks|{provider}|rejected_{status}")
        structlog.get_logger().warning(
            "webhook.rejected", provider=provider, status=status, reason=reason
        )
        return PlainTextResponse(reason, status_code=status)

    def enqueue_pull(self, calendar: str, *, full: bool = False) -> None:
        """A full pull has its own job id: a queued incremental pull must not cover it."""
        base_id = pull_job_id(self.org, calendar)
        enqueue_unique(
            self.redis,
            "push",
            jobs.pull,
            (self.config_path, calendar, full, time.time()),
            base_id.replace("pull-", "resync-", 1) if full else base_id,
        )

    def enqueue_renew(self, calendar: str) -> None:
        """Renew (or re-create) the calendar's channel now, whatever its expiry."""
        enqueue_unique(
            self.redis,
            "push",
            jobs.renew,
            (self.config_path, calendar, True),
            pull_job_id(self.org, calendar).replace("pull-", "renew-", 1),
        )


async def read_body(request: Request) -> bytes:
    """The body, refusing more than MAX_BODY_BYTES whatever Content-Length claims."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _matches(expected: str, given: object) -> bool:
    """`given` (a header, or a JSON value of any type) is the secret, compared in constant time."""
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


async def google(request: Request) -> Response:
    receiver: Receiver = request.app.state.receiver
    try:
        await read_body(request)  # Google sends none; a big one is not Google
    except BodyTooLarge:
        return receiver.reject("google", 413, "body too large")
    headers = request.headers
    channel_id = headers.get("x-goog-channel-id")
    if not channel_id:
        return receiver.reject("google", 401, "no channel id")
    push = receiver.push
    record = push.get_channel(channel_id)
    if headers.get("x-goog-resource-state") == "sync" and record is None:
        # A new channel's first message races its watch() answer (we store the channel once
        # Google answered). It asks for nothing, so accepting it unchecked is harmless.
        push.count("webhooks|google|sync")
        return Response(status_code=200)
    if record is None or record.get("provider") != "google":
        return receiver.reject("google", 404, "unknown channel")
    if not _matches(record["token"], headers.get("x-goog-channel-token")):
        return receiver.reject("google", 403, "wrong channel token")
    if headers.get("x-goog-resource-id") != record["resource_id"]:
        return receiver.reject("google", 403, "wrong resource id")
    number = headers.get("x-goog-message-number", "")
    if not number.isdigit():
        return receiver.reject("google", 400, "no message number")
    if not push.accept_message(channel_id, int(number)):
        return receiver.reject("google", 403, "replayed message number")
    state = headers.get("x-goog-resource-state", "")
    if state == "sync":  # the channel's first message: nothing changed yet
        push.count("webhooks|google|sync")
        return Response(status_code=200)
    receiver.enqueue_pull(record["calendar"])
    push.count("webhooks|google|accepted")
    return Response(status_code=200)


async def graph(request: Request) -> Response:
    """Change and lifecycle notifications (one URL serves both), and the validation handshake:
    Graph POSTs `?validationToken=...` and wants it back as text/plain within 10 seconds."""
    receiver: Receiver = request.app.state.receiver
    token = request.query_params.get("validationToken")
    if token is not None:
        if len(token) > MAX_VALIDATION_TOKEN:
            return receiver.reject("microsoft", 400, "validation token too long")
        receiver.push.count("webhooks|microsoft|validated")
        return PlainTextResponse(token, status_code=200)
    try:
        body = await read_body(request)
        items = json.loads(body)["value"]
        if not isinstance(items, list):
            raise ValueError
    except BodyTooLarge:
        return receiver.reject("microsoft", 413, "body too large")
    except (ValueError, KeyError, TypeError):
        return receiver.reject("microsoft", 400, "not a notification")
    accepted = forged = 0
    for item in items:
        verdict = _graph_item(receiver, item)
        accepted += verdict == "ok"
        forged += verdict == "forged"
    if accepted:
        receiver.push.count("webhooks|microsoft|accepted", accepted)
        return Response(status_code=202)
    if forged:
        return receiver.reject("microsoft", 403, "wrong clientState")
    return receiver.reject("microsoft", 404, "unknown subscription")


def _graph_item(receiver: Receiver, item: Any) -> str:
    if not isinstance(item, dict):
        return "unknown"
    record = receiver.push.get_channel(str(item.get("subscriptionId", "")))
    if record is None or record.get("provider") != "microsoft":
        return "unknown"
    if not _matches(record["token"], item.get("clientState")):
        return "forged"
    calendar = record["calendar"]
    lifecycle = item.get("lifecycleEvent")
    if lifecycle == "reauthorizationRequired":  # a PATCH of the expiry reauthorizes it
        receiver.enqueue_renew(calendar)
    elif lifecycle == "subscriptionRemoved":
        # Graph dropped it: forget it, so the renew job creates a new one, and pull for what
        # changed while no subscription was there.
        receiver.push.drop_channel(str(item["subscriptionId"]))
        receiver.enqueue_renew(calendar)
        receiver.enqueue_pull(calendar)
    elif lifecycle == "missed":  # notifications were lost: resync the calendar in full
        receiver.enqueue_pull(calendar, full=True)
    elif lifecycle is None:
        receiver.enqueue_pull(calendar)
    else:  # a lifecycle event this version does not know: a pull is never wrong
        receiver.push.count("webhooks|microsoft|unknown_lifecycle")
        receiver.enqueue_pull(calendar)
    return "ok"
