"""The capture page: the live face camera, the pose to take, where to turn, the four-pose progress and
why the last frame was not taken. While the face models load it shows a busy indicator; when they
cannot be used (failed, no face camera) it says so and nothing can be captured."""

from __future__ import annotations

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QFrame, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.ui.registration.pages import Page, make_button, make_label, page_layout, set_state
from app.ui.registration.widgets import FaceGuideView, PoseArrow, PoseRing, Spinner

MODEL_STATES = ("loading", "ready", "failed", "no_camera")


class CapturePage(Page):
    """``set_models``, ``set_step`` and the ``show_*`` feedback methods are called by the dialog."""

    back_requested = pyqtSignal()
    retake_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models = "loading"
        self._models_detail = ""
        self._pose: str | None = None
        self._done: tuple[str, ...] = ()
        self._feedback: tuple[str, str, str | None] = ("idle", "", None)  # kind, reason, seen pose
        self.title = make_label("PageTitle")
        self.intro = make_label("PageText")
        self.video = FaceGuideView()
        self.video.setObjectName("RegistrationVideo")
        self.video.setMinimumSize(320, 240)

        self.ring = PoseRing()
        self.arrow = PoseArrow()
        self.ring.setFixedSize(130, 130)
        self.arrow.setFixedSize(130, 130)
        self.instruction = make_label("Instruction", align=Qt.AlignCenter)
        self.reason = make_label("Reason", align=Qt.AlignCenter)
        self.reason.setMinimumHeight(74)
        live = QWidget()
        figures = QHBoxLayout()
        figures.setSpacing(18)
        figures.addStretch(1)
        figures.addWidget(self.ring)
        figures.addWidget(self.arrow)
        figures.addStretch(1)
        live_layout = QVBoxLayout(live)
        live_layout.setContentsMargins(0, 0, 0, 0)
        live_layout.setSpacing(16)
        live_layout.addStretch(1)
        live_layout.addLayout(figures)
        live_layout.addWidget(self.instruction)
        live_layout.addWidget(self.reason)
        live_layout.addStretch(1)

        self.spinner = Spinner()
        self.spinner.setFixedSize(88, 88)
        self.busy_text = make_label("BusyText", align=Qt.AlignCenter)
        self.busy_detail = make_label("PageText", align=Qt.AlignCenter)
        busy = QWidget()
        busy_layout = QVBoxLayout(busy)
        busy_layout.addStretch(1)
        busy_layout.addWidget(self.spinner, 0, Qt.AlignHCenter)
        busy_layout.addSpacing(12)
        busy_layout.addWidget(self.busy_text)
        busy_layout.addWidget(self.busy_detail)
        busy_layout.addStretch(2)

        self.problem_icon = QLabel("!", objectName="ProblemIcon", alignment=Qt.AlignCenter)
        self.problem_title = make_label("ProblemTitle", align=Qt.AlignCenter)
        self.problem_detail = make_label("PageText", align=Qt.AlignCenter)
        self.problem_detail.setTextFormat(Qt.PlainText)
        problem = QWidget()
        problem_layout = QVBoxLayout(problem)
        problem_layout.addStretch(1)
        problem_layout.addWidget(self.problem_icon, 0, Qt.AlignHCenter)
        problem_layout.addSpacing(12)
        problem_layout.addWidget(self.problem_title)
        problem_layout.addWidget(self.problem_detail)
        problem_layout.addStretch(2)

        self.side = QStackedWidget()
        for panel in (live, busy, problem):
            self.side.addWidget(panel)
        self.live_panel, self.busy_panel, self.problem_panel = live, busy, problem
        card = QFrame(objectName="RegCard")
        card.setFixedWidth(360)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(20, 22, 20, 20)
        card_layout.addWidget(self.side)

        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(self.video, 1)
        body.addWidget(card)
        self.back_button = make_button("SecondaryButton")
        self.retake_button = make_button("SecondaryButton")
        self.back_button.clicked.connect(self.back_requested)
        self.retake_button.clicked.connect(self.retake_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retake_button)
        layout = page_layout(self)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self.retranslate()

    # --- state ------------------------------------------------------------------------------------------
    def set_models(self, state: str, detail: str = "") -> None:
        """'loading' (busy indicator), 'ready', 'failed' (``detail`` says why) or 'no_camera'."""
        if state not in MODEL_STATES:
            raise ValueError(f"unknown model state {state!r}")
        self._models, self._models_detail = state, detail
        self.retranslate()

    def models(self) -> str:
        return self._models

    def set_step(self, pose: str, done: tuple[str, ...]) -> None:
        """Ask for ``pose``; ``done`` are the poses already taken."""
        self._pose, self._done = pose, tuple(done)
        self._feedback = ("idle", "", None)
        self.retranslate()

    def show_rejected(self, reason: str, seen: str | None = None) -> None:
        self._feedback = ("reject", reason, seen)
        self.retranslate()

    def show_holding(self) -> None:
        self._feedback = ("hold", "", None)
        self.retranslate()

    def show_captured(self) -> None:
        self._feedback = ("captured", "", None)
        self.retranslate()

    def feedback(self) -> tuple[str, str, str | None]:
        """(kind, reason code, pose seen) of the last frame: kind is idle, reject, hold or captured."""
        return self._feedback

    def reason_text(self) -> str:
        return self.reason.text()

    # --- text -------------------------------------------------------------------------------------------
    def instruction_text(self, pose: str | None) -> str:
        texts = {"front": self.tr("Look straight at the camera"),
                 "right": self.tr("Slowly turn your head to your right"),
                 "down": self.tr("Tilt your head slightly down"),
                 "left": self.tr("Slowly turn your head to your left")}
        return texts.get(pose or "", "")

    def quality_text(self, reason: str, seen: str | None) -> str:
        """Why a frame was not taken, for the customer (the quality and pose codes of the vision side)."""
        texts = {
            "no_face": self.tr("We cannot see a face. Please look at the camera."),
            "too_small": self.tr("Please come a little closer."),
            "cut_off": self.tr("Please move your face to the middle of the picture."),
            "turned_away": self.tr("Your head is turned too far. Please turn back a little."),
            "too_dark": self.tr("It is too dark here. Please move into the light."),
            "too_bright": self.tr("Too much glare. Please move out of the bright light."),
            "blurred": self.tr("The picture is blurred. Please hold still."),
        }
        if reason == "wrong_pose":
            seen_texts = {"front": self.tr("facing the camera"), "right": self.tr("turned to your right"),
                          "down": self.tr("looking down"), "left": self.tr("turned to your left")}
            return self.tr("Not yet: right now you are {seen}.").format(
                seen=seen_texts.get(seen or "", self.tr("in between two poses")))
        return texts.get(reason, self.tr("This picture cannot be used. Please hold still."))

    def retranslate(self) -> None:
        self.title.setText(self.tr("Face photos"))
        self.intro.setText(self.tr("Four quick poses: follow the arrow. Each photo is taken by itself "
                                   "once you hold the pose."))
        self.back_button.setText(self.tr("Back"))
        self.retake_button.setText(self.tr("Retake photos"))
        self.busy_text.setText(self.tr("Loading the face models…"))
        self.busy_detail.setText(self.tr("This takes a few seconds."))
        self.video.set_status(self.tr("The face camera is not connected") if self._models == "no_camera"
                              else self.tr("Waiting for the face camera…"))
        if self._models == "no_camera":
            self.problem_title.setText(self.tr("The face camera is not connected"))
            self.problem_detail.setText(self.tr("Face registration needs the face camera. "
                                                "Please ask a staff member."))
        else:
            self.problem_title.setText(self.tr("Face recognition is not available"))
            detail = f"{self._models_detail}\n\n" if self._models_detail else ""
            self.problem_detail.setText(detail + self.tr("Please ask a staff member."))
        panel = {"loading": self.busy_panel, "ready": self.live_panel}.get(self._models, self.problem_panel)
        self.side.setCurrentWidget(panel)
        self.ring.set_progress(self._done, self._pose)
        kind, reason, seen = self._feedback
        self.arrow.set_pose(self._pose, captured=kind == "captured")
        self.instruction.setText(self.instruction_text(self._pose))
        texts = {"idle": self.tr("Place your face inside the oval."),
                 "hold": self.tr("Hold still…"),
                 "captured": self.tr("Got it!"),
                 "reject": self.quality_text(reason, seen)}
        self.reason.setText(texts[kind])
        set_state(self.reason, "state", {"reject": "warn", "hold": "hold", "captured": "ok"}.get(kind, ""))
        self.retake_button.setEnabled(bool(self._done))
