"""Shared, session-scoped face fixtures: one MTCNN and one dlib model for the whole folder, and
detections cached per image so the real photos of ../shared/faces are processed once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.vision.faces.detector import FaceDetection, MtcnnDetector

SHARED_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"


class CachingDetector(MtcnnDetector):
    """The real detector, memoised on the image bytes (tests show the same photos many times)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._cache: dict[tuple[tuple[int, ...], str], list[FaceDetection]] = {}
        self.calls = 0

    def detect_all(self, frame_bgr: np.ndarray) -> list[FaceDetection]:
        key = (frame_bgr.shape, hashlib.sha1(np.ascontiguousarray(frame_bgr).tobytes()).hexdigest())
        if key not in self._cache:
            self.calls += 1
            self._cache[key] = super().detect_all(frame_bgr)
        return self._cache[key]


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One torch thread while these tests run: on a CPU shared with other busy processes, torch's
    one-thread-per-core default spins and runs MTCNN many times slower. Restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def face_detector() -> CachingDetector:
    """The eval-faces configuration: MTCNN on at most 640 px, faces from 32 px."""
    return CachingDetector(max_side=640, min_face_px=32)


@pytest.fixture(scope="session")
def dlib_embedder():
    from app.vision.faces.embedder import DlibEmbedder

    return DlibEmbedder()


@pytest.fixture(scope="session")
def load_face():
    """``load_face("obama/1.jpg")`` -> BGR image; skips when ../shared/faces is absent."""
    cache: dict[str, np.ndarray] = {}

    def load(name: str) -> np.ndarray:
        path = SHARED_FACES / name
        if not path.is_file():
            pytest.skip(f"{path} is not there (../shared/faces is not next to the project)")
        if name not in cache:
            cache[name] = cv2.imread(str(path), cv2.IMREAD_COLOR)
        return cache[name]

    return load
