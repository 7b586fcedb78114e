"""Packaging art: every product is drawn, deterministically, with Korean text and an exact silhouette."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.training import painting
from app.training.artwork import MARGIN_PX, THUMB_LONG_SIDE, render_art, render_catalog_art
from app.training.packaging import lookalike_pairs

from . import scene_data as data
from .scene_data import RESOURCES

PRODUCTS = RESOURCES / "products"


@pytest.mark.parametrize("upright", [False, True])
def test_every_product_renders_with_alpha_at_its_size(upright):
    specs = data.specs()
    for spec in specs:
        art = render_art(spec, 6.0, upright)
        fx, fy = spec.footprint_cm(upright)
        assert art.dtype == np.uint8 and art.shape[2] == 4
        assert art.shape[:2] == (round(fy * 6.0) + 2 * MARGIN_PX, round(fx * 6.0) + 2 * MARGIN_PX)
        alpha = art[..., 3]
        assert (alpha > 128).mean() > 0.3, spec.detector_class
        assert alpha[0].max() == 0 and alpha[:, 0].max() == 0  # transparent margin


def test_rendering_is_deterministic():
    specs = data.specs()
    for spec in specs[:3]:
        assert np.array_equal(render_art(spec, 8.0), render_art(spec, 8.0))


def test_lookalikes_share_the_silhouette_but_differ_in_print():
    specs = data.specs()
    by_name = {s.detector_class: s for s in specs}
    for a, b in lookalike_pairs(specs):
        for upright in (False, True):
            art_a, art_b = render_art(by_name[a], 10.0, upright), render_art(by_name[b], 10.0, upright)
            assert art_a.shape == art_b.shape
            assert np.array_equal(art_a[..., 3] > 128, art_b[..., 3] > 128), (a, b, upright)
            diff = np.abs(art_a[..., :3].astype(int) - art_b[..., :3].astype(int)).mean()
            assert diff > 8, f"{a} and {b} look the same (upright={upright})"


def test_korean_font_draws_hangul_not_boxes():
    path = painting.font_path()
    assert path.is_file()
    font = painting._font("bold", 40)
    hangul = np.asarray(font.getmask("코카콜라"))
    missing = np.asarray(font.getmask("\U000f0000\U000f0001"))  # private-use: the missing-glyph box
    assert hangul.size and hangul.max() > 0
    assert hangul.shape != missing.shape or not np.array_equal(hangul, missing)


def test_label_text_is_printed():
    specs = data.specs()
    coke = next(s for s in specs if s.detector_class == "coke_500ml")
    art = render_art(coke, 12.0)
    band = art[:, int(art.shape[1] * 0.18):int(art.shape[1] * 0.56)]
    white = np.all(band[..., :3] > 200, axis=2) & (band[..., 3] > 200)
    assert white.mean() > 0.05  # the white lettering on the red label


def test_committed_thumbnails_exist_and_match_the_code(tmp_path):
    catalog = data.catalog()
    packaging = data.packaging()
    for product in catalog:
        path = PRODUCTS / f"{product.detector_class}.png"
        assert path.is_file(), f"missing {path}; run: selfcheckout make-art"
        assert path.stat().st_size < 60_000
        img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert img.shape[2] == 4 and max(img.shape[:2]) == THUMB_LONG_SIDE
        assert (img[..., 3] > 128).mean() > 0.3
    few = [p for p in catalog if p.detector_class in ("coke_500ml", "hetbahn_210g")]
    for fresh in render_catalog_art(few, packaging, tmp_path):
        committed = cv2.imread(str(PRODUCTS / fresh.name), cv2.IMREAD_UNCHANGED).astype(int)
        again = cv2.imread(str(fresh), cv2.IMREAD_UNCHANGED).astype(int)
        assert committed.shape == again.shape
        assert np.abs(committed - again).mean() < 2.0, f"{fresh.name} is stale; run: selfcheckout make-art"
