"""Shared inputs for the training-data tests (cached helpers, not fixtures, so this folder needs no
conftest): the demo catalog, its packaging, and a tiny scene generator."""

from __future__ import annotations

import functools
from pathlib import Path

from app.core.catalog import Catalog, load_catalog_csv
from app.training.packaging import PackagingSpec, load_packaging, specs_for
from app.training.scenes import SceneConfig, SceneGenerator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESOURCES = PROJECT_ROOT / "resources"


@functools.cache
def catalog() -> Catalog:
    return Catalog(load_catalog_csv(RESOURCES / "catalog" / "demo_catalog.csv"))


@functools.cache
def packaging() -> dict[str, PackagingSpec]:
    return load_packaging(RESOURCES / "catalog" / "packaging.toml")


@functools.cache
def specs() -> tuple[PackagingSpec, ...]:
    return tuple(specs_for(catalog().classes, packaging()))


@functools.cache
def small_generator() -> SceneGenerator:
    """160 x 160 scenes that keep every item's silhouette, for exact box and occlusion checks."""
    return SceneGenerator(specs(), SceneConfig(width=160, height=160, keep_masks=True))
