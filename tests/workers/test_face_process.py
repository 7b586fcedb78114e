"""The face pipeline in a child process: same answers as in-process, restarts, clean stop, load failures.

The real-model tests share one face process (MTCNN + dlib) and one in-process pipeline per module;
the life-cycle tests use light children whose "pipeline" is a stand-in built by the module-level
builders below (the child imports this module to find them).
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import signal
import time
from types import SimpleNamespace

import numpy as np
import pytest

from app.capture.base import Frame
from app.core.face_crypto import TemplateCipher
from app.core.face_pay import MatchReason
from app.core.registration import FacePose
from app.core.settings import Settings
from app.vision.faces.detector import FaceDetection
from app.vision.faces.gallery import Gallery
from app.vision.faces.pipeline import FaceObservation, RegistrationCapture
from app.vision.faces.pose import PoseAngles
from app.vision.faces.quality import QualityReason, QualityVerdict
from app.vision.faces.remote import FaceProcessDiedError, FaceProcessError, RemoteFacePipeline
from app.workers.latest import LatestSlot

LIGHT_SETTINGS = SimpleNamespace(torch_threads=1, face_camera_mirrored=False)
UNIT = [1.0, 0.0, 0.0, 0.0]


# --- the children's stand-ins (run in the face process) -----------------------------------------------

class ChildStandIn:
    """A 'pipeline' without models: the face box comes from the frame's first pixel, the embedding is
    always UNIT, matched against the real gallery the parent sent. Pixel 255 is a bad frame
    (ValueError); pixel 254 kills the process."""

    def __init__(self, gallery: Gallery | None) -> None:
        self.embedder = SimpleNamespace(backend="dlib", dim=4, source="stand-in")
        self.gallery = gallery if gallery is not None else Gallery("dlib")

    def process(self, image, *, embed=True, match=True, baseline=None, phones=None, phone_last4=None):
        value = int(image[0, 0, 2])
        if value == 255:
            raise ValueError("a frame the stand-in refuses")
        if value == 254:
            os.kill(os.getpid(), signal.SIGKILL)
        box = np.array([value, value, value + 40, value + 40], np.float32)
        detection = FaceDetection(box, np.full((5, 2), value + 20, np.float32), 0.99)
        embedding = np.array(UNIT, np.float32)
        decision = self.gallery.match(embedding, backend="dlib") if match else None
        return FaceObservation(detection, PoseAngles(0.0, 0.0, 0.0), FacePose.FRONT,
                               QualityVerdict(True, QualityReason.OK, ""), chip=np.zeros((4, 4, 3), np.uint8),
                               embedding=embedding, decision=decision, backend="dlib",
                               timings_ms={"detect": 1.0})

    def registration_capture(self, image, *, baseline=None):
        obs = self.process(image, match=False, baseline=baseline)
        return RegistrationCapture("front", True, "ok", tuple(UNIT), None, obs)


class SuicidalStandIn(ChildStandIn):
    def process(self, image, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)


def build_stand_in(settings, templates, gallery):
    return ChildStandIn(gallery), "stand-in face pipeline"


def build_suicidal(settings, templates, gallery):
    return SuicidalStandIn(gallery), "stand-in that dies on every frame"


def build_failing(settings, templates, gallery):
    raise RuntimeError("no MTCNN weights in the child")


def build_slowly(settings, templates, gallery):
    time.sleep(60)
    return ChildStandIn(gallery), "too late"


# --- helpers ------------------------------------------------------------------------------------------

def frame_with(value: int, width: int = 80, height: int = 60) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[0, 0, 2] = value
    return image


def my_segments() -> list[str]:
    return glob.glob(f"/dev/shm/selfcheckout-faces-{os.getpid()}-*")


def children() -> set[int]:
    return {p.pid for p in multiprocessing.active_children()}


def assert_gone(pid: int) -> None:
    assert not os.path.exists(f"/proc/{pid}"), f"face process {pid} still exists (running or a zombie)"
    assert pid not in children()


def remote_build(builder, **kwargs):
    def build():
        pipeline = RemoteFacePipeline(LIGHT_SETTINGS, builder=builder, **kwargs)
        return pipeline, pipeline.description
    return build


def make_worker(build, slot=None, **kwargs):
    from app.workers.faces import FaceWorker

    worker = FaceWorker(slot if slot is not None else LatestSlot(), build, max_fps=100, confirm_frames=2,
                        **kwargs)
    worker.restart_backoff_s = (0.05, 0.1)
    return worker


class Feeder:
    def __init__(self, slot: LatestSlot[Frame]) -> None:
        self.slot, self.count = slot, 0

    def __call__(self, value: int | None = None) -> None:
        self.count += 1
        self.slot.put(Frame(frame_with(self.count % 200 if value is None else value), self.count, 0.0, "t"))


def feed_until(qtbot, feed, condition, timeout: int = 10000) -> None:
    def check() -> bool:
        if condition():
            return True
        feed()
        return False

    qtbot.waitUntil(check, timeout=timeout)


# --- the light child ----------------------------------------------------------------------------------

def test_frames_go_through_shared_memory_and_come_back_slim():
    with RemoteFacePipeline(LIGHT_SETTINGS, builder=build_stand_in) as remote:
        assert remote.embedder.backend == "dlib" and remote.description == "stand-in face pipeline"
        obs = remote.process(frame_with(7))
        assert obs.detection.box.tolist() == [7, 7, 47, 47]
        assert obs.chip is None and obs.embedding is None  # dropped unless asked for
        assert {"detect", "transport"} <= set(obs.timings_ms)
        assert remote.process(frame_with(8), keep_embedding=True).embedding.tolist() == UNIT
        first = remote.shm_name
        assert first is not None and os.path.exists(f"/dev/shm/{first}")
        remote.process(frame_with(9, 40, 30))  # smaller: the segment is reused
        assert remote.shm_name == first
        obs = remote.process(frame_with(10, 1280, 720))  # larger: a new segment, the old one unlinked
        assert obs.detection.box[0] == 10 and remote.shm_name != first
        assert not os.path.exists(f"/dev/shm/{first}") and len(my_segments()) == 1
        capture = remote.registration_capture(frame_with(11))
        assert capture.template == tuple(UNIT) and capture.observation.embedding is None


def test_a_bad_frame_raises_and_the_child_goes_on():
    with RemoteFacePipeline(LIGHT_SETTINGS, builder=build_stand_in) as remote:
        with pytest.raises(ValueError, match="refuses"):
            remote.process(frame_with(255))
        with pytest.raises(ValueError, match="BGR uint8"):
            remote.process(np.zeros((4, 4), np.uint8))
        assert remote.process(frame_with(3)).detection.box[0] == 3 and remote.alive


def test_the_gallery_goes_to_the_child_and_survives_a_restart():
    with RemoteFacePipeline(LIGHT_SETTINGS, builder=build_stand_in) as remote:
        assert remote.process(frame_with(1)).decision.reason is MatchReason.EMPTY_GALLERY
        gallery = Gallery("dlib")
        gallery.add("C-1", UNIT, backend="dlib")
        remote.gallery = gallery
        assert remote.gallery is gallery
        assert remote.process(frame_with(1)).decision.customer_id == "C-1"
        with pytest.raises(ValueError, match="backend"):
            remote.gallery = Gallery("facenet")
        pid = remote.pid
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(FaceProcessDiedError, match="SIGKILL"):
            remote.process(frame_with(1))
        with pytest.raises(FaceProcessDiedError):  # and every later call until the restart
            remote.process(frame_with(1))
        assert_gone(pid)
        remote.restart()
        assert remote.pid != pid and remote.restarts == 1
        assert remote.process(frame_with(1)).decision.customer_id == "C-1"


def test_close_leaves_no_process_and_no_shared_memory():
    remote = RemoteFacePipeline(LIGHT_SETTINGS, builder=build_stand_in)
    remote.process(frame_with(1, 640, 480))
    pid, segment = remote.pid, remote.shm_name
    started = time.monotonic()
    remote.close()
    assert time.monotonic() - started < 2.0
    assert_gone(pid)
    assert not os.path.exists(f"/dev/shm/{segment}") and my_segments() == []
    remote.close()  # idempotent
    assert remote.embedder.backend == "dlib"  # still readable


def test_a_load_failure_in_the_child_raises_its_message():
    before = children()
    with pytest.raises(FaceProcessError, match="no MTCNN weights in the child"):
        RemoteFacePipeline(LIGHT_SETTINGS, builder=build_failing)
    assert children() == before


# --- the worker with a light child ----------------------------------------------------------------------

def test_the_worker_restarts_a_killed_child_with_its_gallery(qtbot, tmp_path):
    slot: LatestSlot[Frame] = LatestSlot()
    feed = Feeder(slot)
    worker = make_worker(remote_build(build_stand_in), slot)
    results, failures, restarts, offers = [], [], [], []
    worker.result_ready.connect(results.append)
    worker.failed.connect(failures.append)
    worker.restarting.connect(restarts.append)
    worker.registration_ready.connect(offers.append)
    with qtbot.waitSignal(worker.ready, timeout=20000):
        worker.start()
    try:
        cipher = TemplateCipher.from_key_file(tmp_path / "face.key")
        blob = cipher.encrypt(UNIT, backend="dlib", customer_id="C-1", pose="front")
        record = SimpleNamespace(customer_id="C-1", pose="front", backend="dlib", template=blob)
        with qtbot.waitSignal(worker.gallery_reloaded, timeout=5000):
            worker.reload_gallery([record], cipher)
            feed()
        feed_until(qtbot, feed, lambda: any(r.confirmed == "C-1" for r in results))
        assert results[-1].box[0] == (results[-1].frame_index % 200)  # the frame went through shared memory
        pipeline = worker.pipeline
        pid = pipeline.pid

        os.kill(pid, signal.SIGKILL)
        feed_until(qtbot, feed, lambda: bool(restarts))
        assert "killed by SIGKILL" in restarts[0] and "restart 1 of 2" in restarts[0]
        assert worker.pipeline is pipeline and pipeline.embedder.backend == "dlib"  # readable meanwhile
        seen = len(results)
        feed_until(qtbot, feed, lambda: len(results) >= seen + 3 and results[-1].confirmed == "C-1")
        assert pipeline.pid != pid and worker.error is None and not failures  # with the reloaded gallery
        assert_gone(pid)

        worker.begin_registration()  # registration captures come from the child as well
        feed_until(qtbot, feed, lambda: len(offers) >= 2)
        assert offers[-1].capture.template == tuple(UNIT)
        worker.end_registration()
    finally:
        pid = worker.pipeline.pid if worker.pipeline is not None else None
        assert worker.stop()
    if pid is not None:
        assert_gone(pid)
    assert my_segments() == []


def test_the_worker_gives_up_after_its_restarts(qtbot):
    slot: LatestSlot[Frame] = LatestSlot()
    feed = Feeder(slot)
    before = children()
    worker = make_worker(remote_build(build_suicidal), slot)
    failures: list[str] = []
    restarts: list[str] = []
    worker.failed.connect(failures.append)
    worker.restarting.connect(restarts.append)
    with qtbot.waitSignal(worker.ready, timeout=20000):
        worker.start()
    feed_until(qtbot, feed, lambda: bool(failures), timeout=60000)
    assert len(restarts) == 2 and "restart 1 of 2" in restarts[0] and "restart 2 of 2" in restarts[1]
    assert len(failures) == 1 and "gave up after 2 restarts" in failures[0]
    assert worker.wait(5000) and worker.pipeline is None and worker.error == failures[0]
    assert children() == before and my_segments() == []


def test_a_load_failure_in_the_child_reaches_failed(qtbot):
    before = children()
    worker = make_worker(remote_build(build_failing))
    with qtbot.waitSignal(worker.failed, timeout=20000) as blocker:
        worker.start()
    assert blocker.args == ["no MTCNN weights in the child"] and worker.error == blocker.args[0]
    assert worker.wait(5000) and worker.pipeline is None
    assert children() == before


def test_stop_while_the_child_is_still_loading_is_prompt(qtbot):
    before = children()
    worker = make_worker(remote_build(build_slowly))
    failures: list[str] = []
    worker.failed.connect(failures.append)
    worker.start()
    qtbot.waitUntil(lambda: children() != before, timeout=5000)
    qtbot.wait(300)
    started = time.monotonic()
    assert worker.stop()
    assert time.monotonic() - started < 3.0
    assert children() == before and not failures


# --- the real models ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def faces_setup(tmp_path_factory):
    """One in-process pipeline and one face process (MTCNN + dlib), the latter built the kiosk's way
    from an encrypted template of the photo's face."""
    from app.vision.faces.setup import build_face_pipeline, build_local_pipeline
    from tests.conftest import SHARED_FACES

    if not SHARED_FACES.is_dir():
        pytest.skip("../shared/faces is not next to the project")
    import cv2

    folder = tmp_path_factory.mktemp("face-process")
    settings = Settings(data_dir=str(folder / "data"), face_key_file=str(folder / "face.key"),
                        face_backend="dlib", torch_threads=1)
    photo = cv2.imread(str(SHARED_FACES / "obama" / "1.jpg"), cv2.IMREAD_COLOR)
    local, _ = build_local_pipeline(settings)
    probe = local.process(photo)
    assert probe.embedding is not None
    cipher = TemplateCipher.from_key_file(settings.face_key_file)
    record = SimpleNamespace(customer_id="C-OBAMA", pose="front", backend="dlib",
                             template=cipher.encrypt(probe.embedding, backend="dlib", customer_id="C-OBAMA",
                                                     pose="front"))
    local.gallery.add("C-OBAMA", probe.embedding, backend="dlib")
    remote, description = build_face_pipeline(settings, [record])
    assert isinstance(remote, RemoteFacePipeline) and "dlib" in description
    yield SimpleNamespace(local=local, remote=remote, photo=photo, settings=settings)
    pid = remote.pid
    remote.close()
    assert_gone(pid)
    assert my_segments() == []


