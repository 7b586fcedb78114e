"""Cutting a product out of the empty counter: mask quality against the generated truth, the reasons a
capture is refused, the work folder of cutouts, and photos instead of the camera."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from app.training.artwork import render_art
from app.training.compose import Light, cast_shadow, finish, make_sprite, paste
from app.training.cutout import (
    REASONS,
    BackgroundModel,
    CutoutFolder,
    cutouts_from_photos,
    read_images,
    soft_alpha,
)
from app.training.enroll_photos import DEMO_NEW_PRODUCT, STILL_LOOK, demo_counter, mask_iou, photograph
from app.training.packaging import PackagingSpec
from app.training.surfaces import render_surface

from . import enroll_data
from . import scene_data as data


def _place(counter: np.ndarray, spec: PackagingSpec, x: int, y: int, angle: float = 0.0,
           rng_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``spec`` photographed at (x, y) (top-left of its sprite, may lie partly outside): photo, true mask."""
    h, w = counter.shape[:2]
    ppc = w / 60.0
    sprite = make_sprite(render_art(spec, ppc), 1.0, angle, spec.height_cm * ppc)
    canvas = counter.astype(np.float32).copy()
    cast_shadow(canvas, sprite, x, y, Light(0.12, 0.18, 0.12, 0.4))
    paste(canvas, sprite, x, y)
    mask = np.zeros((h, w), bool)
    sh, sw = sprite.mask.shape
    region = (slice(max(0, y), min(h, y + sh)), slice(max(0, x), min(w, x + sw)))
    mask[region] = sprite.mask[region[0].start - y:region[0].stop - y, region[1].start - x:region[1].stop - x]
    return finish(canvas, np.random.default_rng(rng_seed), STILL_LOOK), mask


def test_cutouts_of_generated_photos_match_the_true_silhouette():
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    for photo, truth in zip(photos.photos, photos.masks, strict=True):
        started = time.perf_counter()
        result = background.cutout(photo)
        assert time.perf_counter() - started < 1.0  # a live preview needs it fast (about 50 ms here)
        assert result.ok and result.reason is None, result.message
        assert mask_iou(result.mask, truth) >= 0.95
        ys, xs = np.nonzero(truth)
        x, y, w, h = result.box
        assert abs(x - xs.min()) <= 3 and abs(y - ys.min()) <= 3
        assert abs(w - (xs.max() - xs.min() + 1)) <= 5 and abs(h - (ys.max() - ys.min() + 1)) <= 5
        image = result.image
        assert image.dtype == np.uint8 and image.shape[2] == 4
        solid = image[..., 3] > 127  # the silhouette is the mask, cropped
        assert abs(int(solid.sum()) - int(result.mask.sum())) <= 0.01 * result.mask.sum()
        assert (image[0, :, 3] == 0).all() and (image[:, -1, 3] == 0).all()  # transparent margin
        soft = (image[..., 3] > 0) & (image[..., 3] < 255)
        assert soft.any()  # a soft edge
        assert result.text("ko") and result.text("en") == result.message


@pytest.mark.parametrize(("name", "surface"), [
    ("coke_500ml", "wood"), ("hetbahn_210g", "mat"), ("shin_ramyun_5pack", "stone"),
    ("chocopie_12pack", "laminate"),
])
def test_catalog_products_on_other_counters(name, surface):
    counter = render_surface(surface, np.random.default_rng(3), 640, 480, 640 / 60)
    photos = photograph(data.packaging()[name], 2, seed=5, counter=counter)
    background = BackgroundModel.from_frames(photos.backgrounds)
    for photo, truth in zip(photos.photos, photos.masks, strict=True):
        result = background.cutout(photo)
        assert result.ok, result.message
        assert mask_iou(result.mask, truth) >= 0.9


def test_a_plain_background_is_estimated_from_the_border():
    counter = render_surface("laminate", np.random.default_rng(8), 640, 480, 640 / 60)
    photos = photograph(DEMO_NEW_PRODUCT, 2, seed=2, counter=counter, empty_frames=0)
    for photo, truth in zip(photos.photos, photos.masks, strict=True):
        result = BackgroundModel.from_border(photo).cutout(photo)
        assert result.ok, result.message
        assert mask_iou(result.mask, truth) >= 0.9


def test_a_slightly_brighter_room_is_no_change_but_a_big_one_is():
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    brighter = np.clip(photos.photos[0].astype(np.float32) * 1.12, 0, 255).astype(np.uint8)
    result = background.cutout(brighter)
    assert result.ok and mask_iou(result.mask, photos.masks[0]) >= 0.9
    much = np.clip(photos.backgrounds[0].astype(np.float32) * 1.6, 0, 255).astype(np.uint8)
    assert background.cutout(much).reason == "changed"


