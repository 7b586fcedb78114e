"""Face alignment: a similarity transform (rotation, uniform scale, shift) from the five MTCNN
landmarks onto a canonical 5-point template, then a warp to a square chip.

Templates (pixels in the chip, MTCNN landmark order: image-left eye, image-right eye, nose tip, mouth
left, mouth right), both made left/right symmetric:

- ``DLIB_CHIP`` (150 x 150): where the MTCNN landmarks land in the chip dlib itself cuts
  (``dlib.get_face_chip(img, shape_predictor_5_face_landmarks(img, box), size=150, padding=0.25)``),
  averaged over the 14 single-person photos of ../shared/faces (per-point std 1-5 px). It agrees with
  dlib's 68-point mean face (eyes ≈ (47.5, 46.6) / (100.5, 46.6), nose ≈ (74, 77), mouth y ≈ 103).
- ``FACENET_CHIP`` (160 x 160): the layout of the crops FaceNet (VGGFace2, D. Sandberg's 20180402
  model) was trained and evaluated on: the MTCNN box with a 32 px margin, resized to 160 px. Those
  crops stretch the box to a square, which a similarity transform cannot do, so the template is the
  dlib template (natural face proportions) fitted by Umeyama onto the mean landmark layout of such
  crops on the same photos (eyes at 27%/74% of the box width and 40% of its height, nose 60%,
  mouth 76%, mapped as 16 + 128 * fraction).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, eq=False)
class ChipSpec:
    """A chip size and where the five landmarks go in it."""

    name: str
    size: int
    template: np.ndarray  # (5, 2) float32


DLIB_CHIP = ChipSpec("dlib-150", 150, np.array(
    [[46.9, 45.0], [102.3, 45.0], [74.6, 78.0], [49.8, 105.0], [99.4, 105.0]], dtype=np.float32))
FACENET_CHIP = ChipSpec("facenet-160", 160, np.array(
    [[55.1, 63.0], [104.9, 63.0], [80.0, 92.7], [57.7, 116.9], [102.3, 116.9]], dtype=np.float32))


def umeyama(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The least-squares similarity transform (2 x 3) taking ``src`` points onto ``dst`` (Umeyama 1991).

    Deterministic (no RANSAC), exact for noise-free similar point sets.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError("need two matching (N, 2) point sets, N >= 2")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    var_s = (s ** 2).sum() / len(src)
    if var_s <= 0:
        raise ValueError("degenerate landmarks (all points equal)")
    scale = np.trace(np.diag(sig) @ sign) / var_s
    matrix = np.empty((2, 3))
    matrix[:, :2] = scale * rot
    matrix[:, 2] = mu_d - scale * rot @ mu_s
    return matrix


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def alignment_matrix(landmarks: np.ndarray, spec: ChipSpec) -> np.ndarray:
    """The 2 x 3 similarity transform from frame pixels to chip pixels."""
    return umeyama(np.asarray(landmarks).reshape(5, 2), spec.template)


def align_face(frame: np.ndarray, landmarks: np.ndarray, spec: ChipSpec) -> np.ndarray:
    """The aligned ``spec.size`` square chip (same channel order as ``frame``); outside is black."""
    matrix = alignment_matrix(landmarks, spec)
    return cv2.warpAffine(frame, matrix, (spec.size, spec.size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
