"""The product enrollment wizard: product → empty counter → photos → training → result.

A window-modal dialog over the admin area (open it with :meth:`EnrollDialog.open`). While it is open
(``active``) it takes the live counter frames through ``ctx.counter_frames`` (the kiosk calls
:meth:`EnrollDialog.show_frame` for every counter frame it displays). The GUI thread never runs the
engine: the empty-counter model, the live cutout, writing the captures, reading a folder of photos,
the training run and putting the model in place all run in threads (:mod:`app.workers.enroll`).

Closing the dialog while the training runs stops it; it can carry on from the same work folder
(``<data_dir>/enroll/<SKU>``) when the wizard opens again. After "Use the new model" the dialog calls
``ctx.on_model_changed()`` (the kiosk reloads its detector and catalog) and emits ``model_changed``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import QDialog, QFileDialog, QWidget

from app.core.catalog import Product
from app.training import enroll_apply
from app.training.cutout import BackgroundModel
from app.training.enroll import EnrollmentResult, EnrollmentSpec, Progress
from app.ui.admin.context import AdminContext
from app.ui.admin.widgets import ui_language
from app.ui.enroll.counter_pages import EmptyCounterPage, ProductPhotosPage
from app.ui.enroll.flow import (
    EMPTY_FRAMES,
    MAX_CAPTURES,
    Capture,
    Pending,
    PhotoImport,
    engine_messages,
    estimate_seconds,
    field_problems,
    import_photos,
    mark_decided,
    model_classes,
    new_spec,
    pending_jobs,
    remaining_seconds,
    save_inputs,
    scene_count,
    work_dir_for,
)
from app.ui.enroll.product_page import ProductPage
from app.ui.enroll.result_page import ResultPage
from app.ui.enroll.style import enroll_stylesheet
from app.ui.enroll.training_page import TrainingPage
from app.ui.enroll.widgets import EnrollHeader
from app.ui.wizard import header_over_pages, open_folder_dialog
from app.workers.enroll import (
    CutoutFrame,
    CutoutWorker,
    TrainingJob,
    alive,
    current_job,
    start_task,
    start_training,
)

log = logging.getLogger(__name__)

STEPS = ("product", "empty", "photos", "training", "result")
PRODUCT, EMPTY, PHOTOS, TRAINING, RESULT = range(5)


class EnrollDialog(QDialog):
    """The wizard; ``ctx`` gives the store, the settings, the model folder and the counter frames."""

    model_changed = pyqtSignal()  # the new model is in place and its product in the catalog
    step_changed = pyqtSignal(str)

    frame_step = 2  # every second counter frame is one of the empty-counter pictures

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.language = ui_language(ctx.settings)
        self.product: Product | None = None
        self.work: Path | None = None
        self.spec: EnrollmentSpec | None = None
        self.background: BackgroundModel | None = None
        self.empty_frames: list[np.ndarray] = []
        self.captures: list[Capture] = []
        self.current: CutoutFrame | None = None
        self.cutout_worker: CutoutWorker | None = None
        self.job: TrainingJob | None = None
        self.result: EnrollmentResult | None = None
        self.pending: Pending | None = None
        self._collecting: list[np.ndarray] | None = None
        self._frames_seen = 0
        self._taken_serial = -1
        self._active = False
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = None
        self.file_dialog: QFileDialog | None = None
        self.model_classes = model_classes(ctx.model_dir, ctx.detector_classes)

        self.setObjectName("EnrollDialog")
        self.setWindowTitle(self.tr("New product from the counter"))
        self.setWindowFlags(Qt.Dialog | Qt.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModal)
        self.setStyleSheet(enroll_stylesheet())
        self.timer = QTimer(self, interval=1000)
        self.timer.timeout.connect(self._tick)

        self.header = EnrollHeader()
        self.product_page = ProductPage(self.language)
        self.empty_page = EmptyCounterPage()
        self.photos_page = ProductPhotosPage()
        self.training_page = TrainingPage()
        self.result_page = ResultPage()
        self.stack = header_over_pages(self, self.header, (self.product_page, self.empty_page,
                                                           self.photos_page, self.training_page,
                                                           self.result_page))
        self._wire()
        self._go(PRODUCT)
        self._offer_pending()

    def sizeHint(self) -> QSize:
        return QSize(1280, 800)

    def _wire(self) -> None:
        self.header.close_requested.connect(self.reject)
        p = self.product_page
        p.next_requested.connect(self.submit_product)
        p.resume_requested.connect(self.carry_on)
        p.dismiss_requested.connect(self._dismiss_pending)
        e = self.empty_page
        e.capture_requested.connect(self.capture_empty_counter)
        e.back_requested.connect(lambda: self._go(PRODUCT))
        e.next_requested.connect(lambda: self._go(PHOTOS))
        e.photos_requested.connect(self._photos_without_camera)
        c = self.photos_page
        c.capture_requested.connect(self.capture)
        c.remove_requested.connect(self.remove_capture)
        c.back_requested.connect(lambda: self._go(EMPTY))
        c.next_requested.connect(self.save_captures)
        c.photos_requested.connect(self.choose_photo_folder)
        t = self.training_page
        t.start_requested.connect(lambda: self.start_training(resume=False))
        t.resume_requested.connect(lambda: self.start_training(resume=True))
        t.restart_requested.connect(self._restart)
        t.cancel_requested.connect(self.cancel_training)
        t.back_requested.connect(lambda: self._go(PHOTOS))
        r = self.result_page
        r.apply_requested.connect(self.use_new_model)
        r.keep_requested.connect(self.keep_old_model)
        r.close_requested.connect(self.accept)

    # --- opening, closing, the counter frames -------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True while open: the kiosk then hands every displayed counter frame to :meth:`show_frame`."""
        return self._active

    @property
    def step(self) -> str:
        return STEPS[self.stack.currentIndex()]

    def open(self) -> None:
        self._active = True
        try:
            self._unsubscribe = self.ctx.counter_frames(self.show_frame)
        except Exception:
            log.exception("cannot subscribe to the counter frames")
        self._fit()
        super().open()

    def _fit(self) -> None:
        parent = self.parentWidget()
        window = parent.window() if parent is not None else None
        if window is not None and window.isVisible():
            self.setGeometry(window.geometry())
        else:
            self.resize(self.sizeHint())

    def done(self, code: int) -> None:
        """Every way of closing ends here: the frames, the preview thread and the timer stop, and a
        running training is asked to stop (it can carry on when the wizard opens again)."""
        if not self._closed:
            self._closed = True
            self._active = False
            if self._unsubscribe is not None:
                try:
                    self._unsubscribe()
                except Exception:
                    log.exception("cannot unsubscribe from the counter frames")
                self._unsubscribe = None
            self._stop_cutouts()
            self.timer.stop()
            self._collecting = None
            if self.file_dialog is not None and alive(self.file_dialog):
                self.file_dialog.reject()
            if self.job is not None and alive(self.job) and self.job.isRunning():
                self.job.cancel()
                log.info("enrollment wizard closed during the training: stopping it (resumable)")
        super().done(code)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Escape closes the wizard, but not by accident while a run or an apply is going on (the Close
        # button still does: it stops the run, which can carry on later).
        busy = (self.job is not None and alive(self.job) and self.job.isRunning()) or \
            self.result_page.state() == "applying"
        if event.key() == Qt.Key_Escape and busy:
            event.accept()
            return
        super().keyPressEvent(event)

    def show_frame(self, frame: Any) -> None:
        """A counter frame (BGR array) the kiosk displayed; used on the empty-counter and photo steps."""
        if not self._active or not isinstance(frame, np.ndarray) or frame.ndim != 3:
            return
        step = self.stack.currentIndex()
        if step == EMPTY:
            self._empty_frame(frame)
        elif step == PHOTOS and self.cutout_worker is not None:
            self.cutout_worker.offer(frame.copy())

    def _guard(self, fn: Callable[..., None]) -> Callable[..., None]:
        """``fn`` that does nothing once the dialog was closed (a task may finish after that)."""
        def call(*args: Any) -> None:
            if alive(self) and not self._closed:
                fn(*args)
        return call

    # --- navigation ---------------------------------------------------------------------------------------
    def _go(self, index: int) -> None:
        if self.stack.currentIndex() == PHOTOS and index != PHOTOS:
            self._stop_cutouts()
        self.stack.setCurrentIndex(index)
        self.header.set_stage(index)
        if index == EMPTY:
            self._enter_empty()
        elif index == PHOTOS:
            self._enter_photos()
        self.step_changed.emit(STEPS[index])

    # --- step 1: the product --------------------------------------------------------------------------------
    def _offer_pending(self) -> None:
        self._dismiss_pending()
        if current_job() is not None:
            job = current_job()
            self.product_page.show_pending(job.spec.product.name(self.language), job.spec.product.sku, False)
            self.product_page.resume_button.setEnabled(False)
            self.product_page.banner_text.setText(self.tr("The last training is still stopping…"))
            job.finished.connect(self._guard(self._offer_pending))
            return
        try:
            found = pending_jobs(self.ctx.settings.data_dir, self.ctx.store.load_catalog())
        except Exception:
            log.exception("cannot look for enrollments to carry on")
            found = []
        if found:
            self.pending = found[0]
            product = self.pending.spec.product
            self.product_page.show_pending(product.name(self.language), product.sku,
                                           self.pending.result is not None)
            self.product_page.resume_button.setEnabled(True)

    def _dismiss_pending(self) -> None:
        self.pending = None
        self.product_page.hide_pending()

    def submit_product(self) -> bool:
        """Check the fields; on to the empty counter when they are fine."""
        product = self.product_page.product()
        problems = field_problems(product, self.ctx.store.load_catalog(), self.model_classes)
        self.product_page.show_problems(problems, engine_messages(product))
        if problems:
            return False
        self.product = product
        self.work = work_dir_for(self.ctx.settings.data_dir, product.sku)
        self.spec = None
        self._go(EMPTY)
        return True

    def carry_on(self) -> None:
        """Carry on the enrollment an earlier session left (the banner's button)."""
        pending = self.pending
        if pending is None:
            return
        self._dismiss_pending()
        self.product, self.work, self.spec = pending.spec.product, pending.work_dir, pending.spec
        self.product_page.set_product(pending.spec.product)
        if pending.result is not None:
            self._show_result(pending.result)
            return
        page = self.training_page
        page.set_subject(self.product.name(self.language), None)
        page.set_iterations(pending.spec.iterations)
        page.set_can_go_back(False)
        page.set_state("stopped")
        self._go(TRAINING)

    # --- step 2: the empty counter ------------------------------------------------------------------------
    def _enter_empty(self) -> None:
        page = self.empty_page
        if self.background is not None:
            page.set_state("done")
        elif page.state() not in ("waiting", "ready", "failed"):
            page.set_state("ready")

    def _empty_frame(self, frame: np.ndarray) -> None:
        page = self.empty_page
        page.video.set_frame(frame)
        if page.state() == "waiting":
            page.set_state("ready")
        if self._collecting is None:
            return
        self._frames_seen += 1
        if (self._frames_seen - 1) % max(1, self.frame_step):
            return
        self._collecting.append(frame.copy())
        page.set_state("capturing", len(self._collecting))
        if len(self._collecting) >= EMPTY_FRAMES:
            self._build_background(self._collecting)

    def capture_empty_counter(self) -> None:
        """Start taking the empty-counter pictures from the next frames."""
        self._collecting, self._frames_seen = [], 0
        self.background = None
        self.empty_page.set_state("capturing", 0)

    def _build_background(self, frames: list[np.ndarray]) -> None:
        self._collecting = None
        self.empty_page.set_state("building")

        def build() -> BackgroundModel:
            model = BackgroundModel.from_frames(frames)
            _ = model._prepared  # its thresholds, computed here rather than on the first preview frame
            return model

        def built(model: BackgroundModel) -> None:
            self.background, self.empty_frames = model, frames
            self.empty_page.set_state("done")
            log.info("enrollment: empty counter measured from %d frames", len(frames))

        start_task("enroll-background", build, self._guard(built),
                   self._guard(lambda error: self.empty_page.set_state("failed", detail=error)))

    def _photos_without_camera(self) -> None:
        self._go(PHOTOS)
        self.choose_photo_folder()

    # --- step 3: the product's photos ---------------------------------------------------------------------
    def _enter_photos(self) -> None:
        live = self.background is not None
        self.photos_page.set_live(live)
        self.photos_page.set_feedback("", "")
        self.current = None
        if live:
            self._start_cutouts()
        self._refresh_captures()

    def _start_cutouts(self) -> None:
        self._stop_cutouts()
        worker = CutoutWorker(self.background, self)
        worker.result_ready.connect(self._cutout_ready)
        self.cutout_worker = worker
        worker.start()

    def _stop_cutouts(self) -> None:
        worker, self.cutout_worker = self.cutout_worker, None
        if worker is not None:
            worker.stop()
            worker.deleteLater()

    def _cutout_ready(self, frame: CutoutFrame) -> None:
        if self._closed or self.cutout_worker is None or self.stack.currentIndex() != PHOTOS:
            return
        self.current = frame
        self.photos_page.video.set_frame(frame.preview)
        result = frame.result
        self.photos_page.set_feedback(result.text(self.language), "ok" if result.ok else "warn")
        self._update_capture_button()

    def can_capture(self) -> bool:
        c = self.current
        return (c is not None and c.result.ok and c.serial != self._taken_serial
                and len(self.captures) < MAX_CAPTURES)

    def _update_capture_button(self) -> None:
        self.photos_page.set_capture_enabled(self.can_capture())

    def capture(self) -> bool:
        """Keep the cutout of the current frame."""
        if not self.can_capture():
            return False
        assert self.current is not None
        self.captures.append(Capture(self.current.result, "camera"))
        self._taken_serial = self.current.serial
        self._refresh_captures()
        self.photos_page.set_feedback(self.tr("Photo {count} kept.").format(count=len(self.captures)), "ok")
        return True

    def remove_capture(self, index: int) -> None:
        if 0 <= index < len(self.captures):
            del self.captures[index]
            self._refresh_captures()

    def _refresh_captures(self) -> None:
        images = [c.result.image for c in self.captures if c.result.image is not None]
        self.photos_page.set_captures(images)
        self._update_capture_button()

    def choose_photo_folder(self) -> None:
        self.file_dialog = open_folder_dialog(self, self.tr("Folder of photos of the product"),
                                              self.import_photo_folder)

    def import_photo_folder(self, folder: str | Path) -> None:
        """Cut the product out of every photo in ``folder`` (in a thread) and keep the usable ones."""
        folder = Path(folder)
        page = self.photos_page
        page.photos_button.setEnabled(False)
        page.notice.show_text(self.tr("Reading the photos…"), "info")
        frames = list(self.empty_frames)
        start_task("enroll-photos", lambda: import_photos(folder, frames),
                   self._guard(lambda found: self._photos_imported(folder, found)),
                   self._guard(self._photos_failed))

    def _photos_imported(self, folder: Path, found: PhotoImport) -> None:
        page = self.photos_page
        page.photos_button.setEnabled(True)
        room = max(0, MAX_CAPTURES - len(self.captures))
        self.captures += found.captures[:room]
        if found.backgrounds and not self.empty_frames:
            self.empty_frames = found.backgrounds  # the store's counter, for the practice scenes
        self._refresh_captures()
        if not found.photos:
            page.notice.show_text(self.tr("There are no photos in {folder}.").format(folder=folder), "error")
            return
        text = self.tr("{ok} of {count} photos can be used.").format(ok=len(found.captures),
                                                                      count=found.photos)
        refused = "; ".join(f"{name}: {result.text(self.language)}" for name, result in found.refused[:3])
        page.notice.show_text(f"{text} {refused}".strip(), "ok" if found.captures else "error")

    def _photos_failed(self, error: str) -> None:
        self.photos_page.photos_button.setEnabled(True)
        text = self.tr("The photos could not be read: {error}").format(error=error)
        self.photos_page.notice.show_text(text, "error")

    def save_captures(self) -> None:
        """Write the captures and the empty-counter pictures to the work folder, then on to training."""
        if self.work is None or self.product is None:
            return
        page = self.photos_page
        page.next_button.setEnabled(False)
        page.notice.show_text(self.tr("Saving the photos…"), "info")
        work, captures, frames = self.work, list(self.captures), list(self.empty_frames)

        def saved(_backgrounds: Path) -> None:
            page.notice.clear_notice()
            page.next_button.setEnabled(True)
            self.spec = None
            training = self.training_page
            training.set_subject(self.product.name(self.language), len(captures))
            training.set_can_go_back(True)
            training.set_state("ready")
            self._go(TRAINING)

        def failed(error: str) -> None:
            page.next_button.setEnabled(True)
            text = self.tr("The photos could not be saved: {error}").format(error=error)
            page.notice.show_text(text, "error")

        start_task("enroll-save", lambda: save_inputs(work, captures, frames), self._guard(saved),
                   self._guard(failed))

    # --- step 4: training ---------------------------------------------------------------------------------
    def _new_spec(self) -> EnrollmentSpec:
        assert self.product is not None and self.work is not None and self.ctx.model_dir is not None
        return new_spec(self.product, self.work, self.ctx.model_dir, self.training_page.iterations())

    def start_training(self, resume: bool = False) -> bool:
        page = self.training_page
        if current_job() is not None:
            page.set_state("waiting")
            current_job().finished.connect(self._guard(lambda: page.set_state("stopped")))
            return False
        if self.ctx.model_dir is None:
            page.set_state("failed", self.tr("No detector model is loaded."))
            return False
        if not resume or self.spec is None:
            self.spec = self._new_spec()
            resume = False
        def connect(job) -> None:
            job.progressed.connect(self._progress)
            job.succeeded.connect(self._succeeded)
            job.cancelled.connect(self._cancelled)
            job.failed.connect(self._failed)

        page.set_state("running")
        self.job = start_training(self.spec, resume, connect)
        self._tick()
        self.timer.start()
        return True

    def cancel_training(self) -> None:
        if self.job is not None and alive(self.job) and self.job.isRunning():
            self.job.cancel()
            self.training_page.set_state("stopping")

    def _restart(self) -> None:
        self.spec = None
        self.training_page.set_state("ready")

    def _progress(self, progress: Progress) -> None:
        if not self._closed:
            self.training_page.show_progress(progress)

    def _tick(self) -> None:
        job = self.job
        if job is None or not alive(job):
            return
        elapsed = time.monotonic() - job.started_at
        total = estimate_seconds(job.spec.iterations, scene_count(job.spec))[1]
        progress = job.last.progress if job.last is not None else 0.0
        self.training_page.set_times(elapsed, remaining_seconds(progress, total, job.measured()))

    def _job_ended(self) -> None:
        job = self.job
        if job is not None and alive(job):
            self.training_page.set_times(time.monotonic() - job.started_at, None)
        self.timer.stop()
        self.job = None

    def _succeeded(self, result: EnrollmentResult) -> None:
        if self._closed:
            return
        self._job_ended()
        self._show_result(result)

    def _cancelled(self) -> None:
        if not self._closed:
            self._job_ended()
            self.training_page.set_state("stopped")

    def _failed(self, error: str) -> None:
        if not self._closed:
            self._job_ended()
            self.training_page.set_state("failed", error)

    # --- step 5: the result ---------------------------------------------------------------------------------
    def _show_result(self, result: EnrollmentResult) -> None:
        self.result = result
        self.result_page.show_result(result, self.language)
        self._go(RESULT)

    def use_new_model(self) -> None:
        """Put the new model in place and add the product (in a thread), then tell the kiosk."""
        result, ctx = self.result, self.ctx
        if result is None or not result.accepted or ctx.model_dir is None:
            return
        model_dir = Path(ctx.model_dir)
        self.result_page.set_state("applying")
        self.header.close_button.setEnabled(False)

        def apply() -> Any:
            applied = enroll_apply.apply_enrollment(result, model_dir, ctx.store)
            mark_decided(Path(result.work_dir), "applied")
            return applied

        def applied(_applied: Any) -> None:
            log.info("enrollment of %s applied to %s", result.product.sku, model_dir)
            try:  # also when the dialog has been closed meanwhile: the kiosk must load the new model
                ctx.on_model_changed()
            except Exception:
                log.exception("on_model_changed failed")
            if alive(self) and not self._closed:
                self.header.close_button.setEnabled(True)
                self.model_classes = model_classes(ctx.model_dir, ctx.detector_classes)
                self.result_page.set_state("applied")
                self.model_changed.emit()

        def failed(error: str) -> None:
            if alive(self) and not self._closed:
                self.header.close_button.setEnabled(True)
                self.result_page.set_state("accepted")
                self.result_page.show_error(self.tr("The new model could not be put in place: {error}")
                                            .format(error=error))

        start_task("enroll-apply", apply, applied, failed)

    def keep_old_model(self) -> None:
        if self.result is not None:
            try:
                mark_decided(Path(self.result.work_dir), "kept")
            except OSError:
                log.exception("cannot note the decision in %s", self.result.work_dir)
            log.info("enrollment of %s: the old model is kept", self.result.product.sku)
        self.accept()
