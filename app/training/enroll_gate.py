"""Whether an enrolled model may replace the old one: the numbers and the decision.

Both models are run (onnxruntime, the kiosk's backend) on the same held-out synthesised scenes:

- ``test_old``: scenes of the old catalog only (the new product never appears). **Old-class checkout
  accuracy** = the share of these images whose list of old products (class and count of every
  detection scoring >= 0.5, the kiosk's counting score) is exactly right: the RPC checkout accuracy
  over the old classes. Measured for the old and the new model.
- ``test_new``: scenes that all hold the new product among old ones. **Class count accuracy** of a class =
  over the images where the class is involved (in the truth or among the detections), the share whose
  count of that class is exactly right. The new model's value for the new class is compared with
  **the bar**: the *old* model's class count accuracy on ``test_old``, averaged over the old classes
  (how well an average old product is counted today), less the same one-point tolerance.

The decision (:func:`decide`) accepts the new model only when

1. old-class checkout accuracy drops by at most :data:`MAX_DROP` (0.01): ``after >= before - 0.01``;
2. the new class's count accuracy (``test_new``, new model) reaches the bar: ``>= bar`` with
   ``bar = mean old-class count accuracy of the old model on test_old - 0.01``;
3. the ONNX export matches mmdet on the check images (the kiosk runs the ONNX file).

Every check keeps its numbers and a sentence, so the operator sees why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.training.evaluate import CHECKOUT_SCORE_THR, predict_split
from app.training.metrics import evaluate
from app.training.metrics_checkout import count_matrices
from app.training.metrics_coco import category_names

log = logging.getLogger(__name__)

MAX_DROP = 0.01


def class_count_accuracy(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Per column: the share of the images where the class is involved whose count is exact (NaN when
    the class is never involved)."""
    involved = (pred > 0) | (true > 0)
    exact = (pred == true) & involved
    with np.errstate(invalid="ignore", divide="ignore"):
        return exact.sum(axis=0) / involved.sum(axis=0)


def split_numbers(gt: Mapping[str, Any], predictions: Sequence, old_classes: Sequence[str],
                  new_class: str, score_thr: float = CHECKOUT_SCORE_THR) -> dict[str, Any]:
    """The enrollment's numbers for one model on one split (see the module docstring)."""
    _, pred, true = count_matrices(gt, predictions, score_thr)
    names = list(category_names(gt).values())
    old_cols = [names.index(c) for c in old_classes if c in names]
    diff_old = np.abs(pred[:, old_cols] - true[:, old_cols]).sum(axis=1)
    per_class = class_count_accuracy(pred, true)
    old_values = [float(per_class[c]) for c in old_cols if np.isfinite(per_class[c])]
    full = evaluate(gt, predictions, score_thr=score_thr)
    levels = {}
    for level in ("easy", "medium", "hard"):
        rows = np.array([img.get("level") == level for img in gt["images"]])
        if rows.any():
            levels[level] = float((diff_old[rows] == 0).mean())
    out: dict[str, Any] = {
        "images": int(pred.shape[0]),
        "old_checkout_accuracy": float((diff_old == 0).mean()) if pred.shape[0] else 0.0,
        "old_checkout_accuracy_per_level": levels,
        "old_class_count_accuracy": float(np.mean(old_values)) if old_values else float("nan"),
        "checkout_accuracy": full["checkout_accuracy"],
        "map50": full["map50"],
        "map": full["map"],
        "per_class_count_accuracy": {n: (float(v) if np.isfinite(v) else None)
                                     for n, v in zip(names, per_class, strict=True)},
        "confusions": full["confusions"][:5],
    }
    if new_class in names:
        k = names.index(new_class)
        out["new_class_count_accuracy"] = float(per_class[k]) if np.isfinite(per_class[k]) else None
        out["new_class_ap"] = full["per_class_ap"].get(new_class)
        out["new_class_ap50"] = full["per_class_ap50"].get(new_class)
        out["new_class_instances"] = int(true[:, k].sum())
    return out


