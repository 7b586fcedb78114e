"""The whole checkout in the real window: fake cameras, scripted detections and made-up face results
drive the real Kiosk (checkout state machine, face-pay driver, store, receipts) through pytest-qt."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from PyQt5.QtCore import Qt

from app.core.checkout import CheckoutConfig, CheckoutState, Message
from app.core.operator import PIN_FILE_NAME, write_pin_file
from app.core.settings import Settings
from app.kiosk import CameraPlan, Kiosk
from app.store.startup import open_store
from app.vision.detection import Detection
from tests.faces.test_liveness import turning_head
from tests.fakes import FakeCamera

S = CheckoutState
PIN = "2468"


class ScriptedDetector:
    """The product detector's stand-in: whatever ``detections`` holds now, for every frame."""

    backend = "fake"

    def __init__(self):
        from pathlib import Path

        from app.vision.detection import ModelBundle

        self.detections: list[Detection] = []
        self.bundle = ModelBundle(Path("fake"), {"name": "scripted", "classes": [], "input_size": [320, 320],
                                                 "files": {}})

    def detect(self, image):
        return list(self.detections)


@dataclass(frozen=True)
class FaceSeen:
    """What the face thread reports for one frame (the fields FaceResult has)."""

    box: tuple[float, float, float, float] | None
    quality_ok: bool = True
    quality_reason: str = "ok"
    candidate: str | None = None
    confirmed: str | None = None
    score: float = 0.0
    landmarks: tuple | None = None
    frame_index: int = 0
    ms: float = 1.0


def coke(x: float, score: float = 0.9, name: str = "coke_500ml") -> Detection:
    return Detection(0, name, score, (x, 10.0, x + 30.0, 60.0))


@pytest.fixture
def kiosk_env(qtbot, tmp_path, monkeypatch):
    from app import kiosk as kiosk_module
    from app.workers import detection as detection_module

    detector = ScriptedDetector()
    cameras: dict[str, FakeCamera] = {}

    def fake_source(spec, **_kwargs):
        cameras[spec] = FakeCamera(spec, width=160, height=120)
        return cameras[spec]

    monkeypatch.setattr(detection_module, "open_detector", lambda folder, backend, threads=None: detector)
    monkeypatch.setattr(kiosk_module, "open_source", fake_source)
    settings = Settings(data_dir=str(tmp_path / "data"), face_key_file=str(tmp_path / "cfg" / "face.key"))
    write_pin_file(tmp_path / "cfg" / PIN_FILE_NAME, PIN)
    built: list[Kiosk] = []

    def build(config: CheckoutConfig | None = None, face: str = "face", demo: bool = False) -> Kiosk:
        kiosk = Kiosk(settings, open_store(settings), CameraPlan("counter", face, demo=demo),
                      checkout_config=config)
        kiosk.payflow.rng = random.Random(1)
        monkeypatch.setattr(kiosk, "_start_faces", lambda camera: None)  # faces come from the test
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
        kiosk.start()
        built.append(kiosk)
        return kiosk

    yield build, detector, cameras
    for kiosk in built:
        kiosk.shutdown()


def wait_state(qtbot, kiosk: Kiosk, state: CheckoutState, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: kiosk.checkout.state is state, timeout=timeout)


def add_customer(kiosk: Kiosk, name: str = "김하늘") -> str:
    from datetime import datetime

    record = kiosk.store.add_customer(name, consent_at=datetime.now().astimezone(), backend="dlib")
    kiosk.reload_customers()
    return record.customer_id


def identify(kiosk: Kiosk, customer_id: str, frames: int = 6) -> None:
    for _ in range(frames):
        kiosk._show_face(FaceSeen((10, 10, 60, 60), candidate=customer_id, confirmed=customer_id, score=0.97))


def turn_head(kiosk: Kiosk, customer_id: str) -> None:
    side = kiosk.payflow.challenge.side
    for pts in turning_head(side):
        kiosk._show_face(FaceSeen((10, 10, 60, 60), candidate=customer_id, landmarks=tuple(map(tuple, pts))))
        if kiosk.checkout.state is not S.LIVENESS:
            break


