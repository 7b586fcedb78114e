"""The layering rules of DESIGN.md, checked in a fresh interpreter so nothing else has imported Qt yet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, json, pkgutil, sys
import app.{package} as package
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""

QT = {"PyQt5", "PySide2", "PySide6", "qtpy", "sip"}
ML = {"torch", "torchvision", "mmdet", "mmcv", "mmengine", "facenet_pytorch", "onnxruntime", "dlib"}


def imported_top_level_modules(package: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(package=package)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_core_imports_no_qt_and_no_ml_library():
    modules = imported_top_level_modules("core")
    assert not modules & QT, f"app.core pulls in Qt: {modules & QT}"
    assert not modules & ML, f"app.core pulls in an ML library: {modules & ML}"


def test_vision_imports_no_qt():
    modules = imported_top_level_modules("vision")
    assert not modules & QT, f"app.vision pulls in Qt: {modules & QT}"


def test_capture_and_store_import_no_qt():
    for package in ("capture", "store"):
        modules = imported_top_level_modules(package)
        assert not modules & QT, f"app.{package} pulls in Qt: {modules & QT}"
