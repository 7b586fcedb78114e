"""The admin window on a real store: catalog edits, customer deletion, sales and reprints, system, PIN."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication

from app.capture.v4l2 import CameraInfo
from app.core.cart import CartLine
from app.core.catalog import Product
from app.core.face_crypto import TemplateCipher
from app.core.settings import MODELS_DIR, RESOURCES_DIR, Settings
from app.core.sysmon import SystemMonitor
from app.store.store import Store
from app.ui.admin import AdminContext, AdminWindow, detector_info
from app.ui.admin.pin_page import is_weak_pin
from app.ui.app import create_app, grab_screenshot
from app.ui.i18n import install_translator

DEMO = RESOURCES_DIR / "catalog" / "demo_catalog.csv"
SHARED_FONTS = Path(__file__).resolve().parents[3] / "shared" / "fonts"
SETTINGS = Settings(language="ko", font_dirs=(str(SHARED_FONTS),), counter_camera="/dev/video0",
                    face_camera="1")
WEBCAMS = [CameraInfo(0, "/dev/video0", "HD Pro Webcam C920", "uvcvideo", "usb-0000:00:14.0-1"),
           CameraInfo(2, "/dev/video2", "HD Webcam C270", "uvcvideo", "usb-0000:00:14.0-2")]


@dataclass
class Kiosk:
    """Records what the admin area asked the kiosk to do."""

    catalog_changes: int = 0
    customer_changes: int = 0
    pins: list[str] = field(default_factory=list)
    selected: list[tuple[str, str]] = field(default_factory=list)
    fps: dict[str, float] = field(default_factory=lambda: {"counter": 29.7, "face": 14.8})
    sources: dict[str, str] = field(default_factory=lambda: {"counter": "/dev/video0"})
    pin: str = "2468"

    def catalog_changed(self) -> None:
        self.catalog_changes += 1

    def customers_changed(self) -> None:
        self.customer_changes += 1

    def verify_pin(self, pin: str) -> bool:
        return pin == self.pin

    def change_pin(self, pin: str) -> None:
        if pin == "13579":
            raise OSError("settings file is read-only")
        self.pins.append(pin)
        self.pin = pin

    def select_camera(self, role: str, spec: str) -> None:
        self.selected.append((role, spec))
        self.sources[role] = spec


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open("sqlite:///" + str(tmp_path / "k.db"))
    s.import_catalog_file(DEMO)
    yield s
    s.close()


@pytest.fixture
def kiosk() -> Kiosk:
    return Kiosk()


@pytest.fixture
def make_window(qtbot, store: Store, kiosk: Kiosk, tmp_path: Path) -> Iterator[Callable[..., AdminWindow]]:
    app = create_app([], SETTINGS)

    def make(**overrides) -> AdminWindow:
        values = dict(
            store=store, settings=SETTINGS, receipt_dir=tmp_path / "receipts",
            detector_classes=(*store.load_catalog().classes, "tteok_500g", "kimbap_roll"),
            face_images_dir=tmp_path / "faces",
            on_catalog_changed=kiosk.catalog_changed, on_customers_changed=kiosk.customers_changed,
            verify_pin=kiosk.verify_pin, change_pin=kiosk.change_pin,
            models_info=lambda: {**detector_info(MODELS_DIR / "kiosk_demo", "onnxruntime", state="loaded"),
                                 "face_backend": "dlib", "face_state": "ready"},
            camera_fps=lambda: dict(kiosk.fps), camera_sources=lambda: dict(kiosk.sources),
            select_camera=kiosk.select_camera, list_cameras=lambda: list(WEBCAMS))
        values.update(overrides)
        window = AdminWindow(AdminContext(**values))
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        return window

    yield make
    install_translator(app, "ko")


@pytest.fixture
def window(make_window) -> AdminWindow:
    return make_window()


def cart_lines(store: Store, *pairs: tuple[str, int]) -> list[CartLine]:
    catalog = store.load_catalog()
    return [CartLine(catalog.by_sku(sku), n) for sku, n in pairs]


def add_customer(store: Store, tmp_path: Path, name: str = "김민준") -> str:
    customer = store.add_customer(name, consent_at=datetime.now(UTC), backend="dlib")
    cipher = TemplateCipher.from_key_file(tmp_path / "face.key")
    for pose in ("front", "left"):
        blob = cipher.encrypt(np.ones(128, np.float32), backend="dlib", customer_id=customer.customer_id,
                              pose=pose)
        store.add_face_template(customer.customer_id, pose, "dlib", blob)
    return customer.customer_id


# --- the window ----------------------------------------------------------------------------------------
def test_window_renders_with_every_page(window: AdminWindow, tmp_path: Path):
    assert window.windowTitle() == "관리자"
    assert window.current_page == "catalog"
    assert window.close_button.text() == "관리자 화면 닫기"
    for name in ("catalog", "customers", "sales", "system", "pin"):
        window.show_page(name)
        assert window.current_page == name
        path = grab_screenshot(window, tmp_path / f"admin_{name}.png", (1280, 800))
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800)  # everything fits: the window did not grow
        colours = {image.pixel(x, y) for x in range(0, 1280, 31) for y in range(0, 800, 29)}
        assert len(colours) > 8
    with pytest.raises(ValueError, match="unknown admin page"):
        window.show_page("payroll")


def test_close_button_closes_and_stops_the_live_timer(qtbot, window: AdminWindow):
    window.hide()
    window.present(fullscreen=False)
    assert window.isVisible()
    window.show_page("system")
    assert window.system_page.timer.isActive()
    with qtbot.waitSignal(window.finished, timeout=1000):
        qtbot.mouseClick(window.close_button, Qt.LeftButton)
    assert not window.isVisible()
    assert not window.system_page.timer.isActive()


def test_english(qapp, window: AdminWindow):
    install_translator(qapp, "en")
    english = AdminWindow(window.ctx)
    try:
        assert english.close_button.text() == "Close admin"
        assert english.catalog_page.model.headerData(2, Qt.Horizontal) == "Price"
        assert english.catalog_page.model.data(english.catalog_page.model.index(0, 2)).startswith("₩")
    finally:
        english.close()
        english.deleteLater()


# --- catalog ---------------------------------------------------------------------------------------
def test_catalog_lists_every_product(window: AdminWindow, store: Store):
    page = window.catalog_page
    model = page.model
    assert model.rowCount() == len(store.load_catalog()) == 15
    headers = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    assert headers == ["상품 코드", "상품명 (한글 / 영문)", "가격", "인식 클래스", "19세 이상", "상태"]
    row = model.row_of("COKE-500")
    assert [model.data(model.index(row, c)) for c in range(6)] == [
        "COKE-500", "코카콜라 500ml\nCoca-Cola 500ml", "2,100원", "coke_500ml", "", "판매 중"]
    beer = model.row_of("CASS-355")
    assert model.data(model.index(beer, 4)) == "19+"
    assert not page.price_button.isEnabled() and not page.active_button.isEnabled()


def test_change_price(qtbot, window: AdminWindow, store: Store, kiosk: Kiosk):
    page = window.catalog_page
    page.select_sku("COKE-500")
    assert page.price_button.isEnabled()
    qtbot.mouseClick(page.price_button, Qt.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible() and dialog.edit.text() == "2100"

    for bad in ("", "0", "10000001"):
        dialog.edit.setText(bad)
        qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
        assert dialog.isVisible() and dialog.notice.state == "error"
    assert "10,000,000원" in dialog.notice.text()
    dialog.edit.clear()
    qtbot.keyClicks(dialog.edit, "2a5b")  # the validator keeps letters out
    assert dialog.edit.text() == "25"
    for key in ("0", "0", "0", "back"):  # the number pad
        dialog.pad.press(key)
    assert dialog.edit.text() == "2500"
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    assert not dialog.isVisible()
    assert store.load_catalog().by_sku("COKE-500").price_won == 2500
    assert kiosk.catalog_changes == 1
    assert page.model.data(page.model.index(page.model.row_of("COKE-500"), 2)) == "2,500원"
    assert page.notice.state == "ok" and "2,100원 → 2,500원" in page.notice.text()
    assert page.selected_sku() == "COKE-500"
    assert store.audit_entries(limit=1)[0].kind == "price_changed"


def test_cancel_and_same_price_change_nothing(qtbot, window: AdminWindow, store: Store, kiosk: Kiosk):
    page = window.catalog_page
    page.select_sku("COKE-500")
    page.open_price_dialog()
    page.dialog.edit.setText("9999")
    page.dialog.reject()
    page.open_price_dialog()
    qtbot.mouseClick(page.dialog.ok_button, Qt.LeftButton)  # unchanged 2100
    assert store.load_catalog().by_sku("COKE-500").price_won == 2100
    assert kiosk.catalog_changes == 0


def test_stop_and_restart_selling(qtbot, window: AdminWindow, store: Store, kiosk: Kiosk):
    page = window.catalog_page
    page.select_sku("SHINRAMYUN-5P")
    assert page.active_button.text() == "판매 중지"
    qtbot.mouseClick(page.active_button, Qt.LeftButton)
    assert not store.load_catalog().by_sku("SHINRAMYUN-5P").active
    assert kiosk.catalog_changes == 1
    row = page.model.row_of("SHINRAMYUN-5P")
    assert page.model.data(page.model.index(row, 5)) == "판매 중지"
    assert page.active_button.text() == "판매 재개"
    qtbot.mouseClick(page.active_button, Qt.LeftButton)
    assert store.load_catalog().by_sku("SHINRAMYUN-5P").active
    assert kiosk.catalog_changes == 2


def test_add_product(qtbot, window: AdminWindow, store: Store, kiosk: Kiosk):
    page = window.catalog_page
    qtbot.mouseClick(page.add_button, Qt.LeftButton)
    dialog = page.dialog
    combo = dialog.class_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["tteok_500g", "kimbap_roll"]  # free ones
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert dialog.isVisible() and "상품 코드" in dialog.notice.text()
    dialog.sku_edit.setText("COKE-500")
    dialog.name_ko_edit.setText("떡볶이 떡 500g")
    dialog.name_en_edit.setText("Rice cakes 500g")
    dialog.price_edit.setText("3200")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert dialog.isVisible() and dialog.notice.text() == "같은 상품 코드의 상품이 이미 있습니다."
    dialog.sku_edit.setText("TTEOK-500")
    dialog.age_check.setChecked(False)
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)

    assert not dialog.isVisible()
    added = store.load_catalog().by_sku("TTEOK-500")
    assert added == Product("TTEOK-500", "떡볶이 떡 500g", "Rice cakes 500g", 3200, "tteok_500g", False, True)
    assert kiosk.catalog_changes == 1
    assert page.model.rowCount() == 16 and page.selected_sku() == "TTEOK-500"
    assert page.notice.state == "ok"

    page.open_add_dialog()
    assert [page.dialog.class_combo.itemText(i) for i in range(page.dialog.class_combo.count())] == [
        "kimbap_roll"]
    page.dialog.reject()


def test_add_product_needs_a_free_detector_class(make_window, store: Store):
    window = make_window(detector_classes=store.load_catalog().classes)
    window.catalog_page.open_add_dialog()
    dialog = window.catalog_page.dialog
    assert not dialog.ok_button.isEnabled()
    assert dialog.notice.text() == "인식 모델이 아는 모든 클래스에 이미 상품이 있습니다."
    dialog.reject()
    window = make_window(detector_classes=())
    window.catalog_page.open_add_dialog()
    assert "불러와지지 않아" in window.catalog_page.dialog.notice.text()


def test_a_store_error_is_shown_not_raised(window: AdminWindow, store: Store, kiosk: Kiosk):
    """E.g. the database is locked by another kiosk: the window says so and keeps running."""

    def broken(*_args, **_kwargs):
        raise RuntimeError("database is locked")

    store.set_price = broken  # type: ignore[method-assign]
    page = window.catalog_page
    page.select_sku("COKE-500")
    assert not page.set_price("COKE-500", 3000)
    assert page.notice.state == "error" and "database is locked" in page.notice.text()
    assert kiosk.catalog_changes == 0


# --- customers ------------------------------------------------------------------------------------------
def test_delete_customer_completely(qtbot, window: AdminWindow, store: Store, kiosk: Kiosk, tmp_path: Path):
    keep = add_customer(store, tmp_path, "이서연")
    gone = add_customer(store, tmp_path, "김민준")
    images = tmp_path / "faces" / gone
    images.mkdir(parents=True)
    (images / "front.jpg.enc").write_bytes(b"x")
    window.show_page("customers")
    page = window.customers_page
    assert page.model.rowCount() == 2 and page.header.title.text() == "고객 관리 (2명)"
    row = page.model.row_of(gone)
    assert [page.model.data(page.model.index(row, c)) for c in (0, 1, 3, 4)] == ["김민준", gone, "2", "dlib"]
    assert not page.delete_button.isEnabled()

    page.select_customer(gone)
    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    assert page.confirm is not None and page.confirm.isVisible()
    assert "김민준" in page.confirm.text()
    qtbot.mouseClick(page.cancel_button, Qt.LeftButton)  # "Keep": nothing happens
    assert len(store.list_customers()) == 2 and kiosk.customer_changes == 0

    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    qtbot.mouseClick(page.confirm_button, Qt.LeftButton)
    assert [c.customer_id for c in store.list_customers()] == [keep]
    assert store.face_templates(gone) == [] and len(store.face_templates(keep)) == 2
    assert not images.exists()
    assert kiosk.customer_changes == 1
    assert page.model.rowCount() == 1
    assert page.notice.state == "ok" and "김민준" in page.notice.text() and "2개" in page.notice.text()
    assert store.audit_entries(limit=1, kind="customer_deleted")[0].detail["customer_id"] == gone


# --- sales -------------------------------------------------------------------------------------------------
def test_sales_today_and_reprint(qtbot, window: AdminWindow, store: Store, tmp_path: Path):
    customer = add_customer(store, tmp_path, "김민준")
    store.record_sale(cart_lines(store, ("COKE-500", 2), ("SHINRAMYUN-5P", 1)), customer, "face")
    store.record_sale(cart_lines(store, ("BANANAMILK-240", 3)), None, "card")
    last = store.record_sale(cart_lines(store, ("CASS-355", 1)), None, "cash")
    window.show_page("sales")
    page = window.sales_page
    assert page.day == date.today() and page.header.title.text() == "오늘 매출"
    assert page.model.rowCount() == 3
    total = 2 * 2100 + 4980 + 3 * 1700 + 2250
    assert page.count_tile.value.text() == "3"
    assert page.sum_tile.value.text() == f"{total:,}원"
    assert page.average_tile.value.text() == f"{total // 3:,}원"
    assert sum(page.chart.totals) == total
    assert page.chart.totals[datetime.now().hour] > 0 or page.chart.totals[(datetime.now().hour - 1) % 24] > 0
    first = [page.model.data(page.model.index(0, c)) for c in range(6)]
    assert first[1].startswith("R") and first[2] == "코카콜라 500ml ×2, 농심 신라면 멀티팩 5입 ×1"
    assert first[3:] == [f"{2 * 2100 + 4980:,}원", "김민준", "얼굴 결제"]
    assert page.model.data(page.model.index(1, 4)) == "—"
    assert not page.reprint_button.isEnabled()

    page.select_receipt(store.sales_of_day(date.today())[0].receipt_no)
    qtbot.mouseClick(page.reprint_button, Qt.LeftButton)
    number = first[1]
    text = (tmp_path / "receipts" / f"{number}.txt").read_text("utf-8")
    assert number in text and "김민준" in text and "얼굴 결제" in text and f"{2 * 2100 + 4980:,}원" in text
    assert (tmp_path / "receipts" / f"{number}.pdf").read_bytes().startswith(b"%PDF")
    assert page.preview is not None and page.preview.isVisible()
    assert page.preview.files.pdf.name == f"{number}.pdf"
    assert not page.preview.image_label.pixmap().isNull()
    assert store.audit_entries(limit=1)[0].kind == "receipt_reprinted"
    page.preview.accept()
    assert page.preview is None

    page.select_receipt(last)
    files = page.reprint_selected()
    assert files is not None and "현금" in files.text.read_text("utf-8")


def test_sales_of_another_day(window: AdminWindow, store: Store):
    store.record_sale(cart_lines(store, ("COKE-500", 1)), None, "card")
    window.show_page("sales")
    page = window.sales_page
    assert not page.next_button.isEnabled()  # no sales in the future
    page.prev_button.click()
    assert page.day == date.today() - timedelta(days=1)
    assert page.model.rowCount() == 0
    assert page.count_tile.value.text() == "0" and page.average_tile.value.text() == "—"
    assert page.header.title.text() == f"{page.day:%Y-%m-%d} 매출"
    assert page.reprint_selected() is None
    page.today_button.click()
    assert page.model.rowCount() == 1
    page.set_day(date.today() + timedelta(days=3))
    assert page.day == date.today()


def test_a_failed_reprint_is_shown(make_window, store: Store, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    window = make_window(receipt_dir=blocker / "receipts")  # a file where the folder must go
    store.record_sale(cart_lines(store, ("COKE-500", 1)), None, "card")
    page = window.sales_page
    page.refresh()
    page.select_receipt(store.sales_of_day(date.today())[0].receipt_no)
    assert page.reprint_selected() is None
    assert page.notice.state == "error" and page.preview is None


# --- system ------------------------------------------------------------------------------------------------
def test_system_page_shows_models_cameras_and_live_values(qtbot, window: AdminWindow, kiosk: Kiosk):
    window.show_page("system")
    page = window.system_page
    assert page.timer.isActive() and page.timer.interval() == 1000
    models = page.models.values
    assert models["detector_name"].text() == "kiosk-demo-detector"
    assert models["detector_backend"].text() == "onnxruntime"
    assert models["detector_classes"].text() == "15"
    assert models["detector_input"].text() == "320x256"
    assert "mAP@0.5 0.995" in models["detector_metrics"].text()
    assert "계산 정확도 83.3 %" in models["detector_metrics"].text()
    assert models["face_backend"].text() == "dlib"
    assert page.camera_rows["counter"][0].text() == "/dev/video0"
    assert page.camera_rows["face"][0].text() == "1"  # not reported: the configured setting
    assert page.camera_rows["counter"][1].text() == "29.7 fps"
    assert re.fullmatch(r"[0-9.,]+ (MB|GB)", page.computer.values["rss"].text())  # this process's RSS

    kiosk.fps = {"counter": 12.5}
    qtbot.waitUntil(lambda: page.camera_rows["counter"][1].text() == "12.5 fps", timeout=2500)  # the timer
    assert page.camera_rows["face"][1].text() == "—"

    assert page.camera_list.count() == 2
    assert not page.use_buttons["counter"].isEnabled()
    page.select_camera_path("/dev/video2")
    qtbot.mouseClick(page.use_buttons["face"], Qt.LeftButton)
    assert kiosk.selected == [("face", "/dev/video2")]
    assert page.camera_rows["face"][0].text() == "/dev/video2"
    assert page.notice.state == "ok" and "/dev/video2" in page.notice.text()

    window.show_page("pin")
    assert not page.timer.isActive()  # hidden: no more polling


def test_system_page_without_anything(make_window, tmp_path: Path, store: Store):
    window = make_window(models_info=lambda: {}, camera_fps=lambda: {}, camera_sources=lambda: {},
                         list_cameras=lambda: [])
    window.show_page("system")
    page = window.system_page
    assert page.models.values["detector_name"].text() == "—"
    assert page.camera_rows["counter"][1].text() == "—"
    assert page.camera_list.count() == 1 and page.camera_list.item(0).text() == "연결된 웹캠이 없습니다."
    assert not page.use_buttons["face"].isEnabled()
    page.show_sample(SystemMonitor(tmp_path / "no-proc").sample())  # off Linux
    assert page.cpu_bar.format() == "—" and page.computer.values["available"].text() == "—"


def test_camera_switch_failure_is_shown(make_window):
    def refuse(role: str, spec: str) -> None:
        raise ValueError("camera busy")

    window = make_window(select_camera=refuse)
    window.show_page("system")
    page = window.system_page
    page.select_camera_path("/dev/video0")
    assert not page.use_selected_camera("counter")
    assert page.notice.state == "error" and "camera busy" in page.notice.text()


def test_detector_info_of_a_missing_model(tmp_path: Path):
    info = detector_info(tmp_path, "mmdet")
    assert info["detector_backend"] == "mmdet" and "unreadable" in info["detector_state"]


# --- PIN ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("current, new, repeat, message", [
    ("", "5827", "5827", "현재 PIN을 입력하세요."),
    ("2468", "58", "58", "새 PIN은 숫자 4~8자리여야 합니다."),
    ("2468", "5827", "5828", "새 PIN 두 개가 서로 다릅니다."),
    ("2468", "1234", "1234", "1111이나 1234보다 추측하기 어려운 PIN을 정하세요."),
    ("2468", "2468", "2468", "새 PIN이 현재 PIN과 같습니다."),
    ("1357", "5827", "5827", "현재 PIN이 틀렸습니다."),
    ("2468", "13579", "13579", "PIN을 바꾸지 못했습니다: settings file is read-only"),
])
def test_pin_change_is_validated(window: AdminWindow, kiosk: Kiosk, current: str, new: str, repeat: str,
                                 message: str):
    window.show_page("pin")
    page = window.pin_page
    page.current_edit.setText(current)
    page.new_edit.setText(new)
    page.repeat_edit.setText(repeat)
    assert not page.change_pin()
    assert page.notice.state == "error" and page.notice.text() == message
    assert kiosk.pins == []


def test_pin_change(qtbot, window: AdminWindow, kiosk: Kiosk, store: Store):
    window.show_page("pin")
    page = window.pin_page
    assert page.current_edit.echoMode() == page.current_edit.Password
    page.current_edit.setFocus()
    QApplication.processEvents()
    for key in "2468":
        page.pad.press(key)
    assert page.current_edit.text() == "2468"
    page.new_edit.setText("5827")
    page.repeat_edit.setText("5827")
    qtbot.mouseClick(page.change_button, Qt.LeftButton)
    assert kiosk.pins == ["5827"]
    assert page.notice.state == "ok" and page.notice.text() == "관리자 PIN을 변경했습니다."
    assert page.current_edit.text() == page.new_edit.text() == page.repeat_edit.text() == ""
    assert store.audit_entries(limit=1)[0].kind == "operator_pin_changed"


def test_weak_pins():
    assert all(is_weak_pin(p) for p in ("0000", "1234", "98765", "3456789"))
    assert not any(is_weak_pin(p) for p in ("5827", "1357", "0909", "1243"))
