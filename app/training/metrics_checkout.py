"""The RPC checkout metrics (Wei et al., "RPC: A Large-Scale Retail Product Checkout Dataset", 2019) and
the class confusion of the product detector.

For image i and category k, ``P_ik`` is the number of predictions scoring at least ``score_thr`` and
``G_ik`` the ground-truth count:

- cAcc  = mean over images of [sum_k |P_ik - G_ik| == 0] (the shopping list is exactly right)
- ACD   = mean over images of sum_k |P_ik - G_ik| (miscounted items per image)
- mCCD  = mean over categories of sum_i |P_ik - G_ik| / sum_i G_ik (categories without ground truth skipped)
- mCIoU = mean over categories of sum_i min(P_ik, G_ik) / sum_i max(P_ik, G_ik) (skipped when both are 0)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.training.metrics_coco import Prediction, category_names, check_predictions, xywh_to_xyxy

log = logging.getLogger(__name__)

ALL = "all"
LEVEL_ORDER = ("easy", "medium", "hard")
MISSED = "missed"
BACKGROUND = "background"


@dataclass(frozen=True)
class CheckoutScores:
    """The four RPC checkout metrics over ``images`` images."""

    checkout_accuracy: float
    acd: float
    mccd: float
    mciou: float
    images: int

    def to_dict(self) -> dict[str, float | int]:
        return {"checkout_accuracy": self.checkout_accuracy, "acd": self.acd, "mccd": self.mccd,
                "mciou": self.mciou, "images": self.images}


@dataclass(frozen=True)
class CheckoutResult:
    """Overall scores and one entry per group (``"all"`` always present, last)."""

    overall: CheckoutScores
    groups: dict[str, CheckoutScores] = field(default_factory=dict)

    @property
    def checkout_accuracy(self) -> float:
        return self.overall.checkout_accuracy

    @property
    def acd(self) -> float:
        return self.overall.acd

    @property
    def mccd(self) -> float:
        return self.overall.mccd

    @property
    def mciou(self) -> float:
        return self.overall.mciou


def count_matrices(gt: Mapping[str, Any], predictions: Sequence[Prediction], score_thr: float = 0.5,
                   ) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Image ids (GT order) and the predicted and ground-truth counts, both ``[images, categories]``."""
    check_predictions(gt, predictions)
    image_ids = [int(img["id"]) for img in gt["images"]]
    row = {image_id: i for i, image_id in enumerate(image_ids)}
    col = {cat_id: k for k, cat_id in enumerate(category_names(gt))}
    pred = np.zeros((len(image_ids), len(col)), dtype=np.int64)
    true = np.zeros_like(pred)
    for ann in gt["annotations"]:
        true[row[int(ann["image_id"])], col[int(ann["category_id"])]] += 1
    for p in predictions:
        if p.score >= score_thr:
            pred[row[p.image_id], col[p.category_id]] += 1
    return image_ids, pred, true


def checkout_scores(pred: np.ndarray, true: np.ndarray) -> CheckoutScores:
    """cAcc, ACD, mCCD and mCIoU of count matrices ``[images, categories]``.

    With no images everything is 0; with no category to average over (nothing present, nothing
    predicted) mCCD is 0 and mCIoU 1, the values of a perfect checkout.
    """
    n = pred.shape[0]
    if n == 0:
        return CheckoutScores(0.0, 0.0, 0.0, 0.0, 0)
    diff = np.abs(pred - true)
    per_image = diff.sum(axis=1)
    gt_total = true.sum(axis=0)
    has_gt = gt_total > 0
    mccd = float((diff.sum(axis=0)[has_gt] / gt_total[has_gt]).mean()) if has_gt.any() else 0.0
    union = np.maximum(pred, true).sum(axis=0)
    has_union = union > 0
    inter = np.minimum(pred, true).sum(axis=0)
    mciou = float((inter[has_union] / union[has_union]).mean()) if has_union.any() else 1.0
    return CheckoutScores(checkout_accuracy=float((per_image == 0).mean()), acd=float(per_image.mean()),
                          mccd=mccd, mciou=mciou, images=n)


def _group_order(names: set[str]) -> list[str]:
    known = [g for g in LEVEL_ORDER if g in names]
    return known + sorted(names - set(known) - {ALL})


