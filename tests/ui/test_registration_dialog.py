"""The registration dialog and its controller, driven like a customer would, with a fake face worker.

The worker stand-in has FaceWorker's signals and registration methods; its offers are real
``RegistrationCapture``/``RegistrationFrame`` values and the store is a real SQLite ``Store``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtGui import QImage

from app.core.face_crypto import TemplateCipher
from app.core.registration import FacePose, Step
from app.core.settings import Settings
from app.store.store import Store
from app.ui.face_panel import FacePanel
from app.ui.i18n import install_translator
from app.ui.registration import RegistrationController, RegistrationDialog
from app.vision.faces.detector import FaceDetection
from app.vision.faces.pipeline import FaceObservation, RegistrationCapture
from app.vision.faces.pose import PoseAngles
from app.vision.faces.quality import QualityReason, QualityVerdict
from app.workers.faces import RegistrationFrame

ANGLES = {"front": PoseAngles(2.0, 1.0, 0.0), "right": PoseAngles(32.0, 2.0, 0.0),
          "down": PoseAngles(1.0, 20.0, 0.0), "left": PoseAngles(-31.0, 0.0, 0.0)}
POSES = ("front", "right", "down", "left")
BOX = (200.0, 100.0, 360.0, 300.0)
PIN = "2468"


def template(pose: str) -> tuple[float, ...]:
    vector = np.random.default_rng(POSES.index(pose) + 1).normal(size=128)
    return tuple(float(v) for v in vector / np.linalg.norm(vector))


def capture(pose: str | None, *, reason: str = "ok", duplicate_of: str | None = None) -> RegistrationCapture:
    ok = reason == "ok"
    detection = None if reason == "no_face" else FaceDetection(np.array(BOX, np.float32),
                                                               np.zeros((5, 2), np.float32), 0.99)
    angles = ANGLES.get(pose or "", PoseAngles(12.0, 0.0, 0.0)) if detection is not None else None
    verdict = QualityVerdict(ok, QualityReason(reason), "")
    obs = FaceObservation(detection, angles, FacePose(pose) if pose else None, verdict, backend="dlib")
    return RegistrationCapture(pose, ok, reason, template(pose) if ok and pose else (), duplicate_of, obs)


class FakeFaceWorker(QObject):
    """FaceWorker's face to the registration UI, without a thread or a model."""

    ready = pyqtSignal(str)
    failed = pyqtSignal(str)
    result_ready = pyqtSignal(object)
    registration_ready = pyqtSignal(object)

    def __init__(self, *, loaded: bool = True) -> None:
        super().__init__()
        self.pipeline = SimpleNamespace(embedder=SimpleNamespace(backend="dlib")) if loaded else None
        self.error: str | None = None
        self.registering = False
        self.keep_images: bool | None = None
        self.baseline: PoseAngles | None = None
        self.baselines: list[PoseAngles | None] = []
        self.reloads: list[tuple[list, TemplateCipher]] = []
        self.index = 0

    def begin_registration(self, *, keep_images: bool = False) -> None:
        self.registering, self.keep_images, self.baseline = True, keep_images, None

    def set_registration_baseline(self, angles: PoseAngles | None) -> None:
        self.baseline = angles
        self.baselines.append(angles)

    def end_registration(self) -> None:
        self.registering = False

    def reload_gallery(self, templates, cipher) -> None:
        self.reloads.append((list(templates), cipher))

    def load(self) -> None:
        self.pipeline = SimpleNamespace(embedder=SimpleNamespace(backend="dlib"))
        self.ready.emit("dlib ResNet (offline backend)")

    def offer(self, pose: str | None, *, reason: str = "ok", duplicate_of: str | None = None,
              baseline: object = "current", image: bytes | None = None, times: int = 1) -> None:
        """Emit what the real worker would for ``times`` frames showing ``pose``."""
        for _ in range(times):
            self.index += 1
            used = self.baseline if baseline == "current" else baseline
            box = None if reason == "no_face" else BOX
            offer = capture(pose, reason=reason, duplicate_of=duplicate_of)
            self.registration_ready.emit(RegistrationFrame(offer, self.index, box, used, image))


