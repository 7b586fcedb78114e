"""The counter overlay after a resolution change: boxes of a result describe the frame they were found
on (``DetectionResult.frame_size``); the kiosk must not draw them over a frame of another size."""

from __future__ import annotations

from app.core.settings import Settings
from app.vision.detection import Detection
from app.workers.detection import DetectionResult
from tests.fakes import bgr


def test_boxes_of_a_frame_of_another_size_are_not_drawn_unscaled(qtbot, tmp_path):
    from app.kiosk import CameraPlan, Kiosk
    from app.store.startup import open_store

    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "keys" / "k"))
    kiosk = Kiosk(settings, open_store(settings), CameraPlan("", ""))
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.window.counter_view.set_frame(bgr(320, 240))  # the camera switched to 320x240 ...
        whole_old_frame = Detection(0, "coke_500ml", 0.95, (0.0, 0.0, 64.0, 48.0))
        kiosk._show_detections(DetectionResult(7, 0.0, (whole_old_frame,), 5.0, 64, 48))  # ... from 64x48
        boxes = [(b.x1, b.y1, b.x2, b.y2) for b in kiosk.window.counter_view.overlay()]
        assert boxes == [(0.0, 0.0, 320.0, 240.0)], f"stale boxes drawn unscaled: {boxes}"
    finally:
        kiosk.shutdown()
