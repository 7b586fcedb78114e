"""The face worker thread: identification as before, the registration mode, and the gallery reload."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from app.capture.base import Frame
from app.core.face_crypto import TemplateCipher
from app.core.face_pay import IdentityDecision, MatchReason
from app.core.registration import FacePose
from app.vision.faces.detector import FaceDetection
from app.vision.faces.gallery import Gallery
from app.vision.faces.pipeline import FaceObservation, RegistrationCapture
from app.vision.faces.pose import PoseAngles
from app.vision.faces.quality import QualityReason, QualityVerdict
from app.workers.faces import FaceResult, FaceWorker, RegistrationFrame, face_jpeg
from app.workers.latest import LatestSlot
from tests.fakes import synthetic_image

BOX = (20.0, 10.0, 60.0, 50.0)
FRONT_ANGLES = PoseAngles(3.0, -2.0, 1.0)


def observation(*, pose: FacePose | None = FacePose.FRONT, ok: bool = True, angles=FRONT_ANGLES,
                decision: IdentityDecision | None = None) -> FaceObservation:
    detection = FaceDetection(np.array(BOX, np.float32), np.zeros((5, 2), np.float32), 0.99)
    reason = QualityReason.OK if ok else QualityReason.TOO_DARK
    return FaceObservation(detection, angles, pose, QualityVerdict(ok, reason, ""), decision=decision,
                           embedding=np.ones(4, np.float32) if ok else None, backend="dlib")


class FakePipeline:
    """Stands in for ``FacePipeline``: records what it was asked, answers from the frame's index."""

    def __init__(self, gallery: Gallery | None = None) -> None:
        self.embedder = SimpleNamespace(backend="dlib")
        self.gallery = gallery if gallery is not None else Gallery("dlib")
        self.lock = threading.Lock()
        self.processed: list[int] = []
        self.registration: list[tuple[int, PoseAngles | None]] = []

    def process(self, image: np.ndarray) -> FaceObservation:
        with self.lock:
            self.processed.append(int(image[0, 0, 2]))
        decision = IdentityDecision("C-1", True, MatchReason.OK, 0.97, "C-1", None, 0.0, "1:N")
        return observation(decision=decision)

    def registration_capture(self, image: np.ndarray, *, baseline: PoseAngles | None = None):
        with self.lock:
            self.registration.append((int(image[0, 0, 2]), baseline))
        obs = observation(pose=FacePose.RIGHT if baseline is not None else FacePose.FRONT)
        return RegistrationCapture(obs.pose.value, True, "ok", (1.0, 0.0, 0.0, 0.0), None, obs)


class Feeder:
    """Puts numbered frames into the worker's slot each time it is called (from ``waitUntil``)."""

    def __init__(self, slot: LatestSlot[Frame], width: int = 80, height: int = 60) -> None:
        self.slot, self.count, self.size = slot, 0, (width, height)

    def __call__(self) -> None:
        self.slot.put(Frame(synthetic_image(self.count, *self.size), self.count, 0.0, "fake"))
        self.count += 1


@pytest.fixture
def rig(qtbot):
    slot: LatestSlot[Frame] = LatestSlot()
    pipeline = FakePipeline()
    worker = FaceWorker(slot, lambda: (pipeline, "fake backend"), max_fps=200, confirm_frames=2)
    results: list[FaceResult] = []
    offers: list[RegistrationFrame] = []
    worker.result_ready.connect(results.append)
    worker.registration_ready.connect(offers.append)
    with qtbot.waitSignal(worker.ready, timeout=5000):
        worker.start()
    yield SimpleNamespace(slot=slot, pipeline=pipeline, worker=worker, results=results, offers=offers,
                          feed=Feeder(slot))
    assert worker.stop()


def wait_for(qtbot, rig, condition, timeout: int = 5000) -> None:
    def check() -> bool:
        if condition():
            return True
        rig.feed()
        return False

    qtbot.waitUntil(check, timeout=timeout)