def test_a_whole_sale_from_items_to_the_payment_complete_screen(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    w = kiosk.window
    customer = add_customer(kiosk)
    assert not w.pay_button.isEnabled()
    detector.detections = [coke(10), coke(60), coke(120, name="shin_ramyun_5pack")]
    wait_state(qtbot, kiosk, S.SCANNING)
    qtbot.waitUntil(lambda: kiosk.cart.item_count == 3 and w.pay_button.isEnabled(), timeout=5000)
    assert w.left_stack.currentWidget() is w.counter_card

    qtbot.mouseClick(w.pay_button, Qt.LeftButton)
    assert kiosk.checkout.state is S.REVIEW and w.left_stack.currentWidget() is w.payment_card
    assert w.payment_card.amount.text() == "9,180원"
    qtbot.mouseClick(w.payment_card.primary_button, Qt.LeftButton)
    assert kiosk.checkout.state is S.IDENTIFY
    assert w.payment_card.content.currentWidget() is w.payment_card.face_page

    identify(kiosk, customer, frames=3)  # not enough fresh frames yet
    assert kiosk.checkout.state is S.IDENTIFY
    identify(kiosk, customer, frames=3)
    assert kiosk.checkout.state is S.LIVENESS and "김하늘" in w.payment_card.title.text()
    assert w.payment_card.arrow.isVisible()
    turn_head(kiosk, customer)
    assert kiosk.checkout.state is S.CONFIRM, kiosk.checkout.snapshot
    qtbot.mouseClick(w.payment_card.primary_button, Qt.LeftButton)

    assert kiosk.checkout.state is S.PAID and w.page_stack.currentWidget() is w.paid_screen
    receipt_no = kiosk.checkout.snapshot.receipt_no
    assert w.paid_screen.fact_values[3].text() == receipt_no
    assert w.paid_screen.fact_values[0].text() == "김하늘"
    assert w.paid_screen.total.text() == "9,180원" and receipt_no in w.paid_screen.receipt_text
    assert w.paid_screen.receipt.pixmap().width() == 360
    sale = kiosk.store.sale(receipt_no)
    assert sale.total_won == 9180 and sale.customer_id == customer
    qtbot.waitUntil(lambda: kiosk.last_receipt_files is not None, timeout=3000)
    files = kiosk.last_receipt_files[1]
    assert files.text.read_text(encoding="utf-8").count(receipt_no) == 1 and files.pdf.stat().st_size > 1000

    qtbot.mouseClick(w.paid_screen.done_button, Qt.LeftButton)
    assert kiosk.checkout.state is S.IDLE and kiosk.checkout.snapshot.message is Message.TAKE_ITEMS
    assert w.checkout_message.isVisible()
    detector.detections = []
    qtbot.waitUntil(lambda: kiosk.checkout.snapshot.message is Message.PLACE_ITEMS, timeout=5000)
    assert kiosk.checkout.state is S.IDLE
    assert [s.receipt_no for s in kiosk.store.sales_of_day(sale.created_at.date())] == [receipt_no]


def test_cancel_and_timeout_step_back_to_the_counter(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build(CheckoutConfig(identify_s=0.5))
    w = kiosk.window
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: w.pay_button.isEnabled(), timeout=5000)
    qtbot.keyClick(w, Qt.Key_Return)  # the keyboard does what the main button does
    assert kiosk.checkout.state is S.REVIEW
    qtbot.mouseClick(w.payment_card.cancel_button, Qt.LeftButton)
    assert kiosk.checkout.state is S.SCANNING and w.left_stack.currentWidget() is w.counter_card
    assert w.checkout_message.text() == w.payment_card.message_text(Message.CANCELLED)

    kiosk.checkout.request_review()
    kiosk.checkout.confirm_list()
    wait_state(qtbot, kiosk, S.SCANNING, timeout=3000)  # nobody looked at the camera
    assert kiosk.checkout.snapshot.message is Message.TIMED_OUT
    assert kiosk.store.audit_entries(kind="checkout_timeout")


def test_an_unknown_face_is_told_and_never_pays(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: kiosk.window.pay_button.isEnabled(), timeout=5000)
    kiosk.checkout.request_review()
    kiosk.checkout.confirm_list()
    for _ in range(10):
        kiosk._show_face(FaceSeen((10, 10, 60, 60), score=0.4))
    assert kiosk.checkout.state is S.IDENTIFY
    assert kiosk.window.payment_card.message.text() == \
        kiosk.window.payment_card.message_text(Message.FACE_NOT_RECOGNISED)


def staff(qtbot, kiosk: Kiosk, pin: str = PIN):
    """Open the staff menu through the PIN pad; returns the attendant dialog."""
    from app.ui.attendant import AttendantDialog, PinDialog

    qtbot.mouseClick(kiosk.window.staff_button, Qt.LeftButton)
    pad = next(d for d in kiosk._dialogs if isinstance(d, PinDialog))
    for digit in pin:
        qtbot.mouseClick(pad.keys[digit], Qt.LeftButton)
    qtbot.mouseClick(pad.keys["ok"], Qt.LeftButton)
    if pin != PIN:
        return pad
    qtbot.waitUntil(lambda: any(isinstance(d, AttendantDialog) for d in kiosk._dialogs), timeout=2000)
    return next(d for d in kiosk._dialogs if isinstance(d, AttendantDialog))


def test_staff_voids_a_line_with_the_pin_and_a_wrong_pin_is_refused(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    detector.detections = [coke(10), coke(120, name="shin_ramyun_5pack")]
    qtbot.waitUntil(lambda: kiosk.cart.item_count == 2, timeout=5000)
    pad = staff(qtbot, kiosk, "1111")
    assert pad.isVisible() and pad.feedback.property("error") and kiosk.gate.failures == 1
    pad.reject()
    menu = staff(qtbot, kiosk)
    sku = kiosk.catalog.by_class("coke_500ml").sku
    qtbot.mouseClick(menu.buttons[f"void:{sku}"], Qt.LeftButton)
    assert [ln.product.detector_class for ln in kiosk.cart.lines] == ["shin_ramyun_5pack"]
    voids = kiosk.store.audit_entries(kind="checkout_void_line")
    assert voids and voids[0].actor == "attendant" and voids[0].detail["sku"] == sku


def test_an_unknown_item_shows_candidates_and_staff_picks_one(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    w = kiosk.window
    unsure = [coke(10, 0.42), coke(11, 0.38, name="coke_zero_500ml")]
    detector.detections = [coke(120, name="shin_ramyun_5pack"), *unsure]
    qtbot.waitUntil(lambda: w.attendant_banner.isVisible(), timeout=5000)
    assert not w.pay_button.isEnabled()
    assert [c.detector_class for c in kiosk.checkout.snapshot.candidates] == ["coke_500ml", "coke_zero_500ml"]
    assert kiosk.store.audit_entries(kind="checkout_unknown_item")
    menu = staff(qtbot, kiosk)
    qtbot.mouseClick(menu.buttons["pick:coke_zero_500ml"], Qt.LeftButton)
    qtbot.waitUntil(lambda: w.pay_button.isEnabled(), timeout=5000)
    classes = sorted(ln.product.detector_class for ln in kiosk.cart.lines)
    assert classes == ["coke_zero_500ml", "shin_ramyun_5pack"]
    assert not w.attendant_banner.isVisible()


def test_age_restricted_items_wait_for_staff_approval(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    w = kiosk.window
    beer = next(p for p in kiosk.catalog.products if p.age_restricted)
    detector.detections = [coke(10, name=beer.detector_class)]
    qtbot.waitUntil(lambda: w.attendant_banner.isVisible() and kiosk.cart.item_count == 1, timeout=5000)
    assert not w.pay_button.isEnabled()
    menu = staff(qtbot, kiosk)
    qtbot.mouseClick(menu.buttons["approve_age"], Qt.LeftButton)
    assert w.pay_button.isEnabled() and not w.attendant_banner.isVisible()
    assert kiosk.store.audit_entries(kind="checkout_age_approved")


def test_stacked_items_ask_to_spread_them_out(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    detector.detections = [coke(10), Detection(0, "shin_ramyun_5pack", 0.9, (12.0, 12.0, 38.0, 50.0))]
    qtbot.waitUntil(lambda: kiosk.checkout.snapshot.spread_items, timeout=5000)
    assert kiosk.window.counter_hint.property("state") == "unclear"
    assert not kiosk.window.pay_button.isEnabled()


def test_an_unplugged_counter_camera_is_shown_and_comes_back(kiosk_env, qtbot):
    build, _detector, cameras = kiosk_env
    kiosk = build()
    chip = kiosk.window.camera_chips["counter"]
    qtbot.waitUntil(lambda: chip.property("state") == "ok", timeout=5000)
    cameras["counter"].unplug()
    qtbot.waitUntil(lambda: chip.property("state") != "ok", timeout=5000)
    assert kiosk.window.camera_chips["face"].property("state") == "ok"
    cameras["counter"].replug()
    qtbot.waitUntil(lambda: chip.property("state") == "ok", timeout=8000)


def test_demo_presenter_keys_walk_the_flow(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build(demo=True)
    w = kiosk.window
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: w.pay_button.isEnabled(), timeout=5000)
    for key, state in ((Qt.Key_Space, S.REVIEW), (Qt.Key_Space, S.IDENTIFY), (Qt.Key_F7, S.LIVENESS),
                       (Qt.Key_F8, S.CONFIRM), (Qt.Key_Space, S.PAID), (Qt.Key_Space, S.IDLE)):
        qtbot.keyClick(w, key)
        assert kiosk.checkout.state is state
    steps = [e.detail["step"] for e in kiosk.store.audit_entries(kind="demo_presenter_step")]
    assert sorted(steps) == ["identify", "liveness"]


def test_the_presenter_keys_do_nothing_outside_the_demo(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: kiosk.window.pay_button.isEnabled(), timeout=5000)
    kiosk.checkout.request_review()
    kiosk.checkout.confirm_list()
    qtbot.keyClick(kiosk.window, Qt.Key_F7)
    assert kiosk.checkout.state is S.IDENTIFY


def test_payflow_needs_fresh_frames_and_a_turn_by_the_same_face(qtbot):
    from app.core.catalog import Catalog, Product
    from app.core.checkout import Checkout
    from app.core.counting import Verdict
    from app.payflow import FacePayDriver

    catalog = Catalog([Product("S1", "콜라", "Cola", 1000, "cola")])
    checkout = Checkout(catalog, record_sale=lambda *a: "R1", audit=lambda *a, **k: None,
                        verify_pin=lambda pin: False)
    driver = FacePayDriver(checkout, {"c1": "Kim"}.get, rng=random.Random(3))
    for _ in range(3):
        checkout.items_changed(Verdict({"cola": 1}, settling=False, uncertain=0))
    checkout.request_review()
    checkout.confirm_list()
    driver.on_face(FaceSeen((0, 0, 9, 9), candidate="c1", confirmed="c1", score=0.99))
    assert checkout.state is S.IDENTIFY  # one fresh frame is not enough
    for _ in range(4):
        driver.on_face(FaceSeen((0, 0, 9, 9), candidate="c1", confirmed="c1", score=0.99))
    assert checkout.state is S.LIVENESS
    pts = turning_head(driver.challenge.side)
    driver.on_face(FaceSeen((0, 0, 9, 9), candidate="c1", landmarks=tuple(map(tuple, pts[0]))))
    driver.on_face(FaceSeen((0, 0, 9, 9), candidate="c2", landmarks=tuple(map(tuple, pts[1]))))
    assert checkout.state is S.IDENTIFY and checkout.snapshot.liveness_failures == 1
    assert driver.challenge is None


def test_the_locked_kiosk_closes_only_through_the_staff_pin(kiosk_env, qtbot):
    build, _detector, _ = kiosk_env
    kiosk = build()
    w = kiosk.window
    w.lock()
    assert not w.close() and w.isVisible()  # Alt+F4 / the window manager: refused, the PIN pad opens
    menu = staff(qtbot, kiosk)
    assert "exit" in menu.buttons
    qtbot.mouseClick(menu.buttons["exit"], Qt.LeftButton)
    assert not w.isVisible() and not w.locked


def test_a_sale_left_without_its_receipt_gets_it_at_the_next_start(kiosk_env, qtbot, tmp_path):
    """The process died after the sale's commit and before the receipt file: the ledger has the sale,
    the restarted kiosk writes the receipt (and a sale never half-written is the store's crash test)."""
    from app.core.cart import Cart

    build, _detector, _ = kiosk_env
    first = build()
    cart = Cart()
    cart.set_counts({"coke_500ml": 2}, first.catalog)
    receipt_no = first.store.record_sale(cart.lines, None, "face")
    first.shutdown()
    second = build()
    assert (second.receipt_dir / f"{receipt_no}.pdf").exists()
    assert receipt_no in (second.receipt_dir / f"{receipt_no}.txt").read_text(encoding="utf-8")
    assert second.checkout.state is S.IDLE
    assert second.store.audit_entries(kind="receipts_backfilled")[0].detail == {"count": 1}


def test_staff_open_the_admin_area_and_a_new_price_reaches_the_cart(kiosk_env, qtbot):
    from app.ui.admin import AdminWindow

    build, detector, _ = kiosk_env
    kiosk = build()
    menu = staff(qtbot, kiosk)
    qtbot.mouseClick(menu.buttons["admin"], Qt.LeftButton)
    admin = next(d for d in kiosk._dialogs if isinstance(d, AdminWindow))
    info = kiosk.models_info()
    assert info["detector_backend"] == "fake" and info["face_state"] == "off"
    assert admin.ctx.camera_sources() == {"counter": "counter", "face": "face"}
    sku = kiosk.catalog.by_class("coke_500ml").sku
    kiosk.store.set_price(sku, 2500)
    admin.ctx.on_catalog_changed()  # what the catalog page calls after an edit
    admin.close()
    assert not kiosk._dialogs
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: kiosk.cart.total == 2500, timeout=5000)


def test_the_demo_counter_video_plays_again_once_the_sale_is_over(kiosk_env, qtbot):
    build, _detector, cameras = kiosk_env
    kiosk = build(demo=True)
    first = cameras["counter"]
    qtbot.waitUntil(lambda: first.produced > 3, timeout=5000)
    first.max_frames = first.produced  # the video reaches its end while nobody is paying
    qtbot.waitUntil(lambda: cameras["counter"] is not first, timeout=5000)
    second = cameras["counter"]
    qtbot.waitUntil(lambda: second.produced > 3, timeout=5000)  # playing again, same detector thread
    assert kiosk.detector_worker is not None
    assert kiosk.detector_worker.frames is kiosk.workers["counter"].latest


def test_a_restarting_face_process_is_shown_and_audited(kiosk_env, qtbot):
    build, _detector, _ = kiosk_env
    kiosk = build()
    kiosk._faces_restarting("face process killed by SIGKILL; restarting it in 1 s (restart 1 of 2)")
    chip = kiosk.window.status_bar.face_chip
    assert chip.property("state") != "ok" and "SIGKILL" in chip.toolTip()
    assert kiosk.store.audit_entries(kind="face_process_restarting")


def test_a_new_model_restarts_the_detector_and_the_wizard_gets_counter_frames(kiosk_env, qtbot):
    build, detector, _ = kiosk_env
    kiosk = build()
    seen = []
    unsubscribe = kiosk.subscribe_counter_frames(seen.append)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    unsubscribe()
    count = len(seen)
    old = kiosk.detector_worker
    kiosk.model_changed()  # what the admin area calls after an enrollment was applied or undone
    assert kiosk.detector_worker is not old and not old.isRunning()
    detector.detections = [coke(10)]
    qtbot.waitUntil(lambda: kiosk.cart.item_count == 1, timeout=5000)
    assert len(seen) == count  # unsubscribed: no more frames


def test_counts_read_naturally_in_english_and_korean(kiosk_env, qtbot):
    build, _detector, _ = kiosk_env
    kiosk = build()
    card, banner = kiosk.window.payment_card, kiosk.window.attendant_banner
    assert (card.item_count_text(1), card.item_count_text(3)) == ("총 1개", "총 3개")
    kiosk.window.set_language("en")
    assert (card.item_count_text(1), card.item_count_text(3)) == ("1 item", "3 items")
    banner.show_reasons(("unknown_item",), 2)
    assert banner.text.text() == "2 items not recognised: staff will identify them."
    kiosk.window.set_language("ko")
