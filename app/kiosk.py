"""The composition root: opens the store, starts one camera thread per camera and wires them to the window.

Nothing here runs a model or touches a device on the GUI thread: camera threads read frames and the
window only paints the newest one when told a new frame is there. The checkout state machine
(:class:`app.core.checkout.Checkout`) lives here, on the GUI thread: the counter's stabilised counts,
the face results (through :class:`app.payflow.FacePayDriver`), the customer's buttons and the staff's
PIN-checked actions are its events, and the window renders its snapshots.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QShortcut

from app.capture.base import FrameSource, SourceState, SourceStatus, SourceUnavailable
from app.capture.factory import open_source
from app.capture.video import VideoFileSource
from app.core.catalog import Catalog
from app.core.checkout import Checkout, CheckoutConfig, CheckoutSnapshot, CheckoutState
from app.core.counter_scene import read_counter
from app.core.counting import COUNT_SCORE, UNSURE_SCORE, CountStabiliser
from app.core.operator import OperatorGate, hash_pin, pin_file_path, read_pin_file
from app.core.settings import Settings
from app.payflow import FacePayDriver
from app.store.store import Store
from app.ui.attendant import AttendantDialog, PinDialog
from app.ui.main_window import MainWindow
from app.vision.faces.liveness import LivenessState, LivenessStatus
from app.workers.camera import CameraWorker
from app.workers.detection import DetectionResult, DetectorWorker
from app.workers.faces import FaceResult, FaceWorker
from app.workers.latest import LatestSlot

log = logging.getLogger(__name__)

ROLES = ("counter", "face")
DEMO_PIN = "1234"  # the demo's staff PIN when the operator has not set one (shown on the PIN pad)
DEMO_CUSTOMER_ID = "demo-presenter"
S = CheckoutState


@dataclass(frozen=True)
class CameraPlan:
    """Which source each camera role uses, and why (shown to the operator)."""

    counter: str
    face: str
    demo: bool = False
    note: str = ""

    def spec(self, role: str) -> str:
        return self.counter if role == "counter" else self.face


class Kiosk(QObject):
    """Owns the store, the checkout, the camera threads and the main window for one kiosk session."""

    receipt_saved = pyqtSignal(object)  # ReceiptFiles of the sale just paid

    def __init__(self, settings: Settings, store: Store, plan: CameraPlan, *,
                 checkout_config: CheckoutConfig | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.plan = plan
        self.catalog: Catalog = store.load_catalog()
        self.pin_file = pin_file_path(settings.face_key_file)
        demo_hash = hash_pin(DEMO_PIN) if plan.demo else None
        self.demo_pin_active = False
        self.gate = OperatorGate(lambda: self._stored_pin(demo_hash))
        self.checkout = Checkout(self.catalog, record_sale=store.record_sale, audit=store.audit,
                                 verify_pin=self.gate.verify,
                                 config=checkout_config or CheckoutConfig(receipt_lang=settings.language))
        self.cart = self.checkout.counter.cart
        customers = [(c.customer_id, c.name, c.created_at) for c in store.list_customers()]
        self.window = MainWindow(settings, self.cart, customers)
        self.workers: dict[str, CameraWorker] = {}
        self.detector_worker: DetectorWorker | None = None
        self.face_worker: FaceWorker | None = None
        self._names = {c.customer_id: c.name for c in store.list_customers()}
        self.stabiliser = CountStabiliser()
        self.payflow = FacePayDriver(self.checkout, self._names.get, mirrored=settings.face_camera_mirrored)
        self.payflow.liveness_changed.append(self._show_liveness)
        self.receipt_dir = Path(settings.data_dir) / "receipts"
        self.last_receipt_files = None
        self._dialogs: list = []
        self._counter_listeners: list = []  # the admin area's enrollment wizard, while it is open
        self._camera_states: dict[str, SourceState] = {}
        self._shut_down = False
        self._face_restarting = False
        self.window.set_demo_mode(plan.demo, plan.note)
        self._wire_checkout()

    # -- checkout ------------------------------------------------------------------------------------
    def _wire_checkout(self) -> None:
        w = self.window
        self.checkout.add_listener(self._on_checkout)
        w.pay_requested.connect(self.checkout.request_review)
        w.confirm_requested.connect(self.confirm)
        w.cancel_requested.connect(lambda: self.checkout.cancel("customer"))
        w.done_requested.connect(lambda: self.checkout.cancel("done"))
        w.staff_requested.connect(self.open_staff)
        w.exit_requested.connect(self.open_staff)
        w.face_panel.register_requested.connect(self.open_registration)
        self.tick_timer = QTimer(self, interval=250, timeout=self._tick)
        self.tick_timer.start()
        keys = {Qt.Key_Return: self.advance, Qt.Key_Enter: self.advance, Qt.Key_Space: self.advance,
                Qt.Key_Escape: lambda: self.checkout.cancel("customer"), Qt.Key_F2: self.open_staff}
        if self.plan.demo:
            keys[Qt.Key_F7] = self.presenter_face
            keys[Qt.Key_F8] = self.presenter_liveness
        self.shortcuts = [QShortcut(key, w, activated=action) for key, action in keys.items()]
        w.show_checkout(self.checkout.snapshot)

    def _stored_pin(self, demo_hash: str | None) -> str | None:
        stored = read_pin_file(self.pin_file)
        self.demo_pin_active = stored is None and demo_hash is not None
        return stored or demo_hash

    def _on_checkout(self, snapshot: CheckoutSnapshot) -> None:
        self.window.show_checkout(snapshot, self.checkout.config.timeout(snapshot.state))
        if snapshot.state is S.IDLE and self._camera_states.get("counter") is SourceState.ENDED:
            self._camera_states.pop("counter")
            QTimer.singleShot(0, lambda: self._restart_camera("counter"))  # the demo video played once
        if snapshot.state is S.PAID and snapshot.receipt is not None and (
                self.last_receipt_files is None or self.last_receipt_files[0] != snapshot.receipt_no):
            self._save_receipt(snapshot)

    def _save_receipt(self, snapshot: CheckoutSnapshot) -> None:
        """The sale is already in the ledger; a receipt file that cannot be written is audited, and can
        be reprinted from the admin area."""
        from app.ui.receipt_print import save_receipt

        try:
            files = save_receipt(snapshot.receipt, self.receipt_dir, self.checkout.config.receipt_lang)
        except Exception as exc:
            log.exception("saving receipt %s failed", snapshot.receipt_no)
            self.store.audit("receipt_save_failed",
                             {"receipt_no": snapshot.receipt_no, "error": str(exc)[:300]})
            self.window.paid_screen.set_save_failed()
            return
        self.last_receipt_files = (snapshot.receipt_no, files)
        self.window.paid_screen.set_saved(str(files.pdf))
        self.receipt_saved.emit(files)

    def backfill_receipts(self) -> int:
        """Write today's receipts that are in the ledger but not on disk (the kiosk stopped between the
        sale's commit and the receipt file); returns how many were written."""
        from app.core.receipt import Receipt
        from app.ui.receipt_print import save_receipt

        written = 0
        try:
            for sale in self.store.sales_of_day(datetime.now().astimezone().date()):
                if (self.receipt_dir / f"{sale.receipt_no}.pdf").exists():
                    continue
                receipt = Receipt.from_sale_record(sale, store_name=self.checkout.store_name,
                                                   customer_name=self._names.get(sale.customer_id or ""))
                save_receipt(receipt, self.receipt_dir, self.checkout.config.receipt_lang)
                written += 1
        except Exception:  # a full disk must not keep the kiosk from starting; staff can reprint
            log.exception("writing missing receipts failed")
        if written:
            log.warning("wrote %d receipt(s) missing after an interrupted run", written)
            self.store.audit("receipts_backfilled", {"count": written})
        return written

    def _tick(self) -> None:
        self.checkout.tick()
        deadline = self.checkout.snapshot.deadline
        self.window.set_remaining(None if deadline is None else deadline - time.monotonic())

    def confirm(self) -> None:
        """The payment card's main button: the list is right (REVIEW) / pay (CONFIRM)."""
        state = self.checkout.state
        if state is S.REVIEW:
            self.checkout.confirm_list()
        elif state is S.CONFIRM:
            self.checkout.customer_confirmed()

    def advance(self) -> None:
        """Enter/Space: the main action of the current step (keyboard, and the presenter's clicker)."""
        if self.window.isActiveWindow() is False and self._dialogs:
            return
        state = self.checkout.state
        if state is S.SCANNING:
            self.checkout.request_review()
        elif state in (S.REVIEW, S.CONFIRM):
            self.confirm()
        elif state is S.PAID:
            self.checkout.cancel("done")

    def _show_liveness(self, status: LivenessStatus | None) -> None:
        if status is None:
            self.window.payment_card.set_liveness(None, "", 0.0)
            return
        phase = {LivenessState.WAIT_FRONT: "front", LivenessState.TURN: "turn",
                 LivenessState.RETURN: "return"}.get(status.state, "done")
        turn = self.payflow.liveness_config.turn_min_yaw
        progress = 1.0 if phase in ("return", "done") else min(1.0, abs(status.yaw or 0.0) / turn) \
            if phase == "turn" else 0.0
        self.window.payment_card.set_liveness(status.side.value, phase, progress)

    # -- presenter (demo only) -------------------------------------------------------------------
    def presenter_face(self) -> None:
        """Demo: the presenter stands in for a registered face (F7). Audited; only in demo mode."""
        if not self.plan.demo or self.checkout.state is not S.IDENTIFY:
            return
        if DEMO_CUSTOMER_ID not in self._names:
            if not any(c.customer_id == DEMO_CUSTOMER_ID for c in self.store.list_customers()):
                self.store.add_customer(self.window.demo_customer_name(), backend="demo",
                                        consent_at=datetime.now().astimezone(), customer_id=DEMO_CUSTOMER_ID)
            self._names[DEMO_CUSTOMER_ID] = self.window.demo_customer_name()
        self.store.audit("demo_presenter_step", {"step": "identify"}, actor="presenter")
        self.checkout.face_identified(DEMO_CUSTOMER_ID, self._names[DEMO_CUSTOMER_ID], 1.0)

    def presenter_liveness(self) -> None:
        """Demo: the presenter passes the head-turn step (F8). Audited; only in demo mode."""
        if not self.plan.demo or self.checkout.state is not S.LIVENESS:
            return
        self.store.audit("demo_presenter_step", {"step": "liveness"}, actor="presenter")
        self.checkout.liveness_result(True, "presenter")

    # -- staff ---------------------------------------------------------------------------------------
    def open_staff(self) -> None:
        """The staff button: the PIN pad, then what staff can do for this sale."""
        if self._dialogs:
            return
        hint = self.window.demo_pin_hint(DEMO_PIN) if self._demo_hint() else ""
        pad = PinDialog(self.gate.check, self.window, hint=hint)
        pad.accepted_pin.connect(self._staff_menu)
        self._show_dialog(pad)

    def _demo_hint(self) -> bool:
        return self.plan.demo and read_pin_file(self.pin_file) is None

    def _show_dialog(self, dialog) -> None:
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _=0, d=dialog: self._dialog_closed(d))
        dialog.resize(640, 560)
        dialog.open()

    def _dialog_closed(self, dialog) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)
        dialog.deleteLater()

    def _staff_menu(self, pin: str) -> None:
        c = self.checkout
        menu = AttendantDialog(c.snapshot, self.window.language, self.window, can_exit=self.window.locked)
        menu.exit_kiosk.connect(self.window.unlock_and_close)
        menu.approve_age.connect(lambda: c.approve_age_restricted(pin))
        menu.pick_candidate.connect(lambda cls: c.pick_candidate(cls, pin))
        menu.dismiss_unknown.connect(lambda: c.dismiss_unknown(pin))
        menu.void_line.connect(lambda sku: c.void_line(sku, pin))
        menu.void_sale.connect(lambda: c.void_sale(pin))
        menu.open_admin.connect(self.open_admin)
        menu.register_customer.connect(self.open_registration)
        QTimer.singleShot(0, lambda: self._show_dialog(menu))  # after the PIN pad has closed

    def open_admin(self) -> None:
        from app.ui.admin import AdminContext, AdminWindow

        ctx = AdminContext(store=self.store, settings=self.settings, receipt_dir=self.receipt_dir,
                           detector_classes=self._detector_classes(), store_name=self.checkout.store_name,
                           on_catalog_changed=self.reload_catalog, on_customers_changed=self.reload_customers,
                           verify_pin=self.gate.verify, change_pin=self.change_pin,
                           models_info=self.models_info, camera_fps=self.camera_fps,
                           camera_sources=lambda: {"counter": self.plan.counter, "face": self.plan.face},
                           select_camera=self.select_camera,
                           model_dir=Path(self.settings.detector_model),
                           on_model_changed=self.model_changed,
                           counter_frames=self.subscribe_counter_frames)
        window = AdminWindow(ctx, self.window)
        self._dialogs.append(window)
        window.finished.connect(lambda _=0, d=window: self._dialog_closed(d))
        window.setGeometry(self.window.geometry())  # the kiosk's own size, also where no window manager
        window.present(fullscreen=self.window.locked)  # maximises or fills the screen

    def _detector_classes(self) -> tuple[str, ...]:
        """The loaded model's classes (a new product must be one of them), else the catalog's."""
        worker = self.detector_worker
        if worker is not None and getattr(worker, "detector", None) is not None:
            return tuple(worker.detector.bundle.classes)
        return tuple(sorted({p.detector_class for p in self.catalog.products}))

    def open_registration(self) -> None:
        from app.ui.registration.controller import RegistrationController

        if getattr(self, "registration", None) is None:
            self.registration = RegistrationController(self.store, self.settings, self.face_worker,
                                                       self.gate.verify, self.window)
            self.registration.customer_registered.connect(lambda _cid: self.reload_customers())
        self.registration.face_worker = self.face_worker  # the face thread may have (re)started since
        self.registration.open()

    def change_pin(self, pin: str) -> None:
        """The admin area's PIN page (it audits the change itself)."""
        from app.core.operator import write_pin_file

        write_pin_file(self.pin_file, pin)

    def reload_catalog(self) -> None:
        """After the admin changed prices or products: new sales use the new catalog."""
        self.catalog = self.store.load_catalog()
        self.checkout.counter.catalog = self.catalog

    def reload_customers(self) -> None:
        customers = self.store.list_customers()
        self._names.clear()
        self._names.update({c.customer_id: c.name for c in customers})
        self.window.face_panel.set_customers([(c.customer_id, c.name, c.created_at) for c in customers])
        if self.face_worker is not None and hasattr(self.face_worker, "reload_gallery"):
            self.face_worker.reload_gallery(self.store.face_templates())

    def subscribe_counter_frames(self, callback):
        """The enrollment wizard's live view: every displayed counter frame also goes to ``callback`` (on
        the GUI thread) until the returned function is called."""
        self._counter_listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._counter_listeners:
                self._counter_listeners.remove(callback)

        return unsubscribe

    def model_changed(self) -> None:
        """The admin area put another detector model in place (a product enrolled, or the previous model
        restored): reload the catalog and restart the detector on the same counter frames."""
        if self._shut_down:
            return
        log.info("detector model changed: reloading %s", self.settings.detector_model)
        self.reload_catalog()
        old, self.detector_worker = self.detector_worker, None
        if old is not None:
            old.stop()
        counter = self.workers.get("counter")
        if counter is not None:
            self._start_detector(counter)

    def models_info(self) -> dict:
        from app.ui.admin.context import detector_info

        worker = self.detector_worker
        detector = getattr(worker, "detector", None) if worker is not None else None
        state = "loaded" if detector is not None else getattr(worker, "failure", None) or \
            ("loading" if worker is not None else "off (no counter camera)")
        info = detector_info(self.settings.detector_model,
                             detector.backend if detector is not None else self.settings.detector_backend,
                             state=state)
        face = self.face_worker
        if face is not None and face.pipeline is not None:
            info.update(face_backend=face.pipeline.embedder.backend, face_state="ready")
        else:
            info["face_state"] = getattr(face, "error", None) or ("loading" if face is not None else "off")
        return info

    def camera_fps(self) -> dict[str, float]:
        return {role: worker.fps() for role, worker in self.workers.items() if hasattr(worker, "fps")}

    def select_camera(self, role: str, spec: str) -> None:
        """Switch a camera role to another source now (the detector/face threads keep their slot)."""
        log.info("operator selects %s camera: %s", role, spec)
        self.store.audit("camera_selected", {"role": role, "spec": spec}, actor="admin")
        self.plan = CameraPlan(**{**self.plan.__dict__, role: spec})
        self._restart_camera(role)

    def _restart_camera(self, role: str) -> None:
        self._camera_states.pop(role, None)
        old = self.workers.pop(role, None)
        if old is not None:
            old.stop()
        self._start_camera(role, old.latest if old is not None else None)
        worker = self.workers.get(role)
        if worker is None:
            return
        if role == "counter" and self.detector_worker is None:
            self._start_detector(worker)
        elif role == "face" and self.face_worker is None:
            self._start_faces(worker)
        if role == "counter" and self.detector_worker is not None and role in self.workers:
            self.detector_worker.frames = self.workers[role].latest
        if role == "face" and self.face_worker is not None and role in self.workers:
            self.face_worker.frames = self.workers[role].latest

    def start(self) -> None:
        self.backfill_receipts()
        for role in ROLES:
            self._start_camera(role)
        if "counter" in self.workers:
            self._start_detector(self.workers["counter"])
        else:
            self.window.set_model_status(None, ok=False)
        if "face" in self.workers:
            self._start_faces(self.workers["face"])
        else:
            self.window.set_face_status(None, ok=False)
        log.info("kiosk started: %d products, cameras %s", len(self.catalog), self.plan)

    def _start_camera(self, role: str, slot: LatestSlot | None = None) -> None:
        """Open ``role``'s source and start its thread; ``slot``: keep handing frames to the same slot
        (the inference thread reading it does not notice the camera changed)."""
        source = self._make_source(role)
        if source is None:
            return
        worker = CameraWorker(source, role, parent=self)
        if slot is not None:
            worker.latest = slot
        worker.frame_ready.connect(lambda w=worker: self._show_frame(w))
        worker.status_changed.connect(lambda status, r=role: self._show_status(r, status))
        self.workers[role] = worker
        worker.start()

    def _start_detector(self, camera: CameraWorker) -> None:
        worker = DetectorWorker(camera.latest, self.settings.detector_model, self.settings.detector_backend,
                                threads=self.settings.torch_threads, parent=self)
        worker.model_loaded.connect(lambda text: self.window.set_model_status(text, ok=True))
        worker.model_failed.connect(self._model_failed)
        worker.result_ready.connect(self._show_detections)
        self.window.set_model_status(None, ok=None)  # loading
        self.detector_worker = worker
        worker.start()

    def _start_faces(self, camera: CameraWorker) -> None:
        def build():
            from app.vision.faces.setup import build_face_pipeline

            return build_face_pipeline(self.settings, self.store.face_templates())

        worker = FaceWorker(camera.latest, build, key_file=self.settings.face_key_file, parent=self)
        worker.ready.connect(lambda text, w=worker: self._face_ready(w, text))
        worker.failed.connect(self._faces_failed)
        worker.restarting.connect(self._faces_restarting)
        worker.result_ready.connect(self._show_face)
        self.window.set_face_status(None, ok=None)
        self.face_worker = worker
        worker.start()

    def _face_ready(self, worker: FaceWorker, description: str) -> None:
        self.window.set_face_status(worker.pipeline.embedder.backend, ok=True)
        self.window.status_bar.face_chip.setToolTip(description)

    def _faces_restarting(self, message: str) -> None:
        """The face process died and is being started again: face pay pauses, the operator sees why."""
        self._face_restarting = True
        self.window.set_face_status(None, ok=None)
        self.window.status_bar.face_chip.setToolTip(message)
        self.store.audit("face_process_restarting", {"error": message[:500]})

    def _faces_failed(self, message: str) -> None:
        self.window.set_face_status(None, ok=False)
        self.window.status_bar.face_chip.setToolTip(message)
        self.store.audit("face_model_failed", {"error": message[:500]})

    def _show_face(self, result: FaceResult) -> None:
        if self._shut_down:  # a queued signal from a thread that has just stopped
            return
        if self._face_restarting and self.face_worker is not None and self.face_worker.pipeline is not None:
            self._face_restarting = False  # results again: the restarted face process works
            self.window.set_face_status(self.face_worker.pipeline.embedder.backend, ok=True)
        name = self._names.get(result.confirmed, "") if result.confirmed else ""
        boxes = [(*result.box, name, result.score, not result.quality_ok)] if result.box else []
        self.window.face_view.set_overlay(boxes)
        self.window.payment_card.face_video.set_overlay(boxes)
        if result.confirmed != self.window.face_panel.highlighted():
            self.window.face_panel.highlight(result.confirmed)
        self.payflow.on_face(result)

    def _model_failed(self, message: str) -> None:
        """The kiosk keeps running (cameras, cart, face pay); the operator sees why counting is off."""
        self.window.set_model_status(None, ok=False)
        self.window.model_chip.setToolTip(message)
        self.store.audit("model_failed", {"model": self.settings.detector_model, "error": message[:500]})

    def _show_detections(self, result: DetectionResult) -> None:
        if self._shut_down:  # a queued signal from a thread that has just stopped
            return
        sender = self.sender()
        if sender is not None and sender is not self.detector_worker:  # the old model's last result
            return
        language = self.window.language
        # Boxes are in the pixels of the frame they were found on; after a resolution change the view
        # already shows a frame of another size: scale them to it.
        image = self.window.counter_view.image()
        sx = sy = 1.0
        if image is not None and result.frame_width and result.frame_height:
            sx, sy = image.width() / result.frame_width, image.height() / result.frame_height
        boxes = []
        for det in result.detections:
            if det.score < UNSURE_SCORE:
                continue
            try:
                name = self.catalog.by_class(det.name).name(language)
            except KeyError:
                name = det.name
            x1, y1, x2, y2 = det.box
            boxes.append((x1 * sx, y1 * sy, x2 * sx, y2 * sy, name, det.score, det.score < COUNT_SCORE))
        self.window.counter_view.set_overlay(boxes)
        reading = read_counter(result.detections)
        verdict = self.stabiliser.update(reading.counts)
        self.checkout.items_changed(verdict, candidates=reading.candidates, overlapped=reading.overlapped)

    def shutdown(self) -> None:
        """Stop every thread (interruption + wait, never terminate) and close the store. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.tick_timer.stop()
        for dialog in list(self._dialogs):
            dialog.close()
        from app.ui.enroll import stop_training

        stop_training()  # a product enrollment started in the admin area: cancelled (resumable), waited for
        if getattr(self, "registration", None) is not None:
            self.registration.close()
        self.payflow.close()
        for inference in (self.detector_worker, self.face_worker):
            if inference is not None:
                inference.stop()
        self.detector_worker = self.face_worker = None
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()
        self.store.close()

    def _make_source(self, role: str) -> FrameSource | None:
        spec = self.plan.spec(role)
        s = self.settings
        try:
            source = open_source(spec, width=s.camera_width, height=s.camera_height, fps=s.camera_fps)
        except SourceUnavailable as exc:
            log.warning("%s camera: %s", role, exc)
            # Nothing configured (a demo without that source) is "not connected", a bad setting an error.
            state = SourceState.DISCONNECTED if not spec.strip() else SourceState.FAILED
            self.window.show_camera_state(role, SourceStatus(state, str(exc)))
            return None
        if self.plan.demo and role == "counter" and isinstance(source, VideoFileSource):
            source.loop = False  # played once per sale: a loop would empty the counter mid-payment
        return source

    def _show_frame(self, worker: CameraWorker) -> None:
        if self._shut_down:  # a queued signal from a thread that has just stopped
            return
        frame = worker.take_for_display()
        if frame is None:
            return
        if worker.role == "counter":
            self.window.counter_view.set_frame(frame.image)
            for listener in list(self._counter_listeners):
                listener(frame.image)
            return
        self.window.face_view.set_frame(frame.image)
        if self.window.left_stack.currentWidget() is self.window.payment_card:
            self.window.payment_card.face_video.set_frame(frame.image)
        registration = getattr(self, "registration", None)
        if registration is not None and registration.active:
            registration.show_frame(frame.image)

    def _show_status(self, role: str, status: SourceStatus) -> None:
        if self._shut_down:  # a queued signal from a thread that has just stopped
            return
        self._camera_states[role] = status.state
        self.window.show_camera_state(role, status)
        if self.plan.demo and role == "counter" and status.state is SourceState.ENDED \
                and self.checkout.state is S.IDLE:
            # The demo video ended after the sale was over: play it again for the next customer (in any
            # other state the restart waits for the sale to end, see _on_checkout).
            self._camera_states.pop("counter", None)
            QTimer.singleShot(0, lambda: self._restart_camera("counter"))