@pytest.fixture
def english(qapp):
    install_translator(qapp, "en")
    yield qapp
    install_translator(qapp, "ko")


@pytest.fixture
def korean(qapp):
    install_translator(qapp, "ko")
    yield qapp
    install_translator(qapp, "ko")


@pytest.fixture
def store(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}")
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "keys" / "face.key"))


def make_controller(store, settings, worker, *, hold_frames: int = 3) -> RegistrationController:
    controller = RegistrationController(store, settings, worker, lambda pin: pin == PIN, None)
    controller.hold_frames = hold_frames
    controller.advance_ms = 0
    controller.auto_close_ms = 0
    return controller


@pytest.fixture
def opened(qtbot, english, store, settings):
    """(controller, dialog, worker) with the dialog open on the consent page."""
    worker = FakeFaceWorker()
    controller = make_controller(store, settings, worker)
    dialog = controller.open()
    qtbot.waitExposed(dialog)
    yield controller, dialog, worker
    controller.close()


def to_capture(dialog: RegistrationDialog, name: str = "Kim Minjun", customer_id: str = "C-1001",
               phone: str = "") -> None:
    dialog.consent_page.agree_button.click()
    page = dialog.details_page
    for field, value in zip(page.FIELDS, (name, customer_id, phone), strict=True):
        page.edits[field].setText(value)
    page.next_button.click()
    assert dialog.wizard.step is Step.FRONT, page.errors()


def take_all_poses(dialog, worker, **kwargs) -> None:
    for pose in POSES:
        assert dialog.wizard.step.value == pose
        worker.offer(pose, times=dialog.hold_frames, **kwargs)
    assert dialog.wizard.step is Step.SUMMARY


def test_declining_consent_closes_and_switches_the_worker_back(qtbot, opened, store):
    controller, dialog, worker = opened
    assert controller.active and worker.registering and worker.keep_images is False
    assert dialog.stack.currentWidget() is dialog.consent_page
    assert "No photos of your face are stored." in [p.text() for p in dialog.consent_page.points]
    with qtbot.waitSignal(controller.active_changed, timeout=1000) as blocker:
        dialog.consent_page.decline_button.click()
    assert blocker.args == [False]
    assert not controller.active and not worker.registering and not dialog.isVisible()
    assert dialog.wizard.step is Step.CANCELLED and store.list_customers() == []


def test_details_show_the_core_messages_inline(qtbot, korean, store, settings):
    from datetime import UTC, datetime

    store.add_customer("Taken", consent_at=datetime.now(UTC), backend="dlib", customer_id="C-7")
    controller = make_controller(store, settings, FakeFaceWorker())
    dialog = controller.open()
    try:
        dialog.consent_page.agree_button.click()
        page = dialog.details_page
        assert dialog.header.steps[1].property("state") == "current"
        page.edits["name"].setText("A")
        page.edits["customer_id"].setText("x!")
        page.edits["phone_last4"].setText("12a4")
        page.next_button.click()
        errors = page.errors()
        assert errors == {"name": "이름은 2~40자로 입력해 주세요.",
                          "customer_id": "고객 번호는 영문, 숫자, '-'로 3~20자여야 합니다.",
                          "phone_last4": "휴대폰 번호 뒤 4자리를 정확히 입력해 주세요."}
        assert page.edits["name"].property("error") is True
        assert dialog.wizard.step is Step.DETAILS
        page.edits["name"].setText("김민준")
        page.edits["customer_id"].setText("C-7")
        page.edits["phone_last4"].setText("1234")
        page.next_button.click()
        assert page.errors() == {"customer_id": "고객 번호 C-7은(는) 이미 등록되어 있습니다."}
        page.edits["customer_id"].setText("C-8")
        page.edits["customer_id"].textEdited.emit("C-8")  # typing clears that field's message
        assert page.errors() == {}
        page.next_button.click()
        assert dialog.wizard.step is Step.FRONT
        wizard = dialog.wizard
        assert (wizard.name, wizard.customer_id, wizard.phone_last4) == ("김민준", "C-8", "1234")
        assert dialog.capture_page.instruction.text() == "카메라를 정면으로 바라봐 주세요"
        dialog.capture_page.back_button.click()  # back to the details, still filled in
        assert dialog.wizard.step is Step.DETAILS and page.values() == ("김민준", "C-8", "1234")
    finally:
        controller.close()


