"""Product cutouts from the known empty counter: no labelling, no Qt.

The enrollment wizard (or ``selfcheckout enroll --photos``) cuts the product out of each capture by
comparing it with a model of the empty counter, and keeps the accepted cutouts as BGRA PNGs that the
scene generator pastes like the drawn packaging art (``app.training.enroll_scenes``).

Live camera, as a wizard would drive it (all calls are plain numpy, fast enough for a preview at
camera rate on 640x480 frames, a few ms each)::

    background = BackgroundModel.from_frames(empty_frames)   # ~10 frames of the empty counter
    folder = CutoutFolder(work_dir / "cutouts")
    folder.save_backgrounds(empty_frames)                     # the store's own counter, for the scenes
    result = background.cutout(frame)                         # per live frame
    show(result.preview(frame))                               # BGR: the object tinted, its outline
    show_text(result.text("ko"))                              # why it cannot be used, or "ok"
    if result.ok and operator_pressed_keep:
        entry = folder.add(result, source="camera")           # writes cut_000.png + cutouts.json
    folder.remove(entry.file)                                  # "retake"

``result.reason`` is one of :data:`REASONS` (``None`` when ``result.ok``): ``empty`` (nothing on the
counter), ``touches_edge``, ``too_small``, ``changed`` (too much of the picture differs: the camera or
counter moved, or the light changed; take new empty-counter frames), ``several`` (more than one object,
e.g. a hand) and ``size_mismatch`` (the frame is not the background's size). The mask and box are set
whenever an object was found, so the preview can show what was refused.

A folder of photos instead of the camera: photos of the product on the (plain or empty) counter plus,
ideally, one or more photos of the empty counter from the same camera position
(:func:`cutouts_from_photos`); without a background photo each photo's background is estimated from its
border (a smooth colour surface fitted to the outer band of the picture, so it suits a plain
background, not a patterned one).

How a cutout is made: the frame's overall brightness is matched to the background's (one gain, so a
slightly brighter or darker room is no change); the difference is measured in CIELAB with the
lightness weighed down (``luma_weight``), so dimmer and brighter parts of the same surface differ less
than colours do; each pixel's threshold is ``k_spread`` times the background's own spread there (from
the empty frames), but at least ``min_threshold``; pixels that are only a darker copy of the counter's
colour (the product's shadow) are not the product. The mask is then opened (specks), closed (gaps), its
largest component kept and its holes filled; the alpha edge is soft (``feather_px``) around the same
silhouette (alpha > 0.5 is exactly the mask). The crop keeps a 2 px transparent margin like the art.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

MANIFEST = "cutouts.json"
BACKGROUNDS_DIR = "backgrounds"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
MARGIN_PX = 2

#: reason code -> (Korean, English) text for the operator.
REASONS: dict[str, tuple[str, str]] = {
    "empty": ("계산대에 상품이 보이지 않습니다. 상품을 계산대 가운데에 놓아 주세요.",
              "Nothing on the counter: place the product in the middle of the counter."),
    "touches_edge": ("상품이 화면 가장자리에 닿았습니다. 가운데 쪽으로 옮겨 주세요.",
                     "The product touches the edge of the picture: move it towards the middle."),
    "too_small": ("상품이 너무 작게 보입니다. 상품이 맞는지, 카메라가 너무 높지 않은지 확인해 주세요.",
                  "The object is too small to learn from: is it the product, is the camera not too high?"),
    "changed": ("화면이 너무 많이 바뀌었습니다. 카메라나 계산대가 움직였거나 조명이 바뀌었습니다. "
                "빈 계산대를 다시 찍어 주세요.",
                "Too much of the picture changed: the camera or the counter moved, or the light changed. "
                "Capture the empty counter again."),
    "several": ("물건이 여러 개 보입니다. 상품 하나만 놓고 손을 치워 주세요.",
                "Several objects are on the counter: leave only the product and take your hands away."),
    "size_mismatch": ("사진 크기가 빈 계산대 사진과 다릅니다.",
                      "This picture's size differs from the empty-counter pictures."),
}
OK_TEXT = ("좋습니다. 이 사진을 쓸 수 있습니다.", "Good: this capture can be used.")


@dataclass(frozen=True)
class CutoutConfig:
    """Thresholds of the cutout (fractions are of the frame area unless named otherwise)."""

    k_spread: float = 5.0  # threshold = k_spread x the background's per-pixel spread ...
    min_threshold: float = 10.0  # ... but at least this (CIELAB units, lightness weighed)
    luma_weight: float = 0.5  # weight of the L* difference against a*, b*
    max_gain_change: float = 0.3  # the frame may be up to 30% brighter/darker than the background
    shadow_ratio: tuple[float, float] = (0.4, 0.93)  # a shadow keeps 40-93% of the counter's brightness
    shadow_chroma: float = 0.02  # ... and its chromaticity (|dr| + |dg| of r,g = R/sum, G/sum)
    min_area: float = 0.004  # smaller than this: "too_small" (or "empty" below a tenth of it)
    max_area: float = 0.6  # more than this changed: "changed"
    second_object: float = 0.2  # another component above this share of the largest: "several"
    edge_px: int = 2  # a mask pixel this close to the border: "touches_edge"
    open_frac: float = 0.004  # opening kernel, as a fraction of the image diagonal
    close_frac: float = 0.012  # closing kernel, likewise
    feather_px: float = 1.0  # the soft alpha edge (alpha 0.5 on the silhouette's border)


@dataclass(frozen=True, eq=False)
class CutoutResult:
    """One capture's cutout, or why it cannot be used."""

    ok: bool
    reason: str | None  # a key of REASONS, None when ok
    frame_size: tuple[int, int]  # (width, height) of the frame it came from
    mask: np.ndarray | None = None  # bool, frame size: the object's silhouette (also when refused)
    box: tuple[int, int, int, int] | None = None  # x, y, w, h of the mask in the frame
    image: np.ndarray | None = None  # the BGRA crop (ok only), 2 px transparent margin
    area_fraction: float = 0.0  # the object's share of the frame
    changed_fraction: float = 0.0  # share of the frame that differs from the background
    gain: float = 1.0  # the frame's brightness relative to the background

    @property
    def message(self) -> str:
        """The English text (see :meth:`text`)."""
        return self.text("en")

    def text(self, lang: str = "ko") -> str:
        """What to tell the operator, in ``lang`` ("ko" or "en")."""
        ko, en = OK_TEXT if self.reason is None else REASONS[self.reason]
        return en if lang == "en" else ko

    def preview(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` (BGR) with the found object tinted and outlined: green when usable, red when not."""
        out = frame.copy()
        if self.mask is None or self.mask.shape != frame.shape[:2]:
            return out
        color = np.array((60, 200, 60) if self.ok else (40, 40, 230), np.float32)
        m = self.mask
        out[m] = (out[m].astype(np.float32) * 0.6 + color * 0.4).astype(np.uint8)
        contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, tuple(int(c) for c in color), 2)
        return out


def _lab(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(image, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_BGR2LAB)


def _gray(image: np.ndarray) -> np.ndarray:
    f = image.astype(np.float32)
    return (f[..., 0] + f[..., 1] + f[..., 2]) * np.float32(1 / 3)


def _chroma(image: np.ndarray) -> np.ndarray:
    """(b, g) shares of B+G+R per pixel: what a shadow keeps."""
    f = image.astype(np.float32)
    total = f[..., 0] + f[..., 1] + f[..., 2] + 1.0
    return f[..., :2] / total[..., None]


def _kernel(size: float) -> np.ndarray:
    k = max(1, round(size)) | 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every region it encloses filled."""
    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = mask.astype(np.uint8)
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 1)
    return (padded[1:-1, 1:-1] > 0) | (flood[1:-1, 1:-1] == 0)


def soft_alpha(mask: np.ndarray, feather_px: float = 1.0) -> np.ndarray:
    """Alpha 0..1 that ramps across the mask's border over about ``2 * feather_px`` pixels, with
    ``alpha > 0.5`` exactly on ``mask``."""
    m = mask.astype(np.uint8)
    inside = cv2.distanceTransform(m, cv2.DIST_L2, 3)
    outside = cv2.distanceTransform(1 - m, cv2.DIST_L2, 3)
    signed = np.where(mask, inside - 0.5, 0.5 - outside)
    alpha = np.clip(0.5 + signed / (2.0 * max(feather_px, 1e-3)), 0.0, 1.0)
    alpha[mask] = np.maximum(alpha[mask], 0.51)
    alpha[~mask] = np.minimum(alpha[~mask], 0.49)
    return alpha.astype(np.float32)


def crop_bgra(frame: np.ndarray, mask: np.ndarray, feather_px: float = 1.0,
              margin: int = MARGIN_PX) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The BGRA crop of ``frame`` around ``mask`` (soft alpha, ``margin`` px of transparent border)
    and the mask's box (x, y, w, h) in the frame."""
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    pad = margin + int(np.ceil(2 * feather_px)) + 1
    # Padded coordinates: frame pixel (x, y) is at (x + pad, y + pad); the crop spans the box +- pad.
    color = cv2.copyMakeBorder(frame[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad],
                               max(0, pad - y0), max(0, y1 + pad - frame.shape[0]),
                               max(0, pad - x0), max(0, x1 + pad - frame.shape[1]), cv2.BORDER_REPLICATE)
    sub = np.zeros(color.shape[:2], bool)
    sub[pad:pad + y1 - y0, pad:pad + x1 - x0] = mask[y0:y1, x0:x1]
    alpha = np.rint(soft_alpha(sub, feather_px) * 255).astype(np.uint8)
    ay, ax = np.nonzero(alpha)
    top, left = max(0, int(ay.min()) - margin), max(0, int(ax.min()) - margin)
    bottom, right = int(ay.max()) + 1 + margin, int(ax.max()) + 1 + margin
    bgra = np.dstack([color, alpha])[top:bottom, left:right].copy()
    bgra[bgra[..., 3] == 0, :3] = 0
    return np.ascontiguousarray(bgra), (x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, eq=False)
class BackgroundModel:
    """The empty counter: per-pixel median colour (BGR and CIELAB) and spread."""

    median_bgr: np.ndarray  # float32 H x W x 3
    median_lab: np.ndarray  # float32 H x W x 3
    spread: np.ndarray  # float32 H x W: the weighted CIELAB spread of the empty frames
    frames: int
    config: CutoutConfig = field(default_factory=CutoutConfig)

    @property
    def size(self) -> tuple[int, int]:
        return self.median_bgr.shape[1], self.median_bgr.shape[0]

    @classmethod
    def from_frames(cls, frames: Sequence[np.ndarray], config: CutoutConfig | None = None) -> BackgroundModel:
        """The model of several frames of the empty counter (one is enough; more give the spread)."""
        config = config or CutoutConfig()
        frames = [np.asarray(f) for f in frames]
        if not frames:
            raise ValueError("no empty-counter frames")
        shape = frames[0].shape
        if any(f.shape != shape for f in frames) or len(shape) != 3 or shape[2] != 3:
            raise ValueError("the empty-counter frames must all be BGR images of one size")
        stack = np.stack([f.astype(np.float32) for f in frames])
        median = np.median(stack, axis=0).astype(np.float32)
        median_lab = _lab(median)
        if len(frames) >= 3:
            labs = np.stack([_lab(f) for f in stack])
            mad = np.median(np.abs(labs - median_lab), axis=0) * 1.4826
            mad[..., 0] *= config.luma_weight
            spread = np.sqrt((mad ** 2).sum(axis=2))
            spread = cv2.dilate(cv2.GaussianBlur(spread, (0, 0), 1.0), _kernel(5))
        else:
            spread = np.zeros(shape[:2], np.float32)
        return cls(median, median_lab, spread.astype(np.float32), len(frames), config)

    @classmethod
    def from_border(cls, photo: np.ndarray, config: CutoutConfig | None = None,
                    band: float = 0.05) -> BackgroundModel:
        """A plain background estimated from the outer ``band`` of ``photo`` (a fraction of the short
        side): a quadratic colour surface fitted to it (robustly), its residual spread everywhere."""
        config = config or CutoutConfig()
        h, w = photo.shape[:2]
        b = max(2, round(band * min(h, w)))
        ring = np.zeros((h, w), bool)
        ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = True, True, True, True
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        u, v = xx / w - 0.5, yy / h - 0.5
        basis = np.stack([np.ones_like(u), u, v, u * u, v * v, u * v], axis=-1)
        a = basis[ring]
        src = photo.astype(np.float32)
        median = np.empty_like(src)
        residuals = []
        for c in range(3):
            y = src[..., c][ring]
            keep = np.ones(y.shape, bool)
            for _ in range(3):  # trimmed least squares: a product touching the band does not bend it
                coef, *_ = np.linalg.lstsq(a[keep], y[keep], rcond=None)
                r = y - a @ coef
                scale = 1.4826 * np.median(np.abs(r[keep])) + 1e-3
                keep = np.abs(r) < 3 * scale
            median[..., c] = basis @ coef
            residuals.append(r[keep])
        median = np.clip(median, 0, 255)
        median_lab = _lab(median)
        ring_lab = _lab(src)[ring] - median_lab[ring]
        mad = np.median(np.abs(ring_lab), axis=0) * 1.4826
        mad[0] *= config.luma_weight
        spread = np.full((h, w), float(np.sqrt((mad ** 2).sum())), np.float32)
        return cls(median.astype(np.float32), median_lab, spread, 1, config)

    @functools.cached_property
    def _prepared(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(grey level, squared per-pixel threshold, chromaticity, weighted CIELAB) of the empty counter."""
        cfg = self.config
        gray = _gray(self.median_bgr)
        threshold = np.maximum(cfg.min_threshold, cfg.k_spread * self.spread).astype(np.float32)
        lab = self.median_lab * np.array([cfg.luma_weight, 1, 1], np.float32)
        return gray, threshold * threshold, _chroma(self.median_bgr), lab

    def difference(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(changed, shadow-like, gain): pixels that differ from the empty counter beyond their threshold
        and, among them, those that are only a darker copy of the counter (a shadow, or a dark part of the
        product), after matching the frame's overall brightness; ``gain`` = frame / background."""
        cfg = self.config
        bg_gray, threshold2, bg_chroma, bg_lab = self._prepared
        fr_gray = _gray(frame)
        sample = (slice(None, None, 3), slice(None, None, 3))  # the gain from every 9th pixel is plenty
        valid = bg_gray[sample] > 8
        gain = float(np.median(fr_gray[sample][valid] / bg_gray[sample][valid])) if valid.any() else 1.0
        gain = gain if np.isfinite(gain) and gain > 0 else 1.0
        corrected = frame.astype(np.float32) * np.float32(1.0 / gain)
        d = _lab(corrected)
        d[..., 0] *= cfg.luma_weight
        d -= bg_lab
        changed = np.einsum("ijk,ijk->ij", d, d) > threshold2
        shadow = np.zeros_like(changed)
        ys, xs = np.nonzero(changed)  # the shadow test only where something changed
        if ys.size:
            pix = corrected[ys, xs]
            ratio = pix.mean(axis=1) / np.maximum(bg_gray[ys, xs], 1.0)
            shares = pix[:, :2] / (pix.sum(axis=1, keepdims=True) + 1.0)
            chroma = np.abs(shares - bg_chroma[ys, xs]).sum(axis=1)
            low, high = cfg.shadow_ratio
            shadow[ys, xs] = (ratio >= low) & (ratio <= high) & (chroma < cfg.shadow_chroma)
        return changed, shadow, gain

    def cutout(self, frame: np.ndarray) -> CutoutResult:
        """Cut the one object on the counter out of ``frame`` (BGR, the background's size)."""
        cfg = self.config
        frame = np.asarray(frame)
        h, w = frame.shape[:2]
        size = (w, h)
        if frame.ndim != 3 or frame.shape[2] != 3 or size != self.size:
            return CutoutResult(False, "size_mismatch", size)
        changed, shadow, gain = self.difference(frame)
        raw = changed & ~shadow
        area = float(h * w)
        changed_fraction = float(changed.mean())
        diag = float(np.hypot(h, w))
        mask = cv2.morphologyEx(raw.astype(np.uint8), cv2.MORPH_OPEN, _kernel(cfg.open_frac * diag))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _kernel(cfg.close_frac * diag))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        extra = dict(changed_fraction=changed_fraction, gain=gain)
        if abs(gain - 1.0) > cfg.max_gain_change or changed_fraction > cfg.max_area:
            return CutoutResult(False, "changed", size, **extra)
        if count <= 1:
            return CutoutResult(False, "empty", size, **extra)
        areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
        order = np.argsort(-areas)
        best = int(order[0]) + 1
        obj = fill_holes(labels == best)
        # Dark parts of the product look like shadow; a cast shadow lies beside the (mostly convex)
        # product, so shadow-like pixels inside the product's convex hull are taken back in.
        contours, _ = cv2.findContours(obj.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = np.zeros((h, w), np.uint8)
        cv2.fillPoly(hull, [cv2.convexHull(np.concatenate(contours))], 1)
        inner = cv2.erode(hull, _kernel(cfg.open_frac * diag * 2)) > 0
        if (shadow & inner).any():
            obj = obj | (shadow & inner)
            obj = cv2.morphologyEx(obj.astype(np.uint8), cv2.MORPH_CLOSE, _kernel(cfg.close_frac * diag)) > 0
            obj = fill_holes(obj)
        obj_area = float(obj.sum())
        ys, xs = np.nonzero(obj)
        box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
        found = dict(mask=obj, box=box, area_fraction=obj_area / area, **extra)
        if obj_area < cfg.min_area * area * 0.1:
            return CutoutResult(False, "empty", size, **extra)
        if obj_area / area > cfg.max_area:
            return CutoutResult(False, "changed", size, **found)
        others = areas[order[1:]]
        if others.size and others[0] > max(cfg.second_object * areas[order[0]], cfg.min_area * area * 0.25):
            return CutoutResult(False, "several", size, **found)
        e = cfg.edge_px
        if obj[:e].any() or obj[-e:].any() or obj[:, :e].any() or obj[:, -e:].any():
            return CutoutResult(False, "touches_edge", size, **found)
        if obj_area < cfg.min_area * area:
            return CutoutResult(False, "too_small", size, **found)
        image, box = crop_bgra(frame, obj, cfg.feather_px)
        return CutoutResult(True, None, size, image=image, **found)


# -- the enrollment work folder's cutouts --------------------------------------------------------------


@dataclass(frozen=True)
class CutoutEntry:
    """One saved cutout: its PNG (in the folder), the frame size it came from, its box there."""

    file: str
    source_size: tuple[int, int]
    box: tuple[int, int, int, int]
    source: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> CutoutEntry:
        return cls(str(d["file"]), tuple(int(v) for v in d["source_size"]),  # type: ignore[arg-type]
                   tuple(int(v) for v in d.get("box", (0, 0, 0, 0))), str(d.get("source", "")))  # type: ignore[arg-type]


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_image(path: Path, image: np.ndarray) -> Path:
    """Write an image (PNG or JPEG by suffix) through a temporary file, so a file is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(path.suffix or ".png", image)
    if not ok:
        raise OSError(f"cannot encode {path}")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data.tobytes())
    os.replace(tmp, path)
    return path


class CutoutFolder:
    """A folder of accepted cutouts: ``cut_NNN.png`` (BGRA) and ``cutouts.json`` (one entry each, with
    the size of the frame each came from: the scenes scale cutouts relative to it). The empty-counter
    frames go to ``backgrounds/`` next to it (:meth:`save_backgrounds`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    @property
    def entries(self) -> list[CutoutEntry]:
        if not self.manifest.is_file():
            return []
        data = json.loads(self.manifest.read_text(encoding="utf-8"))
        return [CutoutEntry.from_dict(d) for d in data.get("cutouts", [])]

    def write_manifest(self, entries: Iterable[CutoutEntry]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.manifest, json.dumps({"cutouts": [asdict(e) for e in entries]}, indent=1) + "\n")

    def add(self, result: CutoutResult, source: str = "") -> CutoutEntry:
        """Save an accepted cutout; returns its entry."""
        if not result.ok or result.image is None or result.box is None:
            raise ValueError(f"cannot keep a refused capture ({result.reason})")
        entries = self.entries
        used = {e.file for e in entries}
        n = len(entries)
        while f"cut_{n:03d}.png" in used or (self.path / f"cut_{n:03d}.png").exists():
            n += 1
        entry = CutoutEntry(f"cut_{n:03d}.png", result.frame_size, result.box, source)
        write_image(self.path / entry.file, result.image)
        self.write_manifest([*entries, entry])
        return entry

    def remove(self, file: str) -> None:
        """Forget one cutout (a retake)."""
        entries = self.entries
        if file not in {e.file for e in entries}:
            raise KeyError(f"no cutout {file!r} in {self.path}")
        self.write_manifest([e for e in entries if e.file != file])
        (self.path / file).unlink(missing_ok=True)

    def load(self) -> list[tuple[np.ndarray, CutoutEntry]]:
        """Every cutout image (BGRA) with its entry; a folder without a manifest lists its PNGs (their
        source size unknown: (0, 0))."""
        entries = self.entries or [CutoutEntry(p.name, (0, 0), (0, 0, 0, 0))
                                   for p in sorted(self.path.glob("*.png"))]
        out = []
        for entry in entries:
            image = cv2.imread(str(self.path / entry.file), cv2.IMREAD_UNCHANGED)
            if image is None or image.ndim != 3 or image.shape[2] != 4:
                raise ValueError(f"{self.path / entry.file}: not a BGRA PNG cutout")
            out.append((image, entry))
        return out

    def save_backgrounds(self, frames: Sequence[np.ndarray], folder: str | Path | None = None) -> list[Path]:
        """Write empty-counter frames as JPEGs (default: ``backgrounds/`` beside this folder)."""
        out = Path(folder) if folder is not None else self.path.parent / BACKGROUNDS_DIR
        return [write_image(out / f"empty_{i:03d}.jpg", f) for i, f in enumerate(frames)]


def read_images(paths: Iterable[str | Path]) -> list[tuple[Path, np.ndarray]]:
    """(path, BGR image) for each readable image among ``paths`` (folders are listed, sorted)."""
    out = []
    for p in paths:
        p = Path(p)
        files = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES) if p.is_dir() else [p]
        for f in files:
            image = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if image is None:
                log.warning("%s: not a readable image; skipped", f)
                continue
            out.append((f, image))
    return out


def cutouts_from_photos(photos: Sequence[tuple[Path, np.ndarray]],
                        backgrounds: Sequence[np.ndarray] = (),
                        config: CutoutConfig | None = None) -> list[tuple[Path, CutoutResult]]:
    """Cut the product out of each photo: against the empty-counter ``backgrounds`` (resized to the
    photo's size when they differ), or each photo's own border when there is none."""
    config = config or CutoutConfig()
    models: dict[tuple[int, int], BackgroundModel] = {}
    results = []
    for path, photo in photos:
        h, w = photo.shape[:2]
        if backgrounds:
            if (w, h) not in models:
                frames = [b if b.shape[:2] == (h, w) else cv2.resize(b, (w, h), interpolation=cv2.INTER_AREA)
                          for b in backgrounds]
                models[(w, h)] = BackgroundModel.from_frames(frames, config)
            model = models[(w, h)]
        else:
            model = BackgroundModel.from_border(photo, config)
        result = model.cutout(photo)
        log.info("%s: %s", path.name, "ok" if result.ok else result.reason)
        results.append((path, result))
    return results
