"""Top-down packaging art of one product, drawn from its :class:`PackagingSpec` (deterministic BGRA).

Lying poses are drawn with the long axis along x and the cap/top to the right; standing round items
and cartons have a separate top view (``upright=True``). Art is drawn on a supersampled canvas and
averaged down, so edges are anti-aliased and the alpha channel is the exact silhouette.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

from app.core.catalog import Product
from app.training import painting as pt
from app.training.packaging import PackagingSpec, specs_for

log = logging.getLogger(__name__)

SILVER = (196, 196, 200)
MARGIN_PX = 2
THUMB_LONG_SIDE = 256
Box = tuple[float, float, float, float]


def _label(c: pt.Canvas, s: PackagingSpec, box: Box, radius: float = 0.0, panel: bool = True,
           vertical: bool = False, decor: float = 0.0) -> None:
    """The printed label panel: background (with the pattern when ``decor`` is its period), main text
    and the smaller subtext line."""
    x0, y0, x1, y1 = box
    if panel:
        c.paint(area := pt.rect(c, x0, y0, x1, y1, radius), s.label)
        if decor:
            _decor(c, s, area, decor, 0.9)
    pad = 0.06 * min(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 - pad, y1 - pad
    if vertical:
        split = x0 + (x1 - x0) * (0.3 if s.subtext else 0.0)
        main = pt.text(c, s.text, (split, y0, x1, y1), vertical=True)
        sub = pt.text(c, s.subtext, (x0, y0, split, y1), "regular", True) if s.subtext else None
    else:
        split = y0 + (y1 - y0) * (0.66 if s.subtext else 1.0)
        main = pt.text(c, s.text, (x0, y0, x1, split))
        sub_end = y0 + (y1 - y0) * 0.9
        sub = pt.text(c, s.subtext, (x0, split, x1, sub_end), "regular") if s.subtext else None
    outline = s.primary if s.primary != s.label else s.secondary
    if not panel:
        c.paint(pt.dilate(main, max(1, int(0.02 * (y1 - y0)))), outline, solid=False)
    c.paint(main, s.text_color, solid=False)
    if sub is not None:
        c.paint(sub, s.text_color, 0.9, solid=False)


def _decor(c: pt.Canvas, s: PackagingSpec, region: np.ndarray, period: float, opacity: float = 0.45) -> None:
    if s.pattern != "none":
        c.paint(pt.pattern(c, s.pattern, period) * region, s.secondary, opacity, solid=False)


def _can_side(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    x0, y0, x1, y1 = b
    d, length = y1 - y0, x1 - x0
    body_end = x1 - (0.3 * length if s.cap else 0.05 * length)
    body = pt.rect(c, x0, y0, body_end, y1, 0.05 * d)
    c.paint(body, s.primary)
    _decor(c, s, body, 0.25 * d)
    c.paint(pt.rect(c, x0, y0, x0 + 0.035 * length, y1, 0.05 * d), SILVER)
    if s.cap:  # bottle can: shoulder, neck and a screw cap
        xs = np.linspace(body_end - 1, x1 - 0.12 * length, 12)
        half = d / 2 * (1 - 0.55 * (1 - np.cos(np.linspace(0, np.pi, 12))) / 2)
        cy = (y0 + y1) / 2
        c.paint(pt.poly(c, np.r_[np.c_[xs, cy - half], np.c_[xs[::-1], cy + half[::-1]]]), SILVER)
        c.paint(pt.rect(c, x1 - 0.13 * length, y0 + 0.24 * d, x1, y1 - 0.24 * d, 0.03 * d), s.cap)
    else:
        c.paint(pt.rect(c, body_end - 1, y0 + 0.06 * d, x1, y1 - 0.06 * d, 0.04 * d), SILVER)
    _label(c, s, (x0 + 0.12 * length, y0 + 0.14 * d, x0 + 0.62 * length, y1 - 0.14 * d), 0.08 * d)
    c.shade(c.alpha, *pt.cylinder_gain(c, 0, y0, y1))


def _profile_side(c: pt.Canvas, s: PackagingSpec, b: Box, xs: np.ndarray, half: np.ndarray,
                  cap_from: float, label_box: Box) -> None:
    """A turned body (bottle, jar) lying along x: ``half`` is its half-height at the fractions ``xs``."""
    x0, y0, x1, y1 = b
    length, d, cy = x1 - x0, y1 - y0, (y0 + y1) / 2
    px = x0 + xs * length
    body = pt.poly(c, np.r_[np.c_[px, cy - half * d], np.c_[px[::-1], cy + half[::-1] * d]])
    c.paint(body, s.primary, 1.0 - s.transparency)
    lx0, ly0, lx1, ly1 = label_box
    _label(c, s, (x0 + lx0 * length, y0 + ly0 * d, x0 + lx1 * length, y0 + ly1 * d), 0.04 * d,
           panel=s.label != s.primary, decor=0.8 * d)
    cap = pt.rect(c, x0 + cap_from * length, cy - 0.26 * d, x1, cy + 0.26 * d, 0.04 * d)
    c.paint(cap, s.cap or s.secondary)
    c.paint(pt.pattern(c, "grid", 0.06 * d) * cap, (0, 0, 0), 0.12, solid=False)
    c.shade(c.alpha, *pt.cylinder_gain(c, 0, y0, y1))


def _bottle_side(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    t = np.linspace(0, 1, 14)
    xs = np.r_[0.0, 0.012, 0.03, 0.64 + 0.22 * t, 0.935]
    half = np.r_[0.42, 0.48, 0.5, 0.5 - 0.29 * (1 - np.cos(np.pi * t)) / 2, 0.21]
    _profile_side(c, s, b, xs, half, 0.925, (0.16, 0.0, 0.58, 1.0))
    x0, y0, x1, y1 = b
    length, d = x1 - x0, y1 - y0
    ring = pt.rect(c, x0 + 0.9 * length, y0 + 0.26 * d, x0 + 0.915 * length, y1 - 0.26 * d)
    c.paint(ring, s.cap or s.secondary)


def _jar_side(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    t = np.linspace(0, 1, 20)
    neck = np.linspace(0, 1, 6)
    xs = np.r_[0.0, 0.02 + 0.7 * t, 0.74 + 0.1 * neck, 0.86]
    half = np.r_[0.34, 0.36 + 0.14 * np.sin(np.pi * (0.15 + 0.85 * t)), 0.3 - 0.03 * neck, 0.27]
    _profile_side(c, s, b, xs, half, 0.86, (0.08, 0.2, 0.7, 0.8))


def _carton_side(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    x0, y0, x1, y1 = b
    length, d = x1 - x0, y1 - y0
    gable = pt.poly(c, np.array([[x0 + 0.8 * length, y0], [x0 + 0.93 * length, y0 + 0.3 * d],
                                 [x0 + 0.93 * length, y1 - 0.3 * d], [x0 + 0.8 * length, y1]]))
    c.paint(gable, s.primary)
    c.shade(gable, np.full(gable.shape, 0.86, np.float32))
    c.paint(pt.rect(c, x0 + 0.92 * length, y0 + 0.3 * d, x1, y1 - 0.3 * d), s.primary)
    body = pt.rect(c, x0, y0, x0 + 0.81 * length, y1)
    c.paint(body, s.primary)
    c.paint(pt.rect(c, x0, y0, x0 + 0.16 * length, y1), s.secondary)
    _decor(c, s, pt.rect(c, x0 + 0.16 * length, y0, x0 + 0.22 * length, y1), 0.15 * d, 0.8)
    _label(c, s, (x0 + 0.24 * length, y0 + 0.1 * d, x0 + 0.79 * length, y1 - 0.1 * d), panel=False)
    gain = pt.cylinder_gain(c, 0, y0 - 2 * d, y1 + 2 * d)[0]
    c.shade(c.alpha, gain)


def _round_top(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    """A standing can, bottle, jar or cup seen from straight above."""
    x0, y0, x1, y1 = b
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    outer = pt.ellipse(c, cx, cy, r, r)
    if s.shape == "can":
        c.paint(outer, s.primary)
        c.paint(pt.ellipse(c, cx, cy, 0.9 * r, 0.9 * r), SILVER)
        c.paint(pt.ellipse(c, cx, cy, 0.8 * r, 0.8 * r), (170, 170, 176))
        if s.cap:
            c.paint(pt.ellipse(c, cx, cy, 0.5 * r, 0.5 * r), s.cap)
        else:
            c.paint(pt.rect(c, cx - 0.18 * r, cy - 0.62 * r, cx + 0.18 * r, cy + 0.05 * r, 0.1 * r), SILVER)
            c.paint(pt.ellipse(c, cx, cy - 0.5 * r, 0.2 * r, 0.1 * r, max(1, int(0.04 * r))), (90, 90, 96))
        c.shade(outer, *pt.radial_gain(c, cx, cy, r, 0.2))
        return
    c.paint(outer, s.label if s.shape == "bottle" else s.primary, 1.0 - s.transparency)
    c.paint(pt.ellipse(c, cx, cy, 0.84 * r, 0.84 * r), s.primary, 1.0 - s.transparency)
    c.shade(outer, *pt.radial_gain(c, cx, cy, r, 0.45))
    lid = 0.5 * r if s.shape == "bottle" else 0.62 * r
    c.paint(pt.ellipse(c, cx, cy, lid, lid), s.cap or s.secondary)
    c.paint(pt.ellipse(c, cx, cy, 0.8 * lid, 0.8 * lid, max(1, int(0.05 * lid))), (0, 0, 0), 0.15)
    c.shade(pt.ellipse(c, cx, cy, lid, lid), *pt.radial_gain(c, cx, cy, lid, 0.25))


def _carton_top(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    x0, y0, x1, y1 = b
    cx, w = (x0 + x1) / 2, x1 - x0
    c.paint(pt.rect(c, x0, y0, cx, y1), s.primary)
    c.paint(pt.rect(c, cx, y0, x1, y1), s.primary)
    c.shade(pt.rect(c, cx, y0, x1, y1), np.full(c.alpha.shape, 0.8, np.float32))
    c.paint(pt.rect(c, x0, y0, x0 + 0.12 * w, y1), s.secondary)
    c.paint(pt.rect(c, cx - 0.05 * w, y0, cx + 0.05 * w, y1), (235, 235, 235))
    if s.cap:
        c.paint(pt.ellipse(c, x0 + 0.3 * w, (y0 + y1) / 2, 0.13 * w, 0.13 * w), s.cap)


def _bag(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    """A pillow bag (chips, noodles, dumplings) with crimped seals on the short ends; pouch: top only."""
    x0, y0, x1, y1 = b
    w, h = x1 - x0, y1 - y0
    along_x = w > h
    seal = 0.07 * min(w, h) if s.shape == "bag" else 0.05 * max(w, h)
    teeth = np.linspace(0, 1, max(8, int((h if along_x else w) / max(seal * 0.35, 1))))
    zig = (np.arange(teeth.size) % 2) * seal * 0.25
    if along_x:
        left = np.c_[x0 + zig, y0 + teeth * h]
        right = np.c_[x1 - zig, y1 - teeth * h] if s.shape == "bag" else np.array([[x1, y1], [x1, y0]])
        outline = np.r_[left[::-1], right[::-1]]
    else:
        top = np.c_[x0 + teeth * w, y0 + zig]
        bottom = np.c_[x1 - teeth * w, y1 - zig] if s.shape == "bag" else np.array([[x1, y1], [x0, y1]])
        outline = np.r_[top, bottom]
    shape = pt.poly(c, outline)
    c.paint(shape, s.primary)
    _decor(c, s, shape, 0.12 * min(w, h))
    rng = np.random.default_rng(zlib.crc32(s.detector_class.encode()))
    wx, wy = (x0 + 0.25 * w, y0 + 0.68 * h) if not along_x else (x0 + 0.72 * w, y0 + 0.66 * h)
    rx, ry = 0.2 * w if not along_x else 0.17 * w, 0.14 * h if not along_x else 0.22 * h
    c.paint(pt.ellipse(c, wx, wy, rx, ry), s.label, 0.9)
    for _ in range(5):
        bx, by = wx + rng.uniform(-0.5, 0.5) * rx, wy + rng.uniform(-0.45, 0.45) * ry
        c.paint(pt.ellipse(c, bx, by, 0.35 * rx, 0.28 * ry), s.secondary)
    lx0, lx1 = (x0 + seal * 1.5, x1 - seal * 1.5) if along_x else (x0 + 0.08 * w, x1 - 0.08 * w)
    ly0, ly1 = (y0 + 0.1 * h, y0 + 0.5 * h) if along_x else (y0 + seal * 1.6, y0 + 0.48 * h)
    if along_x:
        lx1 = x0 + 0.6 * w
        ly1 = y1 - 0.1 * h
    _label(c, s, (lx0, ly0, lx1, ly1), 0.06 * min(w, h))
    for i, (axis, at) in enumerate(((along_x, 0.0), (along_x, 1.0))):
        if s.shape == "pouch" and i == 1:
            break
        strip = (pt.rect(c, x0 + at * (w - seal), y0, x0 + at * (w - seal) + seal, y1) if axis
                 else pt.rect(c, x0, y0 + at * (h - seal), x1, y0 + at * (h - seal) + seal))
        c.paint(pt.pattern(c, "stripes", 0.25 * seal) * strip * shape, (255, 255, 255), 0.3, solid=False)
    c.shade(shape, *pt.pillow_gain(c, x0, y0, x1, y1))


def _box(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    x0, y0, x1, y1 = b
    w, h = x1 - x0, y1 - y0
    body = pt.rect(c, x0, y0, x1, y1, 0.01 * min(w, h))
    c.paint(body, s.primary)
    _decor(c, s, body, 0.08 * min(w, h), 0.3)
    c.paint(pt.rect(c, x0, y1 - 0.22 * h, x1, y1), s.secondary)
    _label(c, s, (x0 + 0.08 * w, y0 + 0.1 * h, x1 - 0.08 * w, y1 - 0.3 * h), 0.05 * h)
    edge = body - pt.rect(c, x0 + 0.015 * w, y0 + 0.015 * w, x1 - 0.015 * w, y1 - 0.015 * w)
    c.paint(np.clip(edge, 0, 1), (255, 255, 255), 0.35, solid=False)
    c.shade(body, *pt.pillow_gain(c, x0 - w, y0 - h, x1 + w, y1 + h))


def _tray(c: pt.Canvas, s: PackagingSpec, b: Box) -> None:
    """A sealed plastic tray (cooked rice, ready meals) or a cup seen from above with its film lid."""
    x0, y0, x1, y1 = b
    w, h = x1 - x0, y1 - y0
    rim = pt.rect(c, x0, y0, x1, y1, 0.18 * min(w, h))
    c.paint(rim, s.primary)
    inset = 0.07 * min(w, h)
    film = pt.rect(c, x0 + inset, y0 + inset, x1 - inset, y1 - inset, 0.12 * min(w, h))
    c.paint(film, s.label)
    c.paint(pt.rect(c, x0 + inset, y1 - 0.3 * h, x1 - inset, y1 - 0.22 * h) * film, s.secondary)
    _label(c, s, (x0 + 0.15 * w, y0 + 0.12 * h, x1 - 0.15 * w, y1 - 0.34 * h), panel=False)
    c.shade(rim, *pt.pillow_gain(c, x0 - w, y0 - h, x1 + w, y1 + h))


_SIDE: dict[str, Callable[[pt.Canvas, PackagingSpec, Box], None]] = {
    "can": _can_side, "bottle": _bottle_side, "jar": _jar_side, "cup": _tray, "carton": _carton_side,
    "bag": _bag, "pouch": _bag, "box": _box, "tray": _tray,
}


def render_art(spec: PackagingSpec, px_per_cm: float, upright: bool = False,
               supersample: int = 3) -> np.ndarray:
    """The product's top-down image (BGRA uint8) at ``px_per_cm``, with a 2 px transparent margin."""
    fx, fy = spec.footprint_cm(upright)
    width = max(2, round(fx * px_per_cm)) + 2 * MARGIN_PX
    height = max(2, round(fy * px_per_cm)) + 2 * MARGIN_PX
    c = pt.Canvas.blank(width * supersample, height * supersample)
    m = MARGIN_PX * supersample
    box = (m, m, c.size[0] - m, c.size[1] - m)
    standing = upright and spec.can_stand
    draw = (_carton_top if spec.shape == "carton" else _round_top) if standing else _SIDE[spec.shape]
    draw(c, spec, box)
    return c.to_bgra(supersample)


def render_catalog_art(catalog: Iterable[Product], packaging: dict[str, PackagingSpec],
                       out_dir: str | Path, long_side: int = THUMB_LONG_SIDE) -> list[Path]:
    """Write ``<detector_class>.png`` (lying pose, ``long_side`` px on the long side) for each product."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in specs_for((p.detector_class for p in catalog), packaging):
        art = render_art(spec, (long_side - 2 * MARGIN_PX) / max(spec.footprint_cm()))
        path = out / f"{spec.detector_class}.png"
        if not cv2.imwrite(str(path), art, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise OSError(f"cannot write {path}")
        paths.append(path)
    log.info("rendered %d product images into %s", len(paths), out)
    return paths