def test_a_wrong_pose_is_refused_and_the_reason_shown(opened):
    _controller, dialog, worker = opened
    to_capture(dialog)
    page = dialog.capture_page
    assert dialog.stack.currentWidget() is page and page.models() == "ready"
    assert page.arrow.pose() == "front" and page.ring.current() == "front" and not page.ring.done()
    worker.offer("right", times=5)
    assert dialog.wizard.step is Step.FRONT and not dialog.wizard.captures
    assert page.feedback() == ("reject", "wrong_pose", "right")
    assert page.reason_text() == "Not yet: right now you are turned to your right."
    assert page.reason.property("state") == "warn"
    worker.offer(None, reason="too_dark")
    assert page.reason_text() == "It is too dark here. Please move into the light."
    worker.offer(None, reason="no_face")
    assert page.reason_text() == "We cannot see a face. Please look at the camera."
    assert page.video.overlay() == []
    for reason in ("too_small", "cut_off", "turned_away", "too_bright", "blurred"):
        worker.offer("front", reason=reason)
        assert page.feedback()[1] == reason and "Please" in page.reason_text()
    # Two good frames, then a bad one: the hold starts again; three in a row take the pose.
    worker.offer("front", times=2)
    assert page.feedback()[0] == "hold" and page.reason_text() == "Hold still…"
    worker.offer("front", reason="blurred")
    worker.offer("front", times=2)
    assert dialog.wizard.step is Step.FRONT
    worker.offer("front")
    assert dialog.wizard.step is Step.RIGHT
    assert page.ring.done() == {"front"} and page.arrow.pose() == "right"
    assert page.instruction.text() == "Slowly turn your head to your right"


def test_four_poses_then_finish_saves_encrypted_templates(qtbot, opened, store, settings, tmp_path):
    controller, dialog, worker = opened
    to_capture(dialog, "Kim Minjun", "C-1001", "5678")
    registered = []
    controller.customer_registered.connect(registered.append)
    worker.offer("front", times=3)
    assert worker.baseline == ANGLES["front"]  # the later poses are measured against the front one
    worker.offer("right", baseline=None, times=5)  # classified before the baseline arrived: ignored
    assert dialog.wizard.step is Step.RIGHT and FacePose.RIGHT not in dialog.wizard.captures
    for pose in ("right", "down", "left"):
        worker.offer(pose, times=3)
    assert dialog.wizard.step is Step.SUMMARY
    summary = dialog.summary_page
    assert dialog.stack.currentWidget() is summary and dialog.header.stage() == 3
    assert (summary.name_value.text(), summary.id_value.text()) == ("Kim Minjun", "C-1001")
    assert summary.phone_value.text().endswith("5678")
    assert all(chip.property("done") for chip in summary.chips.values())
    assert not summary.duplicate_box.isVisible() and summary.finish_button.isEnabled()

    summary.finish_button.click()
    assert registered == ["C-1001"]
    assert dialog.stack.currentWidget() is dialog.done_page and "Kim Minjun" in dialog.done_page.title.text()
    [customer] = store.list_customers()
    assert (customer.customer_id, customer.name, customer.phone_last4, customer.backend) == \
        ("C-1001", "Kim Minjun", "5678", "dlib")
    records = store.face_templates("C-1001")
    assert sorted(r.pose for r in records) == sorted(POSES)
    cipher = TemplateCipher.from_key_file(settings.face_key_file)
    for record in records:
        assert np.asarray(template(record.pose), np.float32).tobytes() not in record.template  # encrypted
        vector = cipher.decrypt(record.template, backend="dlib", customer_id="C-1001",
                                pose=record.pose).vector
        np.testing.assert_allclose(vector, template(record.pose), rtol=1e-6)
    assert not (tmp_path / "data" / "face-images").exists()  # no images without the operator's opt-in
    [(templates, used_cipher)] = worker.reloads
    assert [r.id for r in templates] == [r.id for r in store.face_templates()] and used_cipher is not None
    assert not worker.registering  # identification again, so the new customer is recognised

    dialog.done_page.close_button.click()
    assert not controller.active and not dialog.isVisible()


