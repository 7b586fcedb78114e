"""Putting an enrolled model in place and bringing the previous one back: the catalog, the model card's
history, the kept previous bundle, and a swap cut short by a crash (no training here: the candidate is a
copy of the demo model whose card lists one more class)."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from app.core.catalog import Product
from app.store.store import Store
from app.training import enroll_apply
from app.training.cutout import BackgroundModel, CutoutFolder
from app.training.enroll import EnrollmentError, EnrollmentResult
from app.training.enroll_apply import (
    SwapPaths,
    apply_enrollment,
    exchange,
    recover_interrupted_swap,
    restore_previous_model,
)
from app.training.enroll_gate import decide, summary
from app.vision.detection import ModelBundle

from . import enroll_data
from .scene_data import PROJECT_ROOT, RESOURCES

DEMO_MODEL = PROJECT_ROOT / "models" / "kiosk_demo"
NEW = enroll_data.NEW_CLASS
PRODUCT = Product("MELONA-8P", "빙그레 메로나 8개입", "Binggrae Melona (8)", 4800, NEW, False)


def _numbers(old_cacc, new=None):
    return {"old_checkout_accuracy": old_cacc, "old_class_count_accuracy": 0.95,
            "new_class_count_accuracy": new, "map50": 0.99, "map": 0.9, "images": 10,
            "checkout_accuracy": 0.8,
            "old_checkout_accuracy_per_level": {"easy": 1.0}, "new_class_ap": 0.85, "new_class_ap50": 0.97}


@pytest.fixture
def setup(tmp_path):
    """(active model folder, an EnrollmentResult whose candidate adds NEW, a Store with the demo catalog)."""
    active = tmp_path / "models" / "kiosk_demo"
    shutil.copytree(DEMO_MODEL, active)
    work = tmp_path / "work"
    candidate = work / "candidate"
    shutil.copytree(DEMO_MODEL, candidate)
    card = json.loads((candidate / "model_card.json").read_text(encoding="utf-8"))
    card["classes"].append(NEW)
    card["history"] = []
    (candidate / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    folder = CutoutFolder(work / "cutouts")
    for photo in photos.photos[:2]:
        folder.add(background.cutout(photo))
    before, after, after_new = _numbers(0.83), _numbers(0.835), _numbers(0.7, new=0.97)
    decision = decide(before, after, after_new)
    result = EnrollmentResult(
        accepted=decision.accepted, reason=decision.reason,
        metrics=summary(before, after, after_new, decision), checks=[], details={"after_new": after_new},
        product=PRODUCT, classes=card["classes"], base_model=active, candidate=candidate, work_dir=work,
        iterations=10, batch_size=2, lr=0.001, seconds={"training": 12.0, "total": 30.0}, cutouts=2,
        finished_at="2026-12-02 12:00:00",
        base_checkpoint_sha256=ModelBundle.load(active).card["files"]["checkpoint"]["sha256"])
    result.save()
    store = Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}")
    store.import_catalog_file(RESOURCES / "catalog" / "demo_catalog.csv")
    yield active, result, store
    store.close()


def _classes(folder) -> tuple[str, ...]:
    return ModelBundle.load(folder).classes


def test_apply_swaps_the_model_adds_the_product_and_records_the_history(setup):
    active, result, store = setup
    old_history = ModelBundle.load(active).card["history"]
    applied = apply_enrollment(EnrollmentResult.load(result.work_dir), active, store)
    bundle = ModelBundle.load(active)
    assert bundle.classes[-1] == NEW and len(bundle.classes) == 16
    for role in ("config", "checkpoint", "onnx"):
        bundle.file(role)  # every file matches the card
    history = bundle.card["history"]
    assert history[:-1] == old_history and history[-1] == applied.history_entry
    entry = history[-1]
    assert entry["added_class"] == NEW and entry["stage"] == 4 and entry["iterations"] == 10
    assert entry["before"]["old_checkout_accuracy"] == 0.83
    assert entry["after"]["new_class_count_accuracy"] == 0.97
    assert entry["seconds"] == 12.0 and entry["accepted"] is True
    assert bundle.card["name"] == "kiosk-demo-detector" and bundle.card["enrolled"] == [NEW]
    assert len(list((active / "enrolled" / NEW).glob("cut_*.png"))) == 2
    assert (active / "enrolled" / NEW / "cutouts.json").is_file()
    assert _classes(applied.previous) == _classes(DEMO_MODEL)
    paths = SwapPaths.of(active)
    assert not paths.incoming.exists() and not paths.journal.exists()
    product = store.load_catalog().by_class(NEW)
    assert product.sku == "MELONA-8P" and product.active and product.price_won == 4800
    assert [e.kind for e in store.audit_entries(kind="model_enrolled")] == ["model_enrolled"]


def test_restore_brings_the_previous_model_back_and_again_undoes_it(setup):
    active, result, store = setup
    apply_enrollment(result, active, store)
    restored = restore_previous_model(active, store)
    assert _classes(active) == _classes(DEMO_MODEL) and restored.deactivated == ("MELONA-8P",)
    assert not store.load_catalog().by_sku("MELONA-8P").active
    assert ModelBundle.load(active).card["history"][-1]["replaced_classes"] == [NEW]
    assert _classes(SwapPaths.of(active).previous)[-1] == NEW
    restore_previous_model(active)  # the undo of the restore
    assert _classes(active)[-1] == NEW


def test_nothing_changes_when_apply_is_refused(setup, tmp_path):
    active, result, store = setup
    rejected = EnrollmentResult(**{**result.__dict__, "accepted": False, "reason": "kept the old model: x"})
    with pytest.raises(EnrollmentError, match="not accepted"):
        apply_enrollment(rejected, active, store)
    store.add_product(Product("OTHER-1", "다른 상품", "Other", 1000, NEW, False))
    with pytest.raises(EnrollmentError, match="already has a product of class"):
        apply_enrollment(result, active, store)
    assert _classes(active) == _classes(DEMO_MODEL) and not SwapPaths.of(active).previous.exists()
    with pytest.raises(EnrollmentError, match="no previous model"):
        restore_previous_model(active)


def test_a_failed_catalog_update_puts_the_old_model_back(setup, monkeypatch):
    active, result, store = setup

    def broken(*args, **kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr(store, "add_product", broken)
    with pytest.raises(ValueError, match="disk full"):
        apply_enrollment(result, active, store)
    assert _classes(active) == _classes(DEMO_MODEL)


def test_the_two_rename_swap_where_exchange_is_missing(setup, monkeypatch):
    active, result, store = setup
    monkeypatch.setattr(enroll_apply, "exchange", lambda a, b: False)
    apply_enrollment(result, active, store)
    assert _classes(active)[-1] == NEW and _classes(SwapPaths.of(active).previous) == _classes(DEMO_MODEL)
    assert not SwapPaths.of(active).outgoing.exists()


def _journal(paths: SwapPaths, new_folder) -> None:
    digest = hashlib.sha256((new_folder / "model_card.json").read_bytes()).hexdigest()
    paths.journal.write_text(json.dumps({"new_card": digest, "old_card": "x", "source": str(new_folder),
                                         "at": "now"}), encoding="utf-8")


def _candidate_copy(result, paths: SwapPaths) -> None:
    shutil.copytree(result.candidate, paths.incoming)


def test_a_crash_after_the_exchange_is_finished(setup):
    active, result, _ = setup
    paths = SwapPaths.of(active)
    _candidate_copy(result, paths)
    _journal(paths, paths.incoming)
    assert exchange(paths.incoming, paths.active)  # ... and the process dies here
    assert recover_interrupted_swap(active) == "finished the interrupted swap"
    assert _classes(active)[-1] == NEW and _classes(paths.previous) == _classes(DEMO_MODEL)
    assert not paths.journal.exists() and not paths.incoming.exists()


def test_a_crash_between_two_renames_is_finished(setup):
    active, result, _ = setup
    paths = SwapPaths.of(active)
    _candidate_copy(result, paths)
    _journal(paths, paths.incoming)
    paths.active.rename(paths.outgoing)  # ... and the process dies here: no active folder
    assert recover_interrupted_swap(active) == "finished the interrupted swap"
    assert _classes(active)[-1] == NEW and _classes(paths.previous) == _classes(DEMO_MODEL)


def test_a_crash_before_the_swap_drops_the_copy(setup):
    active, result, _ = setup
    paths = SwapPaths.of(active)
    _candidate_copy(result, paths)
    _journal(paths, paths.incoming)  # ... and the process dies before swapping
    assert recover_interrupted_swap(active) == "dropped a copy that was never swapped in"
    assert _classes(active) == _classes(DEMO_MODEL) and not paths.incoming.exists()
