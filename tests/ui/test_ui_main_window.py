"""The main window: renders at the kiosk resolutions, exposes its panels, switches language live."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtGui import QImage

from app.core.cart import Cart
from app.core.catalog import Product
from app.core.settings import Settings
from app.ui.app import create_app, grab_screenshot
from app.ui.i18n import install_translator
from app.ui.main_window import MainWindow
from app.ui.video_view import VideoView

PRODUCTS = [Product("8801", "신라면", "Shin Ramyun", 1200, "shin_ramyun"),
            Product("8802", "코카콜라 500ml", "Coca-Cola 500ml", 2300, "coke"),
            Product("8803", "바나나우유", "Banana Milk", 1700, "banana_milk")]
CUSTOMERS = [("C001", "김민준", date(2024, 5, 1)), ("C002", "이서연", date(2024, 6, 12))]


@pytest.fixture
def settings(shared_fonts: Path) -> Settings:
    return Settings(language="ko", font_dirs=(str(shared_fonts),))


@pytest.fixture
def window(qtbot, settings: Settings):
    create_app([], settings)
    cart = Cart()
    for n, product in enumerate(PRODUCTS, start=1):
        cart.add(product, n)
    win = MainWindow(settings, cart, CUSTOMERS)
    qtbot.addWidget(win)
    yield win
    win.set_language("ko")


def test_panels_are_exposed(window: MainWindow):
    assert isinstance(window.counter_view, VideoView)
    assert window.face_panel.video is window.face_view
    assert window.cart_panel.model.rowCount() == 3
    assert window.pay_button.text() == "결제하기"
    assert window.cart_panel.total.amount_label.text() == "10,900원"


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_renders_at_kiosk_sizes(window: MainWindow, tmp_path: Path, size: tuple[int, int]):
    window.counter_view.set_frame(np.full((720, 1280, 3), 180, np.uint8))
    window.counter_view.set_overlay([(100, 100, 400, 400, "shin_ramyun", 0.9, False)])
    path = grab_screenshot(window, tmp_path / "main.png", size)
    assert path.is_file() and path.stat().st_size > 20_000
    image = QImage(str(path))
    assert (image.width(), image.height()) == size  # the layout fits: the window did not grow
    assert (window.property("large") is True) == (size[0] >= 1600)
    colours = {image.pixel(x, y) for x in range(0, size[0], 37) for y in range(0, size[1], 23)}
    assert len(colours) > 20


def test_status_bar(window: MainWindow):
    assert window.model_chip.property("state") == "pending" and "불러오는 중" in window.model_chip.text()
    window.set_camera_status("counter", "연결됨", True)
    window.set_camera_status("face", "연결 안 됨", False)
    window.set_model_status("onnxruntime")
    assert "계산대 카메라: 연결됨" in window.camera_chips["counter"].text()
    assert window.camera_chips["face"].property("state") == "error"
    assert window.camera_chips["counter"].property("state") == "ok"
    assert "onnxruntime" in window.model_chip.text()
    with pytest.raises(ValueError):
        window.set_camera_status("door", "?", True)


def test_language_toggle_switches_visible_texts(qtbot, window: MainWindow, tmp_path: Path):
    grab_screenshot(window, tmp_path / "ko.png", (1280, 800))
    assert window.header.title.text() == "셀프 계산대"
    assert window.language_button.text() == "English"
    with qtbot.waitSignal(window.language_changed, timeout=1000):
        window.language_button.click()
    qtbot.waitUntil(lambda: window.pay_button.text() == "Pay", timeout=2000)
    assert window.header.title.text() == "Self checkout"
    assert window.language_button.text() == "한국어"
    assert window.cart_panel.total.caption.text() == "Total"
    assert window.cart_panel.total.amount_label.text() == "₩10,900"
    assert window.cart_panel.model.headerData(0, 1) == "Product"
    assert window.face_panel.title.text() == "Face pay"
    assert window.counter_view.status_text() == "Camera not connected"
    window.language_button.click()
    qtbot.waitUntil(lambda: window.pay_button.text() == "결제하기", timeout=2000)
    assert window.face_panel.list_title.text() == "등록 고객 (2명)"
    assert window.cart_panel.total.amount_label.text() == "10,900원"


def test_english_from_settings(qtbot, settings: Settings):
    english = settings.replace(language="en")
    create_app([], english)
    win = MainWindow(english, Cart(), [])
    qtbot.addWidget(win)
    assert win.pay_button.text() == "Pay" and not win.pay_button.isEnabled()
    assert win.cart_panel.total.amount_label.text() == "₩0"
    assert win.face_panel.empty_label.text() == "No customers registered yet."
    win.set_language("ko")


def test_window_follows_a_translator_installed_elsewhere(qtbot, qapp, window: MainWindow):
    window.show()
    install_translator(qapp, "en")
    qtbot.waitUntil(lambda: window.language == "en", timeout=2000)
    assert window.pay_button.text() == "Pay"
    assert window.cart_panel.total.amount_label.text() == "₩10,900"


def test_camera_states_are_translated_and_the_detail_is_a_tooltip(qtbot):
    from app.capture.base import SourceState, SourceStatus

    window = MainWindow(Settings(language="ko"), Cart())
    qtbot.addWidget(window)
    message = "Camera 0 (/dev/video0) is not connected"
    window.show_camera_state("counter", SourceStatus(SourceState.DISCONNECTED, message))
    chip = window.camera_chips["counter"]
    assert "연결 안 됨" in chip.text() and chip.toolTip() == message
    assert chip.property("state") == "error"
    assert window.counter_view.status_text() == "연결 안 됨"
    window.show_camera_state("counter", SourceStatus(SourceState.LIVE, "Camera 0 is live"))
    assert "연결됨" in chip.text() and chip.property("state") == "ok"
    window.set_language("en")
    assert "Counter camera: connected" in chip.text()


def test_demo_badge_shows_only_in_demo_mode(qtbot):
    window = MainWindow(Settings(language="ko"), Cart())
    qtbot.addWidget(window)
    window.show()
    assert not window.header.demo_badge.isVisible()
    window.set_demo_mode(True, "No camera found")
    assert window.header.demo_badge.isVisible() and window.header.demo_badge.text() == "데모"
    assert window.header.demo_badge.toolTip() == "No camera found"


def test_counter_hint_tells_the_customer_to_wait_or_spread_items(qtbot):
    window = MainWindow(Settings(language="ko"), Cart())
    qtbot.addWidget(window)
    assert window.counter_hint.text() == "상품을 자동으로 인식합니다"
    window.set_counter_state("settling")
    assert "잠시만요" in window.counter_hint.text() and window.counter_hint.property("state") == "settling"
    window.set_counter_state("unclear")
    assert "펼쳐" in window.counter_hint.text()
    window.set_language("en")
    assert window.counter_hint.text() == "Some items are unclear: please spread them out"
    with pytest.raises(ValueError):
        window.set_counter_state("dancing")
