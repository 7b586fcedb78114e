"""Generated "photos" of a product on a counter, for enrollment tests and demos.

A :class:`PackagingSpec` (one not in the catalog, e.g. :data:`DEMO_NEW_PRODUCT`) is drawn with
``app.training.artwork`` and laid on a counter surface (the demo video's counter by default) at the
counter camera's scale (60 cm across the frame), turned and moved as an operator would, with its
shadow, small changes of light and sensor noise; the empty counter is "photographed" the same way. The
true silhouettes come back too, so a test can score the cutout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.training.artwork import render_art
from app.training.compose import CameraLook, Light, cast_shadow, finish, make_sprite, paste
from app.training.packaging import PackagingSpec
from app.training.surfaces import render_surface

log = logging.getLogger(__name__)

#: A product the demo catalog does not have: a multipack of melon ice bars.
DEMO_NEW_PRODUCT = PackagingSpec(
    detector_class="melona_multipack", shape="box", width_cm=24.0, depth_cm=14.0, height_cm=5.0,
    primary=(94, 205, 142), secondary=(50, 125, 46), label=(255, 255, 255), text_color=(40, 110, 30),
    text="메로나", subtext="멜론맛 8개입", pattern="stripes")
DEMO_NEW_PRODUCT_FIELDS = {"sku": "MELONA-8P", "name_ko": "빙그레 메로나 8개입",
                           "name_en": "Binggrae Melona Multipack (8)", "price_won": 4800,
                           "detector_class": "melona_multipack", "age_restricted": False}

#: A still camera in one room: far smaller changes than the scene generator's CameraLook.
STILL_LOOK = CameraLook(brightness=(0.97, 1.03), contrast=(0.98, 1.02), temperature=0.01, uneven_light=0.02,
                        blur_sigma=(0.0, 0.4), noise_sigma=(1.0, 2.5))


@dataclass(frozen=True, eq=False)
class ProductPhotos:
    photos: list[np.ndarray]  # BGR uint8, the product on the counter
    masks: list[np.ndarray]  # bool, the product's true silhouette in each photo
    backgrounds: list[np.ndarray]  # BGR uint8, the empty counter


def demo_counter(width: int = 640, height: int = 480, seed: int = 2024, surface: str = "wood") -> np.ndarray:
    """The demo video's counter (float BGR): the same surface for the same seed and size."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return render_surface(surface, rng, width, height, width / 60.0)


def photograph(spec: PackagingSpec, count: int, seed: int = 0, counter: np.ndarray | None = None,
               empty_frames: int = 5, view_cm: float = 60.0, look: CameraLook = STILL_LOOK,
               light: Light | None = None) -> ProductPhotos:
    """``count`` photos of ``spec`` on ``counter`` (default: the demo counter, 640x480) in different
    positions and turns (standing, for items that can, every third photo), and ``empty_frames``
    photos of the empty counter."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), 7])))
    counter = demo_counter() if counter is None else counter.astype(np.float32)
    h, w = counter.shape[:2]
    ppc = max(w, h) / view_cm
    light = light or Light(0.12, 0.18, 0.12, 0.4)
    photos, masks = [], []
    for i in range(count):
        upright = spec.can_stand and i % 3 == 2
        angle = float(rng.uniform(0, 360)) if i else 15.0
        art = render_art(spec, ppc, upright)
        sprite = make_sprite(art, 1.0, angle, spec.standing_height_cm(upright) * ppc)
        sw, sh = sprite.size
        if sw > w * 0.9 or sh > h * 0.9:
            raise ValueError(f"{spec.detector_class} does not fit a {w}x{h} view of {view_cm} cm")
        x = int(rng.integers(max(1, w // 20), max(2, w - sw - w // 20)))
        y = int(rng.integers(max(1, h // 20), max(2, h - sh - h // 20)))
        canvas = counter.copy()
        cast_shadow(canvas, sprite, x, y, light)
        paste(canvas, sprite, x, y)
        mask = np.zeros((h, w), bool)
        mask[y:y + sh, x:x + sw] = sprite.mask
        photos.append(finish(canvas, rng, look))
        masks.append(mask)
    backgrounds = [finish(counter.copy(), rng, look) for _ in range(empty_frames)]
    return ProductPhotos(photos, masks, backgrounds)


def write_photos(photos: ProductPhotos, out_dir: str | Path) -> tuple[Path, Path]:
    """``out_dir/photos/*.jpg`` and ``out_dir/backgrounds/*.jpg``; returns the two folders."""
    from app.training.cutout import write_image

    out = Path(out_dir)
    for i, photo in enumerate(photos.photos):
        write_image(out / "photos" / f"product_{i:02d}.jpg", photo)
    for i, bg in enumerate(photos.backgrounds):
        write_image(out / "backgrounds" / f"empty_{i:02d}.jpg", bg)
    return out / "photos", out / "backgrounds"


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0

