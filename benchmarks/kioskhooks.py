"""What the kiosk benchmark and the soak run share: the environment, throw-away settings, logging, and
the hooks that watch a running :class:`app.kiosk.Kiosk` without changing it.

Qt is imported only inside the functions, after :func:`prepare_environment` chose the platform.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = ROOT.parent / "shared" / "faces"
DEMO_DIR = ROOT / "resources" / "demo"


def prepare_environment() -> None:
    """Offscreen Qt (the window is real, only not on a screen) with the runtime folder Qt wants."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def temp_settings(folder: Path, backend: str | None = None, **extra: Any):
    """Settings with the data and the face key in ``folder`` (the operator's data stays untouched);
    everything else at its default (``backend`` overrides the detector backend when given)."""
    from app.core.settings import Settings

    changes: dict[str, Any] = {"data_dir": str(folder / "data"),
                               "face_key_file": str(folder / "keys" / "face-templates.key"), **extra}
    if backend:
        changes["detector_backend"] = backend
    return Settings(**changes)


class ErrorLog(logging.Handler):
    """Keeps the first few ERROR records (and counts all of them) for the report."""

    def __init__(self, keep: int = 10) -> None:
        super().__init__(logging.ERROR)
        self.count, self.keep, self.messages = 0, keep, []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "benchmarks":
            return  # the benchmark's own reports (SlotExceptions) are counted there
        self.count += 1
        if len(self.messages) < self.keep:
            self.messages.append(f"{record.name}: {record.getMessage()}"[:500])


def setup_logging(log_file: Path) -> ErrorLog:
    """INFO and up to ``log_file``, warnings and up to stderr; returns the error counter."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s"))
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    errors = ErrorLog()
    for handler in (to_file, to_stderr, errors):
        root.addHandler(handler)
    for noisy in ("alembic", "PIL", "matplotlib", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return errors


def cart_counts(cart) -> dict[str, int]:
    """The cart as detector-class counts (what the demo timeline lists)."""
    return {line.product.detector_class: line.count for line in cart.lines}


def watch_display(worker, on_frame: Callable[[int, float], None]) -> None:
    """Call ``on_frame(frame_index, time.monotonic())`` for every frame the window takes from ``worker``
    (wraps the instance's ``take_for_display``; the kiosk calls it on every ``frame_ready``)."""
    if getattr(worker, "_bench_watched", False):
        return
    take = worker.take_for_display

    def take_for_display():
        frame = take()
        if frame is not None:
            on_frame(frame.index, time.monotonic())
        return frame

    worker.take_for_display = take_for_display
    worker._bench_watched = True


class SlotExceptions:
    """Unhandled exceptions in Qt slots, recorded instead of aborting the process.

    PyQt5 aborts on an exception escaping a slot while ``sys.excepthook`` is Python's own; with this
    hook installed it calls the hook and goes on, so a long run reports every such crash (the first
    tracebacks, and how many) instead of ending at the first. Each one would have ended a real kiosk.
    """

    def __init__(self, keep: int = 5) -> None:
        self.count, self.keep, self.tracebacks = 0, keep, []

    def install(self) -> SlotExceptions:
        import sys

        sys.excepthook = self._hook
        return self

    def _hook(self, exc_type, exc, tb) -> None:
        import traceback

        self.count += 1
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        if text in self.tracebacks or len(self.tracebacks) >= self.keep:
            return  # counted; logged the first time
        self.tracebacks.append(text)
        logging.getLogger("benchmarks").error("unhandled exception in a Qt slot:\n%s", text)
