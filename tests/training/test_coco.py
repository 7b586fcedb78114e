"""COCO writer/reader checks and the class balance report."""

from __future__ import annotations

import json

import pytest

from app.training.coco import CocoBuilder, CocoError, class_balance, make_categories, read_coco, validate_coco


def _builder() -> CocoBuilder:
    coco = CocoBuilder(make_categories(["coke_500ml", "coke_zero_500ml", "hetbahn_210g"]), {"seed": 1})
    first = coco.add_image("images/000000.jpg", 100, 80, level="easy")
    second = coco.add_image("images/000001.jpg", 100, 80, level="hard")
    coco.add_annotation(first, 1, (10, 10, 20, 30), 500, visible=1.0)
    coco.add_annotation(first, 2, (40, 10, 20, 30), 480, visible=0.8)
    coco.add_annotation(second, 1, (0, 0, 100, 80), 7000, visible=1.0)
    coco.add_annotation(second, 1, (5, 5, 10, 10), 90, visible=0.6)
    return coco


def test_builder_ids_categories_and_fields(tmp_path):
    coco = _builder()
    data = json.loads(coco.write(tmp_path / "a.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["categories"]] == [1, 2, 3]
    assert data["categories"][0] == {"id": 1, "name": "coke_500ml", "supercategory": "product"}
    assert [a["id"] for a in data["annotations"]] == [1, 2, 3, 4]
    ann = data["annotations"][0]
    assert ann["bbox"] == [10.0, 10.0, 20.0, 30.0] and ann["iscrowd"] == 0 and ann["area"] == 500.0
    assert read_coco(tmp_path / "a.json") == data
    assert coco.dumps() == _builder().dumps()


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d["annotations"][0].update(bbox=[90, 10, 20, 30]), "outside"),
    (lambda d: d["annotations"][0].update(category_id=9), "unknown category_id"),
    (lambda d: d["annotations"][0].update(image_id=7), "unknown image_id"),
    (lambda d: d["annotations"][1].update(id=1), "duplicate annotation id"),
    (lambda d: d["annotations"][0].update(iscrowd=1), "iscrowd"),
    (lambda d: d["annotations"][0].update(area=10_000), "area"),
    (lambda d: d["categories"].reverse(), "1..N"),
])
def test_validate_finds_problems(tmp_path, breakage, message):
    data = _builder().to_dict()
    assert validate_coco(data) == []
    breakage(data)
    problems = validate_coco(data)
    assert any(message in p for p in problems), problems
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CocoError):
        read_coco(path)


def test_class_balance_report():
    balance = class_balance(_builder().to_dict(), [("coke_500ml", "coke_zero_500ml")])
    rows = {c.name: c for c in balance.classes}
    assert balance.images == 2 and balance.instances == 4
    assert (rows["coke_500ml"].instances, rows["coke_500ml"].images) == (3, 2)
    assert rows["coke_500ml"].share == pytest.approx(0.75)
    assert rows["hetbahn_210g"].instances == 0
    assert balance.imbalance == float("inf")
    assert balance.pairs_together == (("coke_500ml", "coke_zero_500ml", 1),)
    text = balance.format()
    assert "hetbahn_210g" in text and "together in 1 images" in text
