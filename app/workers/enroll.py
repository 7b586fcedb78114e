"""The enrollment wizard's threads: one-shot tasks, the live cutout preview and the training job.

- :class:`Task` runs one function off the GUI thread (building the empty-counter model, writing the
  captures, cutting out a folder of photos, applying or restoring a model) and calls back on the GUI
  thread. A task has no Qt parent and keeps itself alive until it finished, so closing the dialog that
  started it never destroys a running thread.
- :class:`CutoutWorker` cuts the product out of the newest counter frame (``BackgroundModel.cutout``,
  about 20 ms a 640x480 frame) and hands back the preview; stale frames are dropped.
- :class:`TrainingJob` runs :func:`app.training.enroll.run_enrollment`. At most one runs at a time
  (:func:`current_job`); a job outlives the dialog until its cancellation has finished, and
  :func:`stop_training` cancels and waits for it when the kiosk shuts down.

All of them are :class:`app.workers.base.Worker` threads (interruption + wait, never ``terminate``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from PyQt5 import sip
from PyQt5.QtCore import QObject, pyqtSignal

from app.training import enroll as engine
from app.training.cutout import BackgroundModel, CutoutResult
from app.training.enroll import EnrollmentCancelledError, EnrollmentResult, EnrollmentSpec, Progress
from app.workers.base import Worker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """The first line of an exception's message (its type when it has none), at most 300 characters."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text[:300]


def alive(obj: QObject | None) -> bool:
    """Whether ``obj``'s C++ side still exists (a closed dialog may be deleted before a callback)."""
    return obj is not None and not sip.isdeleted(obj)


class Task(Worker):
    """``fn()`` in a thread; ``on_done(value)`` or ``on_failed(message)`` afterwards on the GUI thread."""

    _alive: ClassVar[set[Task]] = set()

    def __init__(self, name: str, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                 on_failed: Callable[[str], None] | None = None) -> None:
        super().__init__(name)
        self._fn = fn
        self._on_done = on_done
        self._on_failed = on_failed
        self._value: Any = None
        self._error: str | None = None
        Task._alive.add(self)
        self.finished.connect(self._finished)  # queued: runs on the GUI thread after run() returned

    def run(self) -> None:
        try:
            self._value = self._fn()
        except Exception as exc:
            log.exception("%s failed", self.objectName())
            self._error = error_text(exc)

    def _finished(self) -> None:
        self.wait()  # finished is emitted just before the thread ends: let it end first
        Task._alive.discard(self)
        try:
            if self._error is None:
                if self._on_done is not None:
                    self._on_done(self._value)
            elif self._on_failed is not None:
                self._on_failed(self._error)
        finally:
            self.deleteLater()

    @classmethod
    def running(cls) -> int:
        """How many tasks have not delivered their result yet."""
        return len(cls._alive)


def start_task(name: str, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[str], None] | None = None) -> Task:
    task = Task(name, fn, on_done, on_failed)
    task.start()
    return task


@dataclass(frozen=True, eq=False)
class CutoutFrame:
    """One processed frame: its serial, the frame, the cutout and the preview (BGR, outline drawn)."""

    serial: int
    frame: np.ndarray
    result: CutoutResult
    preview: np.ndarray


class CutoutWorker(Worker):
    """Cuts the product out of the newest frame offered with :meth:`offer`."""

    result_ready = pyqtSignal(object)  # CutoutFrame

    def __init__(self, background: BackgroundModel, parent: QObject | None = None) -> None:
        super().__init__("enroll-cutout", parent)
        self.background = background
        self.frames: LatestSlot[np.ndarray] = LatestSlot()

    def offer(self, frame: np.ndarray) -> None:
        self.frames.put(frame)

    def run(self) -> None:
        serial = 0
        while not self.isInterruptionRequested():
            serial, frame = self.frames.take(after=serial, timeout=0.1)
            if frame is None:
                continue
            try:
                result = self.background.cutout(frame)
                preview = result.preview(frame)
            except Exception:
                log.exception("cutout preview failed")
                continue
            self.result_ready.emit(CutoutFrame(serial, frame, result, preview))