def measure(detector, annotations: Path, old_classes: Sequence[str], new_class: str) -> dict[str, Any]:
    gt, predictions, ms = predict_split(detector, annotations)
    numbers = split_numbers(gt, predictions, old_classes, new_class)
    numbers["ms_per_image"] = round(ms, 1)
    return numbers


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float | None
    limit: float | None
    text: str


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "reason": self.reason, "checks": [asdict(c) for c in self.checks]}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3f}"


def decide(before_old: Mapping[str, Any], after_old: Mapping[str, Any], after_new: Mapping[str, Any],
           parity_ok: bool = True, max_drop: float = MAX_DROP) -> Decision:
    """Accept or keep the old model (see the module docstring for the numbers)."""
    old_before = float(before_old["old_checkout_accuracy"])
    old_after = float(after_old["old_checkout_accuracy"])
    drop = old_before - old_after
    limit = old_before - max_drop
    ok_old = old_after >= limit - 1e-9
    checks = [Check("old_checkout_accuracy", ok_old, old_after, limit,
                    f"old products' checkout accuracy {_fmt(old_before)} -> {_fmt(old_after)} "
                    + (f"(a drop of {drop:.3f}, more than the allowed {max_drop:.2f})" if not ok_old else
                       f"({'+' if drop <= 0 else '-'}{abs(drop):.3f}; at most -{max_drop:.2f} allowed)"))]
    base = before_old.get("old_class_count_accuracy")
    bar = float(base) - max_drop if base is not None and np.isfinite(base) else None
    new = after_new.get("new_class_count_accuracy")
    ok_new = new is not None and bar is not None and float(new) >= bar - 1e-9
    checks.append(Check("new_class_count_accuracy", ok_new, new, bar,
                        f"new product counted right in {_fmt(new)} of the scenes it is in "
                        f"({'reaches' if ok_new else 'below'} the bar {_fmt(bar)}: an old product's "
                        f"{_fmt(base)} today, less {max_drop:.2f})"))
    checks.append(Check("onnx_parity", parity_ok, None, None,
                        "the ONNX export matches mmdet" if parity_ok
                        else "the ONNX export does not match mmdet (the kiosk would see other boxes)"))
    accepted = all(c.passed for c in checks)
    if accepted:
        reason = "accepted: " + "; ".join(c.text for c in checks[:2])
    else:
        reason = "kept the old model: " + "; ".join(c.text for c in checks if not c.passed)
    return Decision(accepted, reason, tuple(checks))


def summary(before_old: Mapping[str, Any], after_old: Mapping[str, Any], after_new: Mapping[str, Any],
            decision: Decision) -> dict[str, Any]:
    """The headline numbers (the CLI's final JSON line and the model card's history entry)."""
    bar = next((c.limit for c in decision.checks if c.name == "new_class_count_accuracy"), None)
    return {
        "old_checkout_accuracy": {"before": before_old["old_checkout_accuracy"],
                                  "after": after_old["old_checkout_accuracy"],
                                  "drop": (before_old["old_checkout_accuracy"]
                                           - after_old["old_checkout_accuracy"]),
                                  "max_drop": MAX_DROP,
                                  "per_level_before": before_old["old_checkout_accuracy_per_level"],
                                  "per_level_after": after_old["old_checkout_accuracy_per_level"]},
        "old_class_count_accuracy": {"before": before_old["old_class_count_accuracy"],
                                     "after": after_old["old_class_count_accuracy"]},
        "new_class_count_accuracy": {"after": after_new.get("new_class_count_accuracy"), "bar": bar},
        "new_class_ap50": after_new.get("new_class_ap50"),
        "new_class_ap": after_new.get("new_class_ap"),
        "checkout_accuracy_with_new": after_new.get("checkout_accuracy"),
        "map50_old_scenes": {"before": before_old["map50"], "after": after_old["map50"]},
        "map_old_scenes": {"before": before_old["map"], "after": after_old["map"]},
        "images": {"test_old": before_old["images"], "test_new": after_new["images"]},
    }


def clean(value: Any) -> Any:
    """``value`` with NaN/inf turned into None (strict JSON)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(clean(value), ensure_ascii=False)
