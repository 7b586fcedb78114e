"""COCO detection metrics (mAP@0.5, mAP@0.5:0.95, per-class AP) computed with pycocotools' COCOeval.

The ground truth is a COCO detection dict already in memory (``app.training.coco`` writes it); the
predictions are :class:`Prediction` values with ``xyxy`` boxes in pixels. Nothing is written to disk and
pycocotools' progress prints are swallowed.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Prediction:
    """One detection: the image, the COCO category id, the box ``(x1, y1, x2, y2)`` in pixels, the score."""

    image_id: int
    category_id: int
    bbox_xyxy: Box
    score: float


@dataclass(frozen=True)
class CocoResult:
    """COCO box AP (area "all", 100 detections per image). Per-class values are keyed by category name
    and list only categories that have ground truth (COCO leaves the others out of the mean)."""

    map: float  # AP@[0.5:0.95]
    map50: float
    map75: float
    per_class_ap: dict[str, float] = field(default_factory=dict)  # AP@[0.5:0.95]
    per_class_ap50: dict[str, float] = field(default_factory=dict)


def category_names(gt: Mapping[str, Any]) -> dict[int, str]:
    """Category id -> name, in id order."""
    return {int(c["id"]): str(c["name"]) for c in sorted(gt["categories"], key=lambda c: c["id"])}


def check_predictions(gt: Mapping[str, Any], predictions: Sequence[Prediction]) -> None:
    """Raise ``ValueError`` for a prediction on an image or category the ground truth does not have."""
    image_ids = {int(img["id"]) for img in gt["images"]}
    cat_ids = set(category_names(gt))
    for p in predictions:
        if p.image_id not in image_ids:
            raise ValueError(f"prediction on image {p.image_id}, which is not in the ground truth")
        if p.category_id not in cat_ids:
            raise ValueError(f"prediction of category {p.category_id}, which is not in the ground truth")


def xywh_to_xyxy(bbox: Sequence[float]) -> Box:
    x, y, w, h = (float(v) for v in bbox)
    return (x, y, x + w, y + h)


def _gt_coco(gt: Mapping[str, Any]) -> Any:
    """A pycocotools ``COCO`` built from the dict, with ``iscrowd``/``area`` filled in where absent."""
    from pycocotools.coco import COCO

    annotations = []
    for ann in gt["annotations"]:
        ann = dict(ann)
        ann.setdefault("iscrowd", 0)
        if "area" not in ann:
            ann["area"] = float(ann["bbox"][2]) * float(ann["bbox"][3])
        annotations.append(ann)
    dataset = {"info": dict(gt.get("info", {})), "images": list(gt["images"]),
               "annotations": annotations, "categories": list(gt["categories"])}
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = dataset
        coco.createIndex()
    return coco


def _results(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    out = []
    for p in predictions:
        x1, y1, x2, y2 = (float(v) for v in p.bbox_xyxy)
        out.append({"image_id": int(p.image_id), "category_id": int(p.category_id),
                    "bbox": [x1, y1, max(x2 - x1, 0.0), max(y2 - y1, 0.0)], "score": float(p.score)})
    return out


def _mean_valid(values: np.ndarray) -> float | None:
    """Mean of the entries COCO marks as valid (> -1); None when there are none."""
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else None


def coco_map(gt: Mapping[str, Any], predictions: Sequence[Prediction]) -> CocoResult:
    """COCO box mAP of ``predictions`` against ``gt`` (a loaded COCO detection dict)."""
    check_predictions(gt, predictions)
    names = category_names(gt)
    with_gt = {int(a["category_id"]) for a in gt["annotations"]}
    if not predictions or not with_gt:
        if not with_gt:
            log.warning("the ground truth has no annotations: mAP is reported as 0")
        zeros = {names[c]: 0.0 for c in names if c in with_gt}
        return CocoResult(0.0, 0.0, 0.0, zeros, dict(zeros))

    from pycocotools.cocoeval import COCOeval

    coco_gt = _gt_coco(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        coco_dt = coco_gt.loadRes(_results(predictions))
        ev = COCOeval(coco_gt, coco_dt, iouType="bbox")
        ev.evaluate()
        ev.accumulate()
    params = ev.params
    # precision: [IoU thresholds, recall points, categories, area ranges, max detections]
    precision = ev.eval["precision"][:, :, :, params.areaRngLbl.index("all"), -1]
    t50 = int(np.argmin(np.abs(params.iouThrs - 0.5)))
    t75 = int(np.argmin(np.abs(params.iouThrs - 0.75)))

    per_class: dict[str, float] = {}
    per_class50: dict[str, float] = {}
    for k, cat_id in enumerate(params.catIds):
        ap = _mean_valid(precision[:, :, k])
        if ap is None:  # no ground truth of this category: -1 everywhere, left out as COCO does
            continue
        per_class[names[cat_id]] = ap
        per_class50[names[cat_id]] = _mean_valid(precision[t50, :, k]) or 0.0
    result = CocoResult(map=_mean_valid(precision) or 0.0, map50=_mean_valid(precision[t50]) or 0.0,
                        map75=_mean_valid(precision[t75]) or 0.0,
                        per_class_ap=per_class, per_class_ap50=per_class50)
    log.debug("COCO mAP %.4f, mAP@0.5 %.4f over %d predictions", result.map, result.map50, len(predictions))
    return result