def test_a_duplicate_face_needs_the_operator_pin(opened, store):
    _controller, dialog, worker = opened
    to_capture(dialog, customer_id="C-2002")
    take_all_poses(dialog, worker, duplicate_of="C-0001")
    summary = dialog.summary_page
    assert summary.duplicate_box.isVisible() and "C-0001" in summary.duplicate_title.text()
    assert not summary.finish_button.isEnabled()
    summary.finish_button.click()
    assert store.list_customers() == []
    summary.pin_edit.setText("1111")
    summary.pin_button.click()
    assert summary.pin_state.text() == "Wrong PIN. Please try again." and summary.pin_edit.text() == ""
    assert not summary.finish_button.isEnabled()
    summary.pin_edit.setText(PIN)
    summary.pin_edit.returnPressed.emit()
    assert summary.pin_state.text() == "Confirmed by staff." and summary.finish_button.isEnabled()
    summary.finish_button.click()
    assert [c.customer_id for c in store.list_customers()] == ["C-2002"]
    [entry] = store.audit_entries(kind="registration_duplicate_confirmed")
    assert entry.detail == {"customer_id": "C-2002", "matches": "C-0001"} and entry.actor == "operator"


def test_retaking_clears_the_pin_and_starts_again_from_the_front(opened):
    _controller, dialog, worker = opened
    to_capture(dialog)
    take_all_poses(dialog, worker, duplicate_of="C-0001")
    dialog.summary_page.pin_edit.setText(PIN)
    dialog.summary_page.pin_button.click()
    dialog.summary_page.retake_button.click()
    assert dialog.wizard.step is Step.FRONT and worker.baseline is None
    assert not dialog.capture_page.ring.done() and not dialog.capture_page.retake_button.isEnabled()
    take_all_poses(dialog, worker, duplicate_of="C-0001")
    assert not dialog.summary_page.finish_button.isEnabled()  # confirmed for the old photos only
    dialog.summary_page.retake_button.click()
    take_all_poses(dialog, worker)  # the new photos match nobody
    assert dialog.wizard.duplicate_of is None and dialog.summary_page.finish_button.isEnabled()


def test_back_from_a_later_pose_retakes_the_previous_one(opened):
    _controller, dialog, worker = opened
    to_capture(dialog)
    worker.offer("front", times=3)
    worker.offer("right", times=3)
    assert dialog.wizard.step is Step.DOWN and dialog.capture_page.retake_button.isEnabled()
    dialog.capture_page.back_button.click()
    assert dialog.wizard.step is Step.RIGHT and worker.baseline == ANGLES["front"]
    dialog.capture_page.back_button.click()
    assert dialog.wizard.step is Step.FRONT and worker.baseline is None  # a new front, a new baseline
    worker.offer("front", times=3)
    assert dialog.wizard.step is Step.RIGHT and worker.baseline == ANGLES["front"]


def test_while_the_models_load_the_capture_page_waits(qtbot, english, store, settings):
    worker = FakeFaceWorker(loaded=False)
    controller = make_controller(store, settings, worker)
    dialog = controller.open()
    try:
        to_capture(dialog)
        page = dialog.capture_page
        assert page.models() == "loading" and page.side.currentWidget() is page.busy_panel
        assert page.busy_text.text() == "Loading the face models…"
        qtbot.waitUntil(page.spinner.running, timeout=1000)
        worker.offer("front", times=5)
        assert not dialog.wizard.captures and dialog.wizard.backend == "pending"
        worker.load()
        assert page.models() == "ready" and page.side.currentWidget() is page.live_panel
        assert not page.spinner.running()
        worker.offer("front", times=3)
        assert dialog.wizard.step is Step.RIGHT and dialog.wizard.backend == "dlib"
    finally:
        controller.close()


