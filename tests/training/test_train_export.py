"""A tiny but real training run: mmdet trains, the bundle is written, exported to ONNX and checked.

Two iterations on a handful of generated scenes: the point is the plumbing (config, slim
checkpoint, ONNX export, model card, checksums), not the accuracy; the demo model's accuracy is
measured by `selfcheckout evaluate` and recorded in its model card.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.training.scenes import SceneConfig, SceneGenerator, write_dataset
from app.training.train import TrainPlan, train
from app.vision.detection import ModelBundle, ModelError, open_detector
from tests.training.scene_data import specs


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-train")
    generator = SceneGenerator(specs(), SceneConfig(width=160, height=120))
    write_dataset(generator, root / "data" / "train", count=6, seed=11)
    write_dataset(generator, root / "data" / "val", count=2, seed=12)
    plan = TrainPlan(root / "data", root / "model", root / "work", max_iters=2, batch_size=2, workers=0)
    return train(plan)


def test_training_writes_a_complete_checked_bundle(tiny_bundle):
    card = tiny_bundle.card
    assert len(tiny_bundle.classes) == 15 and tiny_bundle.input_size == (320, 256)
    assert card["training"]["iterations"] == 2 and card["training"]["train_images"] == 6
    for role in ("config", "checkpoint", "onnx"):
        assert tiny_bundle.file(role).stat().st_size > 1000  # exists and matches its SHA-256


def test_slim_checkpoint_loads_with_weights_only(tiny_bundle):
    import torch

    checkpoint = torch.load(tiny_bundle.file("checkpoint"), map_location="cpu", weights_only=True)
    assert set(checkpoint) == {"state_dict", "meta"}
    assert checkpoint["meta"]["classes"] == list(tiny_bundle.classes)


def test_onnx_network_matches_mmdet(tiny_bundle):
    from app.training.export import compare_backends

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (240, 320, 3), dtype=np.uint8) for _ in range(2)]
    report = compare_backends(open_detector(tiny_bundle.folder, "mmdet"),
                              open_detector(tiny_bundle.folder, "onnxruntime"), frames)
    assert report.max_raw_abs_diff < 1e-3


def test_a_truncated_model_file_is_named_in_the_error(tiny_bundle, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(tiny_bundle.folder, folder)
    onnx = folder / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:1000])
    with pytest.raises(ModelError, match=r"model\.onnx: model file is truncated"):
        open_detector(folder, "onnxruntime")


def test_a_card_with_the_wrong_class_count_is_refused(tiny_bundle, tmp_path):
    folder = tmp_path / "wrong-classes"
    shutil.copytree(tiny_bundle.folder, folder)
    card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
    card["classes"] = card["classes"][:-1]
    (folder / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match="predicts 15 classes but the model card lists 14"):
        open_detector(folder, "onnxruntime")
    with pytest.raises(ModelError, match="lacks cass_fresh_can_355ml"):
        ModelBundle.load(folder).check_classes(tiny_bundle.classes)


def test_fine_tuning_starts_from_the_old_weights_with_class_rows_remapped(tiny_bundle, tmp_path):
    import torch
    from mmdet.apis import init_detector
    from mmengine.config import Config

    from app.training.train import _init_checkpoint

    classes = (*reversed(tiny_bundle.classes[1:]), "new_product")  # one dropped, one new, order changed
    cfg = Config.fromfile(str(tiny_bundle.file("config")))
    cfg.model.bbox_head.num_classes = len(classes)
    model = init_detector(cfg, checkpoint=None, device="cpu")
    path = _init_checkpoint(tiny_bundle, classes, model, tmp_path / "init.pth")
    new = torch.load(path, weights_only=True)["state_dict"]
    old = torch.load(tiny_bundle.file("checkpoint"), weights_only=True)["state_dict"]
    key = "bbox_head.rtm_cls.0.weight"
    for new_i, name in enumerate(classes[:-1]):
        assert torch.equal(new[key][new_i], old[key][tiny_bundle.classes.index(name)])
    assert torch.equal(new["backbone.stem.0.conv.weight"], old["backbone.stem.0.conv.weight"])
