"""The base of every long-lived worker thread: a name, and a clean stop (interrupt, then wait)."""

from __future__ import annotations

import logging

from PyQt5.QtCore import QThread

log = logging.getLogger(__name__)


class Worker(QThread):
    """Stopped with ``requestInterruption()`` + ``wait()`` (never ``terminate()``): ``run`` loops must
    check ``isInterruptionRequested()`` at least every few hundred milliseconds."""

    STOP_TIMEOUT_MS = 5000

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Ask the thread to finish and wait for it; False (and an error in the log) if it did not."""
        self.requestInterruption()
        timeout = self.STOP_TIMEOUT_MS if timeout_ms is None else timeout_ms
        if self.wait(timeout):
            return True
        log.error("thread %s did not stop within %d ms", self.objectName(), timeout)
        return False
