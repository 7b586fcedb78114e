"""COCO detection JSON: a deterministic writer, a checking reader, and the class balance report.

Category ids are 1..N in catalog order (``name`` = detector class). Boxes are ``[x, y, w, h]`` in
pixels; ``area`` is the pixel count of the whole object's silhouette; ``iscrowd`` is always 0. Extra
keys (COCO allows them): images carry ``level``, ``surface`` and ``camera_height_cm``; annotations
carry ``visible`` (fraction of the silhouette not covered by items on top) and ``upright``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class CocoError(ValueError):
    """A COCO file that does not follow the format (the message lists the first problems)."""


def make_categories(classes: Sequence[str], supercategories: Sequence[str] | None = None) -> list[dict]:
    """COCO categories with ids 1..N in the given (catalog) order."""
    supers = supercategories or ["product"] * len(classes)
    return [{"id": i + 1, "name": name, "supercategory": sup}
            for i, (name, sup) in enumerate(zip(classes, supers, strict=True))]


@dataclass
class CocoBuilder:
    """Collects images and annotations; ids are assigned in insertion order from 1."""

    categories: list[dict]
    info: dict[str, Any] = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)

    def add_image(self, file_name: str, width: int, height: int, **extra: Any) -> int:
        image_id = len(self.images) + 1
        self.images.append({"id": image_id, "file_name": file_name, "width": width, "height": height,
                            **extra})
        return image_id

    def add_annotation(self, image_id: int, category_id: int, bbox: Sequence[float], area: float,
                       **extra: Any) -> int:
        ann_id = len(self.annotations) + 1
        self.annotations.append({"id": ann_id, "image_id": image_id, "category_id": category_id,
                                 "bbox": [float(v) for v in bbox], "area": float(area), "iscrowd": 0,
                                 **extra})
        return ann_id

    def to_dict(self) -> dict[str, Any]:
        return {"info": self.info, "licenses": [], "images": self.images,
                "annotations": self.annotations, "categories": self.categories}

    def dumps(self) -> str:
        """The JSON text: stable key order, no timestamps, so equal data gives equal bytes."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.dumps() + "\n", encoding="utf-8")
        return path


def validate_coco(data: Mapping[str, Any]) -> list[str]:
    """Problems found in a COCO detection dict (empty when it is valid)."""
    problems: list[str] = []
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            problems.append(f"'{key}' must be a list")
    if problems:
        return problems
    cat_ids = [c.get("id") for c in data["categories"]]
    if cat_ids != list(range(1, len(cat_ids) + 1)):
        problems.append("category ids must be 1..N in order")
    images = {}
    for img in data["images"]:
        if img.get("id") in images:
            problems.append(f"duplicate image id {img.get('id')}")
        images[img.get("id")] = img
    seen: set[int] = set()
    for ann in data["annotations"]:
        aid = ann.get("id")
        if aid in seen:
            problems.append(f"duplicate annotation id {aid}")
        seen.add(aid)
        img = images.get(ann.get("image_id"))
        if img is None:
            problems.append(f"annotation {aid}: unknown image_id {ann.get('image_id')}")
            continue
        if ann.get("category_id") not in range(1, len(cat_ids) + 1):
            problems.append(f"annotation {aid}: unknown category_id {ann.get('category_id')}")
        bbox = ann.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4):
            problems.append(f"annotation {aid}: bbox must be [x, y, w, h]")
            continue
        x, y, w, h = bbox
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > img["width"] or y + h > img["height"]:
            problems.append(f"annotation {aid}: bbox {bbox} outside the {img['width']}x{img['height']} image")
        if not 0 < ann.get("area", 0) <= w * h:
            problems.append(f"annotation {aid}: area {ann.get('area')} not in (0, w*h]")
        if ann.get("iscrowd") != 0:
            problems.append(f"annotation {aid}: iscrowd must be 0")
    return problems


def read_coco(path: str | Path) -> dict[str, Any]:
    """Load and check a COCO detection file; raises :class:`CocoError` when it is not valid."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CocoError(f"{path}: {exc}") from exc
    problems = validate_coco(data)
    if problems:
        raise CocoError(f"{path}: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
    return data


@dataclass(frozen=True)
class ClassCount:
    name: str
    instances: int
    images: int
    share: float  # of all instances


@dataclass(frozen=True)
class ClassBalance:
    """Per-class instance and image counts, the max/min ratio, and how often look-alikes meet."""

    classes: tuple[ClassCount, ...]
    images: int
    instances: int
    imbalance: float  # most / fewest instances (inf when a class has none)
    pairs_together: tuple[tuple[str, str, int], ...] = ()  # images holding both members of a pair

    def format(self) -> str:
        lines = [f"{self.images} images, {self.instances} instances, imbalance max/min {self.imbalance:.2f}",
                 f"{'class':<28}{'instances':>10}{'share':>8}{'images':>8}"]
        lines += [f"{c.name:<28}{c.instances:>10}{c.share:>8.1%}{c.images:>8}" for c in self.classes]
        lines += [f"look-alikes {a} + {b}: together in {n} images" for a, b, n in self.pairs_together]
        return "\n".join(lines)


def class_balance(data: Mapping[str, Any], pairs: Iterable[tuple[str, str]] = ()) -> ClassBalance:
    """The class balance of a COCO dict (every category listed, also those never seen)."""
    names = {c["id"]: c["name"] for c in data["categories"]}
    instances = Counter(names[a["category_id"]] for a in data["annotations"])
    per_image: dict[int, set[str]] = {img["id"]: set() for img in data["images"]}
    for a in data["annotations"]:
        per_image.setdefault(a["image_id"], set()).add(names[a["category_id"]])
    image_counts = Counter(n for present in per_image.values() for n in present)
    total = sum(instances.values())
    rows = tuple(ClassCount(n, instances[n], image_counts[n], instances[n] / total if total else 0.0)
                 for n in names.values())
    counts = [r.instances for r in rows]
    imbalance = (max(counts) / min(counts)) if counts and min(counts) > 0 else float("inf")
    together = tuple((a, b, sum(1 for p in per_image.values() if a in p and b in p)) for a, b in pairs)
    return ClassBalance(rows, len(per_image), total, imbalance, together)
