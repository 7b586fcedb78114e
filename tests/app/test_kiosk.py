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
