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
from app.core.settings import Settings
from app.store.store import Store
from app.ui.main_window import MainWindow
from app.workers.camera import CameraWorker

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
        self.cart = Cart()
        customers = [(c.customer_id, c.name, c.created_at) for c in store.list_customers()]
        self.window = MainWindow(settings, self.cart, customers)
        self.workers: dict[str, CameraWorker] = {}
        self.window.set_demo_mode(plan.demo, plan.note)
        self.window.set_model_status(None, ok=False)  # the product detector arrives with its model

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
        log.info("kiosk started: %d products, cameras %s", len(self.catalog), self.plan)

    def shutdown(self) -> None:
        """Stop every thread (interruption + wait, never terminate) and close the store."""
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
            self.window.show_camera_state(role, SourceStatus(SourceState.FAILED, str(exc)))
            return None

    def _show_frame(self, worker: CameraWorker) -> None:
        frame = worker.take_for_display()
        if frame is not None:
            view = self.window.counter_view if worker.role == "counter" else self.window.face_view
            view.set_frame(frame.image)

    def _show_status(self, role: str, status: SourceStatus) -> None:
        self.window.show_camera_state(role, status)
