"""ImageFolderSource on PNG/JPEG files written at test time."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.capture import ImageFolderSource, SourceState, SourceUnavailable
from app.capture.folder import natural_key
from tests.fakes import FakeClock


def write_image(path: Path, value: int, size: tuple[int, int] = (32, 24)) -> Path:
    width, height = size
    assert cv2.imwrite(str(path), np.full((height, width, 3), value, dtype=np.uint8))
    return path


def values(frames: list) -> list[int]:
    return [int(f.image[0, 0, 0]) for f in frames]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, value in [("img10.png", 10), ("img2.png", 2), ("img1.png", 1), ("IMG3.PNG", 3)]:
        write_image(tmp_path / name, value)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_natural_order(folder: Path) -> None:
    with ImageFolderSource(folder, loop=False) as source:
        frames = [source.read() for _ in range(4)]
        assert [p.name for p in source.files] == ["img1.png", "img2.png", "IMG3.PNG", "img10.png"]
        assert source.read() is None
        assert source.status.state is SourceState.ENDED
    assert values(frames) == [1, 2, 3, 10]
    assert [f.index for f in frames] == [0, 1, 2, 3]


def test_natural_key() -> None:
    names = ["a10.jpg", "a2.jpg", "b1.jpg", "A1.jpg"]
    assert sorted(names, key=natural_key) == ["A1.jpg", "a2.jpg", "a10.jpg", "b1.jpg"]


def test_loops_by_default(folder: Path) -> None:
    with ImageFolderSource(folder) as source:
        frames = [source.read() for _ in range(9)]
        assert source.status.is_live
    assert values(frames) == [1, 2, 3, 10, 1, 2, 3, 10, 1]


def test_corrupt_images_are_skipped_with_warning(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    noise = np.random.default_rng(1).integers(0, 256, 500, dtype=np.uint8)
    (folder / "img1.png").write_bytes(noise.tobytes())
    (folder / "img4.jpg").write_text("this is text, not a JPEG")
    (folder / "img5.jpeg").touch()
    write_image(folder / "img6.bmp", 6)
    with caplog.at_level(logging.WARNING, logger="app.capture.folder"), ImageFolderSource(folder) as source:
        frames = [source.read() for _ in range(8)]
    assert values(frames) == [2, 3, 6, 10, 2, 3, 6, 10]
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3  # each bad file is reported once, not on every loop
    assert any("img4.jpg" in m for m in warned)


def test_empty_folder_fails(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no images here")
    with ImageFolderSource(tmp_path) as source:
        assert source.read() is None
        assert source.status.state is SourceState.FAILED
        assert "No images" in source.status.message and str(tmp_path) in source.status.message


def test_all_images_unreadable_fails(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_text("text")
    (tmp_path / "b.png").write_text("text")
    for loop in (True, False):
        with ImageFolderSource(tmp_path, loop=loop) as source:
            assert source.read() is None
            assert source.status.state is SourceState.FAILED
            assert "None of the 2 images" in source.status.message


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="missing"):
        ImageFolderSource(tmp_path / "missing")


def test_grey_and_alpha_images_become_bgr(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "1.png"), np.full((10, 12), 200, dtype=np.uint8))
    cv2.imwrite(str(tmp_path / "2.png"), np.full((10, 12, 4), 100, dtype=np.uint8))
    with ImageFolderSource(tmp_path) as source:
        for _ in range(2):
            frame = source.read()
            assert frame.image.shape == (10, 12, 3) and frame.image.dtype == np.uint8


def test_non_ascii_file_names(tmp_path: Path) -> None:
    write_image(tmp_path / "상품_1.jpg", 50)
    with ImageFolderSource(tmp_path) as source:
        assert source.read() is not None


def test_realtime_paces_at_fps(folder: Path) -> None:
    clock = FakeClock()
    with ImageFolderSource(folder, fps=4, realtime=True, clock=clock, sleep=clock.sleep) as source:
        stamps = [source.read().timestamp for _ in range(5)]
    assert np.diff(stamps) == pytest.approx([0.25] * 4)
    assert source.nominal_fps == 4
