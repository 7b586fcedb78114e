"""Synthetic top-down counter scenes with exact boxes, at the RPC benchmark's clutter levels.

A scene is deterministic given its seed (``numpy.random.Generator(PCG64)`` passed down; image ``i`` of
a set with seed ``s`` uses ``SeedSequence([s, i])``, so any image can be re-made on its own).

Box rule (as RPC): the box is the tight box of the *whole* object's silhouette (alpha > 0.5), also
where items on top hide part of it. No item may be hidden by more than ``max_occlusion`` (50%) of its
silhouette: a placement that would do that to an item already on the counter is refused and tried
elsewhere, so every annotated item is at least half visible (``visible`` in the COCO annotation). Items
lie fully inside the image, and no two boxes overlap by more than the level's IoU limit. When a
crowded scene cannot be placed, the camera is raised (8% per try), as a person would step back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from app.training.artwork import render_art
from app.training.coco import CocoBuilder, make_categories
from app.training.compose import CameraLook, Light, Sprite, box_iou, cast_shadow, finish, make_sprite, paste
from app.training.packaging import PackagingSpec, lookalike_pairs
from app.training.surfaces import SURFACES, pick_background

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Level:
    """A clutter level: how many kinds and items, the largest box IoU between two items, and ``fill``:
    the footprint that extra items of a kind may add up to, as a share of the counter area in view."""

    name: str
    kinds: tuple[int, int]
    items: tuple[int, int]
    max_iou: float
    fill: float


LEVELS = {
    "easy": Level("easy", (3, 4), (3, 10), 0.10, 0.55),
    "medium": Level("medium", (5, 7), (10, 15), 0.20, 0.9),
    "hard": Level("hard", (8, 10), (15, 20), 0.30, 1.3),
}
MIXED = "mixed"


@dataclass(frozen=True)
class SceneConfig:
    """Image size and the camera: the long image side spans ``view_cm`` at ``reference_height_cm``."""

    width: int = 320
    height: int = 320
    view_cm: float = 60.0
    reference_height_cm: float = 70.0
    camera_height_cm: tuple[float, float] = (60.0, 80.0)
    max_occlusion: float = 0.5
    lookalike_rate: float = 0.8  # chance the look-alike pairs are kept together (class balance stays)
    size_jitter: float = 0.03
    surfaces: tuple[str, ...] = SURFACES
    photo_rate: float = 0.5  # chance of a real empty-counter photo as background, when any are given
    look: CameraLook = field(default_factory=CameraLook)
    tries_per_item: int = 40
    attempts: int = 8
    keep_masks: bool = False  # Scene.masks: every item's full silhouette, for checks and debugging


@dataclass(frozen=True)
class SceneItem:
    """One annotated product: COCO ``bbox`` (x, y, w, h) of the whole object, silhouette ``area``."""

    category_id: int
    detector_class: str
    bbox: tuple[int, int, int, int]
    area: int
    visible: float
    upright: bool
    angle: float


@dataclass(frozen=True)
class Scene:
    image: np.ndarray
    items: tuple[SceneItem, ...]
    level: str
    surface: str
    camera_height_cm: float
    masks: tuple[np.ndarray, ...] = ()  # whole-object silhouettes (image size), with ``keep_masks``


class SceneError(RuntimeError):
    """A scene could not be placed even from the highest camera."""


def scene_rng(seed: int, index: int = 0) -> np.random.Generator:
    """The generator of image ``index`` in a set made with ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), int(index)])))


