"""Opens the registration dialog over the kiosk window and connects it to the face worker and the store.

While the dialog is open (``active``) the face worker runs in registration mode, the kiosk passes every
face-camera frame it displays to ``show_frame``, and the worker's offers go to the dialog. Finishing
saves the customer with encrypted templates (``save_registration``), reloads the worker's gallery so
the new customer is recognised at once, and emits ``customer_registered``. Closing or cancelling puts
the worker back into identification mode.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt5.QtCore import QObject, pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import QWidget

from app.core.face_crypto import TemplateCipher, save_registration
from app.core.registration import RegistrationResult, RegistrationWizard
from app.ui.registration.dialog import RegistrationDialog

log = logging.getLogger(__name__)

PENDING_BACKEND = "pending"  # the wizard's backend until the face models say which embedder runs
FACE_IMAGES_DIR = "face-images"  # under data_dir; used only with the keep_face_images opt-in


def face_images_dir(settings: Any) -> Path:
    """Where opt-in face images of registrations are kept (encrypted), one folder per customer."""
    return Path(settings.data_dir) / FACE_IMAGES_DIR


class RegistrationController(QObject):
    """``open()`` shows the dialog; ``face_worker`` may be None (no face camera) or set later."""

    customer_registered = pyqtSignal(str)  # the new customer's ID, right after it was saved
    active_changed = pyqtSignal(bool)

    hold_frames = 3  # consecutive accepted frames before a pose is taken
    advance_ms = 700  # how long "Got it!" shows before the next pose
    auto_close_ms = 10000  # the done page closes itself after this long

    def __init__(self, store: Any, settings: Any, face_worker: Any | None, verify_pin: Callable[[str], bool],
                 parent_window: QWidget | None = None) -> None:
        super().__init__(parent_window)
        self.store = store
        self.settings = settings
        self.face_worker = face_worker
        self.verify_pin = verify_pin
        self.parent_window = parent_window
        self.dialog: RegistrationDialog | None = None
        self._worker: Any | None = None  # the worker connected to the open dialog

    @property
    def active(self) -> bool:
        """True while the dialog is open (the kiosk then forwards face frames to ``show_frame``)."""
        return self.dialog is not None

    def open(self) -> RegistrationDialog:
        """Show the dialog (or raise the one already open) and switch the worker to registration."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        worker = self.face_worker
        pipeline = getattr(worker, "pipeline", None)
        backend = pipeline.embedder.backend if pipeline is not None else PENDING_BACKEND
        wizard = RegistrationWizard(id_exists=self._id_exists, backend=backend,
                                    keep_images=self.settings.keep_face_images)
        dialog = RegistrationDialog(wizard, save=self._save, verify_pin=self.verify_pin,
                                    mirror_preview=not self.settings.face_camera_mirrored,
                                    hold_frames=self.hold_frames, advance_ms=self.advance_ms,
                                    auto_close_ms=self.auto_close_ms, parent=self.parent_window)
        self.dialog = dialog
        dialog.finished.connect(self._closed)
        self._fit_to_window(dialog)
        if worker is None:
            dialog.set_no_camera()
        else:
            self._connect(worker, dialog)
        log.info("registration opened")
        dialog.open()
        self.active_changed.emit(True)
        return dialog

    def close(self) -> None:
        """Cancel an open registration (e.g. when the kiosk shuts down)."""
        if self.dialog is not None:
            self.dialog.reject()

    @pyqtSlot(object)
    def show_frame(self, image: Any) -> None:
        """A face-camera frame the kiosk displayed (BGR array or QImage); ignored when not active."""
        if self.dialog is not None:
            self.dialog.show_frame(image)

    # --- the worker -------------------------------------------------------------------------------------
    def _connect(self, worker: Any, dialog: RegistrationDialog) -> None:
        self._worker = worker
        worker.registration_ready.connect(self._offer)
        worker.ready.connect(self._models_ready)
        worker.failed.connect(self._models_failed)
        dialog.baseline_changed.connect(worker.set_registration_baseline)
        worker.begin_registration(keep_images=self.settings.keep_face_images)
        # Read the state after connecting, so a load that finishes in between is not missed.
        if worker.pipeline is not None:
            self._models_ready()
        elif worker.error is not None:
            self._models_failed(worker.error)
        else:
            dialog.set_models_loading()

    def _disconnect(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        worker.end_registration()
        for signal, slot in ((worker.registration_ready, self._offer), (worker.ready, self._models_ready),
                             (worker.failed, self._models_failed)):
            with contextlib.suppress(TypeError):  # already gone
                signal.disconnect(slot)

    def _offer(self, frame: Any) -> None:
        if self.dialog is not None:
            self.dialog.offer_capture(frame)

    def _models_ready(self, _description: str = "") -> None:
        pipeline = getattr(self._worker, "pipeline", None)
        if self.dialog is not None and pipeline is not None:
            self.dialog.set_models_ready(pipeline.embedder.backend)

    def _models_failed(self, message: str) -> None:
        if self.dialog is not None:
            self.dialog.set_models_failed(message)

    # --- store ------------------------------------------------------------------------------------------
    def _id_exists(self, customer_id: str) -> bool:
        return any(c.customer_id == customer_id for c in self.store.list_customers())

    def _save(self, result: RegistrationResult) -> None:
        """Encrypt and store the registration, then let the worker recognise the new customer."""
        cipher = TemplateCipher.from_key_file(self.settings.face_key_file)
        images = face_images_dir(self.settings) if result.images else None
        count = save_registration(self.store, result, cipher, images_dir=images)
        if result.duplicate_of is not None:
            detail = {"customer_id": result.customer_id, "matches": result.duplicate_of}
            self.store.audit("registration_duplicate_confirmed", detail, actor="operator")
        log.info("registered customer %s: %d templates (%s)", result.customer_id, count, result.backend)
        worker = self._worker or self.face_worker
        if worker is not None:
            worker.end_registration()
            worker.reload_gallery(self.store.face_templates(), cipher)
        self.customer_registered.emit(result.customer_id)

    # --- the window -------------------------------------------------------------------------------------
    def _fit_to_window(self, dialog: RegistrationDialog) -> None:
        window = self.parent_window
        if window is None:
            return
        size = window.size()
        width = max(900, min(int(size.width() * 0.9), 1400))
        height = max(640, min(int(size.height() * 0.9), 950))
        dialog.resize(width, height)
        center = window.frameGeometry().center()
        dialog.move(center.x() - width // 2, center.y() - height // 2)

    def _closed(self, _code: int) -> None:
        dialog, self.dialog = self.dialog, None
        self._disconnect()
        if dialog is not None:
            dialog.deleteLater()
        log.info("registration closed")
        self.active_changed.emit(False)
