"""Evaluation of the product detector on a held-out COCO split: COCO mAP, per-class AP, the RPC checkout
metrics per clutter level, and the class confusion, as one JSON-ready dict and as a text report.

The COCO part lives in :mod:`app.training.metrics_coco`, the checkout metrics and the confusion matrix
in :mod:`app.training.metrics_checkout`; this module joins them (pure numpy + pycocotools, no torch, no Qt).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from app.training.metrics_checkout import (
    ALL,
    BACKGROUND,
    LEVEL_ORDER,
    MISSED,
    CheckoutResult,
    CheckoutScores,
    Confusion,
    checkout_metrics,
    checkout_scores,
    confusion,
    count_matrices,
)
from app.training.metrics_coco import CocoResult, Prediction, coco_map

__all__ = [
    "ALL",
    "BACKGROUND",
    "LEVEL_ORDER",
    "MISSED",
    "CheckoutResult",
    "CheckoutScores",
    "CocoResult",
    "Confusion",
    "Prediction",
    "checkout_metrics",
    "checkout_scores",
    "coco_map",
    "confusion",
    "count_matrices",
    "evaluate",
    "format_report",
]

log = logging.getLogger(__name__)


def evaluate(gt: Mapping[str, Any], predictions: Sequence[Prediction], score_thr: float = 0.5, *,
             iou_thr: float = 0.5, top_n: int = 10) -> dict[str, Any]:
    """All metrics as one JSON-serialisable dict.

    Keys: ``map50, map, map75, per_class_ap, per_class_ap50`` (COCO, all predictions whatever their
    score), ``checkout_accuracy, acd, mccd, mciou`` (RPC, predictions scoring >= ``score_thr``),
    ``per_level`` ({level: {checkout_accuracy, acd, mccd, mciou, images}}, ``"all"`` last),
    ``confusions`` (the ``top_n`` class swaps: [{gt, predicted, count}]), ``confusion_matrix``
    ({rows, columns, matrix}), ``images`` and ``score_thr``.
    """
    coco = coco_map(gt, predictions)
    checkout = checkout_metrics(gt, predictions, score_thr=score_thr, group_by="level")
    conf = confusion(gt, predictions, score_thr=score_thr, iou_thr=iou_thr)
    result: dict[str, Any] = {
        "map50": coco.map50,
        "map": coco.map,
        "map75": coco.map75,
        "per_class_ap": dict(coco.per_class_ap),
        "per_class_ap50": dict(coco.per_class_ap50),
        **checkout.overall.to_dict(),
        "per_level": {name: scores.to_dict() for name, scores in checkout.groups.items()},
        "confusions": [{"gt": g, "predicted": p, "count": n} for g, p, n in conf.top_confusions(top_n)],
        "confusion_matrix": conf.to_dict(),
        "images": checkout.overall.images,
        "score_thr": float(score_thr),
    }
    log.info("evaluated %d images: mAP@0.5 %.4f, mAP %.4f, cAcc %.4f", result["images"], coco.map50,
             coco.map, checkout.checkout_accuracy)
    return result


def format_report(result: Mapping[str, Any]) -> str:
    """A readable text report of an :func:`evaluate` result (also after a JSON round trip)."""
    lines = [f"Detection on {result['images']} images: mAP@0.5 {result['map50']:.4f}  "
             f"mAP@0.5:0.95 {result['map']:.4f}  mAP@0.75 {result['map75']:.4f}", ""]

    ap50 = result.get("per_class_ap50", {})
    width = max([len("class"), *(len(name) for name in result["per_class_ap"])]) + 2
    lines.append("Per-class AP (weakest first)")
    lines.append(f"{'class':<{width}}{'AP':>8}{'AP@0.5':>8}")
    for name, ap in sorted(result["per_class_ap"].items(), key=lambda item: (item[1], item[0])):
        lines.append(f"{name:<{width}}{ap:>8.4f}{ap50.get(name, 0.0):>8.4f}")
    if not result["per_class_ap"]:
        lines.append("(no ground truth)")

    lines += ["", f"Checkout (predictions scoring >= {result['score_thr']:.2f})",
              f"{'level':<10}{'images':>8}{'cAcc':>9}{'ACD':>9}{'mCCD':>9}{'mCIoU':>9}"]
    for level, s in result["per_level"].items():
        lines.append(f"{level:<10}{s['images']:>8}{s['checkout_accuracy']:>9.4f}{s['acd']:>9.4f}"
                     f"{s['mccd']:>9.4f}{s['mciou']:>9.4f}")

    lines += ["", "Top confusions (ground truth -> predicted)"]
    for c in result["confusions"]:
        lines.append(f"  {c['gt']} -> {c['predicted']}: {c['count']}")
    if not result["confusions"]:
        lines.append("  (none)")
    return "\n".join(lines)