class SceneGenerator:
    """Composes counter scenes from the packaging art of ``specs`` (category ids 1..N in that order)."""

    def __init__(self, specs: Sequence[PackagingSpec], config: SceneConfig = SceneConfig(),
                 photos: Sequence[np.ndarray] = ()) -> None:
        if not specs:
            raise ValueError("no products to draw")
        self.specs = list(specs)
        self.config = config
        self.photos = list(photos)
        self.classes = [s.detector_class for s in self.specs]
        self.focal_px = max(config.width, config.height) * config.reference_height_cm / config.view_cm
        self.art_px_per_cm = self.focal_px / config.camera_height_cm[0] * (1 + config.size_jitter)
        cm_per_px = config.reference_height_cm / self.focal_px
        self.view_area_cm2 = config.width * cm_per_px * config.height * cm_per_px
        self.pairs = [(self.classes.index(a), self.classes.index(b)) for a, b in lookalike_pairs(self.specs)]
        self._art: dict[tuple[int, bool], np.ndarray] = {}

    def art(self, index: int, upright: bool) -> np.ndarray:
        """The cached BGRA art of product ``index`` at the generator's largest scale."""
        key = (index, upright)
        if key not in self._art:
            self._art[key] = render_art(self.specs[index], self.art_px_per_cm, upright)
        return self._art[key]

    def sprite_art(self, rng: np.random.Generator, index: int, upright: bool) -> np.ndarray:
        """The BGRA art pasted for one item of product ``index`` (a hook: subclasses may draw from photo
        cutouts, e.g. ``app.training.enroll_scenes``); this class always uses :meth:`art` and draws no
        random numbers here, so its scenes stay the same for a seed."""
        return self.art(index, upright)

    def plan(self, rng: np.random.Generator, level: Level) -> list[int]:
        """Product indices, one per item. The number of look-alike classes follows the uniform draw
        (hypergeometric), then pairs are kept together with ``lookalike_rate``; the draw is symmetric in
        the classes, so every class keeps the same expected share."""
        n = len(self.classes)
        k = int(rng.integers(min(level.kinds[0], n), min(level.kinds[1], n) + 1))
        paired = sorted(i for pair in self.pairs for i in pair)
        singles = [i for i in range(n) if i not in paired]
        j = int(rng.hypergeometric(len(paired), len(singles), k)) if paired and singles else (
            k if paired else 0)
        kinds = [int(i) for i in rng.choice(singles, k - j, replace=False)] if k > j else []
        if j and rng.random() < self.config.lookalike_rate:
            chosen = rng.choice(len(self.pairs), j // 2, replace=False)
            kinds += [i for p in chosen for i in self.pairs[int(p)]]
            if j % 2:
                rest = [i for i in paired if i not in kinds]
                kinds.append(int(rest[int(rng.integers(len(rest)))]))
        elif j:
            kinds += [int(i) for i in rng.choice(paired, j, replace=False)]
        total = int(rng.integers(max(level.items[0], k), level.items[1] + 1))
        areas = [float(np.prod(self.specs[i].footprint_cm())) for i in kinds]
        budget, used = level.fill * self.view_area_cm2, sum(areas)
        counts = [1] * k
        for n in range(k, total):  # an extra item of a kind that no longer fits is left out, unless
            pick = int(rng.integers(k))  # the level still lacks items: then a kind that fits gets it
            if used + areas[pick] > budget:
                if n >= level.items[0]:
                    continue
                fits = [i for i in range(k) if used + areas[i] <= budget] or [int(np.argmin(areas))]
                pick = fits[int(rng.integers(len(fits)))]
            counts[pick] += 1
            used += areas[pick]
        return [kind for kind, c in zip(kinds, counts, strict=True) for _ in range(c)]

    def generate(self, rng: np.random.Generator, level: str = "easy") -> Scene:
        """One scene at ``level`` (easy, medium, hard or mixed)."""
        lvl = LEVELS[level] if level != MIXED else LEVELS[list(LEVELS)[int(rng.integers(len(LEVELS)))]]
        cfg = self.config
        kinds = self.plan(rng, lvl)
        cam = float(rng.uniform(*cfg.camera_height_cm))
        surface, background = pick_background(rng, cfg.width, cfg.height, self.focal_px / cam, cfg.surfaces,
                                              self.photos, cfg.photo_rate)
        light = Light.random(rng)
        poses = []
        for kind in kinds:
            spec = self.specs[kind]
            upright = bool(rng.random() < spec.upright)
            fx, fy = spec.footprint_cm(upright)
            gain = (1 + rng.normal(0, 0.025, 3)) * rng.uniform(0.92, 1.06)
            jitter = 1 + rng.uniform(-cfg.size_jitter, cfg.size_jitter)
            poses.append((fx * fy * rng.lognormal(0, 0.4), kind, upright, jitter, gain))
        poses.sort(key=lambda p: -p[0])  # mostly large first: small items may lie on bags, not under
        for attempt in range(cfg.attempts):
            placed = self._place(rng, background, poses, light, cam, lvl)
            if placed is not None:
                canvas, items, masks = placed
                return Scene(finish(canvas, rng, cfg.look), tuple(items), lvl.name, surface, round(cam, 2),
                             tuple(masks))
            log.debug("scene too crowded at %.0f cm (attempt %d); raising the camera", cam, attempt + 1)
            cam *= 1.08
        raise SceneError(f"could not place {len(kinds)} items ({lvl.name}) "
                         f"on a {cfg.width}x{cfg.height} view")

    def _place(self, rng: np.random.Generator, background: np.ndarray, poses: list, light: Light,
               cam: float, level: Level) -> tuple[np.ndarray, list[SceneItem], list[np.ndarray]] | None:
        cfg = self.config
        canvas = background.copy()
        owner = np.full((cfg.height, cfg.width), -1, np.int32)
        full: list[int] = []
        visible: list[int] = []
        boxes = np.zeros((0, 4), np.float64)
        records = []
        masks: list[np.ndarray] = []
        ppc = self.focal_px / cam
        for _, kind, upright, jitter, gain in poses:
            spec = self.specs[kind]
            scale = ppc * jitter / self.art_px_per_cm
            found = None
            free = np.flatnonzero(owner.ravel() < 0)
            for t in range(cfg.tries_per_item):
                if t % 10 == 0:
                    angle = float(rng.uniform(0, 360))
                    sprite = make_sprite(self.sprite_art(rng, kind, upright), scale, angle,
                                         spec.standing_height_cm(upright) * ppc, gain)
                found = self._try_position(rng, sprite, owner, full, visible, boxes, level, free)
                if found is not None:
                    break
            if found is None:
                return None
            x, y, box, covered = found
            for i, c in covered.items():
                visible[i] -= c
            cast_shadow(canvas, sprite, x, y, light)
            paste(canvas, sprite, x, y)
            bx0, by0, bx1, by1 = sprite.bounds
            region = owner[y + by0:y + by1, x + bx0:x + bx1]
            region[sprite.mask[by0:by1, bx0:bx1]] = len(full)
            if cfg.keep_masks:
                masks.append(np.zeros_like(owner, bool))
                masks[-1][y + by0:y + by1, x + bx0:x + bx1] = sprite.mask[by0:by1, bx0:bx1]
            full.append(sprite.area)
            visible.append(sprite.area)
            boxes = np.vstack([boxes, box])
            records.append((kind, box, upright, angle))
        items = [SceneItem(kind + 1, self.classes[kind], tuple(int(v) for v in box), full[i],
                           round(visible[i] / full[i], 3), upright, round(angle, 1))
                 for i, (kind, box, upright, angle) in enumerate(records)]
        return canvas, items, masks

    def _try_position(self, rng: np.random.Generator, sprite: Sprite, owner: np.ndarray, full: list[int],
                      visible: list[int], boxes: np.ndarray, level: Level, free: np.ndarray):
        """A random spot for ``sprite`` that respects the image, IoU and occlusion limits, or None.
        Most tries centre the item on a still-empty pixel of the counter (kept inside the image)."""
        cfg = self.config
        bx0, by0, bx1, by1 = sprite.bounds
        if bx1 - bx0 > cfg.width or by1 - by0 > cfg.height:
            return None
        if free.size and rng.random() < 0.8:
            cy, cx = divmod(int(free[int(rng.integers(free.size))]), cfg.width)
            x = min(max(cx - (bx0 + bx1) // 2, -bx0), cfg.width - bx1)
            y = min(max(cy - (by0 + by1) // 2, -by0), cfg.height - by1)
        else:
            x = int(rng.integers(-bx0, cfg.width - bx1 + 1))
            y = int(rng.integers(-by0, cfg.height - by1 + 1))
        box = (x + bx0, y + by0, bx1 - bx0, by1 - by0)
        if len(boxes) and box_iou(box, boxes).max() > level.max_iou:
            return None
        under = owner[y + by0:y + by1, x + bx0:x + bx1][sprite.mask[by0:by1, bx0:bx1]]
        under = under[under >= 0]
        covered: dict[int, int] = {}
        if under.size:
            counts = np.bincount(under, minlength=len(full))
            for i in np.nonzero(counts)[0]:
                if visible[i] - counts[i] < (1 - cfg.max_occlusion) * full[i]:
                    return None
                covered[int(i)] = int(counts[i])
        return x, y, box, covered


def write_dataset(generator: SceneGenerator, out_dir: str | Path, count: int, seed: int, level: str = MIXED,
                  image_format: str = "jpg",
                  progress: Callable[[int, int], None] | None = None) -> tuple[Path, CocoBuilder]:
    """Write ``count`` scenes to ``out_dir/images`` and their COCO file ``out_dir/annotations.json``.

    ``progress(done, count)`` is called after each image (it may raise to stop; the COCO file is written
    only once every image is there, so a stopped split has none)."""
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    supers = [s.shape for s in generator.specs]
    coco = CocoBuilder(make_categories(generator.classes, supers),
                       {"description": "synthetic counter scenes (app.training.scenes)", "seed": seed,
                        "level": level, "view_cm": generator.config.view_cm})
    params = [cv2.IMWRITE_JPEG_QUALITY, 92] if image_format == "jpg" else [cv2.IMWRITE_PNG_COMPRESSION, 3]
    for index in range(count):
        scene = generator.generate(scene_rng(seed, index), level)
        name = f"images/{index:06d}.{image_format}"
        if not cv2.imwrite(str(out / name), scene.image, params):
            raise OSError(f"cannot write {out / name}")
        image_id = coco.add_image(name, scene.image.shape[1], scene.image.shape[0], level=scene.level,
                                  surface=scene.surface, camera_height_cm=scene.camera_height_cm)
        for item in scene.items:
            coco.add_annotation(image_id, item.category_id, item.bbox, item.area, visible=item.visible,
                                upright=item.upright)
        if progress is not None:
            progress(index + 1, count)
    path = coco.write(out / "annotations.json")
    log.info("wrote %d scenes (%s, seed %d) to %s", count, level, seed, out)
    return path, coco

