"""Shared inputs of the enrollment tests (cached helpers, not fixtures): generated photos of a product
that the demo catalog lacks, on the demo counter, with the true silhouettes."""

from __future__ import annotations

import functools

from app.training.enroll_photos import DEMO_NEW_PRODUCT, ProductPhotos, photograph

NEW_CLASS = DEMO_NEW_PRODUCT.detector_class


@functools.cache
def demo_photos(count: int = 4, seed: int = 1) -> ProductPhotos:
    return photograph(DEMO_NEW_PRODUCT, count, seed=seed)
