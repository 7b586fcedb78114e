"""The face inference thread: MTCNN + the embedder on the newest face-camera frame, a few times a second.

Identity is confirmed only after K consistent frames (``IdentityTracker``); the thread reports every
frame's face box and quality so the window can guide the customer ("come closer", "look at the
camera") and greet them by name once confirmed.

Registration mode (``begin_registration`` ... ``end_registration``, called from the GUI thread) swaps
identification for ``FacePipeline.registration_capture`` on the newest frame and reports each offer as
a :class:`RegistrationFrame`. ``reload_gallery`` hands new store templates to the thread, which
decrypts them (with the key of ``key_file``) and rebuilds the gallery itself between two frames (the
gallery has one owner: this thread).

The pipeline normally lives in a child process (``app.vision.faces.remote``, built by
``build_face_pipeline``); the worker owns it and closes it when the thread ends, so ``stop()`` also
ends the child. A child that dies (crash, killed, hung) is logged, reported with ``restarting`` and
restarted after a back-off, at most ``max_restarts`` times within ``restart_window_s``; the next death
makes the worker give up: ``failed`` says so, ``pipeline`` becomes None and the kiosk runs on without
face pay. (``ready`` is not emitted again after a restart: a queued ``ready`` must never reach a slot
after ``pipeline`` became None.) A ``build`` that
returns an in-process ``FacePipeline`` (tests, debugging) works as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PyQt5.QtCore import pyqtSignal

from app.capture.base import Frame
from app.workers.base import Worker
from app.workers.latest import LatestSlot

if TYPE_CHECKING:
    from app.core.face_crypto import TemplateCipher
    from app.vision.faces.pipeline import RegistrationCapture
    from app.vision.faces.pose import PoseAngles

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
FACE_IMAGE_MARGIN = 0.3  # kept face images (opt-in only) include this much around the box
FACE_IMAGE_QUALITY = 90


@dataclass(frozen=True)
class FaceResult:
    frame_index: int
    box: Box | None
    quality_ok: bool
    quality_reason: str
    candidate: str | None  # this frame's accepted match, if any
    confirmed: str | None  # the identity after K consistent frames
    score: float
    ms: float
    landmarks: tuple[tuple[float, float], ...] | None = None  # the 5 points, for the liveness check


def _landmarks(detection: Any) -> tuple[tuple[float, float], ...] | None:
    points = getattr(detection, "landmarks", None)
    return None if points is None else tuple((float(x), float(y)) for x, y in points)


@dataclass(frozen=True)
class RegistrationFrame:
    """One frame's offer for the current registration pose step.

    ``baseline`` is the frontal pose the capture was classified against (None for the FRONT step), so
    the GUI can drop offers computed before it changed the baseline. ``image`` is a JPEG of the face,
    present only when the registration was begun with ``keep_images`` (the operator's opt-in).
    """

    capture: RegistrationCapture
    frame_index: int
    box: Box | None
    baseline: PoseAngles | None = None
    image: bytes | None = None
    ms: float = 0.0


@dataclass(frozen=True)
class _Mode:
    registering: bool = False
    baseline: PoseAngles | None = None
    keep_images: bool = False


class FaceWorker(Worker):
    """Loads MTCNN and the embedder in its own thread, then identifies at most ``max_fps`` per second.

    ``build`` returns the ``FacePipeline`` (with its gallery) and a sentence naming the active backend;
    it runs in this thread so model loading never blocks the window. ``error`` holds the load failure's
    message once ``failed`` was emitted. ``key_file`` (``settings.face_key_file``) is the key that
    decrypts the store's templates when ``reload_gallery`` rebuilds the gallery.
    """

    ready = pyqtSignal(str)  # e.g. "dlib ResNet (offline backend): FaceNet weights not found"
    failed = pyqtSignal(str)
    result_ready = pyqtSignal(object)  # FaceResult
    registration_ready = pyqtSignal(object)  # RegistrationFrame
    gallery_reloaded = pyqtSignal(int)  # customers in the rebuilt gallery
    gallery_failed = pyqtSignal(str)  # the rebuild failed; the previous gallery stays
    restarting = pyqtSignal(str)  # the face process died and is being restarted (the message says why)

    max_restarts = 2  # face-process restarts within restart_window_s before giving up
    restart_window_s = 600.0
    restart_backoff_s = (1.0, 5.0)  # wait before the first, second (and later) restart

    def __init__(self, frames: LatestSlot[Frame], build: Callable[[], tuple[object, str]], *,
                 max_fps: float = 6.0, confirm_frames: int = 5, key_file: str | Path | None = None,
                 parent=None) -> None:
        super().__init__("faces", parent)
        self.frames = frames
        self.build = build
        self.period = 1.0 / max_fps
        self.confirm_frames = confirm_frames
        self.pipeline = None
        self.error: str | None = None
        self.key_file = key_file
        self.results = 0
        self.registration_results = 0
        self._lock = threading.Lock()
        self._mode = _Mode()
        self._pending_gallery: tuple[list[Any], TemplateCipher | None] | None = None
        self._cipher: TemplateCipher | None = None  # used by this thread only
        self._owned: Any = None  # the pipeline this thread built (closed when the thread ends)
        self._restart_times: deque[float] = deque()

    # --- called from the GUI thread ---------------------------------------------------------------------
    def begin_registration(self, *, keep_images: bool = False) -> None:
        """From the next frame on, offer registration captures (FRONT first: no baseline)."""
        with self._lock:
            self._mode = _Mode(registering=True, keep_images=keep_images)
        log.info("face worker: registration mode")

    def set_registration_baseline(self, angles: PoseAngles | None) -> None:
        """The FRONT capture's angles, against which the later poses are classified (None: FRONT)."""
        with self._lock:
            if self._mode.registering:
                self._mode = _Mode(True, angles, self._mode.keep_images)

    def end_registration(self) -> None:
        """Back to identification (safe to call when not registering)."""
        with self._lock:
            was = self._mode.registering
            self._mode = _Mode()
        if was:
            log.info("face worker: identification mode")

    @property
    def registering(self) -> bool:
        with self._lock:
            return self._mode.registering

    def reload_gallery(self, templates: Iterable[Any], cipher: TemplateCipher | None = None) -> None:
        """Rebuild the gallery from store template records (``customer_id``, ``pose``, ``backend``,
        ``template``) before the next frame, e.g. after a registration or a deletion. They are decrypted
        with ``cipher`` when given (it is kept for later calls), else with the key of ``key_file``.
        The newest call wins."""
        with self._lock:
            self._pending_gallery = (list(templates), cipher)

    # --- the thread -------------------------------------------------------------------------------------
    def stop(self, timeout_ms: int | None = None) -> bool:
        """Interrupt and wait; the thread closes its face process on the way out. Should the thread
        not end in time, the face process is killed here so none outlives the kiosk."""
        if super().stop(timeout_ms):
            return True
        owned = self._owned
        if owned is not None and hasattr(owned, "kill"):
            owned.kill()
            return self.wait(2000)
        return False

    def run(self) -> None:
        from app.vision.faces.remote import cancel_scope

        try:
            with cancel_scope(self.isInterruptionRequested):
                self._owned, description = self.build()
        except Exception as exc:  # no face pay, but counting and the cart go on
            if self.isInterruptionRequested():
                log.info("face pipeline loading abandoned: the worker is stopping")
                return
            log.exception("face pipeline failed to load")
            self.error = str(exc) or type(exc).__name__
            self.failed.emit(self.error)
            return
        self.pipeline = self._owned
        self.ready.emit(description)
        try:
            self._loop()
        finally:
            self._close_pipeline()

    def _loop(self) -> None:
        from app.vision.faces.gallery import IdentityTracker
        from app.vision.faces.remote import FaceProcessDiedError

        tracker = IdentityTracker(k=self.confirm_frames)
        serial = 0
        while not self.isInterruptionRequested():
            started = time.perf_counter()
            frame = None
            try:
                self._apply_pending_gallery()
                serial, frame = self.frames.take(after=serial, timeout=0.2)
                if frame is None:
                    continue
                with self._lock:
                    mode = self._mode
                if mode.registering:
                    tracker.reset()
                    self._offer_registration(frame, mode, started)
                else:
                    self._identify(frame, tracker, started)
            except FaceProcessDiedError as exc:
                if self.isInterruptionRequested() or not self._restart(exc):
                    return
                tracker.reset()
                continue
            except Exception:
                if self.isInterruptionRequested():  # e.g. a wait on the face process was abandoned
                    return
                log.exception("face pipeline failed on frame %s", getattr(frame, "index", "?"))
                continue
            rest = self.period - (time.perf_counter() - started)
            if rest > 0:
                self.msleep(int(rest * 1000))

    def _restart(self, exc: Exception) -> bool:
        """The face process died: report it, wait, start a new one. False: gave up (or stopping).

        While it restarts, ``pipeline`` stays the (restarting) remote pipeline, so the window and the
        registration dialog can still read its backend; it becomes None only when the worker gives up,
        together with ``failed``.
        """
        owned = self._owned
        while True:
            now = time.monotonic()
            while self._restart_times and now - self._restart_times[0] > self.restart_window_s:
                self._restart_times.popleft()
            if len(self._restart_times) >= self.max_restarts or not hasattr(owned, "restart"):
                self.error = (f"{exc}; gave up after {len(self._restart_times)} restarts: face pay is off "
                              "until the kiosk restarts")
                self.pipeline = None
                log.error("%s", self.error)
                self.failed.emit(self.error)
                return False
            attempt = len(self._restart_times)
            delay = self.restart_backoff_s[min(attempt, len(self.restart_backoff_s) - 1)]
            message = f"{exc}; restarting it in {delay:g} s (restart {attempt + 1} of {self.max_restarts})"
            log.error("%s", message)
            self.restarting.emit(message)
            self._restart_times.append(now)
            if not self._sleep(delay):
                return False
            try:
                description = owned.restart()
            except Exception as again:  # counted like another death
                if self.isInterruptionRequested():
                    return False
                exc = again
                continue
            log.info("face process restarted: %s", description)
            return True

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless interrupted; False when the worker is stopping."""
        deadline = time.monotonic() + seconds
        while not self.isInterruptionRequested():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            self.msleep(int(min(left, 0.1) * 1000) + 1)
        return False

    def _close_pipeline(self) -> None:
        close = getattr(self._owned, "close", None)
        if close is None:
            return
        try:
            close()
        except Exception:
            log.exception("closing the face pipeline failed")

    def _identify(self, frame: Frame, tracker: Any, started: float) -> None:
        obs = self.pipeline.process(frame.image)
        decision = obs.decision
        confirmed = tracker.update(decision if obs.detection is not None else None)
        box = _box(obs.detection)
        ms = (time.perf_counter() - started) * 1000
        self.results += 1
        self.result_ready.emit(FaceResult(
            frame.index, box, obs.quality.ok, str(obs.quality.reason),
            decision.customer_id if decision is not None and decision.accepted else None,
            confirmed, float(decision.score) if decision is not None else 0.0, ms, _landmarks(obs.detection)))

    def _offer_registration(self, frame: Frame, mode: _Mode, started: float) -> None:
        capture = self.pipeline.registration_capture(frame.image, baseline=mode.baseline)
        box = _box(capture.observation.detection)
        image = face_jpeg(frame.image, box) if mode.keep_images and capture.quality_ok else None
        self.registration_results += 1
        self.registration_ready.emit(RegistrationFrame(
            capture, frame.index, box, mode.baseline, image, (time.perf_counter() - started) * 1000))

    def _apply_pending_gallery(self) -> None:
        with self._lock:
            pending, self._pending_gallery = self._pending_gallery, None
        if pending is None or self.pipeline is None:
            return
        from app.vision.faces.gallery import Gallery

        records, cipher = pending
        old = self.pipeline.gallery
        backend = self.pipeline.embedder.backend

        def decrypt(record: Any) -> np.ndarray:
            assert cipher is not None
            return cipher.decrypt(record.template, backend=record.backend, customer_id=record.customer_id,
                                  pose=record.pose).vector

        try:
            cipher = cipher or self._cipher
            if cipher is None and self.key_file is not None:
                from app.core.face_crypto import TemplateCipher

                cipher = TemplateCipher.from_key_file(self.key_file)
            if cipher is None and any(r.backend == backend for r in records):
                raise RuntimeError("no key to decrypt the face templates (FaceWorker key_file)")
            kwargs = {} if old is None else {"threshold": old.threshold, "margin": old.margin}
            gallery = Gallery.from_records(records, backend, decrypt, **kwargs)
        except Exception as exc:
            log.exception("face gallery reload failed; keeping the previous gallery")
            self.gallery_failed.emit(str(exc) or type(exc).__name__)
            return
        self._cipher = cipher
        try:
            self.pipeline.gallery = gallery  # a face process gets it through its pipe (or at its restart)
        except Exception as exc:  # a death is reported by the next frame's call instead
            log.exception("the face pipeline refused the new gallery; keeping the previous one")
            self.gallery_failed.emit(str(exc) or type(exc).__name__)
            return
        log.info("face gallery reloaded: %d templates of %d customers", len(gallery), len(gallery.customers))
        self.gallery_reloaded.emit(len(gallery.customers))


def _box(detection: Any) -> Box | None:
    if detection is None:
        return None
    x1, y1, x2, y2 = (float(v) for v in detection.box)
    return (x1, y1, x2, y2)


def face_jpeg(image: np.ndarray, box: Box | None, margin: float = FACE_IMAGE_MARGIN) -> bytes | None:
    """The face region (with ``margin`` of the box around it) as JPEG bytes; None without a face."""
    import cv2

    if box is None:
        return None
    h, w = image.shape[:2]
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    left, top = max(0, int(x1 - mx)), max(0, int(y1 - my))
    right, bottom = min(w, int(x2 + mx)), min(h, int(y2 + my))
    if right - left < 2 or bottom - top < 2:
        return None
    params = [cv2.IMWRITE_JPEG_QUALITY, FACE_IMAGE_QUALITY]
    ok, data = cv2.imencode(".jpg", image[top:bottom, left:right], params)
    return data.tobytes() if ok else None
