"""The demo's guided tour: walks the real kiosk through a whole sale and saves a screenshot of every
state (and the receipt), the way a presenter would step through it with the keyboard.

It only presses what a person would press (Pay, the staff PIN pad, the presenter's face/liveness keys
of the demo) and waits for the real camera, detector and checkout to get there; a step that does not
happen in time fails the tour, so ``selfcheckout demo --tour DIR`` doubles as an end-to-end smoke test.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QObject, QPoint, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QPainter

from app.core.checkout import CheckoutState

log = logging.getLogger(__name__)
S = CheckoutState


@dataclass
class Step:
    name: str
    ready: Callable[[], bool]  # wait until this holds
    action: Callable[[], None] | None = None  # then do this
    shot: str | None = None  # and save this screenshot (after the action settled)
    timeout_s: float = 20.0
    optional: Callable[[], bool] | None = None  # skip the step unless this holds


class DemoTour(QObject):
    """Runs the steps on a 200 ms timer; ``finished(ok, message)`` at the end."""

    finished = pyqtSignal(bool, str)

    def __init__(self, kiosk, out_dir: str | Path, *, size: tuple[int, int] = (1280, 800),
                 first_timeout_s: float = 60.0) -> None:
        super().__init__(kiosk)
        self.kiosk = kiosk
        self.out = Path(out_dir)
        self.size = size
        self.shots: list[Path] = []
        self._index = 0
        self._since = time.monotonic()
        self._settle_until: float | None = None
        self._pending_shot: str | None = None
        k, c = kiosk, kiosk.checkout
        snap = lambda: c.snapshot  # noqa: E731
        self.steps = [
            Step("items on the counter", lambda: snap().state is S.SCANNING and bool(snap().lines)
                 and not snap().settling and self._counter_done(), shot="01-scanning",
                 timeout_s=first_timeout_s),
            Step("staff PIN pad", lambda: True, lambda: k.open_staff(), shot="02-staff-pin",
                 optional=lambda: snap().attendant_needed),
            Step("staff menu", lambda: self._dialog("PinDialog") is not None,
                 lambda: self._enter_pin(k), shot="03-staff-menu",
                 optional=lambda: self._dialog("PinDialog") is not None),
            Step("age approved", lambda: self._dialog("AttendantDialog") is not None,
                 lambda: self._dialog("AttendantDialog").buttons["approve_age"].click(),
                 optional=lambda: self._dialog("AttendantDialog") is not None),
            Step("review", lambda: snap().can_review, k.advance, shot="04-review"),
            Step("identify", lambda: c.state is S.REVIEW, k.advance, shot="05-identify"),
            Step("liveness", lambda: c.state is S.IDENTIFY, k.presenter_face, shot="06-liveness"),
            Step("confirm", lambda: c.state is S.LIVENESS, k.presenter_liveness, shot="07-confirm"),
            Step("paid", lambda: c.state is S.CONFIRM, k.advance, shot="08-paid"),
            Step("receipt saved", lambda: k.last_receipt_files is not None, self._copy_receipt),
            Step("back to the start", lambda: c.state is S.PAID, k.advance, shot="09-idle"),
            Step("admin area", lambda: c.state is S.IDLE, k.open_admin, shot="10-admin"),
            Step("registration", lambda: self._dialog("AdminWindow") is not None, self._to_registration,
                 shot="11-registration"),
            Step("closed", lambda: True, self._close_registration),
        ]
        self.timer = QTimer(self, interval=200, timeout=self._poll)

    def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self._since = time.monotonic()
        self.timer.start()

    def _counter_done(self) -> bool:
        """The demo video has played (it holds its last frame) or the counter is otherwise settled."""
        state = self.kiosk._camera_states.get("counter")
        return state is not None and state.value == "ended"

    def _dialog(self, class_name: str):
        dialogs = self.kiosk._dialogs
        return next((d for d in dialogs if type(d).__name__ == class_name and d.isVisible()), None)

    def _enter_pin(self, kiosk) -> None:
        from app.kiosk import DEMO_PIN

        pad = self._dialog("PinDialog")
        for digit in DEMO_PIN:
            pad.press(digit)
        pad.press("ok")

    def _to_registration(self) -> None:
        self._dialog("AdminWindow").close()
        self.kiosk.open_registration()

    def _close_registration(self) -> None:
        registration = getattr(self.kiosk, "registration", None)
        if registration is not None:
            registration.close()

    def _open_windows(self) -> list:
        windows = [d for d in self.kiosk._dialogs if d.isVisible()]
        registration = getattr(self.kiosk, "registration", None)
        if registration is not None and registration.dialog is not None:
            windows.append(registration.dialog)
        return windows

    def _copy_receipt(self) -> None:
        files = self.kiosk.last_receipt_files[1]
        for path, name in ((files.text, "receipt.txt"), (files.pdf, "receipt.pdf")):
            shutil.copyfile(path, self.out / name)
            self.shots.append(self.out / name)

    def _poll(self) -> None:
        now = time.monotonic()
        if self._settle_until is not None:
            if now < self._settle_until:
                return
            self._settle_until = None
            self._save(self._pending_shot)
            self._advance(now)
        if self._index >= len(self.steps):
            self._finish(True, f"tour complete: {len(self.shots)} files in {self.out}")
            return
        step = self.steps[self._index]
        if step.optional is not None and not step.optional():
            self._advance(now)
            return
        if not step.ready():
            if now - self._since > step.timeout_s:
                snap = self.kiosk.checkout.snapshot
                self._finish(False, f"the tour stopped at '{step.name}' (state {snap.state.value}, "
                                    f"message {snap.message.value})")
            return
        log.info("tour: %s", step.name)
        if step.action is not None:
            step.action()
        if step.shot:
            self._pending_shot, self._settle_until = step.shot, now + 0.8  # let frames and layouts land
        else:
            self._advance(now)

    def _advance(self, now: float) -> None:
        self._index += 1
        self._since = now

    def _save(self, name: str | None) -> None:
        if not name:
            return
        window = self.kiosk.window
        image = window.grab().toImage()
        dialogs = self._open_windows()
        if dialogs:  # window-modal dialogs are their own windows: draw them over the dimmed kiosk
            painter = QPainter(image)
            painter.fillRect(image.rect(), QColor(20, 48, 77, 110))
            for dialog in dialogs:
                if dialog.width() > image.width() or dialog.height() > image.height():
                    dialog.resize(min(dialog.width(), image.width()), min(dialog.height(), image.height()))
                pixmap = dialog.grab()
                painter.drawPixmap(QPoint((image.width() - pixmap.width()) // 2,
                                          (image.height() - pixmap.height()) // 2), pixmap)
            painter.end()
        path = self.out / f"{name}.png"
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not save {path}")
        self.shots.append(path)
        print(f"screenshot saved: {path}")

    def _finish(self, ok: bool, message: str) -> None:
        self.timer.stop()
        log.log(logging.INFO if ok else logging.ERROR, "%s", message)
        self.finished.emit(ok, message)
