"""A one-slot, thread-safe hand-off that keeps only the newest item (stale frames are dropped)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """The producer overwrites; each consumer sees an item at most once and never a backlog."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._serial = 0
        self.dropped = 0  # items overwritten before anyone took them
        self._taken_serial = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._serial > self._taken_serial:
                self.dropped += 1
            self._item = item
            self._serial += 1
            self._cond.notify_all()

    def peek(self) -> T | None:
        """The newest item, taken or not (for painting)."""
        with self._cond:
            return self._item

    def take(self, after: int = 0, timeout: float | None = None) -> tuple[int, T | None]:
        """Wait (up to ``timeout``) for an item newer than serial ``after``; return (serial, item)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._serial > after, timeout=timeout):
                return after, None
            self._taken_serial = self._serial
            return self._serial, self._item
