"""The one exception tree. Everything syncer raises on purpose is a `SyncerError`.

Providers translate wire errors into these at the edge; the engine decides retry or skip; the CLI
prints one clear line and an exit code; workers let RQ retry what is retryable.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SyncerError(Exception):
    """Base of every error syncer raises on purpose. `str(err)` is a message fit for an admin."""

    exit_code: int = 1


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config file: where (key path, line) and what."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or "(top level)"
        if self.line is not None:
            where = f"{where} (line {self.line})"
        return f"{where}: {self.message}"


class ConfigError(SyncerError):
    """The admin's config is wrong. Carries every problem found, each with key path and line."""

    exit_code = 2

    def __init__(self, problems: list[ConfigProblem], source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


@dataclass
class ProviderError(SyncerError):
    """A provider call failed. `retryable` says whether trying again later may succeed."""

    provider: str
    status: int | None
    message: str
    retryable: bool = False
    retry_after: float | None = None
    reason: str | None = field(default=None)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        code = f" {self.status}" if self.status is not None else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.provider}{code}{why}: {self.message}"


class Conflict(ProviderError):
    """412: the resource changed since it was read (etag / changeKey). Re-read and re-merge."""


class CursorExpired(ProviderError):
    """410 / syncStateNotFound: the sync token or delta link is no longer valid. Full resync."""


class NotFound(ProviderError):
    """404 / 410 deleted: the resource is gone."""


class Busy(ProviderError):
    """Every call slot for a person's mailbox (or the provider) stayed taken while the call
    waited (`limits.slot_wait_seconds`). Not retried in place: waiting again would only hold
    the worker longer. Retryable: the job layer puts the job back for later."""


class StoreError(SyncerError):
    """Redis is unreachable or the embedded server could not start."""


class ProviderUnavailable(SyncerError):
    """A provider named in the config is not implemented or not configured in this build."""
