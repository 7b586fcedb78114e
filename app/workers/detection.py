"""The counter inference thread: loads the product detector, then detects on the newest frame only."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame, image_problem
from app.vision.detection import Detection, ModelError, ProductDetector, open_detector
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectionResult:
    """The detections of one frame; boxes are in the pixels of that frame (``frame_width`` x
    ``frame_height``), so a view showing a frame of another size knows they do not fit it."""

    frame_index: int
    frame_timestamp: float
    detections: tuple[Detection, ...]
    ms: float
    frame_width: int = 0
    frame_height: int = 0

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.frame_width, self.frame_height


class DetectorWorker(Worker):
    """Loads the model in its own thread (the window is up meanwhile), then runs on the latest frame.

    Frames that arrive while a detection runs are skipped, never queued: results always describe the
    newest frame available when the previous detection finished. A model that cannot be loaded, or that
    fails on ``MAX_CONSECUTIVE_FAILURES`` good frames in a row, is reported with ``model_failed`` (the
    message names the model) and the thread ends; the rest of the kiosk keeps running.
    """

    model_loaded = pyqtSignal(str)  # a description of the model and backend
    model_failed = pyqtSignal(str)  # why (the message names the file)
    result_ready = pyqtSignal(object)  # DetectionResult

    MAX_CONSECUTIVE_FAILURES = 10

    def __init__(self, frames: LatestSlot[Frame], model_folder: str | Path, backend: str,
                 detector: ProductDetector | None = None, *, threads: int | None = None, parent=None) -> None:
        super().__init__("detector", parent)
        self.frames = frames
        self.model_folder = Path(model_folder)
        self.backend = backend
        self.threads = threads  # intra-op threads of the model (None: the runtime's default)
        self.detector = detector
        self.results = 0
        self.failures = 0  # detections that raised
        self.skipped = 0  # frames whose image could not be a frame (wrong type, shape or size)
        self.failure: str | None = None  # why the worker gave up, when it did

    def run(self) -> None:
        if self.detector is None:
            try:
                self.detector = open_detector(self.model_folder, self.backend, self.threads)
            except Exception as exc:  # a broken model must leave the rest of the kiosk running
                log.exception("product detector failed to load")
                self._fail(self._load_message(exc))
                return
        bundle = self.detector.bundle
        self.model_loaded.emit(f"{bundle.card.get('name', bundle.folder.name)} ({self.detector.backend})")
        serial = 0
        in_a_row = 0
        while not self.isInterruptionRequested():
            serial, frame = self.frames.take(after=serial, timeout=0.2)
            if frame is None:
                continue
            if (problem := image_problem(frame.image, strict=True)) is not None:
                self.skipped += 1
                if self.skipped == 1 or self.skipped % 100 == 0:
                    log.warning("detector skipped frame %d: %s (%d so far)", frame.index, problem,
                                self.skipped)
                continue
            started = time.perf_counter()
            try:
                detections = self.detector.detect(frame.image)
            except Exception as exc:
                self.failures += 1
                in_a_row += 1
                if in_a_row == 1:
                    log.exception("detection failed on frame %d", frame.index)
                if in_a_row >= self.MAX_CONSECUTIVE_FAILURES:
                    self._fail(f"{self.model_folder}: the product detector ({self.detector.backend}) failed "
                               f"on {in_a_row} frames in a row; counting is off: {type(exc).__name__}: {exc}")
                    return
                continue
            in_a_row = 0
            ms = (time.perf_counter() - started) * 1000
            self.results += 1
            self.result_ready.emit(DetectionResult(frame.index, frame.timestamp, tuple(detections), ms,
                                                   frame.width, frame.height))

    def _load_message(self, exc: Exception) -> str:
        if isinstance(exc, ModelError):
            return str(exc)  # already names the file and the cause
        return (f"{self.model_folder}: cannot load the product detector ({self.backend}): "
                f"{type(exc).__name__}: {exc}")

    def _fail(self, message: str) -> None:
        self.failure = message
        log.error("%s", message)
        self.model_failed.emit(message)
