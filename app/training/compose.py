"""Compositing for synthetic counter images: rotated product sprites, soft drop shadows, and the camera
look (lighting, colour temperature, blur, sensor noise). Float BGR canvases (0..255) throughout."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

MASK_THRESHOLD = 0.5  # alpha above this is "the object" (its silhouette, box and area)


@dataclass(frozen=True)
class Sprite:
    """One product ready to paste: premultiplied colour, alpha, silhouette mask and its tight bounds."""

    color: np.ndarray
    alpha: np.ndarray
    mask: np.ndarray
    bounds: tuple[int, int, int, int]  # x0, y0, x1, y1 (end exclusive) of ``mask`` in sprite pixels
    height_px: float  # how far it rises above the counter, for the shadow

    @property
    def size(self) -> tuple[int, int]:
        return self.alpha.shape[1], self.alpha.shape[0]

    @property
    def area(self) -> int:
        return int(self.mask.sum())


@dataclass(frozen=True)
class Light:
    """Where the shadows fall: offset per px of item height, blur and darkness."""

    dx: float
    dy: float
    softness: float
    strength: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Light:
        angle, slope = rng.uniform(0, 2 * math.pi), rng.uniform(0.06, 0.25)
        return cls(math.cos(angle) * slope, math.sin(angle) * slope, rng.uniform(0.08, 0.18),
                   rng.uniform(0.3, 0.55))


def make_sprite(art: np.ndarray, scale: float, angle_deg: float, height_px: float,
                gain: np.ndarray | None = None) -> Sprite:
    """``art`` (BGRA uint8) scaled by ``scale``, turned ``angle_deg`` counter-clockwise, colour ``gain``."""
    alpha = art[..., 3].astype(np.float32) / 255.0
    premul = np.dstack([art[..., :3].astype(np.float32) * alpha[..., None], alpha])
    h, w = art.shape[:2]
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    premul = cv2.resize(premul, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    rot = cv2.getRotationMatrix2D((nw / 2, nh / 2), angle_deg, 1.0)
    cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
    bw, bh = math.ceil(nh * sin + nw * cos) + 2, math.ceil(nh * cos + nw * sin) + 2
    rot[0, 2] += bw / 2 - nw / 2
    rot[1, 2] += bh / 2 - nh / 2
    out = cv2.warpAffine(premul, rot, (bw, bh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=(0, 0, 0, 0))
    a = np.clip(out[..., 3], 0.0, 1.0)
    ys, xs = np.nonzero(a > 0.004)
    if ys.size == 0:
        raise ValueError("empty sprite (art without alpha, or scaled to nothing)")
    crop = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    out, a = out[crop], a[crop]
    color = out[..., :3] if gain is None else out[..., :3] * gain.astype(np.float32)
    color = np.minimum(color, a[..., None] * 255.0)
    mask = a > MASK_THRESHOLD
    my, mx = np.nonzero(mask)
    if my.size == 0:
        raise ValueError("sprite has no pixel above the mask threshold")
    bounds = (int(mx.min()), int(my.min()), int(mx.max()) + 1, int(my.max()) + 1)
    return Sprite(color=np.ascontiguousarray(color), alpha=np.ascontiguousarray(a), mask=mask, bounds=bounds,
                  height_px=height_px)


def _clip(shape: tuple[int, ...], x: int, y: int, w: int, h: int) -> tuple[tuple[slice, slice],
                                                                          tuple[slice, slice]] | None:
    """Destination and source slices of a ``w`` x ``h`` patch at (x, y) clipped to ``shape``."""
    x0, y0, x1, y1 = max(0, x), max(0, y), min(shape[1], x + w), min(shape[0], y + h)
    if x0 >= x1 or y0 >= y1:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


def cast_shadow(canvas: np.ndarray, sprite: Sprite, x: int, y: int, light: Light) -> None:
    """Darken the canvas under and beside the sprite: a tight contact shadow plus a soft cast one."""
    h, w = sprite.alpha.shape
    reach = sprite.height_px
    for frac, sigma, strength in ((0.12, 0.6 + 0.03 * reach, 0.35),
                                  (1.0, 1.0 + light.softness * reach, light.strength)):
        ox, oy = round(light.dx * reach * frac), round(light.dy * reach * frac)
        pad = math.ceil(3 * sigma) + 1
        buf = np.zeros((h + 2 * pad, w + 2 * pad), np.float32)
        buf[pad:pad + h, pad:pad + w] = sprite.alpha
        buf = cv2.GaussianBlur(buf, (0, 0), sigma)
        cut = _clip(canvas.shape, x - pad + ox, y - pad + oy, buf.shape[1], buf.shape[0])
        if cut is not None:
            dst, src = cut
            canvas[dst] *= (1.0 - strength * buf[src])[..., None]


def paste(canvas: np.ndarray, sprite: Sprite, x: int, y: int) -> None:
    """Alpha-composite the sprite with its top-left corner at (x, y)."""
    cut = _clip(canvas.shape, x, y, sprite.size[0], sprite.size[1])
    if cut is not None:
        dst, src = cut
        canvas[dst] = canvas[dst] * (1.0 - sprite.alpha[src][..., None]) + sprite.color[src]


def box_iou(box: Sequence[int], others: np.ndarray) -> np.ndarray:
    """IoU of one xywh box with each row of ``others`` (N x 4, xywh)."""
    if len(others) == 0:
        return np.zeros(0)
    x, y, w, h = box
    ix = np.clip(np.minimum(x + w, others[:, 0] + others[:, 2]) - np.maximum(x, others[:, 0]), 0, None)
    iy = np.clip(np.minimum(y + h, others[:, 1] + others[:, 3]) - np.maximum(y, others[:, 1]), 0, None)
    inter = ix * iy
    return inter / (w * h + others[:, 2] * others[:, 3] - inter)


@dataclass(frozen=True)
class CameraLook:
    """Ranges of the photometric changes applied to a finished scene."""

    brightness: tuple[float, float] = (0.82, 1.15)
    contrast: tuple[float, float] = (0.85, 1.12)
    temperature: float = 0.07  # +- relative blue/red gain
    uneven_light: float = 0.14  # strength of a light gradient across the counter
    blur_sigma: tuple[float, float] = (0.0, 1.1)
    noise_sigma: tuple[float, float] = (1.0, 5.0)


def finish(canvas: np.ndarray, rng: np.random.Generator, look: CameraLook | None = None) -> np.ndarray:
    """The camera look applied to a float BGR canvas; returns uint8 BGR."""
    look = look or CameraLook()
    h, w = canvas.shape[:2]
    img = canvas.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    ramp = ((xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang)) * 2
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.45 * max(w, h)) ** 2))
    light = 1 + look.uneven_light * (0.5 * ramp + spot - 0.5)
    t = rng.uniform(-1, 1) * look.temperature
    gains = np.array([1 + t, 1 + rng.uniform(-0.02, 0.02), 1 - t], np.float32) * rng.uniform(*look.brightness)
    img = img * light[..., None] * gains
    mean = float(img.mean())
    img = (img - mean) * rng.uniform(*look.contrast) + mean
    sigma = rng.uniform(*look.blur_sigma)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(*look.noise_sigma)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
