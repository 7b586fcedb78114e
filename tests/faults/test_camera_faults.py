"""Fault injection at the camera thread: a source that stops, stalls, sends corrupt frames or resizes.

After each fault the thread is still stoppable within its stop timeout, the fault is visible as a
status, and frames flow again when the source recovers.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from app.capture.base import Frame, SourceState, SourceStatus
from app.workers.camera import CameraWorker
from app.workers.detection import DetectorWorker
from app.workers.latest import LatestSlot
from tests.fakes import STALL, BoxDetector, FakeCamera, ScriptedCamera, bgr


def fast(worker: CameraWorker, stall_after: float = 0.3) -> CameraWorker:
    worker.IDLE_WAIT_MS = 5
    worker.POLL_MS = 10
    worker.STALL_AFTER_S = stall_after
    worker.READER_JOIN_S = 0.1
    return worker


def record(worker: CameraWorker) -> list[SourceStatus]:
    states: list[SourceStatus] = []
    worker.status_changed.connect(states.append)
    return states


def test_a_stalled_read_is_reported_and_the_thread_still_stops_at_once(qtbot):
    camera = ScriptedCamera([bgr(8, 6), STALL, bgr(8, 6)], fps=100)
    worker = fast(CameraWorker(camera, "counter"))
    states = record(worker)
    worker.start()
    try:
        assert camera.stalled.wait(2), "the script never reached the stall"
        qtbot.waitUntil(lambda: worker.stalled, timeout=2000)
        qtbot.waitUntil(lambda: bool(states) and states[-1].state is SourceState.DISCONNECTED, timeout=2000)
        assert "no frame for" in states[-1].message and "stalled" in states[-1].message
        started = time.monotonic()
        assert worker.stop(1500), "a read blocked in the driver must not block stopping"
        assert time.monotonic() - started < 1.5
        assert camera.closes == 0, "the source is never closed under a read in progress"
    finally:
        camera.release()
        worker.stop()
        if worker.reader is not None:
            worker.reader.join(2)
    assert not worker.reader.is_alive()
    assert camera.closes == 1 and camera.closed_by == worker.reader.name, "the reader closes it when free"


def test_a_stall_clears_when_frames_come_back(qtbot):
    camera = ScriptedCamera([bgr(8, 6, 1), STALL, bgr(8, 6, 2), bgr(8, 6, 3)], fps=100, repeat_last=True)
    worker = fast(CameraWorker(camera, "face"))
    states = record(worker)
    worker.start()
    try:
        qtbot.waitUntil(lambda: worker.stalled, timeout=2000)
        read_before = worker.frames_read
        camera.release()
        qtbot.waitUntil(lambda: not worker.stalled and worker.frames_read > read_before + 1, timeout=2000)
        qtbot.waitUntil(lambda: states[-1].state is SourceState.LIVE, timeout=2000)
    finally:
        camera.release()
        assert worker.stop()
    kinds = [s.state for s in states]
    stall = next(i for i, s in enumerate(states) if "stalled" in s.message)
    assert SourceState.LIVE in kinds[:stall] and SourceState.LIVE in kinds[stall:]


def test_a_source_that_returns_none_while_live_is_reported_as_stalled(qtbot):
    camera = ScriptedCamera([bgr(8, 6), None], fps=100, repeat_last=True)  # LIVE, but no frames
    worker = fast(CameraWorker(camera, "counter"))
    states = record(worker)
    worker.start()
    try:
        qtbot.waitUntil(lambda: any("stalled" in s.message for s in states), timeout=3000)
    finally:
        assert worker.stop()


def test_stall_detection_waits_longer_for_a_slow_source():
    worker = CameraWorker(ScriptedCamera([], fps=0.2), "counter")
    assert worker.stall_limit() == 15.0  # three frame periods of a 0.2 fps folder
    worker = CameraWorker(ScriptedCamera([], fps=30), "counter")
    assert worker.stall_limit() == CameraWorker.STALL_AFTER_S


def test_a_disconnected_camera_is_not_also_called_stalled(qtbot):
    camera = FakeCamera(fps=100)
    camera.unplug()
    worker = fast(CameraWorker(camera, "face"), stall_after=0.2)
    states = record(worker)
    worker.start()
    try:
        qtbot.waitUntil(lambda: any(s.state is SourceState.DISCONNECTED for s in states), timeout=2000)
        qtbot.wait(500)
        assert not worker.stalled and not any("stalled" in s.message for s in states)
    finally:
        assert worker.stop()


def test_a_source_that_ends_mid_stream_stops_the_thread_and_shows_ended(qtbot):
    camera = ScriptedCamera([bgr(8, 6)] * 3)
    worker = fast(CameraWorker(camera, "counter"))
    states = record(worker)
    with qtbot.waitSignal(worker.finished, timeout=3000):
        worker.start()
    qtbot.waitUntil(lambda: bool(states) and states[-1].state is SourceState.ENDED, timeout=2000)
    assert worker.frames_read == 3 and camera.closes == 1


def test_corrupt_frames_never_reach_the_slot(qtbot):
    """A source that builds Frames itself (bypassing the checks of ``_emit``) still cannot pass junk on."""

    class Rogue(FakeCamera):
        def _read(self):
            self.reads += 1
            junk = [None, np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32), bgr(8, 6, 7)]
            if self.reads > len(junk):
                self._set_status(SourceState.ENDED, "done")
                return None
            self._set_status(SourceState.LIVE, "live")
            return Frame(junk[self.reads - 1], self.reads, time.monotonic(), self.name)  # type: ignore[arg-type]

    worker = fast(CameraWorker(Rogue(), "counter"))
    with qtbot.waitSignal(worker.finished, timeout=3000):
        worker.start()
    assert worker.corrupt_frames == 3 and worker.frames_read == 1
    _, frame = worker.latest.take(timeout=0)
    assert frame is not None and frame.image[0, 0, 0] == 7


def test_detector_and_overlay_follow_a_resolution_change(qtbot):
    sizes = [(64, 48)] * 3 + [(320, 240)] * 3 + [(40, 100)] * 3
    camera = ScriptedCamera([bgr(w, h) for w, h in sizes])
    slot: LatestSlot[Frame] = LatestSlot()
    detector = BoxDetector()
    worker = DetectorWorker(slot, "fake-model", "fake", detector=detector)
    results = []
    worker.result_ready.connect(results.append)
    worker.start()
    try:
        with camera:
            for _ in sizes:
                frame = camera.read()
                slot.put(frame)
                qtbot.waitUntil(lambda f=frame: bool(results) and results[-1].frame_index == f.index,
                                timeout=2000)
    finally:
        assert worker.stop()
    assert [r.frame_size for r in results] == sizes
    for result in results:  # the box covers exactly the frame it was detected on
        assert result.detections[0].box == (0.0, 0.0, *map(float, result.frame_size))


def test_detector_worker_skips_frames_it_cannot_take_and_keeps_going(qtbot):
    slot: LatestSlot[Frame] = LatestSlot()
    detector = BoxDetector()
    worker = DetectorWorker(slot, "fake-model", "fake", detector=detector)
    results = []
    worker.result_ready.connect(results.append)
    worker.start()
    try:
        for index, image in enumerate([np.zeros((4, 4), np.uint8), np.zeros((0, 5, 3), np.uint8)]):
            slot.put(Frame(image, index, 0.0, "junk"))
            qtbot.waitUntil(lambda n=index + 1: worker.skipped == n, timeout=2000)
        slot.put(Frame(bgr(16, 8), 9, 0.0, "good"))
        qtbot.waitUntil(lambda: len(results) == 1, timeout=2000)
    finally:
        assert worker.stop()
    assert results[0].frame_index == 9 and worker.failures == 0


def test_a_detector_that_fails_on_every_frame_is_reported_once_and_stops(qtbot):
    slot: LatestSlot[Frame] = LatestSlot()
    detector = BoxDetector()
    detector.fail = RuntimeError("onnxruntime: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION")
    worker = DetectorWorker(slot, "models/broken", "fake", detector=detector)
    failed: list[str] = []
    worker.model_failed.connect(failed.append)
    stop_feeding = threading.Event()

    def feed():
        index = 0
        while not stop_feeding.is_set():
            slot.put(Frame(bgr(16, 8), index, 0.0, "cam"))
            index += 1
            time.sleep(0.002)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        with qtbot.waitSignal(worker.finished, timeout=3000):
            worker.start()
    finally:
        stop_feeding.set()
        feeder.join()
    qtbot.waitUntil(lambda: len(failed) == 1, timeout=1000)
    assert worker.failures == DetectorWorker.MAX_CONSECUTIVE_FAILURES
    assert "models/broken" in failed[0] and "RUNTIME_EXCEPTION" in failed[0]
    assert "counting is off" in failed[0]
