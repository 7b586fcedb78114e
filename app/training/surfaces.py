"""Procedural counter surfaces (wood, grey laminate, white stone, brushed steel, dark mat) and crops of
real empty-counter photos, as float BGR images (0..255) at a given scale in px per cm."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np

log = logging.getLogger(__name__)

SURFACES = ("wood", "laminate", "stone", "steel", "mat")
PHOTO = "photo"


def _noise(rng: np.random.Generator, height: int, width: int, cells_x: float, cells_y: float) -> np.ndarray:
    """Smooth value noise with about ``cells_x`` x ``cells_y`` features, zero mean and unit spread."""
    gx, gy = max(2, round(cells_x) + 3), max(2, round(cells_y) + 3)
    grid = rng.standard_normal((gy, gx)).astype(np.float32)
    big = cv2.resize(grid, (width + 2 * max(1, width // gx), height + 2 * max(1, height // gy)),
                     interpolation=cv2.INTER_CUBIC)
    oy, ox = max(1, height // gy), max(1, width // gx)
    out = big[oy:oy + height, ox:ox + width]
    return (out - out.mean()) / (out.std() + 1e-6)


def _wood(rng: np.random.Generator, h: int, w: int, ppc: float) -> np.ndarray:
    palette = [(96, 146, 196), (70, 112, 160), (130, 175, 214), (58, 86, 124)]
    base = np.array(palette[rng.integers(len(palette))], np.float32) * rng.uniform(0.92, 1.08)
    plank = max(8.0, rng.uniform(11, 19) * ppc)
    yy, _xx = np.mgrid[0:h, 0:w].astype(np.float32)
    index = np.floor(yy / plank)
    warp = _noise(rng, h, w, w / (12 * ppc), h / (6 * ppc)) * 0.35 * ppc
    period = rng.uniform(0.35, 0.7) * ppc
    grain = np.sin((yy + warp + index * 37.0) * 2 * np.pi / max(period, 1.5))
    streak = cv2.resize(rng.standard_normal((h, max(2, w // 24))).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_LINEAR)
    plank_tone = 1 + 0.07 * np.sin(index * 12.9898 + rng.uniform(0, 6.28))
    tone = plank_tone * (1 + 0.06 * grain + 0.05 * streak + 0.04 * _noise(rng, h, w, 6, 4))
    seam = 1 - 0.45 * np.exp(-(((yy % plank) - 0.5) / 0.8) ** 2)
    return base * (tone * seam)[..., None]


def _laminate(rng: np.random.Generator, h: int, w: int, ppc: float) -> np.ndarray:
    level = rng.uniform(150, 215)
    tint = np.array([1.0 + rng.uniform(-0.03, 0.04), 1.0, 1.0 + rng.uniform(-0.03, 0.02)], np.float32)
    speckle = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.6)
    tone = 1 + 0.05 * speckle + 0.03 * _noise(rng, h, w, 5, 4)
    return (level * tone)[..., None] * tint


def _stone(rng: np.random.Generator, h: int, w: int, ppc: float) -> np.ndarray:
    base = np.array([rng.uniform(222, 240)] * 3, np.float32) * np.array([1.0, 1.0, rng.uniform(0.97, 1.01)])
    veins = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 3))):
        warp = _noise(rng, h, w, w / (12 * ppc) + 2, h / (12 * ppc) + 2)
        n = _noise(rng, h, w, w / (40 * ppc) + 1, h / (40 * ppc) + 1) + 0.35 * warp
        veins += np.exp(-np.abs(n) / 0.06) * (0.5 + 0.5 * np.clip(_noise(rng, h, w, 3, 3), -1, 1))
    veins = cv2.GaussianBlur(veins, (0, 0), max(0.7, 0.1 * ppc))
    clouds = _noise(rng, h, w, w / (15 * ppc) + 1, h / (15 * ppc) + 1)
    flecks = cv2.GaussianBlur((rng.random((h, w)) < 0.003).astype(np.float32), (0, 0), 0.7)
    tone = 1 - 0.13 * np.clip(veins, 0, 1.2) - 0.5 * np.clip(flecks, 0, 0.4) + 0.025 * clouds
    return base * tone[..., None]


def _steel(rng: np.random.Generator, h: int, w: int, ppc: float) -> np.ndarray:
    base = np.array([200, 196, 190], np.float32) * rng.uniform(0.8, 1.0)
    brushed = cv2.resize(rng.standard_normal((h, max(2, w // 40))).astype(np.float32), (w, h),
                         interpolation=cv2.INTER_LINEAR)
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    sheen = 0.1 * np.exp(-((xx - rng.uniform(-0.6, 0.6)) / 0.35) ** 2)
    tone = 1 + 0.035 * brushed + sheen + 0.03 * _noise(rng, h, w, 3, 3)
    return base * tone[..., None]


def _mat(rng: np.random.Generator, h: int, w: int, ppc: float) -> np.ndarray:
    base = np.array([rng.uniform(48, 80)] * 3, np.float32) * np.array([1.04, 1.0, 0.98], np.float32)
    yy = np.arange(h, dtype=np.float32)[:, None]
    ribs = 0.06 * np.sin(yy * 2 * np.pi / max(2.0, rng.uniform(0.5, 1.0) * ppc))
    grit = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)
    tone = 1 + ribs + 0.06 * grit + 0.05 * _noise(rng, h, w, 4, 3)
    return base * tone[..., None]


_MAKERS = {"wood": _wood, "laminate": _laminate, "stone": _stone, "steel": _steel, "mat": _mat}


def render_surface(kind: str, rng: np.random.Generator, width: int, height: int,
                   px_per_cm: float) -> np.ndarray:
    """A procedural counter surface (one of :data:`SURFACES`) as float32 BGR."""
    try:
        maker = _MAKERS[kind]
    except KeyError:
        raise ValueError(f"unknown surface {kind!r}; choose from {', '.join(SURFACES)}") from None
    img = maker(rng, height, width, px_per_cm)
    return np.clip(img, 0, 255).astype(np.float32)


def crop_photo(photo: np.ndarray, rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A random crop of a real empty-counter image (BGR uint8), resized to ``width`` x ``height``."""
    ph, pw = photo.shape[:2]
    aspect = width / height
    scale = rng.uniform(0.75, 1.0)
    cw = int(min(pw, ph * aspect) * scale)
    ch = max(1, int(cw / aspect))
    x, y = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
    crop = photo[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def pick_background(rng: np.random.Generator, width: int, height: int, px_per_cm: float,
                    surfaces: Sequence[str] = SURFACES, photos: Sequence[np.ndarray] = (),
                    photo_rate: float = 0.5) -> tuple[str, np.ndarray]:
    """(name, float BGR image): a real counter photo with ``photo_rate`` when any, else a surface."""
    if photos and rng.random() < photo_rate:
        return PHOTO, crop_photo(photos[int(rng.integers(len(photos)))], rng, width, height)
    kind = surfaces[int(rng.integers(len(surfaces)))]
    return kind, render_surface(kind, rng, width, height, px_per_cm)
