"""Subcommands for the training data: ``make-art``, ``make-scenes`` and ``make-demo-video``.

``app/cli.py`` calls :func:`add_subcommands` with its subparsers; each subcommand sets ``func`` to a
handler that takes the parsed namespace and returns the exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import cv2

from app.core.catalog import CatalogError, load_catalog_csv
from app.core.settings import RESOURCES_DIR
from app.training.packaging import (
    DEFAULT_PACKAGING,
    PackagingError,
    load_packaging,
    lookalike_pairs,
    specs_for,
)

log = logging.getLogger(__name__)

DEFAULT_CATALOG = RESOURCES_DIR / "catalog" / "demo_catalog.csv"
PRODUCTS_DIR = RESOURCES_DIR / "products"


def _inputs(args: argparse.Namespace):
    catalog = load_catalog_csv(args.catalog)
    packaging = load_packaging(args.packaging)
    return catalog, packaging


def cmd_make_art(args: argparse.Namespace) -> int:
    from app.training.artwork import render_catalog_art

    try:
        catalog, packaging = _inputs(args)
        paths = render_catalog_art(catalog, packaging, args.out, args.thumb_size)
    except (CatalogError, PackagingError) as exc:
        print(f"cannot draw the products: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths)} product images to {args.out}")
    return 0


def _photos(folder: str | None) -> list:
    if not folder:
        return []
    photos = [img for p in sorted(Path(folder).iterdir())
              if p.suffix.lower() in (".jpg", ".jpeg", ".png") and (img := cv2.imread(str(p))) is not None]
    if not photos:
        log.warning("no readable counter photos in %s; using procedural surfaces only", folder)
    return photos


def cmd_make_scenes(args: argparse.Namespace) -> int:
    from app.training.coco import class_balance
    from app.training.scenes import SceneConfig, SceneError, SceneGenerator, write_dataset

    try:
        catalog, packaging = _inputs(args)
        specs = specs_for((p.detector_class for p in catalog), packaging)
    except (CatalogError, PackagingError) as exc:
        print(f"cannot make scenes: {exc}", file=sys.stderr)
        return 2
    width, height = args.size, args.height or args.size
    if args.count < 1 or min(width, height) < 64:
        print("make-scenes needs --count >= 1 and images of at least 64 px", file=sys.stderr)
        return 2
    generator = SceneGenerator(specs, SceneConfig(width=width, height=height), _photos(args.backgrounds))
    start = time.perf_counter()
    try:
        path, coco = write_dataset(generator, args.out, args.count, args.seed, args.level, args.format)
    except SceneError as exc:
        print(f"scene generation failed: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    print(f"wrote {args.count} images ({width}x{height}, {args.level}, seed {args.seed}) and {path} "
          f"in {elapsed:.1f} s ({args.count / max(elapsed, 1e-9):.1f} images/s)")
    print(class_balance(coco.to_dict(), lookalike_pairs(specs)).format())
    return 0


def cmd_make_demo_video(args: argparse.Namespace) -> int:
    from app.training.demo_video import render_demo_video

    try:
        packaging = load_packaging(args.packaging)
        timeline = render_demo_video(packaging, args.out, seed=args.seed)
    except (PackagingError, OSError) as exc:
        print(f"cannot make the demo video: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {timeline['video']} ({timeline['frame_count']} frames, {timeline['duration_s']} s) "
          f"and its timeline next to it in {Path(args.out).parent}")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalog", default=str(DEFAULT_CATALOG), help="catalog CSV (default: the demo catalog)")
    p.add_argument("--packaging", default=str(DEFAULT_PACKAGING), help="packaging TOML")


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register make-art, make-scenes and make-demo-video on ``subparsers``."""
    p = subparsers.add_parser("make-art", help="draw the product images (resources/products)")
    _common(p)
    p.add_argument("--out", default=str(PRODUCTS_DIR), help="output folder")
    p.add_argument("--thumb-size", type=int, default=256, help="pixels on the long side")
    p.set_defaults(func=cmd_make_art)

    p = subparsers.add_parser("make-scenes", help="synthetic counter images with COCO annotations")
    _common(p)
    p.add_argument("--out", required=True, help="output folder (images/ and annotations.json)")
    p.add_argument("--count", type=int, default=100, help="number of images")
    p.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same data")
    p.add_argument("--level", choices=("easy", "medium", "hard", "mixed"), default="mixed",
                   help="clutter level (RPC benchmark): easy, medium, hard, or mixed")
    p.add_argument("--size", type=int, default=320, help="image width (and height unless --height)")
    p.add_argument("--height", type=int, default=0, help="image height (default: --size)")
    p.add_argument("--format", choices=("jpg", "png"), default="jpg", help="image file format")
    p.add_argument("--backgrounds", help="folder of photos of the empty counter to use as backgrounds")
    p.set_defaults(func=cmd_make_scenes)

    p = subparsers.add_parser("make-demo-video", help="the demo-mode counter video and its timeline")
    p.add_argument("--packaging", default=str(DEFAULT_PACKAGING), help="packaging TOML")
    p.add_argument("--out", default=str(RESOURCES_DIR / "demo" / "counter.mp4"), help="video file")
    p.add_argument("--seed", type=int, default=2024, help="seed of the counter surface and noise")
    p.set_defaults(func=cmd_make_demo_video)
