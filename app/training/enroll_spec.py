"""The values of a product enrollment: the job's spec, its progress reports, its result and what a
work folder holds (:func:`work_state`). The job itself is :mod:`app.training.enroll`."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.core.catalog import CLASS_RE, MAX_NAME_LEN, MAX_PRICE_WON, SKU_RE, Product
from app.core.settings import MODELS_DIR
from app.training.packaging import DEFAULT_PACKAGING

log = logging.getLogger(__name__)

RESULT = "result.json"
STATE = "enrollment.json"
SPLITS = ("train", "val", "test_old", "test_new")
DEFAULT_BASE_MODEL = MODELS_DIR / "kiosk_demo"


class EnrollmentError(RuntimeError):
    """The enrollment cannot go on (bad input, a failed stage); the message says why."""


class EnrollmentCancelledError(RuntimeError):
    """Stopped on request; ``resume=True`` carries on from here."""


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Progress:
    """One progress report: ``progress`` is 0..1 over the whole job (weighted by expected time)."""

    stage: str
    progress: float
    message: str
    stage_progress: float = 0.0
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"stage": self.stage, "progress": round(self.progress, 4), "message": self.message,
               "stage_progress": round(self.stage_progress, 4)}
        if self.detail:
            out["detail"] = self.detail
        return out


ProgressCallback = Callable[[Progress], None]


def product_problems(product: Product) -> list[str]:
    """What is wrong with the new product's fields (the catalog's rules), if anything."""
    problems = []
    if not SKU_RE.fullmatch(product.sku or ""):
        problems.append(f"sku {product.sku!r} must be 1-32 letters, digits or '-'")
    for column in ("name_ko", "name_en"):
        name = getattr(product, column)
        if not isinstance(name, str) or not name.strip() or name != name.strip() or len(name) > MAX_NAME_LEN \
                or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            problems.append(f"{column} must be 1-{MAX_NAME_LEN} characters without surrounding spaces "
                            "or control characters")
    price = product.price_won
    if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_PRICE_WON:
        problems.append(f"price_won must be a whole number of won from 1 to {MAX_PRICE_WON:,}")
    if not CLASS_RE.fullmatch(product.detector_class or ""):
        problems.append(f"detector_class {product.detector_class!r} must be 1-64 lowercase letters, "
                        "digits or '_'")
    return problems


@dataclass(frozen=True)
class EnrollmentSpec:
    """Everything an enrollment needs; see the module docstring."""

    product: Product
    work_dir: Path
    base_model: Path = DEFAULT_BASE_MODEL
    cutouts_dir: Path | None = None  # default: work_dir / "cutouts"
    photos: tuple[Path, ...] = ()  # photos (files or folders) to cut the product out of, instead
    backgrounds: tuple[Path, ...] = ()  # empty-counter photos (files or folders): cutting + scenes
    packaging: Path = DEFAULT_PACKAGING  # the drawn art of the base model's catalog classes
    iterations: int = 600
    batch_size: int = 8
    lr: float = 0.0007
    train_scenes: int = 1500
    val_scenes: int = 50
    test_scenes: int = 200  # each of test_old and test_new
    scene_size: tuple[int, int] = (320, 240)
    new_class_rate: float = 0.5  # share of training scenes that certainly hold the new product
    photo_rate: float = 0.6  # share of scenes on the store's counter photos (when there are any)
    height_cm: float | None = None  # how far the product rises (its shadow); None: estimated
    seed: int = 0
    threads: int = 1
    workers: int = 0  # data-loader processes of the training
    checkpoint_every: int = 0  # iterations between checkpoints (0: a tenth of the run, 10 to 200)
    parity_images: int = 10

    @property
    def cutouts(self) -> Path:
        return Path(self.cutouts_dir) if self.cutouts_dir is not None else Path(self.work_dir) / "cutouts"

    def problems(self) -> list[str]:
        out = product_problems(self.product)
        for name in ("iterations", "batch_size", "train_scenes", "val_scenes", "test_scenes", "threads"):
            if int(getattr(self, name)) < 1:
                out.append(f"{name} must be at least 1")
        if not 0 < self.lr < 1:
            out.append("lr must be between 0 and 1")
        if min(self.scene_size) < 64:
            out.append("scenes must be at least 64 px a side")
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["product"] = asdict(self.product)
        for key, value in d.items():
            if isinstance(value, Path):
                d[key] = str(value)
            elif isinstance(value, tuple) and value and isinstance(value[0], Path):
                d[key] = [str(v) for v in value]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EnrollmentSpec:
        d = dict(d)
        d["product"] = Product(**d["product"])
        for key in ("work_dir", "base_model", "packaging"):
            d[key] = Path(d[key])
        d["cutouts_dir"] = Path(d["cutouts_dir"]) if d.get("cutouts_dir") else None
        d["photos"] = tuple(Path(p) for p in d.get("photos", ()))
        d["backgrounds"] = tuple(Path(p) for p in d.get("backgrounds", ()))
        d["scene_size"] = tuple(d["scene_size"])
        return cls(**d)


@dataclass(frozen=True)
class EnrollmentResult:
    """What the job found (``result.json`` in the work folder)."""

    accepted: bool
    reason: str
    metrics: dict  # the headline numbers (enroll_gate.summary)
    checks: list  # each check of the decision: name, passed, value, limit, text
    details: dict  # every number: before_old, after_old, after_new (enroll_gate.split_numbers)
    product: Product
    classes: list  # the candidate's classes (old ones, then the new one)
    base_model: Path
    candidate: Path
    work_dir: Path
    iterations: int
    batch_size: int
    lr: float
    seconds: dict  # wall seconds of this session per stage and "total"; "training": the training loop
    #                (mmengine, every session of a resumed job)
    cutouts: int
    finished_at: str
    base_checkpoint_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["product"] = asdict(self.product)
        for key in ("base_model", "candidate", "work_dir"):
            d[key] = str(d[key])
        return d

    def save(self) -> Path:
        from app.training.enroll_gate import dumps

        path = Path(self.work_dir) / RESULT
        tmp = path.with_name(RESULT + ".tmp")
        tmp.write_text(dumps(self.to_dict()) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, work_dir: str | Path) -> EnrollmentResult:
        path = Path(work_dir) / RESULT
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EnrollmentError(f"{path}: no finished enrollment here ({exc})") from exc
        d["product"] = Product(**d["product"])
        for key in ("base_model", "candidate", "work_dir"):
            d[key] = Path(d[key])
        return cls(**d)


@dataclass(frozen=True)
class WorkState:
    """What a work folder holds: the spec of the job started there, and its result once finished."""

    spec: EnrollmentSpec
    result: EnrollmentResult | None

    @property
    def finished(self) -> bool:
        return self.result is not None


def work_state(work_dir: str | Path) -> WorkState | None:
    """The job in ``work_dir`` (None when none was started): a wizard offers to resume an unfinished one
    with ``run_enrollment(state.spec, ..., resume=True)``."""
    path = Path(work_dir) / STATE
    try:
        spec = EnrollmentSpec.from_dict(json.loads(path.read_text(encoding="utf-8"))["spec"])
    except (OSError, KeyError, TypeError, ValueError):
        return None
    try:
        result = EnrollmentResult.load(work_dir)
    except (EnrollmentError, KeyError, TypeError):
        result = None
    return WorkState(spec, result)
