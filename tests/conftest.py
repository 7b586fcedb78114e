"""Test set-up: offscreen Qt, isolated data and settings, and no leaked threads or windows."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

# Forced before anything imports Qt: tests never open real windows.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
if "XDG_RUNTIME_DIR" not in os.environ:  # Qt warns (and the warning fails tests) without one
    _runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
SHARED_FONTS = SHARED / "fonts"
SHARED_FACES = SHARED / "faces"


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory):
    """Keep tests away from the operator's data folder and settings file."""
    root = tmp_path_factory.mktemp("kiosk-env")
    os.environ["SELFCHECKOUT_DATA_DIR"] = str(root / "data")
    os.environ["SELFCHECKOUT_CONFIG"] = str(root / "no-settings.toml")
    yield


@pytest.fixture
def shared_fonts() -> Path:
    if not (SHARED_FONTS / "LotteMartDream-Bold.ttf").exists():
        pytest.skip("../shared/fonts is not next to the project")
    return SHARED_FONTS


@pytest.fixture
def shared_faces() -> Path:
    if not SHARED_FACES.is_dir():
        pytest.skip("../shared/faces is not next to the project")
    return SHARED_FACES


# --- leak checks (the napari conftest pattern) ---------------------------------------------------

_started_qthreads: list = []


def _track_qthreads() -> None:
    """Record every QThread started during the tests, so a test that leaves one running fails."""
    from PyQt5.QtCore import QThread

    if getattr(QThread.start, "_tracked", False):
        return
    original = QThread.start

    def start(self, *args):
        _started_qthreads.append(self)
        return original(self, *args)

    start._tracked = True  # type: ignore[attr-defined]
    QThread.start = start  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _no_leaked_threads_or_windows(request: pytest.FixtureRequest):
    qt_loaded = "PyQt5.QtWidgets" in sys.modules
    if qt_loaded:
        from PyQt5.QtWidgets import QApplication

        _track_qthreads()
        app = QApplication.instance()
        windows_before = set(app.topLevelWidgets()) if app else set()
    threads_before = set(threading.enumerate())
    _started_qthreads.clear()
    yield
    problems = []
    deadline = time.monotonic() + 2.0
    for thread in set(threading.enumerate()) - threads_before:
        if isinstance(thread, threading._DummyThread):  # a QThread seen by Python; checked below
            continue
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive() and not thread.daemon:
            problems.append(f"thread {thread.name!r} still running")
    if qt_loaded:
        from PyQt5.QtCore import QCoreApplication, QEvent
        from PyQt5.QtWidgets import QApplication

        for qthread in _started_qthreads:
            try:
                running = qthread.isRunning()
            except RuntimeError:  # the C++ object is already gone
                continue
            if running:
                problems.append(f"QThread {type(qthread).__name__} still running")
        app = QApplication.instance()
        if app is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
            app.processEvents()
            leaked = [w for w in app.topLevelWidgets() if w not in windows_before and w.isVisible()]
            problems += [f"top-level window {type(w).__name__} left open" for w in leaked]
            for w in leaked:
                w.close()
    _started_qthreads.clear()
    if problems:
        pytest.fail(f"{request.node.nodeid} leaked: " + "; ".join(problems), pytrace=False)
