"""packaging.toml: every catalog product has art, and the look-alike pairs are what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.training.packaging import (
    SHAPES,
    PackagingError,
    load_packaging,
    lookalike_pairs,
    parse_color,
    specs_for,
)

from . import scene_data as data

GOOD = """
[a]
shape = "can"
width_cm = 12.0
depth_cm = 6.6
height_cm = 6.6
primary = "#ff0000"
secondary = "#ffffff"
label = "#000000"
text_color = "#ffffff"
text = "가"
lookalike = "b"
"""


def test_every_catalog_product_has_packaging():
    catalog = data.catalog()
    specs = data.specs()
    assert [s.detector_class for s in specs] == list(catalog.classes)
    for spec in specs:
        assert spec.shape in SHAPES
        assert spec.text
        assert 0 < spec.width_cm <= 80 and 0 < spec.depth_cm <= 80


def test_lookalike_pairs_share_shape_and_size_but_not_label():
    specs = data.specs()
    pairs = lookalike_pairs(specs)
    assert set(map(frozenset, pairs)) == {frozenset({"coke_500ml", "coke_zero_500ml"}),
                                          frozenset({"banana_milk_240ml", "strawberry_milk_240ml"})}
    by_name = {s.detector_class: s for s in specs}
    for a, b in pairs:
        sa, sb = by_name[a], by_name[b]
        assert (sa.shape, sa.footprint_cm(), sa.height_cm) == (sb.shape, sb.footprint_cm(), sb.height_cm)
        assert (sa.label, sa.subtext, sa.text_color) != (sb.label, sb.subtext, sb.text_color)
    coke, zero = by_name["coke_500ml"], by_name["coke_zero_500ml"]
    assert coke.label == parse_color("#e41e2b", "t") and zero.label == parse_color("#161616", "t")


def test_parse_color_is_bgr():
    assert parse_color("#102030", "x") == (0x30, 0x20, 0x10)
    with pytest.raises(PackagingError):
        parse_color("red", "x")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "packaging.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaging_errors_name_the_problem(tmp_path):
    partner = GOOD.replace("[a]", "[b]").replace('lookalike = "b"', 'lookalike = "a"')
    assert set(load_packaging(_write(tmp_path, GOOD + partner))) == {"a", "b"}
    with pytest.raises(PackagingError, match="not mutual"):
        load_packaging(_write(tmp_path, GOOD))
    with pytest.raises(PackagingError, match="shape and size"):
        load_packaging(_write(tmp_path, GOOD + partner.replace("12.0", "13.0")))
    with pytest.raises(PackagingError, match="shape"):
        load_packaging(_write(tmp_path, GOOD.replace('"can"', '"barrel"')))
    with pytest.raises(PackagingError, match="colour"):
        load_packaging(_write(tmp_path, GOOD.replace('"#ff0000"', '"#ff00"')))
    with pytest.raises(PackagingError, match="cannot stand"):
        flat = GOOD.replace('"can"', '"bag"').replace('lookalike = "b"', "upright = 0.5")
        load_packaging(_write(tmp_path, flat))
    with pytest.raises(PackagingError, match="no packaging art for: zzz"):
        specs_for(["a", "zzz"], load_packaging(_write(tmp_path, GOOD + partner)))
