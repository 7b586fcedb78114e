"""Starts the kiosk window: picks the camera sources (or the demo), runs the Qt event loop, shuts down.

On a machine without a display the same command runs offscreen and exits: the demo walks a whole sale
and saves a screenshot of every state and the receipt (see ``app/demo_tour.py``); with cameras it runs
a few seconds and saves one screenshot. So ``make run`` still proves the kiosk works.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from app.capture.v4l2 import list_cameras
from app.core.settings import RESOURCES_DIR, Settings

log = logging.getLogger(__name__)

DEMO_DIR = RESOURCES_DIR / "demo"
HEADLESS_DURATION_S = 4.0


# Libraries PyQt5's X11 plugin needs that a bare Debian/Ubuntu does not have (package names).
XCB_LIBRARIES = {"xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1",
                 "xcb-xinerama": "libxcb-xinerama0", "xcb-image": "libxcb-image0",
                 "xcb-render-util": "libxcb-render-util0", "xkbcommon-x11": "libxkbcommon-x11-0"}


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return os.environ["QT_QPA_PLATFORM"] != "offscreen"
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def missing_x11_packages() -> list[str]:
    """Debian packages the X11 window needs but this machine lacks (Qt would abort without them)."""
    import ctypes.util

    if not os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM"):
        return []
    return [package for lib, package in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]


def _is_webcam(spec: str) -> bool:
    return spec.strip().isdigit() or spec.strip().startswith("/dev/")


def _webcam_present(spec: str) -> bool:
    spec = spec.strip()
    if spec.startswith("/dev/"):
        return Path(spec).exists()
    return any(cam.index == int(spec) for cam in list_cameras(max_index=max(10, int(spec) + 1)))


def demo_source(role: str) -> str:
    """The bundled demo media for a camera role ('' when the project ships none for it)."""
    for candidate in (DEMO_DIR / f"{role}.mp4", DEMO_DIR / f"{role}.avi", DEMO_DIR / role):
        if candidate.exists():
            return str(candidate)
    return ""


def plan_cameras(settings: Settings, demo: bool):
    """Decide each role's source; without any plugged-in webcam the kiosk falls back to the demo."""
    from app.kiosk import CameraPlan

    counter, face = settings.counter_camera, settings.face_camera
    if not demo:
        webcams = [s for s in (counter, face) if _is_webcam(s)]
        missing = [s for s in webcams if not _webcam_present(s)]
        if webcams and len(missing) == len(webcams):
            note = (f"No camera found (counter: {counter}, face: {face}); running the demo instead. "
                    "Plug in the webcams and restart, or choose them with --counter/--face.")
            print(note)
            demo = True
        elif missing:
            note = f"Camera {', '.join(missing)} is not connected; the kiosk keeps trying to reconnect it."
            print(note)
            return CameraPlan(counter, face, demo=False, note=note)
        else:
            return CameraPlan(counter, face)
    else:
        note = "Demo mode: no cameras used."
    # The demo's counter plays a file or folder (the bundled video unless one is given); its face side
    # uses a plugged-in webcam when there is one, else a given file or folder, else the bundled media.
    demo_counter = counter if not _is_webcam(counter) else demo_source("counter")
    usable_face = not _is_webcam(face) or _webcam_present(face)
    return CameraPlan(demo_counter, face if usable_face else demo_source("face"), demo=True, note=note)


def launch(settings: Settings, demo: bool, args: argparse.Namespace) -> int:
    headless = not has_display()
    if not headless and (missing := missing_x11_packages()):
        print("The window needs these system packages: sudo apt-get install " + " ".join(missing))
        print("Running offscreen meanwhile.")
        headless = True
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt5.QtCore import QTimer

    from app.kiosk import Kiosk
    from app.store.startup import open_store
    from app.ui.app import create_app, grab_screenshot

    plan = plan_cameras(settings, demo)
    qt_app = create_app(sys.argv[:1], settings)
    store = open_store(settings)
    kiosk = Kiosk(settings, store, plan)
    width, height = (int(v) for v in args.size.lower().split("x"))
    kiosk.window.resize(width, height)
    if settings.fullscreen and not headless:
        kiosk.window.lock()  # full screen; leaving it needs the staff PIN
    else:
        kiosk.window.show()
    kiosk.start()

    tour_dir = getattr(args, "tour", None)
    if tour_dir is None and headless and plan.demo and args.duration is None and not args.screenshot:
        # Offscreen, the demo walks a whole sale and saves every state: the demo as a smoke test.
        tour_dir = str(Path(settings.data_dir) / "screenshots" / "demo-tour")
    if tour_dir:
        return _run_tour(qt_app, kiosk, tour_dir, (width, height))
    duration = args.duration if args.duration is not None else (HEADLESS_DURATION_S if headless else None)
    screenshot = args.screenshot or (str(Path(settings.data_dir) / "screenshots" / "kiosk.png")
                                     if headless else None)

    def finish() -> None:
        if screenshot:
            path = grab_screenshot(kiosk.window, screenshot, (width, height))
            print(f"screenshot saved: {path}")
        kiosk.window.close()

    if duration is not None:
        QTimer.singleShot(int(duration * 1000), finish)
    if headless:
        print(f"no display: running offscreen for {duration:g} s")
    qt_app.aboutToQuit.connect(kiosk.shutdown)
    code = qt_app.exec_()
    return code


def _run_tour(qt_app, kiosk, out_dir: str, size: tuple[int, int]) -> int:
    """``demo --tour DIR``: walk a whole sale, save each state's screenshot and the receipt, exit."""
    from app.demo_tour import DemoTour

    outcome: list[bool] = []
    tour = DemoTour(kiosk, out_dir, size=size)

    def done(ok: bool, message: str) -> None:
        print(message)
        outcome.append(ok)
        kiosk.window.close()
        qt_app.quit()

    tour.finished.connect(done)
    tour.start()
    qt_app.aboutToQuit.connect(kiosk.shutdown)
    qt_app.exec_()
    return 0 if outcome and outcome[0] else 1
