"""Graph's MailboxConcurrency limit: at most four requests of one app in flight per mailbox.

Outlook resources (mail, calendar, mailbox settings) serve four concurrent requests per app per
mailbox; the fifth is answered 429 ``ApplicationThrottled``, "Application is over its
MailboxConcurrency limit.", with a Retry-After (Microsoft Graph throttling limits, "Outlook
service limits", learn.microsoft.com/graph/throttling-limits#outlook-service-limits). OneDrive
(``/users/{id}/drive``) is not an Outlook resource and is not counted.

A request counts from when its handler starts until its answer is written, so the emulator's
latency (``/_sandbox/latency``) keeps requests in flight as a slow network would. ``peaks``
records the most requests ever in flight per mailbox, for tests to read
(``GET /_sandbox/mailbox_peaks``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import GraphError

MAILBOX_CONCURRENCY = 4
RETRY_AFTER_S = "1"


class MailboxConcurrency:
    def __init__(self, limit: int | None = MAILBOX_CONCURRENCY) -> None:
        self.limit = limit  # None: not enforced
        self.peaks: dict[str, int] = {}
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def request(self, app: str, mailbox: str | None, path: str) -> Iterator[None]:
        """Hold a place for the request while it runs, or raise the 429 Graph gives."""
        if mailbox is None or "/drive" in path.split("?", 1)[0]:
            yield
            return
        key = (app, mailbox)
        with self._lock:
            if self.limit is not None and self._in_flight[key] >= self.limit:
                raise GraphError(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    headers={"Retry-After": RETRY_AFTER_S},
                )
            self._in_flight[key] += 1
            self.peaks[mailbox] = max(self.peaks.get(mailbox, 0), self._in_flight[key])
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1

    def reset(self) -> None:
        with self._lock:
            self.peaks.clear()


__all__ = ["MAILBOX_CONCURRENCY", "MailboxConcurrency"]
