"""The composition root: real frame sources in camera threads feed the window; shutdown is clean."""

from __future__ import annotations

import cv2
import numpy as np

from app.core.settings import Settings
from app.kiosk import CameraPlan, Kiosk
from app.store.startup import open_store
from tests.fakes import write_test_video


def test_kiosk_shows_frames_from_both_sources_and_stops_its_threads(qtbot, tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i}.png"), np.full((60, 80, 3), 40 * i, np.uint8))
    video = write_test_video(tmp_path / "counter.avi", count=10, fps=30.0)
    settings = Settings(data_dir=str(tmp_path / "data"))
    kiosk = Kiosk(settings, open_store(settings), CameraPlan(str(video), str(folder), demo=True, note="demo"))
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    try:
        kiosk.start()
        qtbot.waitUntil(lambda: kiosk.window.counter_view.image() is not None, timeout=5000)
        qtbot.waitUntil(lambda: kiosk.window.face_view.image() is not None, timeout=5000)
        assert "연결됨" in kiosk.window.camera_chips["counter"].text()
        assert len(kiosk.catalog) >= 12
        assert kiosk.window.header.demo_badge.isVisible()
    finally:
        workers = list(kiosk.workers.values())
        kiosk.shutdown()
    assert workers and not any(w.isRunning() for w in workers)


def test_a_missing_source_is_shown_and_the_other_camera_still_runs(qtbot, tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((40, 40, 3), np.uint8))
    settings = Settings(data_dir=str(tmp_path / "data"))
    plan = CameraPlan(str(tmp_path / "no-such-video.mp4"), str(folder))
    kiosk = Kiosk(settings, open_store(settings), plan)
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.start()
        assert set(kiosk.workers) == {"face"}
        chip = kiosk.window.camera_chips["counter"]
        assert chip.property("state") == "error" and "no-such-video.mp4" in chip.toolTip()
        qtbot.waitUntil(lambda: kiosk.window.face_view.image() is not None, timeout=5000)
    finally:
        kiosk.shutdown()


class ScriptedDetector:
    """Stands in for the product detector: the same detections for every frame."""

    backend = "fake"

    def __init__(self, detections):
        from pathlib import Path

        from app.vision.detection import ModelBundle

        self.detections = detections
        self.bundle = ModelBundle(Path("fake"), {"name": "scripted", "classes": [], "input_size": [320, 320],
                                                 "files": {}})

    def detect(self, image):
        return list(self.detections)


def test_detections_reach_the_overlay_and_a_stable_cart(qtbot, tmp_path, monkeypatch):
    from app.vision.detection import Detection
    from app.workers import detection as detection_module

    dets = [Detection(0, "coke_500ml", 0.92, (10, 10, 40, 60)),
            Detection(0, "coke_500ml", 0.88, (50, 10, 80, 60)),
            Detection(1, "saeukkang_90g", 0.4, (100, 20, 150, 90))]
    monkeypatch.setattr(detection_module, "open_detector",
                        lambda folder, backend, threads=None: ScriptedDetector(dets))
    video = write_test_video(tmp_path / "counter.avi", count=30, fps=30.0)
    settings = Settings(data_dir=str(tmp_path / "data"))
    kiosk = Kiosk(settings, open_store(settings), CameraPlan(str(video), str(tmp_path / "none")))
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.start()
        qtbot.waitUntil(lambda: kiosk.cart.item_count == 2, timeout=5000)
        assert [line.product.detector_class for line in kiosk.cart.lines] == ["coke_500ml"]
        assert "scripted" in kiosk.window.model_chip.text()
        overlay = kiosk.window.counter_view.overlay()
        assert len(overlay) == 3 and [b.uncertain for b in overlay] == [False, False, True]
        assert overlay[0].label == "코카콜라 500ml"
    finally:
        kiosk.shutdown()


def test_a_broken_model_is_reported_and_the_cameras_keep_running(qtbot, tmp_path):
    video = write_test_video(tmp_path / "counter.avi", count=30, fps=30.0)
    settings = Settings(data_dir=str(tmp_path / "data"), detector_model=str(tmp_path / "no-model"))
    kiosk = Kiosk(settings, open_store(settings), CameraPlan(str(video), str(tmp_path / "none")))
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.start()
        qtbot.waitUntil(lambda: kiosk.window.model_chip.property("state") == "error", timeout=5000)
        assert "no-model" in kiosk.window.model_chip.toolTip()
        qtbot.waitUntil(lambda: kiosk.window.counter_view.image() is not None, timeout=5000)
        assert kiosk.store.audit_entries(kind="model_failed")
    finally:
        kiosk.shutdown()


def test_face_pay_side_loads_the_offline_backend_and_reports_faces(qtbot, tmp_path, shared_faces):
    """The real face pipeline (MTCNN + dlib) runs in its thread on photos standing in for the camera."""
    folder = tmp_path / "faces"
    folder.mkdir()
    import shutil

    shutil.copy(shared_faces / "obama" / "1.jpg", folder / "a.jpg")
    video = write_test_video(tmp_path / "counter.avi", count=5, fps=30.0)
    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "keys" / "k"),
                        detector_model=str(tmp_path / "no-model"))
    kiosk = Kiosk(settings, open_store(settings), CameraPlan(str(video), str(folder)))
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.start()
        qtbot.waitUntil(lambda: kiosk.window.status_bar.face_chip.property("state") == "ok", timeout=60000)
        assert "dlib" in kiosk.window.status_bar.face_chip.text()
        seen = []
        kiosk.face_worker.result_ready.connect(seen.append)
        qtbot.waitUntil(lambda: bool(kiosk.window.face_view.overlay()) and bool(seen), timeout=30000)
        assert kiosk.window.face_panel.highlighted() is None  # nobody is registered: stays unknown
        landmarks = seen[-1].landmarks  # the liveness check's input: 5 points inside the face box
        x1, y1, x2, y2 = seen[-1].box
        assert len(landmarks) == 5 and all(x1 <= x <= x2 and y1 <= y <= y2 for x, y in landmarks)
    finally:
        kiosk.shutdown()
