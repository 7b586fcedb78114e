"""Steps 2 and 3: the empty counter, then the product's photos. Thin views: the dialog feeds them the
live frames, the cutout results and the kept captures, and they forward the operator's intents."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.ui.enroll.flow import EMPTY_FRAMES, MAX_CAPTURES, MIN_CAPTURES
from app.ui.enroll.widgets import (
    EnrollNotice,
    ThumbGrid,
    bullets,
    button_row,
    card,
    make_button,
    make_label,
    page_layout,
    set_state,
)
from app.ui.theme import repolish
from app.ui.video_view import VideoView

EMPTY_STATES = ("waiting", "ready", "capturing", "building", "done", "failed")


def _video() -> VideoView:
    video = VideoView()
    video.setObjectName("EnVideo")
    video.setMinimumSize(420, 300)
    return video


class EmptyCounterPage(QWidget):
    """The live counter, what to do, and "Capture the empty counter"."""

    capture_requested = pyqtSignal()
    back_requested = pyqtSignal()
    next_requested = pyqtSignal()
    photos_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = "waiting"
        title = make_label("EnTitle", self.tr("Clear the counter"))
        intro = make_label("EnText", self.tr("The kiosk learns what the empty counter looks like, so it can "
                                             "cut the product out of the next photos."))
        self.video = _video()
        self.video.set_status(self.tr("Waiting for the counter camera…"))
        side, side_layout = card()
        side_layout.addWidget(make_label("EnCardTitle", self.tr("Before you press the button")))
        side_layout.addLayout(bullets([self.tr("Take everything off the counter."),
                                       self.tr("Keep hands and arms out of the picture."),
                                       self.tr("Leave the lights as they are during sales.")]))
        side_layout.addStretch(1)
        self.status = make_label("EnReason")
        self.capture_button = make_button("EnCapture", self.tr("Capture the empty counter"))
        self.capture_button.clicked.connect(self.capture_requested)
        side_layout.addWidget(self.status)
        side_layout.addWidget(self.capture_button)
        side.setFixedWidth(420)
        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(self.video, 1)
        body.addWidget(side)
        self.back_button = make_button("EnSecondary", self.tr("Back"))
        self.photos_button = make_button("EnSecondary", self.tr("No counter camera? Use photos"))
        self.next_button = make_button("EnPrimary", self.tr("Next"))
        self.back_button.clicked.connect(self.back_requested)
        self.photos_button.clicked.connect(self.photos_requested)
        self.next_button.clicked.connect(self.next_requested)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addLayout(button_row(self.back_button, None, self.photos_button, self.next_button))
        self.set_state("waiting")

    def state(self) -> str:
        return self._state

    def set_state(self, state: str, count: int = 0, detail: str = "") -> None:
        """``waiting`` (no camera frame yet), ``ready``, ``capturing`` (``count`` frames so far),
        ``building``, ``done`` or ``failed`` (``detail`` says why)."""
        if state not in EMPTY_STATES:
            raise ValueError(f"unknown state {state!r}")
        self._state = state
        texts = {
            "waiting": (self.tr("No picture from the counter camera yet. Without a counter camera, use "
                                "photos of the product instead."), "warn"),
            "ready": (self.tr("When the counter is empty, press the button."), ""),
            "capturing": (self.tr("Hold on: picture {count} of {total}…").format(
                count=count, total=EMPTY_FRAMES), ""),
            "building": (self.tr("Measuring the empty counter…"), ""),
            "done": (self.tr("The empty counter is captured. Next: the product."), "ok"),
            "failed": (self.tr("The empty counter could not be measured: {error}").format(error=detail),
                       "error"),
        }
        text, look = texts[state]
        self.status.setText(text)
        set_state(self.status, "state", look)
        done = state == "done"
        button = self.capture_button
        button.setText(self.tr("Capture again") if done else self.tr("Capture the empty counter"))
        look = "EnSecondary" if done else "EnCapture"  # once done, Next is the main button
        if button.objectName() != look:
            button.setObjectName(look)
            repolish(button)
        self.capture_button.setEnabled(state in ("ready", "done", "failed"))
        self.next_button.setEnabled(state == "done")


class ProductPhotosPage(QWidget):
    """The live preview with the product's outline, why a frame cannot be used, "Capture", the kept
    cutouts with "remove", and the folder-of-photos alternative."""

    capture_requested = pyqtSignal()
    remove_requested = pyqtSignal(int)
    back_requested = pyqtSignal()
    next_requested = pyqtSignal()
    photos_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = make_label("EnTitle", self.tr("Photos of the product"))
        self.video = _video()
        self.video.set_status(self.tr("Waiting for the counter camera…"))
        self.reason = make_label("EnReason")
        self.reason.setMinimumHeight(56)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(self.video, 1)
        left.addWidget(self.reason)

        side, side_layout = card(20, 10)
        counts = QHBoxLayout()
        counts.setSpacing(14)
        self.count = make_label("EnCount", wrap=False)
        self.count_caption = make_label("EnSmall")
        counts.addWidget(self.count)
        counts.addWidget(self.count_caption, 1)
        self.instruction = make_label("EnInstruction")
        self.instruction.setMinimumHeight(64)
        self.capture_button = make_button("EnCapture", self.tr("Capture"))
        self.capture_button.clicked.connect(self.capture_requested)
        self.thumbs = ThumbGrid(3)
        self.thumbs.set_empty_text(self.tr("The photos you keep appear here."))
        self.thumbs.remove_requested.connect(self.remove_requested)
        side_layout.addLayout(counts)
        side_layout.addWidget(self.instruction)
        side_layout.addWidget(self.capture_button)
        side_layout.addSpacing(4)
        side_layout.addWidget(self.thumbs, 1)
        side.setFixedWidth(400)
        body = QHBoxLayout()
        body.setSpacing(20)
        body.addLayout(left, 1)
        body.addWidget(side)
        self.notice = EnrollNotice()
        self.back_button = make_button("EnSecondary", self.tr("Back"))
        self.photos_button = make_button("EnSecondary", self.tr("From a folder of photos…"))
        self.next_button = make_button("EnPrimary", self.tr("Next"))
        self.back_button.clicked.connect(self.back_requested)
        self.photos_button.clicked.connect(self.photos_requested)
        self.next_button.clicked.connect(self.next_requested)
        layout = page_layout(self)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        layout.addWidget(self.notice)
        layout.addLayout(button_row(self.back_button, None, self.photos_button, self.next_button))
        self.set_live(True)
        self.set_feedback("", "")
        self.set_captures([])

    def set_live(self, live: bool) -> None:
        """With the counter camera (a background model), or photos from a folder only."""
        self._live = live
        if not live:
            self.video.set_frame(None)
            self.video.set_status(self.tr("No counter camera: add photos from a folder"))
            self.set_feedback("", "")
        self.capture_button.setVisible(live)

    def set_feedback(self, text: str, look: str) -> None:
        """The line under the preview: ``ok`` (green), ``warn`` (amber) or plain."""
        self.reason.setText(text or (self.tr("Put the product in the middle of the counter.") if self._live
                                     else self.tr("Choose a folder with photos of the product on a plain "
                                                  "counter (and, if you have them, photos of the empty "
                                                  "counter in a folder named 'backgrounds').")))
        set_state(self.reason, "state", look)

    def set_capture_enabled(self, enabled: bool) -> None:
        self.capture_button.setEnabled(enabled)

    def guidance(self, count: int) -> str:
        if not self._live:
            return self.tr("Every usable photo is kept; remove the ones you do not want.")
        steps = [self.tr("Put the product in the middle, label up."),
                 self.tr("Turn it a quarter turn."),
                 self.tr("Move it to another place on the counter."),
                 self.tr("Turn it over: the other side up."),
                 self.tr("Stand it on its side, if it can stand."),
                 self.tr("Turn it again and move it near a corner.")]
        if count < len(steps):
            return steps[count]
        if count >= MAX_CAPTURES:
            return self.tr("That is plenty. Press Next.")
        return self.tr("Enough to learn from. More turns help; press Next when done.")

    def set_captures(self, images: Sequence[np.ndarray]) -> None:
        count = len(images)
        self.count.setText(f"{count}")
        self.count_caption.setText(self.tr("photos kept\nat least {min}").format(min=MIN_CAPTURES))
        self.instruction.setText(self.guidance(count))
        self.thumbs.set_images(images, self.tr("Remove"))
        self.next_button.setEnabled(count >= MIN_CAPTURES)
