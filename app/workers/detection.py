"""The counter inference thread: loads the product detector, then detects on the newest frame only."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame
from app.vision.detection import Detection, ProductDetector, open_detector
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectionResult:
    frame_index: int
    frame_timestamp: float
    detections: tuple[Detection, ...]
    ms: float


class DetectorWorker(Worker):
    """Loads the model in its own thread (the window is up meanwhile), then runs on the latest frame.

    Frames that arrive while a detection runs are skipped, never queued: results always describe the
    newest frame available when the previous detection finished.
    """

    model_loaded = pyqtSignal(str)  # a description of the model and backend
    model_failed = pyqtSignal(str)  # why (the message names the file)
    result_ready = pyqtSignal(object)  # DetectionResult

    def __init__(self, frames: LatestSlot[Frame], model_folder: str | Path, backend: str,
                 detector: ProductDetector | None = None, parent=None) -> None:
        super().__init__("detector", parent)
        self.frames = frames
        self.model_folder = Path(model_folder)
        self.backend = backend
        self.detector = detector
        self.results = 0

    def run(self) -> None:
        if self.detector is None:
            try:
                self.detector = open_detector(self.model_folder, self.backend)
            except Exception as exc:  # a broken model must leave the rest of the kiosk running
                log.exception("product detector failed to load")
                self.model_failed.emit(str(exc))
                return
        bundle = self.detector.bundle
        self.model_loaded.emit(f"{bundle.card.get('name', bundle.folder.name)} ({self.detector.backend})")
        serial = 0
        while not self.isInterruptionRequested():
            serial, frame = self.frames.take(after=serial, timeout=0.2)
            if frame is None:
                continue
            started = time.perf_counter()
            try:
                detections = self.detector.detect(frame.image)
            except Exception:
                log.exception("detection failed on frame %d", frame.index)
                continue
            ms = (time.perf_counter() - started) * 1000
            self.results += 1
            self.result_ready.emit(DetectionResult(frame.index, frame.timestamp, tuple(detections), ms))
