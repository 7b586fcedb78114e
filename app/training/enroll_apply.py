"""Put an enrolled model in place of the active one, or bring the previous one back.

:func:`apply_enrollment` (after :func:`app.training.enroll.run_enrollment` accepted a candidate, or with
``force=True``):

1. checks that the active model is still the one the enrollment started from, the candidate's files
   match its card, and (with a store) that the SKU and the detector class are free in the catalog;
2. builds the new bundle beside the active folder (``.<name>.incoming``): the candidate's files, its
   card with the active card's ``name`` and ``history`` plus one new history entry (what was added,
   when, the numbers before and after, iterations, time taken), and ``enrolled/<class>/``: the cutouts
   of every product enrolled so far (the next enrollment draws them in its scenes);
3. swaps it with the active folder in one step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two
   renames with a journal), then keeps the old bundle as ``<name>.previous`` (one level, replaced by the
   next apply);
4. adds the product to the catalog (``Store.add_product``, audited); should that fail, the swap is
   undone.

A journal (``.<name>.swap.json`` beside the model folder) names the bundle being put in place (and
the SHA-256 of its model card);
:func:`recover_interrupted_swap` (run first by apply and restore) finishes or undoes a swap that a
crash cut short, judging by the folders' contents, so the active folder always holds one whole bundle.

:func:`restore_previous_model` swaps ``<name>.previous`` back in (so restoring twice undoes the restore),
appends a "restored" entry to the restored card's history, and (with a store) deactivates the products
whose class the restored model does not know.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import Product
from app.training.enroll import EnrollmentError, EnrollmentResult
from app.vision.detection import CARD_NAME, ModelBundle, ModelError

log = logging.getLogger(__name__)

ENROLLED = "enrolled"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


@dataclass(frozen=True)
class SwapPaths:
    active: Path
    incoming: Path
    previous: Path
    outgoing: Path
    journal: Path

    @classmethod
    def of(cls, model_dir: str | Path) -> SwapPaths:
        active = Path(model_dir).resolve()
        parent, name = active.parent, active.name
        return cls(active, parent / f".{name}.incoming", parent / f"{name}.previous",
                   parent / f".{name}.outgoing", parent / f".{name}.swap.json")


@dataclass(frozen=True)
class Applied:
    model_dir: Path
    previous: Path
    product: Product
    history_entry: dict


@dataclass(frozen=True)
class Restored:
    model_dir: Path
    previous: Path  # now holds the bundle that was active
    classes: tuple[str, ...]
    deactivated: tuple[str, ...]  # SKUs


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    for path in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(path)


def exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux ``renameat2``); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        _fsync_dir(a.parent)
        return True
    err = ctypes.get_errno()
    log.debug("renameat2 exchange failed: %s", os.strerror(err))
    return False


def _sha(folder: Path) -> str | None:
    try:
        return json.loads((folder / CARD_NAME).read_text(encoding="utf-8"))["files"]["checkpoint"]["sha256"]
    except (OSError, KeyError, TypeError, json.JSONDecodeError):
        return None


def _card_digest(folder: Path) -> str | None:
    """The SHA-256 of a bundle's model card (it differs between any two bundles this module writes)."""
    try:
        return hashlib.sha256((folder / CARD_NAME).read_bytes()).hexdigest()
    except OSError:
        return None