class TrainingJob(Worker):
    """One run of the enrollment; its signals arrive on the GUI thread."""

    progressed = pyqtSignal(object)  # Progress
    succeeded = pyqtSignal(object)  # EnrollmentResult
    cancelled = pyqtSignal()
    failed = pyqtSignal(str)

    _current: ClassVar[TrainingJob | None] = None
    STOP_TIMEOUT_MS = 20000  # a cancelled run finishes its iteration and saves a checkpoint first

    def __init__(self, spec: EnrollmentSpec, resume: bool) -> None:
        super().__init__(f"enroll-train-{spec.product.sku}")
        self.spec = spec
        self.resume = resume
        self.cancel_event = threading.Event()
        self.started_at = time.monotonic()
        self.last: Progress | None = None
        # (time, progress) a while after the start: a resumed run jumps ahead first, so its pace is
        # measured from here
        self.baseline: tuple[float, float] | None = None
        self.outcome: str | None = None  # succeeded / cancelled / failed, once it ended
        self.result: EnrollmentResult | None = None
        self.error = ""
        self.finished.connect(self._forget)

    def cancel(self) -> None:
        if not self.cancel_event.is_set():
            log.info("enrollment of %s: cancel requested", self.spec.product.sku)
        self.cancel_event.set()

    def measured(self) -> tuple[float, float] | None:
        """(seconds, progress gained) since the baseline, if there is one."""
        if self.baseline is None or self.last is None:
            return None
        return time.monotonic() - self.baseline[0], self.last.progress - self.baseline[1]

    @property
    def cancelling(self) -> bool:
        return self.cancel_event.is_set() and self.isRunning()

    def stop(self, timeout_ms: int | None = None) -> bool:
        self.cancel()
        return super().stop(timeout_ms)

    def run(self) -> None:
        try:
            result = engine.run_enrollment(self.spec, progress=self._progress, cancel=self.cancel_event,
                                           resume=self.resume)
        except EnrollmentCancelledError:
            self.outcome = "cancelled"
            log.info("enrollment of %s cancelled (resumable)", self.spec.product.sku)
            self.cancelled.emit()
        except Exception as exc:
            log.exception("enrollment of %s failed", self.spec.product.sku)
            self.outcome, self.error = "failed", error_text(exc)
            self.failed.emit(self.error)
        else:
            self.outcome, self.result = "succeeded", result
            self.succeeded.emit(result)

    BASELINE_AFTER_S = 10.0

    def _progress(self, progress: Progress) -> None:
        now = time.monotonic()
        if self.baseline is None and now - self.started_at >= self.BASELINE_AFTER_S:
            self.baseline = (now, progress.progress)
        self.last = progress
        self.progressed.emit(progress)

    def _forget(self) -> None:
        self.wait()
        if TrainingJob._current is self:
            TrainingJob._current = None
        self.deleteLater()


def current_job() -> TrainingJob | None:
    """The job running (or still stopping) now, if any."""
    job = TrainingJob._current
    return job if job is not None and alive(job) and job.isRunning() else None


def start_training(spec: EnrollmentSpec, resume: bool,
                   connect: Callable[[TrainingJob], None] | None = None) -> TrainingJob:
    """Start the job; ``connect`` hooks up its signals before the thread runs (a signal emitted before
    a connection exists is lost: the first progress report would never be shown)."""
    if current_job() is not None:
        raise RuntimeError("another enrollment is still running")
    job = TrainingJob(spec, resume)
    TrainingJob._current = job
    if connect is not None:
        connect(job)
    job.start()
    log.info("enrollment of %s started (%s, %d iterations)", spec.product.sku,
             "resumed" if resume else "new", spec.iterations)
    return job


def stop_training(timeout_ms: int | None = None) -> bool:
    """Cancel the running job and wait for it (the kiosk's shutdown); True when none is left."""
    job = current_job()
    return True if job is None else job.stop(timeout_ms)
