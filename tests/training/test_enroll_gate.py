"""The enrollment gate: the numbers it compares and the decision, with the reason shown to the operator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.training.enroll_gate import MAX_DROP, class_count_accuracy, decide, dumps, split_numbers, summary
from app.training.metrics_coco import Prediction

OLD = ("a", "b")
NEW = "n"


def _gt() -> dict:
    """Three images: image 1 holds a, b; image 2 holds a, n; image 3 holds n, n."""
    boxes = {1: [(1, [0, 0, 10, 10]), (2, [20, 20, 10, 10])],
             2: [(1, [0, 0, 10, 10]), (3, [40, 40, 10, 10])],
             3: [(3, [0, 0, 10, 10]), (3, [30, 30, 10, 10])]}
    flat = [(i, c, b) for i, items in boxes.items() for c, b in items]
    anns = [{"id": k, "image_id": img, "category_id": cat, "bbox": box, "area": 100, "iscrowd": 0}
            for k, (img, cat, box) in enumerate(flat, 1)]
    return {"images": [{"id": i, "file_name": f"{i}.jpg", "width": 64, "height": 64,
                        "level": "easy" if i < 3 else "hard"} for i in (1, 2, 3)],
            "annotations": anns,
            "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "n"}]}


def _pred(image_id, cat, box, score=0.9):
    x, y, w, h = box
    return Prediction(image_id, cat, (x, y, x + w, y + h), score)


def test_class_count_accuracy_counts_only_images_where_the_class_is_involved():
    pred = np.array([[1, 0, 0], [1, 1, 2], [0, 0, 1]])
    true = np.array([[1, 1, 0], [1, 0, 1], [0, 0, 2]])
    acc = class_count_accuracy(pred, true)
    assert acc[0] == 1.0  # a: right in both images it is in
    assert acc[1] == 0.0  # b: missed once, invented once
    assert acc[2] == 0.0  # n: 2 for 1, then 1 for 2
    assert math.isnan(class_count_accuracy(np.zeros((2, 1)), np.zeros((2, 1)))[0])


def test_split_numbers_of_a_perfect_and_a_flawed_model():
    gt = _gt()
    perfect = [_pred(a["image_id"], a["category_id"], a["bbox"]) for a in gt["annotations"]]
    numbers = split_numbers(gt, perfect, OLD, NEW)
    assert numbers["old_checkout_accuracy"] == 1.0 and numbers["new_class_count_accuracy"] == 1.0
    assert numbers["old_class_count_accuracy"] == 1.0 and numbers["images"] == 3
    assert numbers["new_class_instances"] == 3

    flawed = [p for p in perfect if not (p.image_id == 3 and p.bbox_xyxy[0] == 30)]  # one n missed
    flawed.append(_pred(2, 2, [50, 0, 10, 10]))  # a "b" that is not there
    flawed.append(_pred(1, 1, [40, 0, 10, 10], score=0.3))  # below the counting score: ignored
    numbers = split_numbers(gt, flawed, OLD, NEW)
    assert numbers["old_checkout_accuracy"] == pytest.approx(2 / 3)  # image 2's old list is wrong
    assert numbers["old_checkout_accuracy_per_level"] == {"easy": 0.5, "hard": 1.0}
    assert numbers["per_class_count_accuracy"]["b"] == 0.5
    assert numbers["old_class_count_accuracy"] == pytest.approx((1.0 + 0.5) / 2)
    assert numbers["new_class_count_accuracy"] == 0.5


def _numbers(old_cacc, old_class, new_class=None):
    return {"old_checkout_accuracy": old_cacc, "old_class_count_accuracy": old_class,
            "new_class_count_accuracy": new_class, "map50": 0.9, "map": 0.8, "images": 100,
            "checkout_accuracy": 0.7, "old_checkout_accuracy_per_level": {}, "new_class_ap": 0.8,
            "new_class_ap50": 0.95}


def test_accepted_when_the_old_products_hold_and_the_new_one_reaches_the_bar():
    before = _numbers(0.83, 0.95)
    decision = decide(before, _numbers(0.8205, 0.95), _numbers(0.7, 0.9, new_class=0.94))
    assert decision.accepted, decision.reason
    assert decision.reason.startswith("accepted:")
    bar = next(c for c in decision.checks if c.name == "new_class_count_accuracy")
    assert bar.limit == pytest.approx(0.95 - MAX_DROP)


@pytest.mark.parametrize(("after_old", "new", "failing"), [
    (0.815, 0.99, "old_checkout_accuracy"),  # 1.5 points down
    (0.84, 0.93, "new_class_count_accuracy"),  # below 0.95 - 0.01
    (0.80, 0.5, "old_checkout_accuracy"),
])
def test_rejected_with_the_reason(after_old, new, failing):
    decision = decide(_numbers(0.83, 0.95), _numbers(after_old, 0.95), _numbers(0.7, 0.9, new_class=new))
    assert not decision.accepted
    assert decision.reason.startswith("kept the old model:")
    assert failing in [c.name for c in decision.checks if not c.passed]
    text = next(c.text for c in decision.checks if c.name == failing)
    assert text in decision.reason


def test_a_broken_export_is_rejected_and_the_summary_is_strict_json():
    before, after, new = _numbers(0.83, 0.95), _numbers(0.84, 0.96), _numbers(0.7, 0.9, new_class=0.99)
    decision = decide(before, after, new, parity_ok=False)
    assert not decision.accepted and "ONNX" in decision.reason
    s = summary(before, after, new, decision)
    assert s["old_checkout_accuracy"]["drop"] == pytest.approx(-0.01)
    assert s["new_class_count_accuracy"] == {"after": 0.99, "bar": pytest.approx(0.94)}
    assert "NaN" not in dumps({"x": float("nan"), "y": [float("inf")]})
