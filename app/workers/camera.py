"""One long-lived QThread per camera: reads its frame source and publishes only the newest frame.

The source is read on a helper thread that owns it (opens, reads, closes). The QThread supervises:
it stops within a fraction of a second when asked, even while a driver call blocks inside ``read()``,
and it reports a camera that stalls (no frame for ``STALL_AFTER_S`` seconds while the source claims to
be live) as DISCONNECTED with a message saying so. A stuck reader is left to close the source when its
read returns; it is a daemon thread, so it never keeps the process alive.
"""

from __future__ import annotations

import logging
import threading
import time

from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame, FrameSource, SourceState, SourceStatus, image_problem
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


class CameraWorker(Worker):
    """Reads ``source`` at its own rate; the GUI and inference workers take frames from ``latest``.

    ``frame_ready`` carries no frame: it only says "a newer frame is in the slot", and it is not
    emitted again until the GUI has taken the frame, so a slow GUI never builds a queue of frames.
    Frames whose image is not BGR uint8 (H x W x 3) are dropped and counted in ``corrupt_frames``.
    """

    frame_ready = pyqtSignal()
    status_changed = pyqtSignal(object)  # SourceStatus

    STOP_TIMEOUT_MS = 3000
    IDLE_WAIT_MS = 100  # pause between reads while the source has no frame (unplugged, ended)
    STALL_AFTER_S = 3.0  # no frame for this long (and at least 3 frame periods): reported as stalled
    POLL_MS = 50  # how often the supervising thread looks for a stop request or a stall
    READER_JOIN_S = 1.0  # how long stopping waits for a read in progress before leaving it behind

    def __init__(self, source: FrameSource, role: str, parent=None) -> None:
        super().__init__(f"camera-{role}", parent)
        self.source = source
        self.role = role
        self.latest: LatestSlot[Frame] = LatestSlot()
        self.frames_read = 0
        self.corrupt_frames = 0
        self._gui_serial = 0
        self._signalled_serial = 0
        self._last_status: SourceStatus | None = None  # the last one published
        self._source_status: SourceStatus | None = None  # the last one the source reported
        self._status_lock = threading.Lock()
        self._started_at = 0.0
        self._last_progress = 0.0
        self._stalled = False
        self._stop_reading = threading.Event()
        self.reader: threading.Thread | None = None

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

    @property
    def stalled(self) -> bool:
        """True while the camera is reported as stalled (no frame for too long)."""
        return self._stalled

    def stall_limit(self) -> float:
        """Seconds without a frame after which the camera counts as stalled."""
        fps = self.source.nominal_fps
        return max(self.STALL_AFTER_S, 3.0 / fps if fps > 0 else 0.0)

    # --- supervising thread (the QThread) ------------------------------------------------------
    def run(self) -> None:
        self._started_at = self._last_progress = time.monotonic()
        self._stalled = False
        self._source_status = None
        self._stop_reading.clear()
        reader = threading.Thread(target=self._read_loop, name=f"{self.objectName()}-reader", daemon=True)
        self.reader = reader
        reader.start()
        try:
            while reader.is_alive() and not self.isInterruptionRequested():
                reader.join(self.POLL_MS / 1000)
                if reader.is_alive():
                    self._check_stall()
        finally:
            self._stop_reading.set()
            reader.join(self.READER_JOIN_S)
            if reader.is_alive():
                log.warning("camera %s: a read is blocked in the driver; the source is closed when it "
                            "returns", self.role)

    def _check_stall(self) -> None:
        status = self.source.status
        if self._stalled or status.state not in (SourceState.LIVE, SourceState.OPENING):
            return  # already reported, or the source says itself why there is no frame
        waited = time.monotonic() - self._last_progress
        if waited < self.stall_limit():
            return
        self._stalled = True
        self._publish(SourceStatus(SourceState.DISCONNECTED,
                                   f"{self.source.name}: no frame for {waited:.0f} s (the camera stalled); "
                                   "waiting for it"))

    # --- reader thread (owns the source) -------------------------------------------------------
    def _read_loop(self) -> None:
        source = self.source
        try:
            source.open()
            self._publish_source_status()
            while not self._stop_reading.is_set():
                frame = source.read()
                if self._stop_reading.is_set():
                    break
                if frame is not None and (problem := image_problem(frame.image, strict=True)) is not None:
                    self._drop(frame, problem)
                    frame = None
                if frame is not None:
                    self._last_progress = time.monotonic()
                    if self._stalled:
                        log.info("camera %s sends frames again", self.role)
                        self._stalled = False
                self._publish_source_status()
                if frame is None:
                    if source.status.is_terminal:
                        break
                    self._stop_reading.wait(self.IDLE_WAIT_MS / 1000)
                    continue
                self.frames_read += 1
                self.latest.put(frame)
                if self._signalled_serial <= self._gui_serial:
                    self._signalled_serial = self.frames_read
                    self.frame_ready.emit()
        except Exception as exc:  # a broken driver must not take the kiosk down
            log.exception("camera %s crashed", self.role)
            self._publish(SourceStatus(SourceState.FAILED, f"{source.name}: {exc}"))
        finally:
            source.close()

    def _drop(self, frame: Frame, problem: str) -> None:
        self.corrupt_frames += 1
        if self.corrupt_frames == 1 or self.corrupt_frames % 100 == 0:
            log.warning("camera %s: dropped frame %d: %s (%d so far)", self.role, frame.index, problem,
                        self.corrupt_frames)

    def _publish_source_status(self) -> None:
        status = self.source.status
        if status != self._source_status:
            self._source_status = status
            self._last_progress = time.monotonic()  # a state change is progress: the stall clock restarts
        if not self._stalled:
            self._publish(status)

    def _publish(self, status: SourceStatus) -> None:
        with self._status_lock:  # both threads publish; the lock keeps the order of the signals
            if status == self._last_status:
                return
            self._last_status = status
            log.info("camera %s: %s", self.role, status.message)
            self.status_changed.emit(status)