def checkout_metrics(gt: Mapping[str, Any], predictions: Sequence[Prediction], score_thr: float = 0.5,
                     group_by: str | None = "level") -> CheckoutResult:
    """RPC checkout metrics overall and per value of the image field ``group_by`` (e.g. the clutter level).

    Images without that field count only in ``"all"``; ``group_by=None`` gives ``"all"`` alone.
    """
    _, pred, true = count_matrices(gt, predictions, score_thr)
    overall = checkout_scores(pred, true)
    groups: dict[str, CheckoutScores] = {}
    if group_by is not None:
        labels = [img.get(group_by) for img in gt["images"]]
        names = {str(label) for label in labels if label is not None}
        for name in _group_order(names):
            rows = np.array([label is not None and str(label) == name for label in labels])
            groups[name] = checkout_scores(pred[rows], true[rows])
    groups[ALL] = overall
    return CheckoutResult(overall=overall, groups=groups)


def box_iou(box: Sequence[float], boxes: np.ndarray) -> np.ndarray:
    """IoU of one ``xyxy`` box with each row of ``boxes`` ``[n, 4]``."""
    if boxes.size == 0:
        return np.zeros(0)
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter, dtype=float), where=union > 0)


@dataclass(frozen=True, eq=False)  # an array field: no value equality
class Confusion:
    """Ground truth (rows: classes, then ``background`` for false positives) against prediction (columns:
    classes, then ``missed`` for unmatched ground truth). ``matrix`` is ``[K + 1, K + 1]`` ints."""

    classes: tuple[str, ...]
    matrix: np.ndarray

    @property
    def row_labels(self) -> list[str]:
        return [*self.classes, BACKGROUND]

    @property
    def column_labels(self) -> list[str]:
        return [*self.classes, MISSED]

    def count(self, gt_name: str, pred_name: str) -> int:
        return int(self.matrix[self.row_labels.index(gt_name), self.column_labels.index(pred_name)])

    def top_confusions(self, n: int = 10, include_missed: bool = False) -> list[tuple[str, str, int]]:
        """The ``n`` largest off-diagonal counts as ``(gt_name, pred_name, count)``, largest first.

        Only class-to-class swaps unless ``include_missed`` also lists misses and false positives.
        """
        k = len(self.classes)
        rows, cols = (k + 1, k + 1) if include_missed else (k, k)
        found = [(self.row_labels[i], self.column_labels[j], int(self.matrix[i, j]))
                 for i in range(rows) for j in range(cols) if i != j and self.matrix[i, j] > 0]
        found.sort(key=lambda t: (-t[2], t[0], t[1]))
        return found[:n]

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.row_labels, "columns": self.column_labels, "matrix": self.matrix.tolist()}


def confusion(gt: Mapping[str, Any], predictions: Sequence[Prediction], score_thr: float = 0.5,
              iou_thr: float = 0.5) -> Confusion:
    """Match predictions (score >= ``score_thr``, highest first) greedily to unmatched ground-truth boxes
    of any class with IoU >= ``iou_thr`` (ties go to the same class) and count class against class."""
    check_predictions(gt, predictions)
    names = category_names(gt)
    col = {cat_id: k for k, cat_id in enumerate(names)}
    k = len(names)
    matrix = np.zeros((k + 1, k + 1), dtype=np.int64)
    gt_by_image: dict[int, list[dict[str, Any]]] = {int(img["id"]): [] for img in gt["images"]}
    for ann in gt["annotations"]:
        gt_by_image[int(ann["image_id"])].append(ann)
    pred_by_image: dict[int, list[Prediction]] = {image_id: [] for image_id in gt_by_image}
    for p in predictions:
        if p.score >= score_thr:
            pred_by_image[p.image_id].append(p)

    for image_id, anns in gt_by_image.items():
        boxes = np.array([xywh_to_xyxy(a["bbox"]) for a in anns], dtype=float).reshape(-1, 4)
        gt_cls = [col[int(a["category_id"])] for a in anns]
        matched = np.zeros(len(anns), dtype=bool)
        for p in sorted(pred_by_image[image_id], key=lambda p: -p.score):  # stable for equal scores
            pc = col[p.category_id]
            ious = np.where(matched, -1.0, box_iou(p.bbox_xyxy, boxes))
            candidates = [j for j in range(len(anns)) if ious[j] >= iou_thr]
            if not candidates:
                matrix[k, pc] += 1  # false positive
                continue
            best = max(candidates, key=lambda j: (ious[j], gt_cls[j] == pc, -j))
            matched[best] = True
            matrix[gt_cls[best], pc] += 1
        for j in np.flatnonzero(~matched):
            matrix[gt_cls[j], k] += 1  # missed
    return Confusion(classes=tuple(names.values()), matrix=matrix)
