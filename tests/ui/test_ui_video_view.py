"""VideoView: BGR frames to QImage (strides, odd widths, copies), scaling, boxes and the status text."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QRectF, QSize
from PyQt5.QtGui import QColor, QImage

from app.ui.i18n import install_translator
from app.ui.video_view import VideoView, bgr_to_qimage, fit_rect


def pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    color = QColor(image.pixel(x, y))
    return color.red(), color.green(), color.blue()


def test_non_contiguous_odd_width_frame_converts_exactly():
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, size=(41, 66, 3), dtype=np.uint8)
    frame = big[1:, ::2]  # 40 x 33: a strided view with an odd width (99 bytes per row)
    assert not frame.flags.c_contiguous and frame.shape[1] == 33
    image = bgr_to_qimage(frame)
    assert (image.width(), image.height()) == (33, 40)
    for x, y in [(0, 0), (32, 0), (17, 21), (32, 39), (0, 39)]:
        b, g, r = frame[y, x]
        assert pixel(image, x, y) == (r, g, b)


def test_frame_is_copied():
    frame = np.zeros((4, 5, 3), np.uint8)
    frame[:, :] = (255, 0, 0)  # blue in BGR
    image = bgr_to_qimage(frame)
    frame[:, :] = 0
    assert pixel(image, 2, 2) == (0, 0, 255)


def test_grey_and_bgra_frames():
    grey = np.full((3, 7), 77, np.uint8)
    assert pixel(bgr_to_qimage(grey), 6, 2) == (77, 77, 77)
    bgra = np.zeros((3, 5, 4), np.uint8)
    bgra[..., :] = (10, 20, 30, 255)
    assert pixel(bgr_to_qimage(bgra), 1, 1) == (30, 20, 10)
    with pytest.raises(TypeError):
        bgr_to_qimage(np.zeros((3, 3, 3), np.float32))
    with pytest.raises(ValueError):
        bgr_to_qimage(np.zeros((3, 3, 2), np.uint8))


def test_fit_rect_keeps_the_aspect_ratio():
    rect = fit_rect(QSize(1280, 720), QRectF(0, 0, 800, 800))
    assert rect.width() == pytest.approx(800) and rect.height() == pytest.approx(450)
    assert rect.top() == pytest.approx(175)
    assert fit_rect(QSize(0, 0), QRectF(0, 0, 10, 10)).isEmpty()


def test_view_paints_frame_boxes_and_status(qtbot, qapp):
    install_translator(qapp, "ko")
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    assert view.status_text() == "카메라 연결 안 됨"
    empty = view.grab().toImage()
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:, :, 1] = 200  # green
    view.set_frame(frame)
    view.set_overlay([(10, 10, 60, 50, "coke", 0.91, False), (80, 20, 150, 80, "shin_ramyun", 0.4, True)])
    target = view.image_rect()
    assert target.width() == pytest.approx(400) and target.height() == pytest.approx(225)
    shot = view.grab().toImage()
    assert shot != empty
    scale = target.width() / 160
    inside = shot.pixelColor(int(target.left() + 30 * scale), int(target.top() + 80 * scale))  # no box there
    assert (inside.red(), inside.green(), inside.blue()) == (0, 200, 0)
    edge = shot.pixelColor(int(target.left() + 10 * scale), int(target.top() + 30 * scale))  # a box edge
    assert edge != inside
    view.set_status("얼굴 카메라 준비 중")
    view.set_frame(None)
    assert view.image() is None and view.status_text() == "얼굴 카메라 준비 중"
    assert not view.grab().isNull()
