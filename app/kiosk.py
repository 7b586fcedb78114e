"""The composition root: opens the store, starts one camera thread per camera and wires them to the window.

Nothing here runs a model or touches a device on the GUI thread: camera threads read frames and the
window only paints the newest one when told a new frame is there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PyQt5.QtCore import QObject

from app.capture.base import FrameSource, SourceState, SourceStatus, SourceUnavailable
from app.capture.factory import open_source
from app.core.cart import Cart
from app.core.catalog import Catalog
from app.core.counting import COUNT_SCORE, UNSURE_SCORE, CountStabiliser, FrameCounts
from app.core.settings import Settings
from app.store.store import Store
from app.ui.main_window import MainWindow
from app.workers.camera import CameraWorker
from app.workers.detection import DetectionResult, DetectorWorker
from app.workers.faces import FaceResult, FaceWorker

log = logging.getLogger(__name__)

ROLES = ("counter", "face")


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
    """Owns the store, the cart, the camera threads and the main window for one kiosk session."""

    def __init__(self, settings: Settings, store: Store, plan: CameraPlan) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.plan = plan
        self.catalog: Catalog = store.load_catalog()
        self.sellable = frozenset(p.detector_class for p in self.catalog.active_products())
        self.cart = Cart()
        customers = [(c.customer_id, c.name, c.created_at) for c in store.list_customers()]
        self.window = MainWindow(settings, self.cart, customers)
        self.workers: dict[str, CameraWorker] = {}
        self.detector_worker: DetectorWorker | None = None
        self.face_worker: FaceWorker | None = None
        self._names = {c.customer_id: c.name for c in store.list_customers()}
        self.stabiliser = CountStabiliser()
        self.window.set_demo_mode(plan.demo, plan.note)

    def start(self) -> None:
        for role in ROLES:
            source = self._make_source(role)
            if source is None:
                continue
            worker = CameraWorker(source, role, parent=self)
            worker.frame_ready.connect(lambda w=worker: self._show_frame(w))
            worker.status_changed.connect(lambda status, r=role: self._show_status(r, status))
            self.workers[role] = worker
            worker.start()
        if "counter" in self.workers:
            self._start_detector(self.workers["counter"])
        else:
            self.window.set_model_status(None, ok=False)
        if "face" in self.workers:
            self._start_faces(self.workers["face"])
        else:
            self.window.set_face_status(None, ok=False)
        log.info("kiosk started: %d products, cameras %s", len(self.catalog), self.plan)

    def _start_detector(self, camera: CameraWorker) -> None:
        worker = DetectorWorker(camera.latest, self.settings.detector_model, self.settings.detector_backend,
                                parent=self)
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

        worker = FaceWorker(camera.latest, build, parent=self)
        worker.ready.connect(lambda text, w=worker: self._face_ready(w, text))
        worker.failed.connect(self._faces_failed)
        worker.result_ready.connect(self._show_face)
        self.window.set_face_status(None, ok=None)
        self.face_worker = worker
        worker.start()

    def _face_ready(self, worker: FaceWorker, description: str) -> None:
        self.window.set_face_status(worker.pipeline.embedder.backend, ok=True)
        self.window.status_bar.face_chip.setToolTip(description)

    def _faces_failed(self, message: str) -> None:
        self.window.set_face_status(None, ok=False)
        self.window.status_bar.face_chip.setToolTip(message)
        self.store.audit("face_model_failed", {"error": message[:500]})

    def _show_face(self, result: FaceResult) -> None:
        name = self._names.get(result.confirmed, "") if result.confirmed else ""
        boxes = [(*result.box, name, result.score, not result.quality_ok)] if result.box else []
        self.window.face_view.set_overlay(boxes)
        if result.confirmed != self.window.face_panel.highlighted():
            self.window.face_panel.highlight(result.confirmed)

    def _model_failed(self, message: str) -> None:
        """The kiosk keeps running (cameras, cart, face pay); the operator sees why counting is off."""
        self.window.set_model_status(None, ok=False)
        self.window.model_chip.setToolTip(message)
        self.store.audit("model_failed", {"model": self.settings.detector_model, "error": message[:500]})

    def _show_detections(self, result: DetectionResult) -> None:
        language = self.window.language
        boxes = []
        for det in result.detections:
            if det.score < UNSURE_SCORE:
                continue
            try:
                name = self.catalog.by_class(det.name).name(language)
            except KeyError:
                name = det.name
            boxes.append((*det.box, name, det.score, det.score < COUNT_SCORE))
        self.window.counter_view.set_overlay(boxes)
        frame = FrameCounts.from_scores((d.name, d.score) for d in result.detections)
        verdict = self.stabiliser.update(frame)
        self.window.set_counter_state("settling" if verdict.settling else
                                      "unclear" if verdict.uncertain else "ready")
        if verdict.stable is None:
            return
        known = {c: n for c, n in verdict.stable.items() if c in self.sellable}
        if len(known) != len(verdict.stable):
            log.warning("detected classes not for sale: %s", sorted(set(verdict.stable) - self.sellable))
        self.cart.set_counts(known, self.catalog)

    def shutdown(self) -> None:
        """Stop every thread (interruption + wait, never terminate) and close the store."""
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
            return open_source(spec, width=s.camera_width, height=s.camera_height, fps=s.camera_fps)
        except SourceUnavailable as exc:
            log.warning("%s camera: %s", role, exc)
            # Nothing configured (a demo without that source) is "not connected", a bad setting an error.
            state = SourceState.DISCONNECTED if not spec.strip() else SourceState.FAILED
            self.window.show_camera_state(role, SourceStatus(state, str(exc)))
            return None

    def _show_frame(self, worker: CameraWorker) -> None:
        frame = worker.take_for_display()
        if frame is not None:
            view = self.window.counter_view if worker.role == "counter" else self.window.face_view
            view.set_frame(frame.image)

    def _show_status(self, role: str, status: SourceStatus) -> None:
        self.window.show_camera_state(role, status)
