"""Scene generator: deterministic, RPC clutter levels, exact whole-object boxes, IoU and occlusion limits."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from app.training.coco import read_coco
from app.training.compose import box_iou
from app.training.scenes import (
    LEVELS,
    SceneConfig,
    SceneError,
    SceneGenerator,
    scene_rng,
    write_dataset,
)

from . import scene_data as data


def test_same_seed_same_scene_other_seed_other_scene():
    small_generator = data.small_generator()
    a = small_generator.generate(scene_rng(11, 3), "medium")
    b = small_generator.generate(scene_rng(11, 3), "medium")
    c = small_generator.generate(scene_rng(12, 3), "medium")
    assert np.array_equal(a.image, b.image) and a.items == b.items
    assert not np.array_equal(a.image, c.image)
    assert a.image.shape == (160, 160, 3) and a.image.dtype == np.uint8


def test_dataset_files_are_byte_identical_for_a_seed(tmp_path):
    specs = data.specs()
    gen = SceneGenerator(specs, SceneConfig(width=96, height=96))
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        path, _ = write_dataset(gen, tmp_path / name, 3, seed, "mixed")
        images = sorted((tmp_path / name / "images").iterdir())
        runs[name] = (path.read_bytes(), [p.read_bytes() for p in images])
    assert runs["a"] == runs["b"]
    assert runs["a"][0] != runs["c"][0] and runs["a"][1] != runs["c"][1]
    coco = read_coco(tmp_path / "a" / "annotations.json")
    assert [img["file_name"] for img in coco["images"]] == [f"images/{i:06d}.jpg" for i in range(3)]
    assert [img["id"] for img in coco["images"]] == [1, 2, 3]
    assert [(c["id"], c["name"]) for c in coco["categories"]] == list(enumerate(data.catalog().classes, 1))
    for ann in coco["annotations"]:
        assert ann["iscrowd"] == 0 and 0 < ann["area"] <= ann["bbox"][2] * ann["bbox"][3]


@pytest.mark.parametrize("level", ["easy", "medium", "hard"])
def test_clutter_levels_and_exact_boxes(level):
    small_generator = data.small_generator()
    lvl = LEVELS[level]
    for index in range(3):
        scene = small_generator.generate(scene_rng(21, index), level)
        kinds = Counter(item.detector_class for item in scene.items)
        assert lvl.kinds[0] <= len(kinds) <= lvl.kinds[1]
        assert lvl.items[0] <= len(scene.items) <= lvl.items[1]
        assert scene.level == level
        covered = np.zeros(scene.image.shape[:2], bool)
        for item, mask in reversed(list(zip(scene.items, scene.masks, strict=True))):
            ys, xs = np.nonzero(mask)  # the whole object's silhouette, also where it is hidden
            x, y, w, h = item.bbox
            assert (x, y, w, h) == (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
            assert x >= 0 and y >= 0 and x + w <= 160 and y + h <= 160
            assert item.area == mask.sum()
            visible = (mask & ~covered).sum() / mask.sum()  # items pasted later lie on top
            assert visible == pytest.approx(item.visible, abs=0.002)
            assert visible >= 0.5 - 1e-9
            covered |= mask
        boxes = np.array([item.bbox for item in scene.items], float)
        for i, j in itertools.combinations(range(len(boxes)), 2):
            assert box_iou(boxes[i], boxes[j:j + 1])[0] <= lvl.max_iou + 1e-9


def test_mixed_uses_every_level():
    small_generator = data.small_generator()
    levels = {small_generator.generate(scene_rng(3, i), "mixed").level for i in range(12)}
    assert levels == {"easy", "medium", "hard"}


def test_plan_keeps_classes_balanced_and_lookalikes_together():
    specs = data.specs()
    gen = SceneGenerator(specs, SceneConfig(width=320, height=320))
    present = Counter()
    both = Counter()
    n = 900
    for i in range(n):
        level = LEVELS[("easy", "medium", "hard")[i % 3]]
        kinds = set(gen.plan(scene_rng(99, i), level))
        present.update(gen.classes[k] for k in kinds)
        for a, b in gen.pairs:
            both[(a, b)] += a in kinds and b in kinds
    counts = [present[c] for c in gen.classes]
    assert max(counts) / min(counts) < 1.3  # images per class: the kind draw is symmetric
    for a, b in gen.pairs:  # together far more often than two independent draws would be
        pa, pb = present[gen.classes[a]] / n, present[gen.classes[b]] / n
        assert both[(a, b)] / n > 1.3 * pa * pb


def test_an_impossible_scene_raises():
    specs = data.specs()
    gen = SceneGenerator(specs, SceneConfig(width=64, height=64, view_cm=8.0, attempts=2, tries_per_item=5))
    with pytest.raises(SceneError):
        gen.generate(scene_rng(1), "hard")


def test_box_iou():
    others = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5]], float)
    assert box_iou((0, 0, 10, 10), others) == pytest.approx([1.0, 50 / 150, 0.0])