def _swap_in(paths: SwapPaths, new_folder: Path) -> None:
    """Make ``new_folder`` (a sibling) the active bundle; the old one ends in ``paths.previous``."""
    journal = {"new_card": _card_digest(new_folder), "old_card": _card_digest(paths.active),
               "source": str(new_folder), "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    paths.journal.write_text(json.dumps(journal), encoding="utf-8")
    _fsync_dir(paths.journal.parent)
    if exchange(new_folder, paths.active):
        old = new_folder
    else:  # two renames; the journal lets recover_interrupted_swap finish them
        os.replace(paths.active, paths.outgoing)
        os.replace(new_folder, paths.active)
        old = paths.outgoing
    _fsync_dir(paths.active.parent)
    _finish(paths, old)


def _finish(paths: SwapPaths, old: Path) -> None:
    if old != paths.previous:
        trash = paths.previous.with_name(f".{paths.previous.name}.trash")
        if paths.previous.exists():
            shutil.rmtree(trash, ignore_errors=True)
            os.replace(paths.previous, trash)
        os.replace(old, paths.previous)
        shutil.rmtree(trash, ignore_errors=True)
    paths.journal.unlink(missing_ok=True)
    _fsync_dir(paths.active.parent)


def recover_interrupted_swap(model_dir: str | Path) -> str | None:
    """Finish or undo a swap a crash cut short (see the module docstring); what was done, or None."""
    paths = SwapPaths.of(model_dir)
    if not paths.journal.is_file():
        for stray in (paths.incoming, paths.outgoing):  # a copy that never got swapped in
            if stray.exists() and paths.active.is_dir():
                shutil.rmtree(stray, ignore_errors=True)
        return None
    journal = json.loads(paths.journal.read_text(encoding="utf-8"))
    source = Path(journal["source"])
    if not paths.active.exists() and paths.outgoing.is_dir():  # between the two renames
        if source.is_dir() and _card_digest(source) == journal["new_card"]:
            os.replace(source, paths.active)
            _finish(paths, paths.outgoing)
            return "finished the interrupted swap"
        os.replace(paths.outgoing, paths.active)
        paths.journal.unlink(missing_ok=True)
        return "undid the interrupted swap"
    if _card_digest(paths.active) == journal["new_card"]:  # swapped; the old one still has to move
        old = paths.outgoing if paths.outgoing.is_dir() else source
        if old.is_dir() and old != paths.active:
            _finish(paths, old)
        else:
            paths.journal.unlink(missing_ok=True)
        return "finished the interrupted swap"
    if source.is_dir() and source != paths.previous:  # never swapped: drop the copy
        shutil.rmtree(source, ignore_errors=True)
    paths.journal.unlink(missing_ok=True)
    return "dropped a copy that was never swapped in"


def _copy_bundle(src: ModelBundle, dst: Path) -> None:
    dst.mkdir(parents=True)
    for role in ("config", "checkpoint", "onnx"):
        if role in src.card["files"]:
            shutil.copy2(src.file(role), dst / src.card["files"][role]["name"])


def _history_entry(result: EnrollmentResult, previous_card: dict) -> dict:
    history = previous_card.get("history") or []
    stages = [h.get("stage") for h in history if isinstance(h, dict) and isinstance(h.get("stage"), int)]
    m = result.metrics
    p = result.product
    return {
        "stage": (max(stages) + 1) if stages else len(history) + 1,
        "what": f"enrolled {p.detector_class} ({p.sku}, {p.name_en}) from {result.cutouts} photo cutouts",
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "added_class": p.detector_class,
        "product": {"sku": p.sku, "name_ko": p.name_ko, "name_en": p.name_en, "price_won": p.price_won,
                    "age_restricted": p.age_restricted},
        "iterations": result.iterations, "batch_size": result.batch_size, "lr": result.lr,
        "seconds": result.seconds.get("training"), "total_seconds": result.seconds.get("total"),
        "accepted": result.accepted, "decision": result.reason,
        "before": {"old_checkout_accuracy": m["old_checkout_accuracy"]["before"],
                   "old_class_count_accuracy": m["old_class_count_accuracy"]["before"],
                   "map50_old_scenes": m["map50_old_scenes"]["before"]},
        "after": {"old_checkout_accuracy": m["old_checkout_accuracy"]["after"],
                  "old_class_count_accuracy": m["old_class_count_accuracy"]["after"],
                  "map50_old_scenes": m["map50_old_scenes"]["after"],
                  "new_class_count_accuracy": m["new_class_count_accuracy"]["after"],
                  "new_class_ap50": m["new_class_ap50"], "new_class_ap": m["new_class_ap"],
                  "checkout_accuracy_with_new": m["checkout_accuracy_with_new"]},
        "bar": m["new_class_count_accuracy"]["bar"],
        "test_images": m["images"],
        "previous_checkpoint_sha256": previous_card.get("files", {}).get("checkpoint", {}).get("sha256"),
    }


def _new_card(result: EnrollmentResult, candidate: ModelBundle, previous: ModelBundle) -> dict:
    from app.training.enroll_gate import clean

    card = dict(candidate.card)
    old = previous.card
    card["name"] = old.get("name", card.get("name"))
    card["architecture"] = old.get("architecture", card.get("architecture"))
    entry = _history_entry(result, old)
    card["history"] = [*(old.get("history") or []), clean(entry)]
    after = result.details["after_new"]
    card["metrics"] = clean({
        "map50": after["map50"], "map": after["map"], "checkout_accuracy": after["checkout_accuracy"],
        "old_checkout_accuracy": result.metrics["old_checkout_accuracy"]["after"],
        "new_class_count_accuracy": after.get("new_class_count_accuracy"),
        "images": after["images"], "score_thr": 0.5, "backend": "onnxruntime",
        "split": str(result.work_dir / "scenes" / "test_new" / "annotations.json"),
        "note": "held-out enrollment scenes, every one with the new product (see history for the old "
                "catalog's scenes)",
        "evaluated_at": result.finished_at})
    card["enrolled"] = sorted({*(old.get("enrolled") or []), result.product.detector_class})
    return card


def _write_card(folder: Path, card: dict) -> None:
    (folder / CARD_NAME).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def apply_enrollment(result: EnrollmentResult | str | Path, model_dir: str | Path, store=None, *,
                     force: bool = False, actor: str = "admin") -> Applied:
    """Make the enrolled model the active one and add the product to the catalog (module docstring)."""
    from app.training.cutout import CutoutFolder

    if not isinstance(result, EnrollmentResult):
        result = EnrollmentResult.load(result)
    if not result.accepted and not force:
        raise EnrollmentError(f"the new model was not accepted ({result.reason}); nothing changed")
    paths = SwapPaths.of(model_dir)
    if note := recover_interrupted_swap(paths.active):
        log.warning("%s: %s", paths.active, note)
    try:
        active = ModelBundle.load(paths.active)
        candidate = ModelBundle.load(result.candidate)
        for role in ("config", "checkpoint", "onnx"):
            candidate.file(role)
    except ModelError as exc:
        raise EnrollmentError(str(exc)) from exc
    if result.base_checkpoint_sha256 and _sha(paths.active) != result.base_checkpoint_sha256:
        raise EnrollmentError(f"{paths.active} is no longer the model this enrollment started from; "
                              "enrol the product again")
    product = result.product
    if store is not None:
        catalog = store.load_catalog()
        if any(p.sku == product.sku for p in catalog.products):
            raise EnrollmentError(f"the catalog already has a product with sku {product.sku!r}")
        if any(p.detector_class == product.detector_class for p in catalog.products):
            raise EnrollmentError(f"the catalog already has a product of class {product.detector_class!r}")
    shutil.rmtree(paths.incoming, ignore_errors=True)
    try:
        _copy_bundle(candidate, paths.incoming)
        enrolled_src = paths.active / ENROLLED
        if enrolled_src.is_dir():
            shutil.copytree(enrolled_src, paths.incoming / ENROLLED)
        target = paths.incoming / ENROLLED / product.detector_class
        shutil.rmtree(target, ignore_errors=True)
        source = CutoutFolder(_cutouts_dir(result))
        entries = [entry for _, entry in source.load()]
        target.mkdir(parents=True)
        for entry in entries:
            shutil.copy2(source.path / entry.file, target / entry.file)
        CutoutFolder(target).write_manifest(entries)
        card = _new_card(result, candidate, active)
        _write_card(paths.incoming, card)
        ModelBundle.load(paths.incoming).check_classes(active.classes)
        _fsync_tree(paths.incoming)
    except BaseException:
        shutil.rmtree(paths.incoming, ignore_errors=True)
        raise
    _swap_in(paths, paths.incoming)
    log.info("%s: now the model with %s (previous kept in %s)", paths.active, product.detector_class,
             paths.previous)
    if store is not None:
        try:
            store.add_product(Product(product.sku, product.name_ko, product.name_en, product.price_won,
                                      product.detector_class, product.age_restricted, True), actor=actor)
            store.audit("model_enrolled", {
                "model": str(paths.active), "sku": product.sku, "detector_class": product.detector_class,
                "accepted": result.accepted, "forced": bool(force and not result.accepted)}, actor=actor)
        except BaseException:
            log.exception("adding the product failed; putting the previous model back")
            _swap_in(paths, paths.previous)
            raise
    return Applied(paths.active, paths.previous, product, card["history"][-1])


def _cutouts_dir(result: EnrollmentResult) -> Path:
    from app.training.enroll import STATE, EnrollmentSpec

    try:
        state = json.loads((result.work_dir / STATE).read_text(encoding="utf-8"))
        return EnrollmentSpec.from_dict(state["spec"]).cutouts
    except (OSError, KeyError, TypeError, ValueError):
        return result.work_dir / "cutouts"


def restore_previous_model(model_dir: str | Path, store=None, *, actor: str = "admin") -> Restored:
    """Swap ``<name>.previous`` back in (module docstring)."""
    paths = SwapPaths.of(model_dir)
    if note := recover_interrupted_swap(paths.active):
        log.warning("%s: %s", paths.active, note)
    if not paths.previous.is_dir():
        raise EnrollmentError(f"there is no previous model to restore ({paths.previous} is missing)")
    try:
        newer = ModelBundle.load(paths.active)
        older = ModelBundle.load(paths.previous)
        for role in ("config", "checkpoint", "onnx"):
            older.file(role)
    except ModelError as exc:
        raise EnrollmentError(str(exc)) from exc
    card = dict(older.card)
    card["history"] = [*(card.get("history") or []), {
        "what": "restored as the active model", "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "replaced_classes": [c for c in newer.classes if c not in older.classes],
        "replaced_checkpoint_sha256": _sha(paths.active)}]
    _write_card(paths.previous, card)
    _swap_in(paths, paths.previous)
    deactivated: list[str] = []
    if store is not None:
        known = set(older.classes)
        for p in store.load_catalog().products:
            if p.active and p.detector_class not in known:
                store.set_active(p.sku, False, actor=actor)
                deactivated.append(p.sku)
        store.audit("model_restored", {"model": str(paths.active), "deactivated": deactivated}, actor=actor)
    return Restored(paths.active, paths.previous, older.classes, tuple(deactivated))