def test_the_reasons_a_capture_is_refused():
    counter = demo_counter()
    backgrounds = [finish(counter.copy(), np.random.default_rng(i), STILL_LOOK) for i in range(4)]
    background = BackgroundModel.from_frames(backgrounds)
    spec = DEMO_NEW_PRODUCT
    assert background.cutout(backgrounds[0]).reason == "empty"

    photo, _ = _place(counter, spec, -40, 150)
    refused = background.cutout(photo)
    assert refused.reason == "touches_edge" and refused.mask is not None and not refused.ok

    tiny = PackagingSpec(**{**spec.__dict__, "width_cm": 2.0, "depth_cm": 1.5, "height_cm": 0.5})
    photo, _ = _place(counter, tiny, 300, 200)
    assert background.cutout(photo).reason == "too_small"

    photo, _ = _place(counter, spec, 20, 20)
    both, _ = _place(photo, data.packaging()["coke_500ml"], 330, 300, 30)  # a second item beside it
    assert background.cutout(both).reason == "several"

    other = render_surface("stone", np.random.default_rng(1), 640, 480, 640 / 60)  # the counter moved
    assert background.cutout(finish(other, np.random.default_rng(2), STILL_LOOK)).reason == "changed"
    assert background.cutout(cv2.resize(backgrounds[0], (320, 240))).reason == "size_mismatch"
    for code, (ko, en) in REASONS.items():
        assert ko and en and code


def test_preview_marks_the_object():
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    result = background.cutout(photos.photos[1])
    preview = result.preview(photos.photos[1])
    assert preview.shape == photos.photos[1].shape
    changed = np.any(preview != photos.photos[1], axis=2)
    assert changed[result.mask].mean() > 0.9 and changed[~result.mask].mean() < 0.05


def test_soft_alpha_keeps_the_silhouette():
    mask = np.zeros((40, 50), bool)
    cv2.circle(mask.view(np.uint8), (25, 20), 12, 1, -1)
    alpha = soft_alpha(mask, 1.5)
    assert ((alpha > 0.5) == mask).all()
    assert 0 < ((alpha > 0.01) & (alpha < 0.99)).sum() < 4 * mask.sum() ** 0.5 * 4


def test_the_cutout_folder_keeps_retakes_and_backgrounds(tmp_path):
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    folder = CutoutFolder(tmp_path / "cutouts")
    entries = [folder.add(background.cutout(p), source=f"camera {i}")
               for i, p in enumerate(photos.photos[:3])]
    assert [e.file for e in folder.entries] == ["cut_000.png", "cut_001.png", "cut_002.png"]
    assert entries[0].source_size == (640, 480)
    folder.remove("cut_001.png")  # a retake
    assert not (tmp_path / "cutouts" / "cut_001.png").exists()
    again = folder.add(background.cutout(photos.photos[3]))
    assert again.file not in ("cut_000.png", "cut_002.png")
    loaded = folder.load()
    assert len(loaded) == 3 and all(img.shape[2] == 4 for img, _ in loaded)
    with pytest.raises(ValueError, match="refused"):
        folder.add(background.cutout(photos.backgrounds[0]))
    saved = folder.save_backgrounds(photos.backgrounds[:2])
    assert [p.parent.name for p in saved] == ["backgrounds", "backgrounds"]
    assert len(read_images([tmp_path / "backgrounds"])) == 2


def test_cutouts_from_a_folder_of_photos(tmp_path):
    photos = enroll_data.demo_photos()
    for i, p in enumerate(photos.photos):
        cv2.imwrite(str(tmp_path / f"p{i}.jpg"), p)
    cv2.imwrite(str(tmp_path / "empty.jpg"), photos.backgrounds[0])  # a refused one among them
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    images = read_images([tmp_path])
    assert len(images) == 5
    with_bg = cutouts_from_photos(images, photos.backgrounds)
    assert [r.reason for _, r in with_bg] == ["empty", None, None, None, None]
    small_bgs = [cv2.resize(b, (320, 240)) for b in photos.backgrounds]  # resized to the photos
    assert all(r.ok for _, r in cutouts_from_photos(images[1:], small_bgs))
    border = cutouts_from_photos(images[1:])
    for (_, result), truth in zip(border, photos.masks, strict=True):
        assert result.ok and mask_iou(result.mask, truth) >= 0.9