def test_identification_is_unchanged(qtbot, rig):
    wait_for(qtbot, rig, lambda: any(r.confirmed for r in rig.results))
    result = rig.results[-1]
    assert result.box == BOX and result.quality_ok and result.candidate == "C-1"
    assert result.confirmed == "C-1" and result.score == pytest.approx(0.97)
    assert not rig.offers and not rig.pipeline.registration
    assert rig.worker.pipeline is rig.pipeline and rig.worker.error is None


def test_registration_mode_offers_captures_with_the_baseline(qtbot, rig):
    rig.worker.begin_registration()
    assert rig.worker.registering
    wait_for(qtbot, rig, lambda: len(rig.offers) >= 2)
    offer = rig.offers[-1]
    assert isinstance(offer, RegistrationFrame)
    assert offer.capture.pose == "front" and offer.baseline is None and offer.box == BOX
    assert offer.image is None  # images only with the operator's opt-in
    assert offer.frame_index in [index for index, _ in rig.pipeline.registration]
    results_before = len(rig.results)

    rig.worker.set_registration_baseline(FRONT_ANGLES)
    wait_for(qtbot, rig, lambda: rig.offers[-1].baseline == FRONT_ANGLES)
    assert rig.offers[-1].capture.pose == "right"  # classified against the baseline
    assert rig.pipeline.registration[-1][1] == FRONT_ANGLES
    assert len(rig.results) <= results_before + 1  # at most the frame in flight when the mode changed

    rig.worker.end_registration()
    assert not rig.worker.registering
    offers = len(rig.offers)
    count = len(rig.results)
    wait_for(qtbot, rig, lambda: len(rig.results) >= count + 2)
    assert len(rig.offers) <= offers + 1
    rig.worker.set_registration_baseline(FRONT_ANGLES)  # ignored outside registration mode
    assert not rig.worker.registering


def test_kept_images_are_face_jpegs_only_when_asked(qtbot, rig):
    rig.worker.begin_registration(keep_images=True)
    wait_for(qtbot, rig, lambda: any(o.image for o in rig.offers))
    data = next(o.image for o in rig.offers if o.image)
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[:2] == (60, 64)  # the 40x40 box with 30% around it, clipped to the 80x60 frame
    rig.worker.begin_registration(keep_images=False)
    seen = len(rig.offers)
    wait_for(qtbot, rig, lambda: len(rig.offers) >= seen + 3)
    assert rig.offers[-1].image is None


def test_face_jpeg_without_a_face_is_none():
    assert face_jpeg(np.zeros((40, 40, 3), np.uint8), None) is None
    assert face_jpeg(np.zeros((40, 40, 3), np.uint8), (50.0, 50.0, 60.0, 60.0)) is None  # outside


def records(cipher: TemplateCipher, vectors: dict[str, list[float]], backend: str = "dlib"):
    return [SimpleNamespace(customer_id=cid, pose="front", backend=backend,
                            template=cipher.encrypt(vec, backend=backend, customer_id=cid, pose="front"))
            for cid, vec in vectors.items()]


def test_reload_gallery_rebuilds_it_in_the_worker_thread(qtbot, rig, tmp_path):
    cipher = TemplateCipher.from_key_file(tmp_path / "face.key")
    old = rig.pipeline.gallery
    templates = records(cipher, {"C-1": [1, 0, 0, 0], "C-2": [0, 1, 0, 0]})
    templates.append(records(cipher, {"C-3": [0, 0, 1]}, backend="facenet")[0])  # other backend: skipped
    with qtbot.waitSignal(rig.worker.gallery_reloaded, timeout=5000) as blocker:
        rig.worker.reload_gallery(templates, cipher)
        rig.feed()
    assert blocker.args == [2]
    gallery = rig.pipeline.gallery
    assert gallery is not old and gallery.customers == {"C-1", "C-2"}
    assert (gallery.threshold, gallery.margin) == (old.threshold, old.margin)
    assert gallery.scores([1, 0, 0, 0])["C-1"] == pytest.approx(1.0)


