"""The committed demo model: both backends give the same products, boxes and scores on the same frames."""

from __future__ import annotations

import pytest

from app.core.settings import MODELS_DIR
from app.training.export import BOX_TOLERANCE_PX, SCORE_TOLERANCE, compare_backends
from app.training.scenes import SceneConfig, SceneGenerator, scene_rng
from app.vision.detection import open_detector
from tests.training.scene_data import specs

DEMO_MODEL = MODELS_DIR / "kiosk_demo"


@pytest.fixture(scope="module")
def frames():
    generator = SceneGenerator(specs(), SceneConfig(width=640, height=480))
    return [generator.generate(scene_rng(404, i), level).image
            for i, level in enumerate(("easy", "medium", "hard", "hard"))]


def test_onnxruntime_matches_mmdet_within_tolerance(frames):
    mmdet = open_detector(DEMO_MODEL, "mmdet")
    onnx = open_detector(DEMO_MODEL, "onnxruntime")
    report = compare_backends(mmdet, onnx, frames)
    assert report.total_boxes >= 20, "the demo model should find the products in these scenes"
    assert report.matched_boxes == report.total_boxes and report.label_mismatches == 0
    assert report.max_box_abs_diff <= BOX_TOLERANCE_PX
    assert report.max_score_abs_diff <= SCORE_TOLERANCE


def test_demo_model_finds_the_items_of_an_easy_scene():
    generator = SceneGenerator(specs(), SceneConfig(width=640, height=480))
    scene = generator.generate(scene_rng(405, 0), "easy")
    detections = [d for d in open_detector(DEMO_MODEL).detect(scene.image) if d.score >= 0.5]
    assert sorted(d.name for d in detections) == sorted(item.detector_class for item in scene.items)
