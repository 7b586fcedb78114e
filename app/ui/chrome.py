"""The window's chrome: the header bar (brand, clock, demo badge, language) and the status bar."""

from __future__ import annotations

from PyQt5.QtCore import QDateTime, Qt, QTimer
from PyQt5.QtGui import QHideEvent, QShowEvent
from PyQt5.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar, QVBoxLayout, QWidget

from app.capture.base import SourceState, SourceStatus
from app.ui.theme import repolish

CAMERAS = ("counter", "face")
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


class HeaderBar(QFrame):
    """Brand and title on the left; the clock and the language button on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HeaderBar")
        self.mark = QLabel("S", objectName="BrandMark", alignment=Qt.AlignCenter)
        self.title = QLabel(objectName="AppTitle")
        self.subtitle = QLabel(objectName="AppSubtitle")
        self.clock = QLabel(objectName="Clock", alignment=Qt.AlignRight | Qt.AlignVCenter)
        self.demo_badge = QLabel(objectName="DemoBadge", alignment=Qt.AlignCenter)
        self.demo_badge.hide()
        self.language_button = QPushButton(objectName="LanguageButton")
        self.language_button.setCursor(Qt.PointingHandCursor)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 10, 24, 10)
        layout.setSpacing(14)
        layout.addWidget(self.mark)
        layout.addLayout(titles, 1)
        layout.addWidget(self.demo_badge)
        layout.addWidget(self.clock)
        layout.addWidget(self.language_button)
        self._timer = QTimer(self, interval=1000, timeout=self.tick)
        self.tick()

    def tick(self) -> None:
        self.clock.setText(QDateTime.currentDateTime().toString("yyyy.MM.dd  HH:mm"))

    def showEvent(self, event: QShowEvent) -> None:
        self.tick()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)



class KioskStatusBar(QStatusBar):
    """Chips for each camera and the models (green ok, red error, grey pending) and the language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StatusBar")
        self.setSizeGripEnabled(False)
        self.camera_chips = {which: QLabel(objectName="StatusChip") for which in CAMERAS}
        self._camera_state: dict[str, tuple[str | None, bool | None]] = {w: (None, None) for w in CAMERAS}
        self._camera_states: dict[str, SourceState | None] = {w: None for w in CAMERAS}
        self.model_chip = QLabel(objectName="StatusChip")
        self._model_state: tuple[str | None, bool | None] = (None, None)
        self.face_chip = QLabel(objectName="StatusChip")
        self._face_state: tuple[str | None, bool | None] = (None, None)
        self.language_label = QLabel(objectName="StatusText")
        for chip in (*self.camera_chips.values(), self.model_chip, self.face_chip):
            self.addWidget(chip)
        self.addPermanentWidget(self.language_label)

    def set_camera_status(self, which: str, text: str, ok: bool) -> None:
        if which not in CAMERAS:
            raise ValueError(f"unknown camera {which!r}; expected one of {', '.join(CAMERAS)}")
        self._camera_state[which] = (text, ok)
        self._camera_states[which] = None
        self.retranslate()

    def show_camera_state(self, which: str, status: SourceStatus) -> None:
        """A frame source's state in words of the shown language; its full message as the tooltip."""
        if which not in CAMERAS:
            raise ValueError(f"unknown camera {which!r}; expected one of {', '.join(CAMERAS)}")
        self._camera_states[which] = status.state
        self._camera_state[which] = (None, status.is_live)
        self.camera_chips[which].setToolTip(status.message)
        self.retranslate()

    def set_model_status(self, text: str | None, ok: bool | None = True) -> None:
        """``text`` None: "loading" while ``ok`` is None, "not loaded" when ``ok`` is False."""
        self._model_state = (text, ok)
        self.retranslate()

    def set_face_status(self, text: str | None, ok: bool | None = True) -> None:
        """The face recognition backend (or why there is none); ``None`` text as for the model."""
        self._face_state = (text, ok)
        self.retranslate()

    def camera_text(self, which: str) -> str:
        """The short state text of a camera as shown in its chip (e.g. "연결 안 됨")."""
        text, _ = self._camera_state[which]
        if (state := self._camera_states[which]) is not None:
            return self._state_text(state)
        return text if text is not None else self.tr("waiting")

    def _state_text(self, state: SourceState) -> str:
        return {
            SourceState.OPENING: self.tr("connecting"),
            SourceState.LIVE: self.tr("connected"),
            SourceState.ENDED: self.tr("ended"),
            SourceState.DISCONNECTED: self.tr("not connected"),
            SourceState.FAILED: self.tr("failed"),
        }[state]

    def retranslate(self, language: str | None = None) -> None:
        names = {"counter": self.tr("Counter camera"), "face": self.tr("Face camera")}
        for which, chip in self.camera_chips.items():
            _, ok = self._camera_state[which]
            if self._camera_states[which] is SourceState.OPENING:
                ok = None
            self._set_chip(chip, f"{names[which]}: {self.camera_text(which)}", ok)
        text, ok = self._model_state
        if text is None:
            text = self.tr("not loaded") if ok is False else self.tr("loading")
        self._set_chip(self.model_chip, f"{self.tr('Model')}: {text}", ok)
        text, ok = self._face_state
        if text is None:
            text = self.tr("not loaded") if ok is False else self.tr("loading")
        self._set_chip(self.face_chip, f"{self.tr('Face recognition')}: {text}", ok)
        if language is not None:
            self.language_label.setText(f"{self.tr('Language')}: {LANGUAGE_NAMES[language]}")

    @staticmethod
    def _set_chip(chip: QLabel, text: str, ok: bool | None) -> None:
        """``ok`` True: green, False: red, None (nothing reported yet): grey."""
        chip.setText(f"●  {text}")
        state = "pending" if ok is None else "ok" if ok else "error"
        if chip.property("state") != state:
            chip.setProperty("state", state)
            repolish(chip)