def test_a_gallery_that_cannot_be_decrypted_keeps_the_old_one(qtbot, rig, tmp_path):
    good = TemplateCipher.from_key_file(tmp_path / "good.key")
    wrong = TemplateCipher.from_key_file(tmp_path / "wrong.key")
    old = rig.pipeline.gallery
    with qtbot.waitSignal(rig.worker.gallery_failed, timeout=5000) as blocker:
        rig.worker.reload_gallery(records(good, {"C-1": [1, 0, 0, 0]}), wrong)
    assert "cannot be decrypted" in blocker.args[0]
    assert rig.pipeline.gallery is old
    wait_for(qtbot, rig, lambda: len(rig.results) >= 2)  # and it keeps identifying


def test_reload_gallery_reads_the_key_file_or_remembers_the_cipher(qtbot, rig, tmp_path):
    """The kiosk calls ``reload_gallery(templates)``: the key comes from ``key_file`` (read in the
    worker thread) or from the cipher an earlier call gave."""
    cipher = TemplateCipher.from_key_file(tmp_path / "face.key")
    templates = records(cipher, {"C-9": [0, 0, 1, 0]})
    with qtbot.waitSignal(rig.worker.gallery_failed, timeout=5000) as blocker:
        rig.worker.reload_gallery(templates)  # no key_file, no cipher yet
    assert "no key" in blocker.args[0]
    with qtbot.waitSignal(rig.worker.gallery_reloaded, timeout=5000):
        rig.worker.reload_gallery([])  # an empty store needs no key
    assert len(rig.pipeline.gallery) == 0
    rig.worker.key_file = str(tmp_path / "face.key")
    with qtbot.waitSignal(rig.worker.gallery_reloaded, timeout=5000) as blocker:
        rig.worker.reload_gallery(templates)
    assert blocker.args == [1] and rig.pipeline.gallery.customers == {"C-9"}
    rig.worker.key_file = None
    with qtbot.waitSignal(rig.worker.gallery_reloaded, timeout=5000):
        rig.worker.reload_gallery(templates + records(cipher, {"C-10": [0, 0, 0, 1]}))  # remembered
    assert rig.pipeline.gallery.customers == {"C-9", "C-10"}


def test_a_pipeline_that_fails_to_load_is_reported(qtbot):
    def build():
        raise RuntimeError("no MTCNN weights")

    worker = FaceWorker(LatestSlot(), build)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["no MTCNN weights"] and worker.error == "no MTCNN weights"
    assert worker.wait(5000) and worker.pipeline is None
    worker.begin_registration()  # harmless without a pipeline
    worker.end_registration()


def test_mode_changes_from_the_gui_thread_while_it_runs(qtbot, rig):
    """Switching modes many times while frames flow never mixes them up or stops the thread."""
    for i in range(30):
        if i % 2:
            rig.worker.begin_registration()
        else:
            rig.worker.end_registration()
        rig.worker.set_registration_baseline(FRONT_ANGLES if i % 3 else None)
        rig.feed()
        qtbot.wait(3)
    rig.worker.begin_registration()
    seen = len(rig.offers)
    wait_for(qtbot, rig, lambda: len(rig.offers) >= seen + 2)
    assert rig.worker.isRunning()
    assert all(baseline in (None, FRONT_ANGLES) for _, baseline in rig.pipeline.registration)


def test_the_worker_closes_the_pipeline_it_built(qtbot):
    """A pipeline with ``close`` (the face process) is closed when the thread ends, in that thread."""
    pipeline = FakePipeline()
    closed: list[object] = []
    pipeline.close = lambda: closed.append(threading.current_thread())
    worker = FaceWorker(LatestSlot(), lambda: (pipeline, "closable"), max_fps=200)
    with qtbot.waitSignal(worker.ready, timeout=5000):
        worker.start()
    assert not closed
    assert worker.stop()
    assert len(closed) == 1 and closed[0] is not threading.main_thread()
    assert worker.pipeline is pipeline  # still readable after the stop
