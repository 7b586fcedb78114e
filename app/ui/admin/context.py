"""What the admin area needs from the kiosk: the store, settings, and callbacks into the running kiosk.

The kiosk (``app/kiosk.py``) builds one :class:`AdminContext` when the operator PIN was accepted and
passes it to ``AdminWindow``. Every callback has a harmless default, so a test (or a kiosk that lacks
a part) passes only what it has. Callbacks run on the GUI thread and must return quickly.

``models_info()`` returns a mapping with any of these keys (missing ones are shown as "—");
:func:`detector_info` builds the detector part from a model bundle's ``model_card.json``:

=====================  =========================================================================
``detector_name``      model name from the card, e.g. ``"kiosk-demo-detector"``
``detector_dir``       the model bundle folder
``detector_backend``   ``"onnxruntime"`` or ``"mmdet"``
``detector_classes``   number of product classes (int)
``detector_input``     network input size, e.g. ``"320x256"``
``detector_metrics``   ``{"map50": 0.995, "map": 0.898, "checkout_accuracy": 0.833, ...}`` (test split)
``detector_state``     e.g. ``"loaded"``, ``"loading"`` or the reason it failed
``face_backend``       ``"facenet"`` or ``"dlib"`` (the active face embedder)
``face_state``         e.g. ``"ready"``, ``"loading"`` or why face pay is off
=====================  =========================================================================
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.capture.v4l2 import CameraInfo, list_cameras
from app.core.settings import Settings

if TYPE_CHECKING:
    from app.store.store import Store

log = logging.getLogger(__name__)

DEFAULT_STORE_NAME = "셀프 계산대"
#: The camera roles of the kiosk, in the order the admin area shows them.
CAMERA_ROLES = ("counter", "face")


def _nothing(*_args: object) -> None:
    return None


def _refuse(_pin: str) -> bool:
    return False


def _empty() -> dict[str, Any]:
    return {}


def _no_counter_frames(_callback: Callable[[np.ndarray], None]) -> Callable[[], None]:
    return _nothing


@dataclass(frozen=True)
class AdminContext:
    """The admin area's view of the kiosk.

    - ``store``: the kiosk's :class:`app.store.store.Store` (quick SQLite queries on the GUI thread).
    - ``settings``: the kiosk's settings (configured camera sources, language).
    - ``receipt_dir``: where reprinted receipts (``.txt`` + ``.pdf``) are written.
    - ``detector_classes``: the classes the loaded detector knows; new products pick one of these.
    - ``store_name``: printed at the top of receipts.
    - ``face_images_dir``: where opt-in face images are kept (deleted with their customer), if any.
    - ``on_catalog_changed()`` / ``on_customers_changed()``: called after each change, so the kiosk
      reloads its catalog (prices, sellable classes) or its gallery of customers.
    - ``verify_pin(pin) -> bool``: checks the current operator PIN (e.g. ``OperatorGate.verify``, which
      keeps its lockout); the default refuses every PIN.
    - ``change_pin(new_pin)``: stores the new PIN (hash it with ``app.core.operator.hash_pin``); may
      raise ``ValueError``/``OSError``, which the admin area shows.
    - ``models_info() -> Mapping``: see the module docstring.
    - ``camera_fps() -> {"counter": 29.8, "face": 15.0}``: frames per second each camera delivers now.
    - ``camera_sources() -> {"counter": "/dev/video0", "face": "demo"}``: what each role uses now; the
      settings' ``counter_camera``/``face_camera`` are shown for a role missing here.
    - ``select_camera(role, spec)``: switch ``role`` ("counter" or "face") to ``spec`` (a device path
      or index); may raise ``ValueError``/``OSError``, which the admin area shows.
    - ``list_cameras() -> [CameraInfo]``: the plugged-in webcams (``app.capture.v4l2.list_cameras``).
    - ``model_dir``: the active detector model's folder (``settings.detector_model``); None disables
      teaching the detector a new product and restoring the previous model.
    - ``on_model_changed()``: called after the admin area put another model in that folder (a product
      enrolled, or the previous model restored; the catalog changed too): the kiosk reloads its
      catalog and restarts its detector.
    - ``counter_frames(callback) -> unsubscribe``: from now on, call ``callback(bgr)`` on the GUI thread
      with every counter frame the kiosk displays, until ``unsubscribe()`` is called (the enrollment
      wizard's live view). The default never calls back (no counter camera).
    """

    store: Store
    settings: Settings
    receipt_dir: Path
    detector_classes: tuple[str, ...] = ()
    store_name: str = DEFAULT_STORE_NAME
    face_images_dir: Path | None = None
    on_catalog_changed: Callable[[], None] = _nothing
    on_customers_changed: Callable[[], None] = _nothing
    verify_pin: Callable[[str], bool] = _refuse
    change_pin: Callable[[str], None] = _nothing
    models_info: Callable[[], Mapping[str, Any]] = _empty
    camera_fps: Callable[[], Mapping[str, float]] = _empty
    camera_sources: Callable[[], Mapping[str, str]] = _empty
    select_camera: Callable[[str, str], None] = _nothing
    list_cameras: Callable[[], Sequence[CameraInfo]] = list_cameras
    model_dir: Path | None = None
    on_model_changed: Callable[[], None] = _nothing
    counter_frames: Callable[[Callable[[np.ndarray], None]], Callable[[], None]] = _no_counter_frames

    def camera_source(self, role: str) -> str:
        """What ``role`` uses now: from ``camera_sources()``, else the configured setting."""
        try:
            sources = self.camera_sources() or {}
        except Exception:
            log.exception("camera_sources() failed")
            sources = {}
        if role in sources:
            return str(sources[role])
        return str(getattr(self.settings, f"{role}_camera", ""))


def detector_info(model_dir: str | Path, backend: str, *, state: str = "") -> dict[str, Any]:
    """The ``detector_*`` keys of ``models_info()`` read from ``model_dir/model_card.json``.

    A missing or unreadable card gives the folder and backend, with the problem as the state.
    """
    model_dir = Path(model_dir)
    info: dict[str, Any] = {"detector_dir": str(model_dir), "detector_backend": backend}
    if state:
        info["detector_state"] = state
    try:
        card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        info.setdefault("detector_state", f"model card unreadable: {exc}")
        return info
    if not isinstance(card, dict):
        info.setdefault("detector_state", "model card is not a JSON object")
        return info
    if isinstance(card.get("name"), str):
        info["detector_name"] = card["name"]
    if isinstance(card.get("classes"), list):
        info["detector_classes"] = len(card["classes"])
    size = card.get("input_size")
    if isinstance(size, list) and len(size) == 2:
        info["detector_input"] = f"{size[0]}x{size[1]}"
    metrics = card.get("metrics")
    if isinstance(metrics, dict):
        info["detector_metrics"] = {k: float(v) for k, v in metrics.items()
                                    if isinstance(v, int | float) and not isinstance(v, bool)}
    return info
