"""Fault injection at the product detector: truncated, corrupt or missing model files, broken model
cards, and images of the wrong type or size handed to ``detect``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.capture.base import Frame
from app.core.settings import MODELS_DIR
from app.vision.detection import CARD_NAME, ModelBundle, ModelError, open_detector, sha256_of
from app.workers.detection import DetectorWorker
from app.workers.latest import LatestSlot

DEMO = MODELS_DIR / "kiosk_demo"
ROLE_FILES = {"onnx": "model.onnx", "checkpoint": "model.pth", "config": "config.py"}


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """The demo model in a scratch folder: the card copied, the big files linked (replace to damage)."""
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(DEMO / CARD_NAME, folder / CARD_NAME)
    for name in ROLE_FILES.values():
        (folder / name).symlink_to(DEMO / name)
    return folder


def damage(folder: Path, name: str, *, keep: float = 0.5, flip: bool = False) -> Path:
    """Replace ``name`` by a truncated copy (or, with ``flip``, a same-size copy with bytes changed)."""
    data = (DEMO / name).read_bytes()
    path = folder / name
    path.unlink()
    if flip:
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]
    else:
        data = data[: int(len(data) * keep)]
    path.write_bytes(data)
    return path


def vouch_for(folder: Path, role: str) -> None:
    """Rewrite the card so it describes the damaged file (as if the card had been regenerated)."""
    card_path = folder / CARD_NAME
    card = json.loads(card_path.read_text(encoding="utf-8"))
    path = folder / card["files"][role]["name"]
    card["files"][role].update(sha256=sha256_of(path), bytes=path.stat().st_size)
    card_path.write_text(json.dumps(card), encoding="utf-8")


def edit_card(folder: Path, change) -> Path:
    card_path = folder / CARD_NAME
    card = json.loads(card_path.read_text(encoding="utf-8"))
    change(card)
    card_path.write_text(json.dumps(card), encoding="utf-8")
    return card_path


@pytest.mark.parametrize("backend, role", [("onnxruntime", "onnx"), ("mmdet", "checkpoint"),
                                           ("mmdet", "config")])
def test_a_truncated_model_file_is_refused_naming_it(bundle_dir, backend, role):
    path = damage(bundle_dir, ROLE_FILES[role])
    with pytest.raises(ModelError) as info:
        open_detector(bundle_dir, backend)
    message = str(info.value)
    assert message.startswith(str(path)) and "truncated" in message and "bytes" in message


@pytest.mark.parametrize("backend, role", [("onnxruntime", "onnx"), ("mmdet", "checkpoint")])
def test_a_corrupt_model_file_of_the_right_size_is_refused_by_its_checksum(bundle_dir, backend, role):
    path = damage(bundle_dir, ROLE_FILES[role], flip=True)
    with pytest.raises(ModelError) as info:
        open_detector(bundle_dir, backend)
    assert str(info.value).startswith(str(path)) and "checksum mismatch" in str(info.value)


def test_a_truncated_onnx_file_the_card_vouches_for_is_refused_by_onnxruntime(bundle_dir):
    path = damage(bundle_dir, "model.onnx")
    vouch_for(bundle_dir, "onnx")
    with pytest.raises(ModelError) as info:
        open_detector(bundle_dir, "onnxruntime")
    assert str(info.value).startswith(str(path)) and "onnxruntime cannot load the model" in str(info.value)


def test_a_truncated_checkpoint_the_card_vouches_for_is_refused_by_torch(bundle_dir):
    import torch

    torch.set_num_threads(1)
    path = damage(bundle_dir, "model.pth")
    vouch_for(bundle_dir, "checkpoint")
    with pytest.raises(ModelError) as info:
        open_detector(bundle_dir, "mmdet")
    assert str(info.value).startswith(str(path)) and "cannot read the checkpoint" in str(info.value)


def test_a_config_mmdet_cannot_build_is_refused_naming_it(bundle_dir):
    import torch

    torch.set_num_threads(1)
    path = bundle_dir / "config.py"
    path.unlink()
    path.write_text("model = dict(type='NoSuchDetector')\n", encoding="utf-8")
    vouch_for(bundle_dir, "config")
    (bundle_dir / "model.pth").unlink()
    torch.save({"state_dict": {}}, bundle_dir / "model.pth")  # small: the test is about the config
    vouch_for(bundle_dir, "checkpoint")
    with pytest.raises(ModelError) as info:
        open_detector(bundle_dir, "mmdet")
    assert str(info.value).startswith(str(path)) and "cannot build the model" in str(info.value)


def test_a_missing_model_file_or_folder_is_refused_naming_it(bundle_dir, tmp_path):
    (bundle_dir / "model.onnx").unlink()
    with pytest.raises(ModelError, match=r"model\.onnx: model file is missing"):
        open_detector(bundle_dir)
    with pytest.raises(ModelError, match="no model card"):
        open_detector(tmp_path / "nowhere")


BAD_CARDS = {
    "not json": (lambda card: None, "{ classes: [", "not valid JSON"),
    "not an object": (lambda card: None, "[1, 2, 3]", "not a JSON object"),
    "binary": (lambda card: None, b"\xff\xfe\x00garbage", "not valid JSON"),
    "no files": (lambda card: card.pop("files"), None, "has no 'files'"),
    "classes a string": (lambda card: card.update(classes="coke"), None, "lists no classes"),
    "duplicate classes": (lambda card: card.update(classes=["a", "a"]), None, "distinct"),
    "input size text": (lambda card: card.update(input_size="320x256"), None, "'input_size'"),
    "input size absurd": (lambda card: card.update(input_size=[100000, 100000]), None, "'input_size'"),
    "input size negative": (lambda card: card.update(input_size=[-320, 256]), None, "'input_size'"),
    "files a list": (lambda card: card.update(files=["model.onnx"]), None, "'files'"),
    "file entry a string": (lambda card: card["files"].update(onnx="model.onnx"), None, "files.onnx"),
    "file outside the folder": (lambda card: card["files"]["onnx"].update(name="../../etc/passwd"), None,
                                "must name a file in the model folder"),
    "sha256 malformed": (lambda card: card["files"]["onnx"].update(sha256="abc"), None, "malformed sha256"),
    "postprocess unknown key": (lambda card: card["postprocess"].update(nms="yes"), None, "unknown key"),
    "postprocess negative": (lambda card: card["postprocess"].update(max_per_img=-1), None, "bad value"),
    "postprocess nan": (lambda card: card["postprocess"].update(score_thr=float("nan")), None, "bad value"),
}


@pytest.mark.parametrize("change, raw, fragment", BAD_CARDS.values(), ids=BAD_CARDS.keys())
def test_a_broken_model_card_is_refused_naming_the_card(bundle_dir, change, raw, fragment):
    card_path = bundle_dir / CARD_NAME
    if raw is None:
        edit_card(bundle_dir, change)
    elif isinstance(raw, bytes):
        card_path.write_bytes(raw)
    else:
        card_path.write_text(raw, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        ModelBundle.load(bundle_dir)
    assert str(info.value).startswith(str(card_path)) and fragment in str(info.value)


def test_the_demo_card_passes_the_checks():
    bundle = ModelBundle.load(DEMO)
    assert bundle.input_size == (320, 256) and len(bundle.classes) == 15


@pytest.fixture(scope="module")
def onnx_detector():
    return open_detector(DEMO, "onnxruntime", threads=1)


BAD_IMAGES = {
    "None": (None, "numpy image"),
    "list": ([[0, 0, 0]], "numpy image"),
    "float32": (np.zeros((48, 64, 3), np.float32), "uint8"),
    "uint16": (np.zeros((48, 64, 3), np.uint16), "uint8"),
    "grey": (np.zeros((48, 64), np.uint8), "height x width x 3"),
    "bgra": (np.zeros((48, 64, 4), np.uint8), "height x width x 3"),
    "batch": (np.zeros((2, 48, 64, 3), np.uint8), "height x width x 3"),
    "empty": (np.zeros((0, 64, 3), np.uint8), "1 to"),
    "huge": (np.zeros((1, 20000, 3), np.uint8), "1 to"),
    "too narrow to fit": (np.zeros((1, 16000, 3), np.uint8), "too narrow"),
}


@pytest.mark.parametrize("image, fragment", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_detect_refuses_images_of_the_wrong_type_or_size_clearly(onnx_detector, image, fragment):
    with pytest.raises(ValueError, match=r"detect\(\)|too narrow") as info:
        onnx_detector.detect(image)
    assert fragment in str(info.value)


@pytest.mark.parametrize("shape", [(1, 1, 3), (3, 7, 3), (256, 1, 3), (2000, 3000, 3)])
def test_detect_takes_odd_but_valid_sizes(onnx_detector, shape):
    assert isinstance(onnx_detector.detect(np.full(shape, 127, np.uint8)), list)


def test_detect_on_noise_returns_no_confident_products(onnx_detector):
    noise = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert all(d.score < 0.9 for d in onnx_detector.detect(noise))


def test_detect_takes_a_non_contiguous_view(onnx_detector):
    frame = np.full((480, 640, 3), 90, np.uint8)
    assert isinstance(onnx_detector.detect(frame[::2, ::2]), list)
    assert isinstance(onnx_detector.detect(frame[:, :, ::-1]), list)


def test_detector_worker_reports_a_truncated_model_and_stops_cleanly(qtbot, bundle_dir):
    path = damage(bundle_dir, "model.onnx", keep=0.1)
    slot: LatestSlot[Frame] = LatestSlot()
    worker = DetectorWorker(slot, bundle_dir, "onnxruntime")
    failed: list[str] = []
    loaded: list[str] = []
    worker.model_failed.connect(failed.append)
    worker.model_loaded.connect(loaded.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    qtbot.waitUntil(lambda: bool(failed), timeout=1000)
    assert failed[0].startswith(str(path)) and "truncated" in failed[0]
    assert worker.failure == failed[0] and not loaded and worker.results == 0


def test_detector_worker_names_the_model_for_errors_that_do_not(qtbot, bundle_dir):
    worker = DetectorWorker(LatestSlot(), bundle_dir, "tensorflow")
    failed: list[str] = []
    worker.model_failed.connect(failed.append)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    qtbot.waitUntil(lambda: bool(failed), timeout=1000)
    assert str(bundle_dir) in failed[0] and "tensorflow" in failed[0]