def test_the_face_process_gives_the_in_process_observation(faces_setup):
    s = faces_setup
    here = s.local.process(s.photo)
    there = s.remote.process(s.photo, keep_embedding=True)
    assert there.detection is not None and there.chip is None
    np.testing.assert_allclose(there.detection.box, here.detection.box, atol=1e-5)
    np.testing.assert_allclose(there.detection.landmarks, here.detection.landmarks, atol=1e-5)
    np.testing.assert_allclose(there.embedding, here.embedding, atol=1e-5)
    assert there.quality.reason is here.quality.reason and there.pose is here.pose
    assert there.angles == pytest.approx(here.angles)
    assert there.decision.accepted and there.decision.customer_id == "C-OBAMA"  # the decrypted template
    assert there.decision.score == pytest.approx(here.decision.score, abs=1e-5)
    assert s.remote.gallery.customers == {"C-OBAMA"} and s.remote.embedder.backend == "dlib"


def test_the_face_process_gives_the_in_process_registration_capture(faces_setup):
    s = faces_setup
    here = s.local.registration_capture(s.photo)
    there = s.remote.registration_capture(s.photo)
    assert there.as_kwargs().keys() == here.as_kwargs().keys()
    fields = ("pose", "quality_ok", "quality_reason", "duplicate_of")
    assert [getattr(there, f) for f in fields] == [getattr(here, f) for f in fields]
    assert (here.pose, here.quality_ok, here.duplicate_of) == ("front", True, "C-OBAMA")
    np.testing.assert_allclose(there.template, here.template, atol=1e-5)
    assert there.observation.angles == pytest.approx(here.observation.angles)