def test_failed_models_say_so_and_nothing_is_captured(english, store, settings):
    worker = FakeFaceWorker(loaded=False)
    controller = make_controller(store, settings, worker)
    dialog = controller.open()
    try:
        to_capture(dialog)
        worker.error = "MTCNN weights are missing"
        worker.failed.emit(worker.error)
        page = dialog.capture_page
        assert page.side.currentWidget() is page.problem_panel
        assert page.problem_title.text() == "Face recognition is not available"
        assert "MTCNN weights are missing" in page.problem_detail.text()
        worker.offer("front", times=5)
        assert dialog.wizard.step is Step.FRONT and not dialog.wizard.captures
    finally:
        controller.close()
    # Opened again after the failure: the worker's error is read at once.
    dialog = controller.open()
    try:
        assert dialog.capture_page.models() == "failed"
    finally:
        controller.close()


def test_without_a_face_camera_the_wizard_cannot_capture(english, store, settings):
    controller = make_controller(store, settings, None)
    dialog = controller.open()
    try:
        to_capture(dialog)
        page = dialog.capture_page
        assert page.models() == "no_camera"
        assert page.problem_title.text() == "The face camera is not connected"
        controller.show_frame(np.zeros((48, 64, 3), np.uint8))  # harmless
    finally:
        controller.close()


def test_cancel_switches_the_worker_back_and_keeps_nothing(qtbot, opened, store):
    controller, dialog, worker = opened
    to_capture(dialog)
    worker.offer("front", times=3)
    assert dialog.wizard.captures
    dialog.header.cancel_button.click()
    assert not controller.active and not worker.registering
    assert dialog.wizard.step is Step.CANCELLED and not dialog.wizard.captures
    assert store.list_customers() == []
    worker.offer("right", times=3)  # late offers after closing go nowhere
    assert controller.open() is not dialog  # a fresh registration
    assert worker.registering
    controller.close()


def test_frames_are_shown_mirrored_with_the_face_box(opened):
    controller, dialog, worker = opened
    to_capture(dialog)
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, :10] = (0, 0, 255)  # red stripe on the camera image's left
    controller.show_frame(frame)
    image = dialog.capture_page.video.image()
    assert (image.width(), image.height()) == (640, 480)
    assert image.pixel(635, 5) & 0xFFFFFF == 0xFF0000 and image.pixel(5, 5) & 0xFFFFFF == 0
    worker.offer("right")
    [box] = dialog.capture_page.video.overlay()
    assert (box.x1, box.x2) == (640 - BOX[2], 640 - BOX[0]) and box.uncertain  # mirrored, not accepted
    worker.offer("front")
    assert not dialog.capture_page.video.overlay()[0].uncertain
    controller.show_frame(QImage(320, 240, QImage.Format_RGB888))
    assert dialog.capture_page.video.image().width() == 320


def test_kept_images_go_into_the_result_only_with_the_opt_in(qtbot, english, store, tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "face.key"),
                        keep_face_images=True)
    worker = FakeFaceWorker()
    controller = make_controller(store, settings, worker, hold_frames=1)
    dialog = controller.open()
    try:
        assert worker.keep_images is True
        assert "encrypted photos" in dialog.consent_page.points[1].text()
        to_capture(dialog, customer_id="C-3003")
        take_all_poses(dialog, worker, image=b"\xff\xd8jpeg")
        dialog.summary_page.finish_button.click()
        folder = tmp_path / "data" / "face-images" / "C-3003"
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{p}.jpg.enc" for p in POSES)
        assert b"jpeg" not in (folder / "front.jpg.enc").read_bytes()
    finally:
        controller.close()


