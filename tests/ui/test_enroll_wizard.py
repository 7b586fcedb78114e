"""The product enrollment wizard (app/ui/enroll) driven with generated counter frames: the product's
fields, the empty counter, the live cutout and its captures, the folder of photos, the training run
(the engine replaced by a fake that reports progress and honours cancel: the real one has its own
end-to-end tests), cancel/resume also across a closed dialog, and the result: a real apply onto a small
model bundle, keeping the old model, and restoring the previous model from the catalog page."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from PyQt5 import sip
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication, QDialog, QWidget

from app.core.catalog import Catalog, Product
from app.core.settings import MODELS_DIR, RESOURCES_DIR, Settings
from app.store.store import Store
from app.training import enroll as engine
from app.training.cutout import OK_TEXT, REASONS
from app.training.enroll import STATE, EnrollmentCancelledError, EnrollmentResult, EnrollmentSpec, Progress
from app.training.enroll_apply import SwapPaths
from app.training.enroll_gate import decide, summary
from app.training.enroll_photos import DEMO_NEW_PRODUCT, DEMO_NEW_PRODUCT_FIELDS, photograph, write_photos
from app.ui.admin import AdminContext, AdminWindow
from app.ui.app import create_app, grab_screenshot
from app.ui.enroll import EnrollDialog, current_job, flow
from app.ui.i18n import install_translator
from app.vision.detection import ModelBundle
from app.workers.enroll import Task

SHARED_FONTS = Path(__file__).resolve().parents[3] / "shared" / "fonts"
DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"
DEMO_CARD = MODELS_DIR / "kiosk_demo" / "model_card.json"
DEMO_CLASSES = tuple(json.loads(DEMO_CARD.read_text("utf-8"))["classes"])
NEW = DEMO_NEW_PRODUCT_FIELDS
SCREENSHOTS = os.environ.get("ENROLL_SCREENSHOTS")  # a folder to keep the page screenshots in


@functools.cache
def counter_photos():
    """Six photos of a product the demo lacks on the demo counter, and four of the empty counter."""
    return photograph(DEMO_NEW_PRODUCT, 6, seed=3, empty_frames=4)


def write_bundle(folder: Path, classes: tuple[str, ...] | list[str]) -> Path:
    """A small model bundle (files checked by SHA-256 like a real one, no weights): enough for the
    wizard's class check, apply and restore."""
    folder.mkdir(parents=True)
    files = {}
    for role, name in (("config", "config.py"), ("checkpoint", "model.pth"), ("onnx", "model.onnx")):
        data = f"{role}: {' '.join(classes)}".encode()
        (folder / name).write_bytes(data)
        files[role] = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    card = {"name": "kiosk-demo-detector", "classes": list(classes), "input_size": [320, 256], "files": files,
            "history": []}
    (folder / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


def _numbers(old_cacc: float, new: float | None = None) -> dict:
    return {"old_checkout_accuracy": old_cacc, "old_class_count_accuracy": 0.95,
            "new_class_count_accuracy": new, "map50": 0.99, "map": 0.9, "images": 200,
            "checkout_accuracy": 0.81, "new_class_ap": 0.85, "new_class_ap50": 0.97,
            "old_checkout_accuracy_per_level": {"easy": 1.0, "medium": old_cacc, "hard": old_cacc - 0.2}}


class FakeEngine:
    """Stands in for ``run_enrollment``: writes the work folder's state like the engine, reports
    progress, waits until ``release`` is set (raising EnrollmentCancelledError when cancelled), then
    leaves a candidate bundle and the result."""

    def __init__(self, accepted: bool = True) -> None:
        self.accepted = accepted
        self.calls: list[tuple[EnrollmentSpec, bool, bool]] = []  # spec, resume, ran on the GUI thread
        self.release = threading.Event()
        self.waiting = threading.Event()

    def __call__(self, spec: EnrollmentSpec, progress=None, cancel=None, resume: bool = False):
        self.calls.append((spec, resume, threading.current_thread() is threading.main_thread()))
        work = Path(spec.work_dir)
        work.mkdir(parents=True, exist_ok=True)
        state = {"fingerprint": "fake", "spec": spec.to_dict()}
        (work / STATE).write_text(json.dumps(state), encoding="utf-8")
        start = 0.4 if resume else 0.0
        progress(Progress("scenes", start + 0.05, "train: 100/1950 scenes", 0.5))
        progress(Progress("train", start + 0.1, "iteration 30/600", 0.05, {"iter": 30, "max_iters": 600}))
        self.waiting.set()
        while not self.release.wait(0.01):
            if cancel.is_set():
                self.waiting.clear()
                raise EnrollmentCancelledError("enrollment cancelled")
        progress(Progress("evaluate", 0.97, "evaluated", 1.0))
        base = ModelBundle.load(spec.base_model)
        candidate = write_bundle(work / "candidate", [*base.classes, spec.product.detector_class])
        before, after_new = _numbers(0.870), _numbers(0.80, new=0.99)
        after = _numbers(0.890 if self.accepted else 0.700)
        decision = decide(before, after, after_new)
        result = EnrollmentResult(
            accepted=decision.accepted, reason=decision.reason,
            metrics=summary(before, after, after_new, decision), checks=[asdict(c) for c in decision.checks],
            details={"before_old": before, "after_old": after, "after_new": after_new}, product=spec.product,
            classes=[*base.classes, spec.product.detector_class], base_model=Path(spec.base_model),
            candidate=candidate, work_dir=work, iterations=spec.iterations, batch_size=8, lr=0.0007,
            seconds={"training": 780.0, "total": 918.0}, cutouts=len(list((work / "cutouts").glob("*.png"))),
            finished_at="2026-12-02 12:00:00",
            base_checkpoint_sha256=base.card["files"]["checkpoint"]["sha256"])
        result.save()
        progress(Progress("decide", 1.0, result.reason, 1.0, {"accepted": result.accepted}))
        return result


class Counter:
    """The kiosk's side of ``ctx.counter_frames`` and ``ctx.on_model_changed``."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[np.ndarray], None]] = []
        self.model_changes: list[bool] = []  # True when called on the GUI thread

    def subscribe(self, callback: Callable[[np.ndarray], None]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def send(self, frame: np.ndarray, times: int = 1) -> None:
        for _ in range(times):
            for callback in list(self.callbacks):
                callback(frame)

    def model_changed(self) -> None:
        self.model_changes.append(threading.current_thread() is threading.main_thread())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open("sqlite:///" + str(tmp_path / "k.db"))
    s.import_catalog_file(DEMO)
    yield s
    s.close()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "models" / "kiosk_demo", DEMO_CLASSES)


@pytest.fixture
def fake(monkeypatch) -> FakeEngine:
    fake = FakeEngine()
    monkeypatch.setattr(engine, "run_enrollment", fake)
    return fake


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def make_ctx(store: Store, model_dir: Path, counter: Counter, tmp_path: Path) -> Callable[..., AdminContext]:
    settings = Settings(language="ko", font_dirs=(str(SHARED_FONTS),), data_dir=str(tmp_path / "data"))

    def make(**overrides) -> AdminContext:
        values = dict(store=store, settings=settings, receipt_dir=tmp_path / "receipts",
                      detector_classes=DEMO_CLASSES, model_dir=model_dir,
                      on_model_changed=counter.model_changed, counter_frames=counter.subscribe)
        values.update(overrides)
        return AdminContext(**values)

    return make


def wait_for_threads(qtbot) -> None:
    qtbot.waitUntil(lambda: Task.running() == 0 and current_job() is None, timeout=15000)


@pytest.fixture
def make_dialog(qtbot, make_ctx) -> Iterator[Callable[..., EnrollDialog]]:
    app = create_app([], make_ctx().settings)
    host = QWidget()
    host.resize(1280, 800)
    qtbot.addWidget(host)
    host.show()
    dialogs: list[EnrollDialog] = []

    def make(ctx: AdminContext | None = None) -> EnrollDialog:
        dialog = EnrollDialog(ctx or make_ctx(), host)
        dialog.frame_step = 1
        dialogs.append(dialog)
        dialog.open()
        app.processEvents()
        return dialog

    yield make
    for dialog in dialogs:
        dialog.close()
    wait_for_threads(qtbot)
    install_translator(app, "ko")


def fill_product(dialog: EnrollDialog, qtbot, **values) -> None:
    fields = {**{k: str(v) for k, v in NEW.items() if k != "age_restricted"}, **values}
    edits = dialog.product_page.edits
    for name in ("sku", "name_ko", "price_won"):
        edits[name].setText(fields[name])
    edits["name_en"].setText(fields["name_en"])
    edits["detector_class"].setText(fields["detector_class"])


def to_photos(dialog: EnrollDialog, counter: Counter, qtbot) -> None:
    """Product → empty counter (captured from the frames) → the photo step."""
    fill_product(dialog, qtbot)
    assert dialog.submit_product()
    counter.send(counter_photos().backgrounds[0])  # the live view before the button is pressed
    dialog.empty_page.capture_button.click()
    for i in range(flow.EMPTY_FRAMES):
        counter.send(counter_photos().backgrounds[i % 4])
    qtbot.waitUntil(lambda: dialog.empty_page.state() == "done", timeout=10000)
    dialog.empty_page.next_button.click()
    assert dialog.step == "photos"


def show_and_wait(dialog: EnrollDialog, counter: Counter, qtbot, frame: np.ndarray) -> None:
    """Send ``frame`` and wait until the preview thread has cut it out."""
    before = dialog.current.serial if dialog.current is not None else 0
    counter.send(frame)
    qtbot.waitUntil(lambda: dialog.current is not None and dialog.current.serial > before, timeout=15000)


def capture_all(dialog: EnrollDialog, counter: Counter, qtbot) -> None:
    for photo in counter_photos().photos:
        show_and_wait(dialog, counter, qtbot, photo)
        assert dialog.photos_page.capture_button.isEnabled(), dialog.photos_page.reason.text()
        dialog.photos_page.capture_button.click()


def to_training(dialog: EnrollDialog, counter: Counter, qtbot) -> None:
    to_photos(dialog, counter, qtbot)
    capture_all(dialog, counter, qtbot)
    dialog.photos_page.next_button.click()
    qtbot.waitUntil(lambda: dialog.step == "training", timeout=10000)


# --- the rules without Qt -------------------------------------------------------------------------
def test_field_checks_estimates_and_class_names():
    catalog = Catalog([Product("COKE-500", "콜라", "Coke", 2100, "coke_500ml"),
                       Product("OLD-1", "옛 상품", "Old", 1000, "old_item")])
    ok = Product("MELONA-8P", "메로나", "Melona", 4800, "melona_multipack")
    assert flow.field_problems(ok, catalog, ("coke_500ml",)) == {}
    bad = Product("a b", "", " Melona", 0, "Melona!")
    assert flow.field_problems(bad, catalog, ()) == dict.fromkeys(flow.FIELDS, "invalid")
    assert flow.engine_messages(bad)["sku"].startswith("sku 'a b' must be")
    taken = Product("COKE-500", "콜라", "Coke", 2100, "coke_500ml")
    assert flow.field_problems(taken, catalog, ("coke_500ml",)) == {"sku": "sku_taken",
                                                                    "detector_class": "class_known"}
    assert flow.field_problems(Product("NEW-1", "새", "New", 1, "old_item"), catalog, ())["detector_class"] \
        == "class_taken"
    assert flow.suggest_class("Binggrae Melona Multipack (8)") == "binggrae_melona_multipack_8"
    assert flow.suggest_class("  --  ") == ""
    training, total = flow.estimate_seconds(flow.DEFAULT_ITERATIONS)
    assert flow.DEFAULT_ITERATIONS == 600 and training == pytest.approx(780) and 800 < total < 1000
    assert flow.remaining_seconds(0.5, 900) == pytest.approx(450)  # the estimate, before a pace is known
    assert flow.remaining_seconds(0.55, 900, (60, 0.05)) == pytest.approx(540)  # the pace measured
    assert flow.remaining_seconds(0.5, 900, (5, 0.2)) == pytest.approx(450)  # too little measured yet


# --- step 1 ---------------------------------------------------------------------------------------
def test_product_fields_are_checked_inline(make_dialog, qtbot, tmp_path: Path):
    dialog = make_dialog()
    page = dialog.product_page
    assert dialog.windowModality() == Qt.WindowModal and dialog.active
    assert dialog.header.title.text() == "새 상품 등록" and page.next_button.text() == "다음"
    assert not dialog.submit_product()
    assert all(not label.isHidden() for label in page.errors.values())
    assert page.errors["sku"].text() == "영문, 숫자, '-'로 1~32자를 입력하세요."
    assert page.edits["price_won"].property("error") is True

    qtbot.keyClicks(page.edits["name_en"], "Binggrae Melona (8)")
    assert page.edits["detector_class"].text() == "binggrae_melona_8"  # filled in from the English name
    fill_product(dialog, qtbot, sku="COKE-500", detector_class="coke_500ml")
    assert not dialog.submit_product()
    assert page.errors["sku"].text() == "같은 상품 코드의 상품이 이미 있습니다."
    assert page.errors["detector_class"].text().startswith("인식 모델이 이미 아는 클래스입니다")
    assert page.errors["name_ko"].isHidden() and page.errors["price_won"].isHidden()

    page.edits["sku"].setText(NEW["sku"])
    page.edits["detector_class"].setText(NEW["detector_class"])
    assert dialog.submit_product()
    assert dialog.step == "empty" and dialog.header.stage() == 1
    assert dialog.product == Product(**NEW)
    assert dialog.work == tmp_path / "data" / "enroll" / NEW["sku"]


# --- step 2 ---------------------------------------------------------------------------------------
def test_the_empty_counter_is_captured_from_the_live_frames(make_dialog, counter: Counter, qtbot):
    dialog = make_dialog()
    assert len(counter.callbacks) == 1  # subscribed while open
    fill_product(dialog, qtbot)
    dialog.submit_product()
    page = dialog.empty_page
    assert page.state() == "waiting" and not page.capture_button.isEnabled()
    counter.send(counter_photos().backgrounds[0])
    assert page.state() == "ready" and page.capture_button.isEnabled() and page.video.image() is not None
    page.capture_button.click()
    for i in range(flow.EMPTY_FRAMES - 1):
        counter.send(counter_photos().backgrounds[i % 4])
    assert page.state() == "capturing" and page.status.text() == "잠시만요: 10장 중 9장째…"
    counter.send(counter_photos().backgrounds[1])
    assert page.state() == "building"  # the model is built in a thread
    qtbot.waitUntil(lambda: page.state() == "done", timeout=10000)
    assert dialog.background is not None and dialog.background.frames == flow.EMPTY_FRAMES
    assert len(dialog.empty_frames) == flow.EMPTY_FRAMES and page.next_button.isEnabled()
    assert page.capture_button.text() == "다시 찍기"
    dialog.close()
    assert counter.callbacks == [] and not dialog.active  # unsubscribed when closed
    dialog.show_frame(counter_photos().backgrounds[0])  # ignored


# --- step 3 ---------------------------------------------------------------------------------------
def test_live_cutout_capture_reason_and_remove(make_dialog, counter: Counter, qtbot):
    dialog = make_dialog()
    to_photos(dialog, counter, qtbot)
    page = dialog.photos_page
    assert dialog.cutout_worker is not None and dialog.cutout_worker.isRunning()
    assert not page.capture_button.isEnabled() and not page.next_button.isEnabled()
    photo = counter_photos().photos[0]
    show_and_wait(dialog, counter, qtbot, photo)
    assert dialog.current.result.ok and page.reason.text() == OK_TEXT[0]
    assert page.reason.property("state") == "ok" and page.video.image() is not None
    assert page.capture_button.isEnabled()
    page.capture_button.click()
    assert len(dialog.captures) == 1 and page.count.text() == "1"
    assert not page.capture_button.isEnabled()  # the same frame is not kept twice
    show_and_wait(dialog, counter, qtbot, counter_photos().backgrounds[2])  # the product taken away
    assert not dialog.current.result.ok and page.reason.text() == REASONS["empty"][0]
    assert page.reason.property("state") == "warn" and not page.capture_button.isEnabled()
    assert not dialog.capture()

    show_and_wait(dialog, counter, qtbot, counter_photos().photos[1])
    page.capture_button.click()
    first, second = (c.result.image for c in dialog.captures)
    assert len(page.thumbs.tiles) == 2 and page.instruction.text() == "계산대의 다른 자리로 옮겨 주세요."
    page.thumbs.remove_buttons[0].click()  # a retake
    assert len(dialog.captures) == 1 and dialog.captures[0].result.image is second
    assert len(page.thumbs.tiles) == 1 and page.count.text() == "1"
    for photo in counter_photos().photos[2:]:
        show_and_wait(dialog, counter, qtbot, photo)
        assert not page.next_button.isEnabled()
        page.capture_button.click()
    assert len(dialog.captures) == flow.MIN_CAPTURES - 1
    show_and_wait(dialog, counter, qtbot, counter_photos().photos[0])
    page.capture_button.click()
    assert page.next_button.isEnabled() and len(dialog.captures) == flow.MIN_CAPTURES
    page.back_button.click()  # leaving the step stops the preview thread
    assert dialog.step == "empty" and dialog.cutout_worker is None
    assert first is not None


def test_a_folder_of_photos_instead_of_the_camera(make_dialog, counter: Counter, qtbot, tmp_path: Path):
    photo_dir, _backgrounds = write_photos(counter_photos(), tmp_path / "melona")
    (photo_dir / "notes.txt").write_text("not a photo", encoding="utf-8")
    dialog = make_dialog()
    fill_product(dialog, qtbot)
    dialog.submit_product()
    dialog.empty_page.photos_button.click()  # no counter camera: straight to the photos, with a folder dialog
    assert dialog.step == "photos" and dialog.cutout_worker is None
    assert dialog.file_dialog is not None and dialog.file_dialog.isVisible()
    dialog.file_dialog.reject()
    assert not dialog.photos_page.capture_button.isVisible()
    dialog.import_photo_folder(photo_dir)
    wait_for_threads(qtbot)
    assert len(dialog.captures) == 6 and dialog.photos_page.next_button.isEnabled()
    assert all(c.source.endswith(".jpg") for c in dialog.captures)
    assert len(dialog.empty_frames) == 4  # the empty counter photos beside them: the practice scenes' counter
    assert dialog.photos_page.notice.text().startswith("사진 6장 중 6장을 쓸 수 있습니다.")
    dialog.import_photo_folder(tmp_path)  # nothing in it
    wait_for_threads(qtbot)
    assert dialog.photos_page.notice.text() == f"{tmp_path} 폴더에 사진이 없습니다."


# --- step 4 ---------------------------------------------------------------------------------------
def test_training_runs_in_a_thread_cancels_and_resumes(make_dialog, counter: Counter, fake: FakeEngine, qtbot,
                                                       model_dir: Path):
    dialog = make_dialog()
    to_training(dialog, counter, qtbot)
    page = dialog.training_page
    work = dialog.work
    assert len(list((work / "cutouts").glob("cut_*.png"))) == 6
    assert len(list((work / "backgrounds").glob("*.jpg"))) == flow.EMPTY_FRAMES
    assert page.state() == "ready" and page.iterations() == 600
    assert page.estimate.text() == "학습 약 13분, 전체 약 15분"
    page.stepper.plus.click()
    assert page.iterations() == 700 and page.estimate.text().startswith("학습 약 15분")
    page.start_button.click()
    qtbot.waitUntil(fake.waiting.is_set, timeout=15000)
    qtbot.waitUntil(lambda: page.detail.text() == "학습 600회 중 30회째", timeout=15000)
    assert page.state() == "running" and page.stage.text() == "인식 모델을 학습하는 중…"
    assert page.bar.value() == 100 and page.chips["train"].property("state") == "current"
    assert page.cancel_button.isVisible() and not page.start_button.isVisible() and dialog.timer.isActive()
    spec, resume, on_gui_thread = fake.calls[0]
    assert not resume and not on_gui_thread
    assert (spec.work_dir, spec.base_model, spec.iterations) == (work, model_dir, 700)
    assert spec.backgrounds == (work / "backgrounds",) and spec.cutouts == work / "cutouts"

    qtbot.keyClick(dialog, Qt.Key_Escape)  # not closed by accident while it runs
    assert dialog.isVisible() and page.state() == "running"
    page.cancel_button.click()
    assert page.state() == "stopping" and not page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: page.state() == "stopped", timeout=15000)
    assert current_job() is None and not dialog.timer.isActive()
    assert page.resume_button.isVisible() and page.restart_button.isVisible()
    assert not page.stepper.isEnabled()  # a resumed run keeps its settings

    page.resume_button.click()
    qtbot.waitUntil(lambda: len(fake.calls) == 2 and fake.waiting.is_set(), timeout=15000)
    assert fake.calls[1][0] is spec and fake.calls[1][1] is True
    fake.release.set()
    qtbot.waitUntil(lambda: dialog.step == "result", timeout=15000)
    assert dialog.result.accepted and dialog.header.stage() == 4


def test_a_failed_run_says_why_and_can_start_over(make_dialog, counter: Counter, fake: FakeEngine, qtbot,
                                                  monkeypatch):
    def broken(spec, progress=None, cancel=None, resume=False):
        progress(Progress("train", 0.2, "starting the training process", 0.0))
        raise engine.EnrollmentError("the training process failed (exit code 1); see train.log")

    dialog = make_dialog()
    to_training(dialog, counter, qtbot)
    monkeypatch.setattr(engine, "run_enrollment", broken)
    page = dialog.training_page
    page.start_button.click()
    qtbot.waitUntil(lambda: page.state() == "failed", timeout=15000)
    assert page.stage.text() == "학습을 계속할 수 없습니다" and "train.log" in page.notice.text()
    assert page.resume_button.isVisible() and page.restart_button.isVisible()
    page.restart_button.click()
    assert page.state() == "ready" and page.stepper.isEnabled() and dialog.spec is None
    monkeypatch.setattr(engine, "run_enrollment", fake)
    fake.release.set()
    page.start_button.click()
    qtbot.waitUntil(lambda: dialog.step == "result", timeout=15000)
    assert fake.calls[0][1] is False


def test_closing_stops_the_training_and_the_next_wizard_carries_on(make_dialog, counter: Counter,
                                                                     fake: FakeEngine, qtbot):
    dialog = make_dialog()
    to_training(dialog, counter, qtbot)
    dialog.training_page.start_button.click()
    qtbot.waitUntil(fake.waiting.is_set, timeout=15000)
    job = current_job()
    dialog.close()  # the run is asked to stop; the thread outlives the dialog until it has
    assert job.cancel_event.is_set()
    wait_for_threads(qtbot)

    again = make_dialog()
    page = again.product_page
    assert not page.banner.isHidden()
    assert page.banner_title.text() == "빙그레 메로나 8개입 등록이 중간에 멈췄습니다"
    page.resume_button.click()
    assert again.step == "training" and again.training_page.state() == "stopped"
    assert not again.training_page.back_button.isVisible()  # the photos of the last session are on disk only
    again.training_page.resume_button.click()
    qtbot.waitUntil(lambda: len(fake.calls) == 2, timeout=15000)
    spec, resume, _ = fake.calls[1]
    assert resume and spec.to_dict() == fake.calls[0][0].to_dict()
    fake.release.set()
    qtbot.waitUntil(lambda: again.step == "result", timeout=15000)
    again.close()

    third = make_dialog()  # finished but not decided: offered again, straight to the result
    assert third.product_page.resume_button.text() == "결과 보기"
    third.product_page.resume_button.click()
    assert third.step == "result" and third.result_page.apply_button.isEnabled()
    third.product_page.dismiss_button.click()


# --- step 5 ---------------------------------------------------------------------------------------
def test_use_the_new_model_applies_it_and_tells_the_kiosk(make_dialog, counter: Counter, fake: FakeEngine,
                                                         qtbot, store: Store, model_dir: Path,
                                                         tmp_path: Path):
    dialog = make_dialog()
    to_training(dialog, counter, qtbot)
    fake.release.set()
    dialog.training_page.start_button.click()
    qtbot.waitUntil(lambda: dialog.step == "result", timeout=15000)
    page = dialog.result_page
    assert page.state() == "accepted" and page.headline.text() == "새 모델이 기준을 통과했습니다"
    assert page.tiles["old"][0].text() == "87.0% → 89.0%" and page.tiles["new"][0].text() == "99.0%"
    assert page.tiles["new"][1].text() == "기준 94.0% 이상 (새 상품이 나온 시험 장면 200개)"
    assert len(page.check_rows) == 3 and all(mark.text() == "✓" for mark, _ in page.check_rows)
    with qtbot.waitSignal(dialog.model_changed, timeout=10000):
        page.apply_button.click()
        assert page.state() == "applying" and not dialog.header.close_button.isEnabled()
    assert page.state() == "applied" and page.close_button.isVisible()
    assert counter.model_changes == [True]  # once, on the GUI thread
    assert ModelBundle.load(model_dir).classes == (*DEMO_CLASSES, NEW["detector_class"])
    assert SwapPaths.of(model_dir).previous.is_dir()
    assert store.load_catalog().by_sku(NEW["sku"]).detector_class == NEW["detector_class"]
    assert flow.pending_jobs(tmp_path / "data", store.load_catalog()) == []
    page.close_button.click()
    assert not dialog.isVisible()


def test_a_rejected_model_shows_why_and_keeps_the_old_one(make_dialog, counter: Counter, fake: FakeEngine,
                                                          qtbot, store: Store, model_dir: Path,
                                                          tmp_path: Path):
    fake.accepted = False
    fake.release.set()
    dialog = make_dialog()
    to_training(dialog, counter, qtbot)
    dialog.training_page.start_button.click()
    qtbot.waitUntil(lambda: dialog.step == "result", timeout=15000)
    page = dialog.result_page
    assert page.state() == "rejected" and not page.apply_button.isVisible()
    assert page.headline.text() == "새 모델이 기준에 못 미쳐 기존 모델을 그대로 씁니다"
    assert "기존 상품 인식이 나빠집니다: 계산 전체가 맞은 비율이 87.0%에서 70.0%(으)로" in page.reason.text()
    assert [mark.text() for mark, _ in page.check_rows] == ["✕", "✓", "✓"]
    assert page.keep_button.text() == "닫기"
    page.keep_button.click()
    assert not dialog.isVisible() and counter.model_changes == []
    assert ModelBundle.load(model_dir).classes == DEMO_CLASSES and NEW["sku"] not in store.load_catalog()
    assert json.loads((dialog.work / flow.DECIDED).read_text("utf-8"))["decision"] == "kept"
    assert flow.pending_jobs(tmp_path / "data", store.load_catalog()) == []


# --- the catalog page -----------------------------------------------------------------------------
def test_catalog_page_opens_the_wizard_and_restores_the_previous_model(qtbot, make_ctx, counter: Counter,
                                                                       store: Store, model_dir: Path):
    app = create_app([], make_ctx().settings)
    window = AdminWindow(make_ctx())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    page = window.catalog_page
    assert page.enroll_button.text() == "계산대에서 새 상품 등록" and page.enroll_button.isEnabled()
    assert not page.restore_button.isEnabled()  # nothing to restore yet
    page.enroll_button.click()
    assert isinstance(page.dialog, EnrollDialog) and page.dialog.isVisible()
    assert page.dialog.windowModality() == Qt.WindowModal and page.dialog.geometry() == window.geometry()
    dialog = page.dialog
    window.close_button.click()  # closing the admin area closes the wizard too
    app.processEvents()
    assert sip.isdeleted(dialog) and counter.callbacks == []

    previous = SwapPaths.of(model_dir).previous
    write_bundle(previous, [c for c in DEMO_CLASSES if c != "cass_fresh_can_355ml"])
    window = AdminWindow(make_ctx())
    qtbot.addWidget(window)
    window.show()
    page = window.catalog_page
    assert page.restore_button.isEnabled()
    page.restore_button.click()
    assert page.confirm is not None and page.confirm.text() == "이전 인식 모델로 되돌릴까요?"
    page.restore_confirm_button.click()
    wait_for_threads(qtbot)
    assert counter.model_changes == [True]
    assert "cass_fresh_can_355ml" not in ModelBundle.load(model_dir).classes
    cass = next(p for p in store.load_catalog().products if p.detector_class == "cass_fresh_can_355ml")
    assert not cass.active
    assert page.notice.text() == f"이전 모델로 되돌렸습니다 (상품 클래스 14개). 판매 중지: {cass.sku}."
    window.close()


def test_without_a_model_folder_the_button_explains_itself(qtbot, make_ctx):
    create_app([], make_ctx().settings)
    window = AdminWindow(make_ctx(model_dir=None))
    qtbot.addWidget(window)
    page = window.catalog_page
    assert not page.enroll_button.isEnabled() and not page.restore_button.isEnabled()
    assert "인식 모델 폴더를 알 때만" in page.header.hint.text()
    page.open_enroll_dialog()
    assert page.dialog is None


# --- the look -------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_step_looks_right_at_1280x800(make_dialog, make_ctx, counter: Counter, fake: FakeEngine, qtbot,
                                            tmp_path: Path, language: str):
    out = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "shots"
    shots: list[Path] = []
    ctx = make_ctx()
    ctx = make_ctx(settings=replace(ctx.settings, language=language))
    install_translator(QApplication.instance(), language)

    def shot(dialog: QDialog, name: str) -> None:
        path = out / f"enroll_{language}_{len(shots) + 1:02d}_{name}.png"
        grab_screenshot(dialog, path, (1280, 800))
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800), name  # everything fits
        shots.append(path)

    dialog = make_dialog(ctx)
    fill_product(dialog, qtbot, sku="COKE-500", price_won="48OO")
    dialog.submit_product()
    shot(dialog, "product")
    dialog.product_page.edits["sku"].setText(NEW["sku"])
    dialog.product_page.edits["price_won"].setText("4800")
    dialog.submit_product()
    counter.send(counter_photos().backgrounds[0])
    shot(dialog, "empty_counter")
    dialog.empty_page.capture_button.click()
    counter.send(counter_photos().backgrounds[0], flow.EMPTY_FRAMES)
    qtbot.waitUntil(lambda: dialog.empty_page.state() == "done", timeout=10000)
    shot(dialog, "empty_counter_done")
    dialog.empty_page.next_button.click()
    for photo in counter_photos().photos[:4]:
        show_and_wait(dialog, counter, qtbot, photo)
        dialog.capture()
    show_and_wait(dialog, counter, qtbot, counter_photos().photos[4])
    shot(dialog, "photos")
    show_and_wait(dialog, counter, qtbot, counter_photos().backgrounds[1])
    shot(dialog, "photos_refused")
    for photo in counter_photos().photos[4:]:
        show_and_wait(dialog, counter, qtbot, photo)
        dialog.capture()
    dialog.photos_page.next_button.click()
    qtbot.waitUntil(lambda: dialog.step == "training", timeout=10000)
    shot(dialog, "training_ready")
    dialog.training_page.start_button.click()
    qtbot.waitUntil(lambda: fake.waiting.is_set() and dialog.training_page.bar.value() == 100, timeout=15000)
    dialog.training_page.set_times(412, 540)
    shot(dialog, "training_running")
    dialog.training_page.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.training_page.state() == "stopped", timeout=15000)
    shot(dialog, "training_stopped")
    fake.release.set()
    dialog.training_page.resume_button.click()
    qtbot.waitUntil(lambda: dialog.step == "result", timeout=15000)
    shot(dialog, "result_accepted")
    dialog.result_page.apply_button.click()
    qtbot.waitUntil(lambda: dialog.result_page.state() == "applied", timeout=10000)
    shot(dialog, "result_applied")
    dialog.close()

    rejected = make_dialog(ctx)
    fake.accepted = False
    result = fake(EnrollmentSpec(Product(**{**NEW, "sku": "MELONA-2", "detector_class": "melona_two"}),
                                 tmp_path / "data" / "enroll" / "MELONA-2",
                                 base_model=rejected.ctx.model_dir), lambda _p: None, threading.Event())
    rejected._show_result(result)
    shot(rejected, "result_rejected")
    rejected.close()
    banner = make_dialog(ctx)
    shot(banner, "product_carry_on")
    assert len(shots) == 12
