"""Retrying provider calls: backoff with jitter, Retry-After honoured, attempts capped.

Shared by the Google and Microsoft providers. The helper knows nothing of a vendor's wire format:
each provider passes a `classify` function that turns whatever its client library raised into a
`syncer.errors.ProviderError` (or a child), and the `retryable` / `retry_after` of that error
decide what happens. So the retry policy lives in one place and the wire knowledge in another.

A `Retry-After` longer than `max_delay` is not slept through: the error is raised at once, still
`retryable` and carrying `retry_after`, so the job layer can reschedule instead of holding a
worker.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from syncer.errors import Busy, ProviderError

T = TypeVar("T")

Classify = Callable[[BaseException], ProviderError | None]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def backoff_delay(
    attempt: int, *, base_delay: float, max_delay: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random.

    `attempt` counts from 1 (the delay after the first failure). Jitter spreads the retries of
    many workers hit by the same rate limit so they do not come back in lockstep.
    """
    step = min(max_delay, base_delay * 2.0 ** (attempt - 1))
    draw = float((rng or random).uniform(0.0, step / 2))
    return step / 2 + draw


def call_with_retry(
    fn: Callable[[], T],
    *,
    provider: str,
    classify: Classify,
    max_attempts: int = 6,
    base_delay: float = 0.2,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    log: Any = None,
) -> T:
    """Call `fn` until it succeeds, a non-retryable error comes, or `max_attempts` are spent.

    Every failure leaves as a `ProviderError` (or child) from `classify`, chained to the original
    exception; an exception `classify` does not recognise (returns None) is re-raised untouched,
    since it is a bug rather than a provider failure. With `log` (a structlog logger) each
    retry is logged as `provider.retry`.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except ProviderError as err:
            error, cause = err, err.__cause__
        except Exception as exc:
            classified = classify(exc)
            if classified is None:
                raise
            error, cause = classified, exc
        if not error.retryable or attempt >= max_attempts or isinstance(error, Busy):
            raise error from cause  # Busy: it already waited; the job layer puts it back
        if error.retry_after is not None:
            if error.retry_after > max_delay:
                raise error from cause
            delay = error.retry_after
        else:
            delay = backoff_delay(attempt, base_delay=base_delay, max_delay=max_delay, rng=rng)
        if log is not None:
            log.info(
                "provider.retry",
                provider=provider,
                status=error.status,
                reason=error.reason,
                attempt=attempt,
                delay=round(delay, 3),
            )
        sleep(delay)


__all__ = ["Classify", "backoff_delay", "call_with_retry", "parse_retry_after"]
