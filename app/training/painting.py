"""Drawing primitives for the packaging art: a float BGRA canvas, masks, shading, patterns, Korean text.

Everything is drawn as anti-aliased masks on a supersampled canvas and painted with a colour; text is
rendered by Pillow with the NanumGothic fonts that the ``koreanize-matplotlib`` package carries (found
through the package's own location), so Hangul never turns into boxes.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.core.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

FONT_PACKAGE = "koreanize_matplotlib"
FONT_FILES = {"bold": "NanumGothicExtraBold.ttf", "regular": "NanumGothicBold.ttf"}
Color = tuple[int, int, int]


class ArtError(RuntimeError):
    """The art cannot be drawn (typically: no font that can write Korean)."""


@functools.cache
def font_path(weight: str = "bold") -> Path:
    """A TTF able to draw Hangul: NanumGothic from koreanize-matplotlib, else the project's fonts/."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    candidates: list[Path] = []
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "fonts" / FONT_FILES[weight])
    candidates += sorted((PROJECT_ROOT / "fonts").glob("LotteMartDream-*.ttf"))
    for path in candidates:
        if path.is_file():
            return path
    raise ArtError("no Korean font found: install koreanize-matplotlib (it carries NanumGothic)")


@functools.cache
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size)


@dataclass
class Canvas:
    """Float BGR (0..255) and alpha (0..1) planes of one piece of art."""

    bgr: np.ndarray
    alpha: np.ndarray

    @classmethod
    def blank(cls, width: int, height: int) -> Canvas:
        return cls(np.zeros((height, width, 3), np.float32), np.zeros((height, width), np.float32))

    @property
    def size(self) -> tuple[int, int]:
        return self.bgr.shape[1], self.bgr.shape[0]

    def paint(self, mask: np.ndarray, color: Color | np.ndarray, opacity: float = 1.0,
              solid: bool = True) -> None:
        """Paint ``color`` (a BGR tuple or an HxWx3 image) through ``mask``; ``solid`` adds to the alpha."""
        m = (mask * opacity)[..., None]
        src = np.asarray(color, np.float32)
        self.bgr = self.bgr * (1.0 - m) + src * m
        if solid:
            self.alpha = self.alpha + m[..., 0] * (1.0 - self.alpha)

    def shade(self, mask: np.ndarray, gain: np.ndarray, highlight: np.ndarray | None = None) -> None:
        """Multiply by ``gain`` (and add a white ``highlight``) inside ``mask``: curvature and gloss."""
        g = 1.0 + (gain - 1.0) * mask
        self.bgr = self.bgr * g[..., None]
        if highlight is not None:
            self.bgr = self.bgr + (255.0 - self.bgr) * (highlight * mask)[..., None]

    def to_bgra(self, scale: int) -> np.ndarray:
        """Downsample by ``scale`` (area average, alpha-weighted) into a uint8 BGRA image."""
        w, h = self.size
        size = (max(1, w // scale), max(1, h // scale))
        premul = np.dstack([self.bgr * self.alpha[..., None], self.alpha * 255.0])
        small = cv2.resize(premul, size, interpolation=cv2.INTER_AREA)
        a = small[..., 3:4] / 255.0
        bgr = np.where(a > 1e-4, small[..., :3] / np.maximum(a, 1e-4), 0.0)
        out = np.dstack([bgr, small[..., 3:4]])
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _blank(canvas: Canvas) -> np.ndarray:
    w, h = canvas.size
    return np.zeros((h, w), np.uint8)


def rect(canvas: Canvas, x0: float, y0: float, x1: float, y1: float, radius: float = 0.0) -> np.ndarray:
    """Mask of a (rounded) rectangle."""
    m = _blank(canvas)
    r = int(max(0.0, min(radius, (x1 - x0) / 2, (y1 - y0) / 2)))
    xa, ya, xb, yb = round(x0), round(y0), round(x1) - 1, round(y1) - 1
    if r <= 0:
        cv2.rectangle(m, (xa, ya), (xb, yb), 255, -1)
    else:
        cv2.rectangle(m, (xa + r, ya), (xb - r, yb), 255, -1)
        cv2.rectangle(m, (xa, ya + r), (xb, yb - r), 255, -1)
        for cx, cy in ((xa + r, ya + r), (xb - r, ya + r), (xa + r, yb - r), (xb - r, yb - r)):
            cv2.circle(m, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return m.astype(np.float32) / 255.0


def ellipse(canvas: Canvas, cx: float, cy: float, rx: float, ry: float, thickness: int = -1) -> np.ndarray:
    """Mask of an ellipse (filled, or an outline ``thickness`` px wide)."""
    m = _blank(canvas)
    cv2.ellipse(m, (round(cx), round(cy)), (max(1, round(rx)), max(1, round(ry))),
                0, 0, 360, 255, thickness, cv2.LINE_AA)
    return m.astype(np.float32) / 255.0


def poly(canvas: Canvas, points: np.ndarray) -> np.ndarray:
    """Mask of a filled polygon given as an (N, 2) array of x, y."""
    m = _blank(canvas)
    cv2.fillPoly(m, [np.round(points).astype(np.int32)], 255, cv2.LINE_AA)
    return m.astype(np.float32) / 255.0


def cylinder_gain(canvas: Canvas, axis: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Gain and highlight of a cylinder lying along ``axis`` (0 = x) spanning lo..hi across it."""
    w, h = canvas.size
    coord = np.arange(h if axis == 0 else w, dtype=np.float32)
    t = np.clip((coord - (lo + hi) / 2) / max(1.0, (hi - lo) / 2), -1.0, 1.0)
    gain = 0.55 + 0.5 * np.sqrt(1.0 - t * t)
    shine = 0.55 * np.exp(-((t + 0.42) / 0.11) ** 2) + 0.12 * np.exp(-((t - 0.55) / 0.08) ** 2)
    if axis == 0:
        return np.repeat(gain[:, None], w, 1), np.repeat(shine[:, None], w, 1)
    return np.repeat(gain[None, :], h, 0), np.repeat(shine[None, :], h, 0)


def radial_gain(canvas: Canvas, cx: float, cy: float, r: float, dome: float = 0.35) -> tuple[
        np.ndarray, np.ndarray]:
    """Gain and highlight of a dome/disc seen from above (light from the upper left)."""
    w, h = canvas.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.clip(np.hypot(xx - cx, yy - cy) / max(r, 1.0), 0.0, 1.0)
    gain = 1.0 - dome * d ** 2
    shine = 0.5 * np.exp(-(np.hypot(xx - (cx - 0.35 * r), yy - (cy - 0.35 * r)) / (0.18 * r)) ** 2)
    return gain.astype(np.float32), shine.astype(np.float32)


def pillow_gain(canvas: Canvas, x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """Gain and highlight of a filled bag: darker towards the seams, soft sheen across the middle."""
    w, h = canvas.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = np.clip((xx - x0) / max(1.0, x1 - x0) * 2 - 1, -1, 1)
    v = np.clip((yy - y0) / max(1.0, y1 - y0) * 2 - 1, -1, 1)
    gain = 1.0 - 0.22 * u ** 4 - 0.3 * v ** 6
    shine = 0.22 * np.exp(-(((u + 0.7 * v) + 0.3) / 0.25) ** 2)
    return gain.astype(np.float32), shine.astype(np.float32)


def pattern(canvas: Canvas, kind: str, period: float) -> np.ndarray:
    """A repeating decoration mask (stripes, dots, waves, chevron, rays, grid) of about ``period`` px."""
    w, h = canvas.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    p = max(period, 4.0)
    if kind == "stripes":
        m = ((xx + yy) % p) < p * 0.35
    elif kind == "dots":
        m = np.hypot((xx % p) - p / 2, (yy % p) - p / 2) < p * 0.2
    elif kind == "waves":
        m = np.abs(yy - h * 0.91 - 0.035 * h * np.sin(xx / max(w, 1) * 2 * np.pi * 1.3)) < h * 0.028
    elif kind == "chevron":
        m = ((np.abs((xx % p) - p / 2) + yy) % p) < p * 0.3
    elif kind == "rays":
        ang = np.arctan2(yy - h * 0.35, xx - w * 0.5)
        m = (np.floor(ang / (np.pi / 12)) % 2) == 0
    elif kind == "grid":
        m = ((xx % p) < p * 0.12) | ((yy % p) < p * 0.12)
    else:
        return np.zeros((h, w), np.float32)
    return cv2.GaussianBlur(m.astype(np.float32), (3, 3), 0)


def _fit_font(lines: list[str], weight: str, box_w: float, box_h: float) -> tuple[ImageFont.FreeTypeFont,
                                                                                 list[tuple[int, ...]]]:
    size = max(4, int(box_h / len(lines)))
    while True:
        font = _font(weight, size)
        boxes = [font.getbbox(line) for line in lines]
        width = max(b[2] - b[0] for b in boxes)
        height = sum(b[3] - b[1] for b in boxes) * 1.15
        if (width <= box_w and height <= box_h) or size <= 4:
            return font, boxes
        size = max(4, int(size * min(0.95, box_w / max(width, 1), box_h / max(height, 1))))


def text(canvas: Canvas, label: str, box: tuple[float, float, float, float], weight: str = "bold",
         vertical: bool = False) -> np.ndarray:
    """Mask of ``label`` set as large as fits in ``box`` (x0, y0, x1, y1), centred; two lines at a space
    when that is bigger. ``vertical`` turns the text 90 degrees (reading bottom to top)."""
    x0, y0, x1, y1 = box
    bw, bh = (y1 - y0, x1 - x0) if vertical else (x1 - x0, y1 - y0)
    options = [[label]] + ([label.split(" ", 1)] if " " in label else [])
    best = max(((*_fit_font(lines, weight, bw, bh), lines) for lines in options),
               key=lambda fit: fit[0].size)
    font, boxes, lines = best
    line_h = [b[3] - b[1] for b in boxes]
    total = sum(line_h) * 1.15
    img = Image.new("L", (max(1, int(bw)), max(1, int(bh))), 0)
    draw = ImageDraw.Draw(img)
    y = (bh - total) / 2
    for line, b, lh in zip(lines, boxes, line_h, strict=True):
        draw.text(((bw - (b[2] - b[0])) / 2 - b[0], y - b[1]), line, fill=255, font=font)
        y += lh * 1.15
    arr = np.asarray(img, np.float32) / 255.0
    if vertical:
        arr = np.rot90(arr)
    m = np.zeros(canvas.alpha.shape, np.float32)
    xa, ya = int(x0), int(y0)
    hh, ww = min(arr.shape[0], m.shape[0] - ya), min(arr.shape[1], m.shape[1] - xa)
    m[ya:ya + hh, xa:xa + ww] = arr[:hh, :ww]
    return m


def dilate(mask: np.ndarray, px: int) -> np.ndarray:
    """``mask`` grown by ``px`` pixels (a text outline)."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.dilate(mask, k)
