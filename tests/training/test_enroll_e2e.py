"""Enrolment end to end with a tiny but real fine-tune: generated photos of a new product -> cutouts ->
a few scenes -> mmdet fine-tuning from a copy of the demo model -> evaluation -> decision -> apply into a
temporary model folder and store -> restore. Then the command line, cancelled mid-training by SIGTERM
and resumed. A handful of iterations: the plumbing is under test, not the accuracy (a real run's numbers
are in the README)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from app.core.catalog import Product
from app.store.store import Store
from app.training.enroll import EnrollmentResult, EnrollmentSpec, run_enrollment
from app.training.enroll_apply import apply_enrollment, restore_previous_model
from app.training.enroll_photos import write_photos
from app.vision.detection import ModelBundle, open_detector

from . import enroll_data
from .scene_data import PROJECT_ROOT, RESOURCES

pytestmark = pytest.mark.slow

DEMO_MODEL = PROJECT_ROOT / "models" / "kiosk_demo"
NEW = enroll_data.NEW_CLASS
TINY = dict(iterations=3, batch_size=2, train_scenes=6, val_scenes=2, test_scenes=4, scene_size=(160, 120),
            threads=1, parity_images=2)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("enroll-e2e")
    photos_dir, backgrounds_dir = write_photos(enroll_data.demo_photos(), root / "in")
    return root, photos_dir, backgrounds_dir


def test_enrol_a_product_from_photos_then_apply_and_restore(inputs, tmp_path):
    _, photos_dir, backgrounds_dir = inputs
    model = tmp_path / "models" / "kiosk_demo"
    shutil.copytree(DEMO_MODEL, model)  # never the committed model
    product = Product("MELONA-8P", "빙그레 메로나 8개입", "Binggrae Melona (8)", 4800, NEW, False)
    spec = EnrollmentSpec(product=product, work_dir=tmp_path / "work", base_model=model, photos=(photos_dir,),
                          backgrounds=(backgrounds_dir,), **TINY)
    reports = []
    result = run_enrollment(spec, progress=reports.append, cancel=threading.Event())

    stages = list(dict.fromkeys(r.stage for r in reports))
    assert stages == ["prepare", "cutouts", "scenes", "train", "package", "evaluate", "decide"]
    progress = [r.progress for r in reports]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any("iteration 3/3" in r.message for r in reports)

    saved = EnrollmentResult.load(spec.work_dir)  # the decision is recorded
    assert saved.accepted == result.accepted and saved.reason == result.reason and result.reason
    assert [c["name"] for c in saved.checks] == ["old_checkout_accuracy", "new_class_count_accuracy",
                                                 "onnx_parity"]
    m = saved.metrics
    assert m["images"] == {"test_old": 4, "test_new": 4}
    for key in ("before", "after"):
        assert 0.0 <= m["old_checkout_accuracy"][key] <= 1.0
    assert m["new_class_count_accuracy"]["bar"] is not None and saved.cutouts == 4
    assert saved.seconds["training"] > 0 and saved.seconds["total"] >= saved.seconds["training"]
    assert saved.classes == [*ModelBundle.load(model).classes, NEW]
    assert saved.details["parity"]["ok"] is True
    scenes = json.loads((spec.work_dir / "scenes" / "test_new" / "annotations.json").read_text("utf-8"))
    assert sum(a["category_id"] == 16 for a in scenes["annotations"]) >= 4
    candidate = open_detector(saved.candidate, "onnxruntime", threads=1)
    assert candidate.bundle.classes[-1] == NEW
    assert ModelBundle.load(model).classes[-1] != NEW  # the job alone changes nothing

    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}")
    try:
        store.import_catalog_file(RESOURCES / "catalog" / "demo_catalog.csv")
        history_before = len(ModelBundle.load(model).card["history"])
        applied = apply_enrollment(saved, model, store, force=not saved.accepted)
        bundle = ModelBundle.load(model)
        assert bundle.classes[-1] == NEW and len(bundle.card["history"]) == history_before + 1
        assert bundle.card["history"][-1]["added_class"] == NEW
        assert bundle.card["history"][-1]["accepted"] == saved.accepted
        assert open_detector(model, "onnxruntime", threads=1).bundle.classes[-1] == NEW
        assert store.load_catalog().by_class(NEW).sku == "MELONA-8P"
        assert ModelBundle.load(applied.previous).classes == ModelBundle.load(DEMO_MODEL).classes

        restore_previous_model(model, store)
        assert ModelBundle.load(model).classes == ModelBundle.load(DEMO_MODEL).classes
        assert not store.load_catalog().by_class(NEW).active
    finally:
        store.close()


def _cli(log, *args: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "app", *args], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=log)


def test_the_command_line_reports_json_progress_cancels_and_resumes(inputs, tmp_path):
    _, photos_dir, backgrounds_dir = inputs
    model = tmp_path / "model"
    shutil.copytree(DEMO_MODEL, model)
    args = ["--data-dir", str(tmp_path / "data"), "enroll", "--sku", "MELONA-8P", "--name-ko", "메로나",
            "--name-en", "Melona", "--price", "4800", "--class", NEW, "--photos", str(photos_dir),
            "--backgrounds", str(backgrounds_dir), "--work", str(tmp_path / "work"), "--model", str(model),
            "--iterations", "12", "--batch-size", "2", "--train-scenes", "6", "--val-scenes", "2",
            "--test-scenes", "4", "--scene-size", "160x120", "--force", "--json-progress"]
    log = (tmp_path / "stderr.txt").open("w")
    proc = _cli(log, *args)
    lines = []
    for line in proc.stdout:
        lines.append(json.loads(line))
        if lines[-1]["stage"] == "train" and "iteration" in lines[-1]["message"] and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # QProcess.terminate()
            break
    lines += [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=120) == 4, (tmp_path / "stderr.txt").read_text()
    assert lines[-1]["stage"] == "cancelled" and lines[-1]["exit_code"] == 4
    assert all(0.0 <= x["progress"] <= 1.0 for x in lines[:-1])
    assert ModelBundle.load(model).classes[-1] != NEW

    proc = _cli(log, *args, "--resume")
    out, _ = proc.communicate(timeout=600)
    log.close()
    lines = [json.loads(line) for line in out.splitlines()]
    assert any(x["message"].startswith("resuming from iter_") for x in lines), out
    final = lines[-1]
    assert final["stage"] == "done" and final["applied"] is True and final["reason"]
    assert proc.returncode == (0 if final["accepted"] else 1) == final["exit_code"]
    assert set(final["metrics"]) >= {"old_checkout_accuracy", "new_class_count_accuracy", "new_class_ap50"}
    assert ModelBundle.load(model).classes[-1] == NEW

    history = subprocess.run([sys.executable, "-m", "app", "model", "history", "--model", str(model),
                              "--json"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert json.loads(history.stdout)[-1]["added_class"] == NEW
    restore = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(tmp_path / "data"), "model",
                              "restore", "--model", str(model)], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=60)
    assert restore.returncode == 0 and "MELONA-8P" in restore.stdout
    assert ModelBundle.load(model).classes[-1] != NEW