def test_a_failed_save_is_shown_and_the_summary_stays(english, store, settings, monkeypatch):
    worker = FakeFaceWorker()
    controller = make_controller(store, settings, worker, hold_frames=1)
    dialog = controller.open()
    try:
        to_capture(dialog, customer_id="C-4004")
        take_all_poses(dialog, worker)
        def disk_full(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(store, "add_face_template", disk_full)
        dialog.summary_page.finish_button.click()
        assert dialog.wizard.step is Step.SUMMARY and dialog.summary_page.save_error.isVisible()
        assert "disk full" in dialog.summary_page.save_error.text()
        assert store.list_customers() == [] and worker.registering
    finally:
        controller.close()


def test_face_panel_has_a_register_button(qtbot, korean):
    panel = FacePanel()
    qtbot.addWidget(panel)
    assert panel.register_button.text() == "내 얼굴 등록하기"
    with qtbot.waitSignal(panel.register_requested, timeout=1000):
        qtbot.mouseClick(panel.register_button, Qt.LeftButton)


def test_the_real_worker_feeds_the_dialog_through_the_controller(qtbot, english, store, settings):
    """FaceWorker's thread (with a scripted pipeline) → controller → dialog → wizard, then the gallery."""
    from app.capture.base import Frame
    from app.workers.faces import FaceWorker
    from app.workers.latest import LatestSlot

    class ScriptedPipeline:
        def __init__(self) -> None:
            from app.vision.faces.gallery import Gallery

            self.embedder = SimpleNamespace(backend="dlib")
            self.gallery = Gallery("dlib")

        def registration_capture(self, image, *, baseline=None):
            return capture(POSES[int(image[0, 0, 0])])

        def process(self, image):  # identification after the registration: nobody in view
            return FaceObservation(None, None, None, QualityVerdict(False, QualityReason.NO_FACE, ""))

    slot: LatestSlot[Frame] = LatestSlot()
    pipeline = ScriptedPipeline()
    worker = FaceWorker(slot, lambda: (pipeline, "scripted"), max_fps=100)
    controller = make_controller(store, settings, worker, hold_frames=2)
    with qtbot.waitSignal(worker.ready, timeout=5000):
        worker.start()
    try:
        dialog = controller.open()
        to_capture(dialog, customer_id="C-5005")

        def feed() -> bool:
            step = dialog.wizard.step
            if step not in (Step.FRONT, Step.RIGHT, Step.DOWN, Step.LEFT):
                return True
            image = np.full((48, 64, 3), POSES.index(step.value), np.uint8)
            slot.put(Frame(image, 0, 0.0, "fake"))
            return False

        qtbot.waitUntil(feed, timeout=10000)
        with qtbot.waitSignal(worker.gallery_reloaded, timeout=5000) as blocker:
            dialog.summary_page.finish_button.click()
            slot.put(Frame(np.zeros((48, 64, 3), np.uint8), 0, 0.0, "fake"))
        assert blocker.args == [1] and pipeline.gallery.customers == {"C-5005"}
        assert not worker.registering
    finally:
        controller.close()
        assert worker.stop()


def test_the_real_face_pipeline_takes_a_front_photo(qtbot, english, store, tmp_path, shared_faces):
    """MTCNN + dlib in the worker thread on a real photo: FRONT is taken with a 128-value template, and
    the same frontal photo is then refused for RIGHT, measured against that front."""
    import cv2

    from app.capture.base import Frame
    from app.vision.faces.setup import build_face_pipeline
    from app.workers.faces import FaceWorker
    from app.workers.latest import LatestSlot

    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "face.key"),
                        face_backend="dlib", torch_threads=1)
    photo = cv2.imread(str(shared_faces / "obama" / "1.jpg"), cv2.IMREAD_COLOR)
    slot: LatestSlot[Frame] = LatestSlot()
    worker = FaceWorker(slot, lambda: build_face_pipeline(settings, []), max_fps=10,
                        key_file=settings.face_key_file)
    controller = make_controller(store, settings, worker, hold_frames=2)
    worker.start()
    try:
        dialog = controller.open()
        to_capture(dialog, customer_id="C-OBAMA")
        qtbot.waitUntil(lambda: dialog.capture_page.models() != "loading", timeout=60000)
        assert dialog.capture_page.models() == "ready" and dialog.wizard.backend == "dlib"

        def shown(done) -> bool:
            slot.put(Frame(photo, 0, 0.0, "photo"))
            return done()

        qtbot.waitUntil(lambda: shown(lambda: dialog.wizard.step is Step.RIGHT), timeout=30000)
        assert len(dialog.wizard.captures[FacePose.FRONT].template) == 128
        assert dialog.baseline() is not None
        qtbot.waitUntil(lambda: shown(lambda: dialog.capture_page.feedback()[0] == "reject"), timeout=30000)
        assert dialog.capture_page.feedback() == ("reject", "wrong_pose", "front")
        assert dialog.wizard.step is Step.RIGHT
    finally:
        controller.close()
        assert worker.stop(10000)
