"""The camera thread: newest-frame hand-off, status reporting, clean shutdown."""

from __future__ import annotations

import time

import numpy as np

from app.capture.base import SourceState
from app.workers.camera import CameraWorker
from app.workers.latest import LatestSlot
from tests.fakes import FakeCamera


class PacedCamera(FakeCamera):
    """A fake camera that delivers frames at roughly its fps, like a real one."""

    def _read(self):
        time.sleep(1.0 / self.fps)
        return super()._read()


def test_latest_slot_keeps_only_the_newest_item():
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    serial, item = slot.take(timeout=0)
    assert (serial, item) == (5, 4)
    assert slot.dropped == 4
    assert slot.take(after=serial, timeout=0.01) == (serial, None)
    slot.put(99)
    assert slot.take(after=serial, timeout=0) == (6, 99)


def test_worker_shows_frames_then_ends_and_closes_the_source(qtbot):
    camera = FakeCamera(max_frames=20)
    worker = CameraWorker(camera, "counter")
    shown: list[np.ndarray] = []
    states: list[SourceState] = []
    worker.frame_ready.connect(lambda: shown.append(worker.take_for_display()))
    worker.status_changed.connect(lambda status: states.append(status.state))
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    qtbot.waitUntil(lambda: SourceState.ENDED in states, timeout=2000)
    assert worker.frames_read == 20
    frames = [f for f in shown if f is not None]
    assert frames, "the GUI never got a frame"
    assert frames[-1].index <= 19
    assert states[0] is SourceState.OPENING and SourceState.LIVE in states
    assert camera.closes == 1


def test_slow_gui_gets_no_backlog(qtbot):
    """While the GUI has not taken the last frame, the worker does not signal again."""
    camera = PacedCamera(fps=200)
    worker = CameraWorker(camera, "counter")
    signals = []
    worker.frame_ready.connect(lambda: signals.append(1))  # never takes a frame
    worker.start()
    try:
        qtbot.waitUntil(lambda: worker.frames_read >= 20, timeout=5000)
        qtbot.wait(50)
        assert len(signals) == 1
        frame = worker.take_for_display()
        assert frame is not None and frame.index >= 19, "the GUI gets the newest frame, not the first"
        qtbot.waitUntil(lambda: len(signals) == 2, timeout=2000)
    finally:
        worker.stop()
    assert not worker.isRunning()


def test_unplugged_camera_is_reported_and_comes_back(qtbot):
    camera = PacedCamera(fps=100)
    camera.unplug()
    worker = CameraWorker(camera, "face")
    worker.IDLE_WAIT_MS = 10
    states: list[SourceState] = []
    worker.status_changed.connect(lambda status: states.append(status.state))
    worker.start()
    try:
        qtbot.waitUntil(lambda: SourceState.DISCONNECTED in states, timeout=3000)
        assert worker.frames_read == 0
        camera.replug()
        qtbot.waitUntil(lambda: states[-1] is SourceState.LIVE, timeout=3000)
        qtbot.waitUntil(lambda: worker.frames_read > 0, timeout=3000)
    finally:
        worker.stop()
    assert not worker.isRunning()
    assert camera.closes == 1


def test_a_crashing_source_is_reported_not_raised(qtbot):
    class Broken(FakeCamera):
        def _read(self):
            raise RuntimeError("driver exploded")

    worker = CameraWorker(Broken(), "counter")
    states = []
    worker.status_changed.connect(lambda status: states.append(status))
    with qtbot.waitSignal(worker.finished, timeout=3000):
        worker.start()
    qtbot.waitUntil(lambda: any(s.state is SourceState.FAILED for s in states), timeout=2000)
    assert "driver exploded" in states[-1].message
