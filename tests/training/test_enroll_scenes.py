"""Scenes with an enrolled product: drawn from its photo cutouts at their native scale, exact boxes, the
grown class list, and the focus / exclude splits of an enrollment."""

from __future__ import annotations

import numpy as np
import pytest

from app.training.coco import read_coco
from app.training.cutout import BackgroundModel, CutoutFolder
from app.training.enroll_scenes import CUTOUT_SHAPE, CutoutProduct, EnrollSceneGenerator
from app.training.scenes import LEVELS, SceneConfig, scene_rng, write_dataset

from . import enroll_data
from . import scene_data as data

NEW = enroll_data.NEW_CLASS
CLASSES = (*data.catalog().classes, NEW)


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> CutoutProduct:
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    folder = CutoutFolder(tmp_path_factory.mktemp("enroll-scenes") / "cutouts")
    for photo in photos.photos:
        folder.add(background.cutout(photo))
    return CutoutProduct.from_folder(NEW, folder.path)


def _generator(product, **kwargs) -> EnrollSceneGenerator:
    config = SceneConfig(width=240, height=180, keep_masks=True)
    return EnrollSceneGenerator(CLASSES, data.packaging(), {NEW: product}, config,
                                enroll_data.demo_photos().backgrounds, **kwargs)


def test_the_cutout_product_knows_its_size(product):
    long, short = product.footprint_cm()
    assert long == pytest.approx(24.0, rel=0.05) and short == pytest.approx(14.0, rel=0.05)  # the box's
    assert product.px_per_cm == (640 / 60,) * 4 and 1.0 <= product.height_cm <= 15.0
    spec = product.spec()
    assert spec.detector_class == NEW and spec.shape == CUTOUT_SHAPE and not spec.can_stand


def test_scenes_hold_the_new_product_with_exact_boxes_at_its_native_scale(product):
    gen = _generator(product, focus=NEW, focus_rate=1.0)
    assert gen.classes == list(CLASSES)
    seen = 0
    for index in range(6):
        scene = gen.generate(scene_rng(5, index), "mixed")
        names = [item.detector_class for item in scene.items]
        assert NEW in names
        ppc = gen.focal_px / scene.camera_height_cm
        for item, mask in zip(scene.items, scene.masks, strict=True):
            ys, xs = np.nonzero(mask)
            assert item.bbox == (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
            if item.detector_class == NEW:
                seen += 1
                assert item.category_id == len(CLASSES)
                # the silhouette covers the product's real area at this camera height (+- jitter)
                assert item.area / ppc**2 == pytest.approx(24.0 * 14.0, rel=0.15)
    assert seen >= 6


def test_the_test_split_of_old_products_never_shows_the_new_one(product):
    gen = _generator(product, exclude=[NEW])
    for index in range(12):
        scene = gen.generate(scene_rng(9, index), "hard")
        assert NEW not in {item.detector_class for item in scene.items}


def test_training_scenes_favour_the_new_product_and_keep_the_others(product):
    gen = _generator(product, focus=NEW, focus_rate=0.5)
    plans = [set(gen.plan(scene_rng(3, i), LEVELS["easy"])) for i in range(60)]
    share = np.mean([CLASSES.index(NEW) in p for p in plans])
    assert 0.45 < share < 0.9
    assert len(set().union(*plans)) == len(CLASSES)


def test_a_dataset_lists_old_classes_first_and_the_new_one_last(product, tmp_path):
    gen = _generator(product, focus=NEW, focus_rate=1.0)
    path, _ = write_dataset(gen, tmp_path / "split", 3, seed=4)
    coco = read_coco(path)
    assert [c["name"] for c in coco["categories"]] == list(CLASSES)
    assert coco["categories"][-1]["supercategory"] == CUTOUT_SHAPE
    assert sum(a["category_id"] == len(CLASSES) for a in coco["annotations"]) >= 3


def test_write_dataset_reports_progress_and_can_be_stopped(product, tmp_path):
    gen = _generator(product)
    seen = []
    write_dataset(gen, tmp_path / "a", 3, seed=1, progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]

    def stop(i, n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_dataset(gen, tmp_path / "b", 3, seed=1, progress=stop)
    assert not (tmp_path / "b" / "annotations.json").exists()


def test_the_same_seed_gives_the_same_scene(product):
    a = _generator(product, focus=NEW, focus_rate=0.5).generate(scene_rng(2, 1), "medium")
    b = _generator(product, focus=NEW, focus_rate=0.5).generate(scene_rng(2, 1), "medium")
    assert np.array_equal(a.image, b.image) and a.items == b.items


def test_a_class_without_art_or_cutouts_is_refused(product):
    with pytest.raises(ValueError, match="neither packaging art nor cutouts"):
        EnrollSceneGenerator([*CLASSES, "mystery"], data.packaging(), {NEW: product})
