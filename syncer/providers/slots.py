"""Call slots: how many provider calls may be in flight at once for one mailbox.

Graph serves at most four concurrent requests per app per mailbox and answers the fifth with
429 "Application is over its MailboxConcurrency limit" (Outlook service limits,
learn.microsoft.com/graph/throttling-limits#outlook-service-limits). With many workers, a
manager with a dozen reports is touched by a dozen pair jobs at once: retrying each 429 is
correct but wasteful. So every HTTP attempt holds a slot for the mailbox it touches (and,
when configured, one of the provider's) for as long as the request is on the wire, never
across a retry's sleep.

rq 3's `RateLimit` was the first choice and does not fit: it limits *jobs* per key, one key
per job, while a pair job touches two mailboxes; and it refuses `unique=True`, which the
deterministic job ids rely on. The slots the service uses live in Redis
(`syncer.store_slots.RedisSlots`) so that every worker on every machine shares them; a
provider built without any holds no slot (`UNBOUNDED`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol
from urllib.parse import unquote, urlsplit

_GRAPH_USER = re.compile(r"/users/([^/?#(]+)")


class CallSlots(Protocol):
    def hold(self, provider: str, mailbox: str | None) -> AbstractContextManager[None]:
        """Wait for a free slot for `mailbox` (None: a call that touches no mailbox) and hold
        it for the block; raises `syncer.errors.Busy` when none frees up in time."""
        ...


class _Unbounded:
    @contextmanager
    def hold(self, provider: str, mailbox: str | None) -> Iterator[None]:
        yield


UNBOUNDED: CallSlots = _Unbounded()


def graph_mailbox(url_or_path: str) -> str | None:
    """The mailbox a Graph call touches: the `{id}` of `/users/{id}/...` (lower-cased), from a
    path or a full link Graph gave us; None for calls about no one (`/subscriptions`)."""
    match = _GRAPH_USER.search(urlsplit(url_or_path).path)
    return unquote(match.group(1)).lower() if match else None


__all__ = ["UNBOUNDED", "CallSlots", "graph_mailbox"]
