"""The face registration dialog: pages over the core ``RegistrationWizard``.

consent → details → four pose captures → summary → done. The dialog never runs a model: the face
worker offers one :class:`~app.workers.faces.RegistrationFrame` per processed camera frame
(``offer_capture``), the dialog hands it to the wizard, and a pose is taken once the wizard accepted
``hold_frames`` frames in a row. The FRONT capture's head angles become the baseline for the later
poses (``baseline_changed``, which the controller forwards to the worker). Saving is the ``save``
callable's job (the controller's); face images are never kept here beyond what the wizard keeps
(only with the operator's ``keep_face_images`` opt-in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QDialog, QWidget

from app.core.registration import (
    POSE_STEPS,
    STEP_POSE,
    RegistrationError,
    RegistrationResult,
    RegistrationWizard,
    Step,
)
from app.ui.registration.capture_page import CapturePage
from app.ui.registration.pages import ConsentPage, DetailsPage, DonePage, StepHeader, SummaryPage
from app.ui.registration.style import registration_stylesheet
from app.ui.registration.widgets import mirror_box
from app.ui.wizard import header_over_pages

log = logging.getLogger(__name__)

STAGES = {Step.CONSENT: 0, Step.DETAILS: 1, **dict.fromkeys(POSE_STEPS, 2), Step.SUMMARY: 3, Step.DONE: 4,
          Step.CANCELLED: 0}


class RegistrationDialog(QDialog):
    """One registration. ``save(result)`` stores it (raising on failure, shown on the summary page);
    ``verify_pin(pin)`` checks the operator PIN a face that matches another customer needs."""

    baseline_changed = pyqtSignal(object)  # PoseAngles | None
    step_changed = pyqtSignal(str)  # the wizard's step value

    def __init__(self, wizard: RegistrationWizard, *, save: Callable[[RegistrationResult], Any],
                 verify_pin: Callable[[str], bool], mirror_preview: bool = True, hold_frames: int = 3,
                 advance_ms: int = 700, auto_close_ms: int = 10000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if hold_frames < 1:
            raise ValueError("hold_frames must be at least 1")
        self.wizard = wizard
        self._save = save
        self._verify_pin = verify_pin
        self.mirror_preview = mirror_preview
        self.hold_frames = hold_frames
        self._models = "loading"
        self._baseline: Any = None  # what the worker classifies poses against now
        self._front_angles: Any = None
        self._hold = 0
        self._pin_ok = False
        self._frame_width: int | None = None
        self._last_step: Step | None = None
        self.setObjectName("RegistrationDialog")
        self.setWindowFlags(Qt.Dialog | Qt.FramelessWindowHint)
        self.setModal(True)
        self.setStyleSheet(registration_stylesheet())
        self._advance_timer = QTimer(self, singleShot=True, interval=advance_ms, timeout=self._advance)
        self._close_timer = QTimer(self, singleShot=True, interval=auto_close_ms, timeout=self.accept)
        self._auto_close = auto_close_ms > 0

        self.header = StepHeader()
        self.consent_page = ConsentPage(wizard.keep_images)
        self.details_page = DetailsPage()
        self.capture_page = CapturePage()
        self.summary_page = SummaryPage()
        self.done_page = DonePage()
        self.stack = header_over_pages(self, self.header, (self.consent_page, self.details_page,
                                                           self.capture_page, self.summary_page,
                                                           self.done_page))

        self.header.cancel_requested.connect(self.reject)
        self.consent_page.agreed.connect(self._agree)
        self.consent_page.declined.connect(self._decline)
        self.details_page.submitted.connect(self._submit_details)
        self.details_page.back_requested.connect(self._back)
        self.capture_page.back_requested.connect(self._back)
        self.capture_page.retake_requested.connect(self._retake)
        self.summary_page.retake_requested.connect(self._retake)
        self.summary_page.pin_submitted.connect(self._check_pin)
        self.summary_page.finish_requested.connect(self._finish)
        self.done_page.close_requested.connect(self.accept)
        self.resize(1000, 700)
        self._sync()

    def sizeHint(self) -> QSize:
        return QSize(1000, 700)

    # --- inputs from the controller ---------------------------------------------------------------------
    def set_models_loading(self) -> None:
        self._set_models("loading")

    def set_models_ready(self, backend: str) -> None:
        """The face models are loaded; ``backend`` names the embedder the templates come from."""
        self.wizard.backend = backend
        self._set_models("ready")

    def set_models_failed(self, message: str) -> None:
        self._set_models("failed", message)

    def set_no_camera(self) -> None:
        self._set_models("no_camera")

    def models(self) -> str:
        return self._models

    def _set_models(self, state: str, detail: str = "") -> None:
        self._models = state
        self._hold = 0
        self.capture_page.set_models(state, detail)
        if state != "ready":
            self.capture_page.video.set_overlay([])

    def show_frame(self, image: np.ndarray | QImage | None) -> None:
        """Show a face-camera frame (BGR array or QImage); mirrored like a mirror unless told not to."""
        if image is None:
            self.capture_page.video.set_frame(None)
            return
        if isinstance(image, QImage):
            self._frame_width = image.width()
            image = image.mirrored(True, False) if self.mirror_preview else image
        else:
            self._frame_width = int(image.shape[1])
            image = image[:, ::-1] if self.mirror_preview else image
        self.capture_page.video.set_frame(image)

    def offer_capture(self, frame: Any) -> None:
        """One :class:`RegistrationFrame` from the worker: the wizard decides whether it fits the step."""
        step = self.wizard.step
        capture = frame.capture
        if step not in STEP_POSE or self._models != "ready" or self._advance_timer.isActive():
            self._show_box(frame.box, ok=bool(capture.quality_ok))
            return
        if frame.baseline != self._baseline:  # classified before the baseline changed: stale
            return
        try:
            verdict = self.wizard.submit_capture(**capture.as_kwargs(), image=frame.image)
        except (RegistrationError, ValueError):
            log.exception("registration capture refused")
            return
        self._show_box(frame.box, ok=verdict.accepted)
        if not verdict.accepted:
            self._hold = 0
            self.capture_page.show_rejected(verdict.reason, capture.pose)
            return
        self._hold += 1
        if self._hold < self.hold_frames:
            self.capture_page.show_holding()
            return
        self._hold = 0
        if step is Step.FRONT:
            self._front_angles = capture.observation.angles
        log.info("registration: %s pose taken (frame %d)", step.value, frame.frame_index)
        self.capture_page.show_captured()
        if self._advance_timer.interval() > 0:
            self._advance_timer.start()
        else:
            self._advance()

    def _show_box(self, box: tuple[float, float, float, float] | None, *, ok: bool) -> None:
        if box is None or self._frame_width is None:
            self.capture_page.video.set_overlay([])
            return
        if self.mirror_preview:
            box = mirror_box(box, self._frame_width)
        self.capture_page.video.set_overlay([(*box, "", 1.0, not ok)])

    # --- navigation -------------------------------------------------------------------------------------
    def _agree(self) -> None:
        self.wizard.give_consent(True)
        self.wizard.next()
        self._sync()

    def _decline(self) -> None:
        self.wizard.give_consent(False)
        self.reject()

    def _submit_details(self, name: str, customer_id: str, phone: str) -> None:
        errors = self.wizard.set_details(name, customer_id, phone or None)
        if not errors:
            try:
                self.wizard.next()
            except RegistrationError:  # taken since set_details looked
                errors = {"customer_id": f"The customer ID {customer_id} is already registered."}
        self.details_page.show_errors(errors)
        self._sync()

    def _back(self) -> None:
        self._advance_timer.stop()
        self.wizard.back()
        self._sync()

    def _retake(self) -> None:
        """Take all four poses again, from FRONT (which also sets a new baseline)."""
        self._advance_timer.stop()
        while self.wizard.step is not Step.FRONT:
            self.wizard.back()
        self._pin_ok = False
        self._sync()

    def _advance(self) -> None:
        if self.wizard.step in STEP_POSE and self.wizard.can_go_next():
            self.wizard.next()
        self._sync()

    def _check_pin(self, pin: str) -> None:
        try:
            self._pin_ok = bool(self._verify_pin(pin))
        except Exception:
            log.exception("operator PIN check failed")
            self._pin_ok = False
        log.info("registration: operator PIN for a duplicate face %s",
                 "accepted" if self._pin_ok else "refused")
        self.summary_page.set_pin_state("ok" if self._pin_ok else "wrong")

    def _finish(self) -> None:
        if self.wizard.step is not Step.SUMMARY or not self.summary_page.can_finish():
            return
        result = self.wizard.result()
        try:
            self._save(result)
        except Exception as exc:
            log.exception("registration of %s could not be saved", result.customer_id)
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self.summary_page.show_save_error(text[:200])
            return
        self.wizard.finish(allow_duplicate=self._pin_ok)
        self.done_page.set_name(result.name)
        self._sync()
        if self._auto_close:
            self._close_timer.start()

    def reject(self) -> None:
        """Cancel (the header's button, Escape, decline): everything captured is dropped."""
        self._advance_timer.stop()
        if self.wizard.step not in (Step.DONE, Step.CANCELLED):
            self.wizard.cancel()
            log.info("registration cancelled")
        super().reject()

    def done(self, code: int) -> None:
        self._advance_timer.stop()
        self._close_timer.stop()
        super().done(code)

    # --- showing the wizard's state ---------------------------------------------------------------------
    def _sync(self) -> None:
        step = self.wizard.step
        self.header.set_stage(STAGES[step])
        self.header.cancel_button.setVisible(step is not Step.DONE)
        if step is Step.CONSENT:
            self.stack.setCurrentWidget(self.consent_page)
        elif step is Step.DETAILS:
            if self._last_step is not Step.DETAILS:
                w = self.wizard
                self.details_page.set_values(w.name, w.customer_id, w.phone_last4)
            self.stack.setCurrentWidget(self.details_page)
        elif step in STEP_POSE:
            self._enter_pose(step)
        elif step is Step.SUMMARY:
            self._set_baseline(self._front_angles)
            w = self.wizard
            self.summary_page.show_registration(w.name, w.customer_id, w.phone_last4,
                                                [p.value for p in w.captures], w.duplicate_of, self._pin_ok)
            self.stack.setCurrentWidget(self.summary_page)
        elif step is Step.DONE:
            self.stack.setCurrentWidget(self.done_page)
        if step is not self._last_step:
            self._last_step = step
            self.step_changed.emit(step.value)

    def _enter_pose(self, step: Step) -> None:
        if step is not self._last_step:
            self._hold = 0
        if step is Step.FRONT:
            self._front_angles = None if self._last_step is not Step.FRONT else self._front_angles
        self._set_baseline(None if step is Step.FRONT else self._front_angles)
        done = tuple(s.value for s in POSE_STEPS[:POSE_STEPS.index(step)])
        if step is not self._last_step:
            self.capture_page.set_step(STEP_POSE[step].value, done)
        self.capture_page.video.set_overlay([])
        self.stack.setCurrentWidget(self.capture_page)

    def _set_baseline(self, angles: Any) -> None:
        if angles != self._baseline:
            self._baseline = angles
            self.baseline_changed.emit(angles)

    def baseline(self) -> Any:
        """The head angles the later poses are measured against (None while taking FRONT)."""
        return self._baseline
