"""One long-lived QThread per camera: reads its frame source and publishes only the newest frame."""

from __future__ import annotations

import logging
import time

from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame, FrameSource, SourceState, SourceStatus
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


class CameraWorker(Worker):
    """Reads ``source`` at its own rate; the GUI and inference workers take frames from ``latest``.

    ``frame_ready`` carries no frame: it only says "a newer frame is in the slot", and it is not
    emitted again until the GUI has taken the frame, so a slow GUI never builds a queue of frames.
    """

    frame_ready = pyqtSignal()
    status_changed = pyqtSignal(object)  # SourceStatus

    STOP_TIMEOUT_MS = 3000
    IDLE_WAIT_MS = 100  # pause between reads while the source has no frame (unplugged, ended)

    def __init__(self, source: FrameSource, role: str, parent=None) -> None:
        super().__init__(f"camera-{role}", parent)
        self.source = source
        self.role = role
        self.latest: LatestSlot[Frame] = LatestSlot()
        self.frames_read = 0
        self._gui_serial = 0
        self._signalled_serial = 0
        self._last_status: SourceStatus | None = None
        self._started_at = 0.0

    # --- GUI side ------------------------------------------------------------------------------
    def take_for_display(self) -> Frame | None:
        """Called from the GUI thread on ``frame_ready``: the newest frame not yet shown, if any."""
        serial, frame = self.latest.take(after=self._gui_serial, timeout=0)
        if frame is not None:
            self._gui_serial = serial
        return frame

    def fps(self) -> float:
        elapsed = time.monotonic() - self._started_at
        return self.frames_read / elapsed if self._started_at and elapsed > 0 else 0.0

    # --- worker thread -------------------------------------------------------------------------
    def run(self) -> None:
        self._started_at = time.monotonic()
        try:
            self.source.open()
            self._publish_status()
            while not self.isInterruptionRequested():
                frame = self.source.read()
                self._publish_status()
                if frame is None:
                    if self.source.status.is_terminal:
                        break
                    self.msleep(self.IDLE_WAIT_MS)
                    continue
                self.frames_read += 1
                self.latest.put(frame)
                if self._signalled_serial <= self._gui_serial:
                    self._signalled_serial = self.frames_read
                    self.frame_ready.emit()
        except Exception as exc:  # a broken driver must not take the kiosk down
            log.exception("camera %s crashed", self.role)
            self.status_changed.emit(SourceStatus(SourceState.FAILED, f"{self.source.name}: {exc}"))
        finally:
            self.source.close()

    def _publish_status(self) -> None:
        status = self.source.status
        if status != self._last_status:
            self._last_status = status
            log.info("camera %s: %s", self.role, status.message)
            self.status_changed.emit(status)