def test_missing_facenet_weights_in_the_child_reach_failed(qtbot, tmp_path):
    """FaceNet asked for explicitly (no dlib fallback) with a weights file that is not there."""
    from app.vision.faces.setup import build_face_pipeline

    before = children()
    missing = tmp_path / "no-such-weights.pt"
    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "face.key"),
                        face_backend="facenet", facenet_weights=str(missing), facenet_weights_sha256="0" * 64)
    worker = make_worker(lambda: build_face_pipeline(settings, []))
    with qtbot.waitSignal(worker.failed, timeout=60000) as blocker:
        worker.start()
    assert blocker.args == [f"FaceNet weights file {missing} does not exist"]
    assert worker.wait(5000) and children() == before


def test_in_process_mode_is_still_there(faces_setup, monkeypatch):
    """``SELFCHECKOUT_FACE_PROCESS=0`` (debugging) builds the same pipeline in this process."""
    from app.vision.faces.pipeline import FacePipeline
    from app.vision.faces.setup import FACE_PROCESS_ENV, build_face_pipeline

    s = faces_setup
    cipher = TemplateCipher.from_key_file(s.settings.face_key_file)
    vector = s.local.process(s.photo).embedding
    record = SimpleNamespace(customer_id="C-1", pose="front", backend="dlib",
                             template=cipher.encrypt(vector, backend="dlib", customer_id="C-1", pose="front"))
    monkeypatch.setenv(FACE_PROCESS_ENV, "0")
    pipeline, description = build_face_pipeline(s.settings, [record])
    assert isinstance(pipeline, FacePipeline) and "dlib" in description
    assert pipeline.process(s.photo).decision.customer_id == "C-1"
