"""Detector evaluation metrics: COCO mAP, the RPC checkout metrics, class confusion, the report."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from app.training.metrics import (
    Prediction,
    checkout_metrics,
    coco_map,
    confusion,
    evaluate,
    format_report,
)

CLASSES = ("cola", "chips", "water")
COLA, CHIPS, WATER = 1, 2, 3

# (image id, level, [(category, x, y, w, h)]); no two boxes in an image overlap.
IMAGES = [
    (1, "easy", [(COLA, 10, 10, 40, 60), (CHIPS, 100, 10, 50, 40)]),
    (2, "easy", [(WATER, 10, 10, 30, 70)]),
    (3, "medium", [(COLA, 10, 10, 40, 60), (COLA, 80, 10, 40, 60), (CHIPS, 150, 100, 50, 40)]),
    (4, "hard", [(COLA, 10, 10, 40, 60), (CHIPS, 80, 10, 50, 40), (WATER, 150, 10, 30, 70),
                 (WATER, 10, 100, 30, 70)]),
]
N = len(IMAGES)  # ground-truth totals: cola 4, chips 3, water 3


def make_gt(extra_classes: tuple[str, ...] = ()) -> dict:
    names = CLASSES + extra_classes
    images, annotations = [], []
    for image_id, level, items in IMAGES:
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": 320, "height": 240,
                       "level": level})
        for cat, x, y, w, h in items:
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": cat,
                                "bbox": [float(x), float(y), float(w), float(h)], "area": float(w * h),
                                "iscrowd": 0})
    categories = [{"id": i + 1, "name": n, "supercategory": "product"} for i, n in enumerate(names)]
    return {"images": images, "annotations": annotations, "categories": categories}


def perfect_predictions(gt: dict) -> list[Prediction]:
    return [Prediction(a["image_id"], a["category_id"],
                       (a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]),
                       1.0)
            for a in gt["annotations"]]


def drop_one_cola_of_image_3(preds: list[Prediction]) -> list[Prediction]:
    index = next(i for i, p in enumerate(preds) if p.image_id == 3 and p.category_id == COLA)
    return preds[:index] + preds[index + 1:]


def swap_chips_of_image_1_to_cola(preds: list[Prediction]) -> list[Prediction]:
    return [replace(p, category_id=COLA) if (p.image_id, p.category_id) == (1, CHIPS) else p for p in preds]


@pytest.fixture
def gt() -> dict:
    return make_gt()


def test_perfect_predictions_score_perfectly(gt):
    preds = perfect_predictions(gt)
    coco = coco_map(gt, preds)
    assert coco.map50 == pytest.approx(1.0)
    assert coco.map == pytest.approx(1.0)
    assert coco.map75 == pytest.approx(1.0)
    assert coco.per_class_ap == pytest.approx(dict.fromkeys(CLASSES, 1.0))
    assert coco.per_class_ap50 == pytest.approx(dict.fromkeys(CLASSES, 1.0))
    checkout = checkout_metrics(gt, preds)
    assert (checkout.checkout_accuracy, checkout.acd, checkout.mccd, checkout.mciou) == (1.0, 0.0, 0.0, 1.0)
    conf = confusion(gt, preds)
    assert conf.classes == CLASSES
    np.testing.assert_array_equal(conf.matrix, np.diag([4, 3, 3, 0]))
    assert conf.top_confusions() == []


def test_one_missed_item_costs_exactly_one_image_and_one_item(gt):
    preds = drop_one_cola_of_image_3(perfect_predictions(gt))
    result = checkout_metrics(gt, preds)
    assert result.checkout_accuracy == pytest.approx(1 - 1 / N)
    assert result.acd == pytest.approx(1 / N)
    # cola: |P-G| summed 1 over G 4; chips and water exact
    assert result.mccd == pytest.approx((1 / 4 + 0 + 0) / 3)
    # cola: sum min 3 / sum max 4
    assert result.mciou == pytest.approx((3 / 4 + 1 + 1) / 3)
    conf = confusion(gt, preds)
    assert conf.count("cola", "missed") == 1
    assert conf.count("cola", "cola") == 3
    assert conf.top_confusions() == []  # a miss is no class swap
    assert conf.top_confusions(include_missed=True) == [("cola", "missed", 1)]
    assert coco_map(gt, preds).per_class_ap50["cola"] < 1.0


def test_class_swap_shows_in_the_confusion_and_the_checkout(gt):
    preds = swap_chips_of_image_1_to_cola(perfect_predictions(gt))
    conf = confusion(gt, preds)
    assert conf.count("chips", "cola") == 1
    assert conf.count("chips", "chips") == 2
    assert conf.matrix.sum() == 10  # every prediction matched, nothing missed, no false positive
    assert conf.top_confusions() == [("chips", "cola", 1)]
    result = checkout_metrics(gt, preds)
    assert result.checkout_accuracy == pytest.approx(3 / 4)
    assert result.acd == pytest.approx(2 / 4)  # one cola too many, one chips too few
    assert result.mccd == pytest.approx((1 / 4 + 1 / 3 + 0) / 3)
    assert result.mciou == pytest.approx((4 / 5 + 2 / 3 + 1) / 3)


def test_predictions_below_the_score_threshold_are_not_counted(gt):
    preds = perfect_predictions(gt)
    extra = Prediction(2, COLA, (200.0, 100.0, 240.0, 160.0), 0.3)  # a false positive, low score
    low = [replace(p, score=0.4) if (p.image_id, p.category_id) == (2, WATER) else p for p in preds]
    assert checkout_metrics(gt, [*preds, extra]).checkout_accuracy == 1.0
    assert confusion(gt, [*preds, extra]).count("background", "cola") == 0
    assert checkout_metrics(gt, [*preds, extra], score_thr=0.2).checkout_accuracy == pytest.approx(3 / 4)
    assert confusion(gt, [*preds, extra], score_thr=0.2).count("background", "cola") == 1
    # a true positive under the threshold is a miss for the checkout but still counts for COCO AP
    assert checkout_metrics(gt, low).checkout_accuracy == pytest.approx(3 / 4)
    assert confusion(gt, low).count("water", "missed") == 1
    assert coco_map(gt, low).map == pytest.approx(1.0)


def test_no_predictions_gives_zeros_without_crashing(gt):
    coco = coco_map(gt, [])
    assert (coco.map, coco.map50, coco.map75) == (0.0, 0.0, 0.0)
    assert coco.per_class_ap == dict.fromkeys(CLASSES, 0.0)
    result = checkout_metrics(gt, [])
    assert result.checkout_accuracy == 0.0
    assert result.mciou == 0.0
    assert result.mccd == pytest.approx(1.0)  # every item of every class missed
    assert result.acd == pytest.approx((2 + 1 + 3 + 4) / N)
    conf = confusion(gt, [])
    assert conf.matrix[:, -1].tolist() == [4, 3, 3, 0]
    report = evaluate(gt, [])
    json.dumps(report)
    assert report["map"] == 0.0 and report["checkout_accuracy"] == 0.0


def test_shifted_boxes_pass_at_iou_0_5_but_not_at_stricter_thresholds(gt):
    # a shift by a fifth of the width gives IoU (4/5)/(6/5) = 2/3: true positive at 0.5..0.65 only
    preds = [replace(p, bbox_xyxy=(p.bbox_xyxy[0] + (p.bbox_xyxy[2] - p.bbox_xyxy[0]) / 5, p.bbox_xyxy[1],
                                   p.bbox_xyxy[2] + (p.bbox_xyxy[2] - p.bbox_xyxy[0]) / 5, p.bbox_xyxy[3]))
             for p in perfect_predictions(gt)]
    coco = coco_map(gt, preds)
    assert coco.map50 == pytest.approx(1.0)
    assert coco.map75 == pytest.approx(0.0)
    assert coco.map == pytest.approx(0.4)  # 4 of the 10 IoU thresholds
    assert coco.map < 1.0
    np.testing.assert_array_equal(confusion(gt, preds).matrix, np.diag([4, 3, 3, 0]))
    assert np.diag(confusion(gt, preds, iou_thr=0.7).matrix).sum() == 0


def test_greedy_matching_takes_the_highest_score_first(gt):
    preds = [p for p in perfect_predictions(gt) if p.image_id != 2]
    box = (10.0, 10.0, 40.0, 80.0)  # image 2's water bottle
    preds += [Prediction(2, WATER, box, 0.9), Prediction(2, COLA, box, 0.95)]
    conf = confusion(gt, preds)
    assert conf.count("water", "cola") == 1  # the 0.95 cola takes the bottle
    assert conf.count("background", "water") == 1  # the 0.9 water finds it taken
    assert conf.count("water", "water") == 2  # only image 4's two bottles


def test_category_without_ground_truth_is_left_out_of_the_mean():
    gt = make_gt(extra_classes=("gum",))
    preds = [*perfect_predictions(gt), Prediction(1, 4, (200.0, 100.0, 230.0, 120.0), 0.2)]
    coco = coco_map(gt, preds)
    assert "gum" not in coco.per_class_ap
    assert coco.map == pytest.approx(1.0)
    assert checkout_metrics(gt, preds).mccd == 0.0


def test_per_level_groups(gt):
    result = checkout_metrics(gt, drop_one_cola_of_image_3(perfect_predictions(gt)))
    assert list(result.groups) == ["easy", "medium", "hard", "all"]
    assert {name: s.images for name, s in result.groups.items()} == {"easy": 2, "medium": 1, "hard": 1,
                                                                     "all": 4}
    medium = result.groups["medium"]
    assert (medium.checkout_accuracy, medium.acd) == (0.0, 1.0)
    assert medium.mccd == pytest.approx((1 / 2 + 0) / 2)  # only cola and chips are in the medium image
    assert medium.mciou == pytest.approx((1 / 2 + 1) / 2)
    assert result.groups["easy"].checkout_accuracy == 1.0 and result.groups["hard"].acd == 0.0
    assert result.groups["all"] == result.overall
    assert list(checkout_metrics(gt, [], group_by=None).groups) == ["all"]


def test_evaluate_is_json_serialisable_and_reports(gt):
    preds = swap_chips_of_image_1_to_cola(perfect_predictions(gt))
    result = json.loads(json.dumps(evaluate(gt, preds)))
    for key in ("map50", "map", "map75", "per_class_ap", "per_class_ap50", "checkout_accuracy", "acd",
                "mccd", "mciou", "per_level", "confusions", "images", "score_thr"):
        assert key in result, key
    assert result["images"] == N and result["score_thr"] == 0.5
    assert result["checkout_accuracy"] == pytest.approx(3 / 4)
    assert result["confusions"] == [{"gt": "chips", "predicted": "cola", "count": 1}]
    assert set(result["per_level"]["easy"]) == {"checkout_accuracy", "acd", "mccd", "mciou", "images"}
    assert result["per_class_ap"]["chips"] < 1.0
    assert result["per_class_ap"]["water"] == pytest.approx(1.0)

    report = format_report(result)
    lines = report.splitlines()
    class_rows = [next(i for i, line in enumerate(lines) if line.startswith(name)) for name in CLASSES]
    assert class_rows[CHIPS - 1] == min(class_rows)  # the weakest class comes first
    assert "chips -> cola: 1" in report
    assert any(line.startswith("medium") for line in lines)


def test_prediction_on_an_unknown_image_is_an_error(gt):
    with pytest.raises(ValueError, match="image 99"):
        coco_map(gt, [Prediction(99, COLA, (0.0, 0.0, 10.0, 10.0), 0.9)])
    with pytest.raises(ValueError, match="category 7"):
        checkout_metrics(gt, [Prediction(1, 7, (0.0, 0.0, 10.0, 10.0), 0.9)])
