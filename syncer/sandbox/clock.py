"""A clock the emulators share: wall time, or a simulated time tests set and advance."""

from __future__ import annotations

import datetime as dt


class Clock:
    """Wall time, or a simulated time that tests set and advance (the e2e runs weeks)."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        if self._fixed is not None:
            return self._fixed
        return dt.datetime.now(dt.UTC) + self._offset

    def set(self, moment: dt.datetime) -> None:
        """Freeze the clock at ``moment`` (aware)."""
        self._fixed = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        if self._fixed is not None:
            self._fixed += delta
        else:
            self._offset += delta
