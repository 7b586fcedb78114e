"""The face inference thread: MTCNN + the embedder on the newest face-camera frame, a few times a second.

Identity is confirmed only after K consistent frames (``IdentityTracker``); the thread reports every
frame's face box and quality so the window can guide the customer ("come closer", "look at the
camera") and greet them by name once confirmed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceResult:
    frame_index: int
    box: tuple[float, float, float, float] | None
    quality_ok: bool
    quality_reason: str
    candidate: str | None  # this frame's accepted match, if any
    confirmed: str | None  # the identity after K consistent frames
    score: float
    ms: float


class FaceWorker(Worker):
    """Loads MTCNN and the embedder in its own thread, then identifies at most ``max_fps`` per second.

    ``build`` returns the ``FacePipeline`` (with its gallery) and a sentence naming the active backend;
    it runs in this thread so model loading never blocks the window.
    """

    ready = pyqtSignal(str)  # e.g. "dlib ResNet (offline backend): FaceNet weights not found"
    failed = pyqtSignal(str)
    result_ready = pyqtSignal(object)  # FaceResult

    def __init__(self, frames: LatestSlot[Frame], build: Callable[[], tuple[object, str]], *,
                 max_fps: float = 6.0, confirm_frames: int = 5, parent=None) -> None:
        super().__init__("faces", parent)
        self.frames = frames
        self.build = build
        self.period = 1.0 / max_fps
        self.confirm_frames = confirm_frames
        self.pipeline = None
        self.results = 0

    def run(self) -> None:
        from app.vision.faces.gallery import IdentityTracker

        try:
            self.pipeline, description = self.build()
        except Exception as exc:  # no face pay, but counting and the cart go on
            log.exception("face pipeline failed to load")
            self.failed.emit(str(exc))
            return
        self.ready.emit(description)
        tracker = IdentityTracker(k=self.confirm_frames)
        serial = 0
        while not self.isInterruptionRequested():
            started = time.perf_counter()
            serial, frame = self.frames.take(after=serial, timeout=0.2)
            if frame is None:
                continue
            try:
                obs = self.pipeline.process(frame.image)
            except Exception:
                log.exception("face pipeline failed on frame %d", frame.index)
                continue
            decision = obs.decision
            confirmed = tracker.update(decision if obs.detection is not None else None)
            box = tuple(float(v) for v in obs.detection.box) if obs.detection is not None else None
            ms = (time.perf_counter() - started) * 1000
            self.results += 1
            self.result_ready.emit(FaceResult(
                frame.index, box, obs.quality.ok, str(obs.quality.reason),
                decision.customer_id if decision is not None and decision.accepted else None,
                confirmed, float(decision.score) if decision is not None else 0.0, ms))
            rest = self.period - (time.perf_counter() - started)
            if rest > 0:
                self.msleep(int(rest * 1000))
