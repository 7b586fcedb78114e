"""Step 4: how long to train, then the run itself: the stages, one progress bar over the whole run,
the time taken and left, Stop, and Resume / Start over after a stop or a failure."""

from __future__ import annotations

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QWidget

from app.training.enroll import Progress
from app.ui.enroll.flow import (
    DEFAULT_ITERATIONS,
    ITERATION_STEP,
    MAX_ITERATIONS,
    MIN_ITERATIONS,
    estimate_seconds,
)
from app.ui.enroll.widgets import (
    EnrollNotice,
    Stepper,
    button_row,
    card,
    make_button,
    make_label,
    page_layout,
    set_state,
)

TRAINING_STATES = ("ready", "running", "stopping", "stopped", "failed", "waiting")
#: The chips over the progress bar and the engine's stages each one covers.
CHIPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scenes", ("prepare", "cutouts", "scenes")), ("train", ("train",)), ("package", ("package",)),
    ("evaluate", ("evaluate",)), ("decide", ("decide",)))


def clock(seconds: float) -> str:
    """``754`` → ``"12:34"``; an hour or more: ``"1:02:03"``."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingPage(QWidget):
    """``set_state`` switches the buttons; ``show_progress`` and ``set_times`` show the run."""

    start_requested = pyqtSignal()
    cancel_requested = pyqtSignal()
    resume_requested = pyqtSignal()
    restart_requested = pyqtSignal()
    back_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = "ready"
        title = make_label("EnTitle", self.tr("Teach the detector"))
        self.subject = make_label("EnText")

        settings, settings_layout = card()
        settings_layout.addWidget(make_label("EnCardTitle", self.tr("Training length")))
        settings_layout.addWidget(make_label("EnSmall", self.tr("Iterations: more learn the product better "
                                                                 "and take longer.")))
        self.stepper = Stepper(DEFAULT_ITERATIONS, MIN_ITERATIONS, MAX_ITERATIONS, ITERATION_STEP)
        self.stepper.value_changed.connect(self._update_estimate)
        settings_layout.addWidget(self.stepper, 0, Qt.AlignLeft)
        self.estimate = make_label("EnBulletText")
        settings_layout.addWidget(self.estimate)
        settings_layout.addWidget(make_label("EnSmall", self.tr("{count} is the usual choice.").format(
            count=f"{DEFAULT_ITERATIONS:,}")))
        settings_layout.addStretch(1)
        settings_layout.addWidget(make_label("EnSmall", self.tr(
            "The kiosk keeps selling meanwhile, a little slower. Closing this window stops the training; "
            "it can carry on later.")))
        settings.setFixedWidth(400)

        run, run_layout = card(24, 12)
        names = {"scenes": self.tr("Practice scenes"), "train": self.tr("Training"),
                 "package": self.tr("New model"), "evaluate": self.tr("Test"), "decide": self.tr("Decision")}
        notes = {
            "scenes": self.tr("The photos are pasted with the other products onto counter scenes: examples "
                              "with the answers, no boxes to draw."),
            "train": self.tr("The detector learns the new product, starting from the model in use."),
            "package": self.tr("The new model is written, and its fast file for the kiosk is checked."),
            "evaluate": self.tr("The old and the new model count the same test scenes."),
            "decide": self.tr("The new model can be used only if the other products are counted as well as "
                              "before."),
        }
        stages = QGridLayout()
        stages.setHorizontalSpacing(14)
        stages.setVerticalSpacing(6)
        stages.setColumnStretch(2, 1)
        self.chips: dict[str, QLabel] = {}
        for row, (key, _stages) in enumerate(CHIPS):
            mark = make_label("EnStageMark", str(row + 1), wrap=False, align=Qt.AlignCenter)
            self.chips[key] = mark
            stages.addWidget(mark, row, 0, Qt.AlignTop)
            stages.addWidget(make_label("EnStageName", names[key], wrap=False), row, 1, Qt.AlignTop)
            stages.addWidget(make_label("EnSmall", notes[key]), row, 2, Qt.AlignTop)
        self.stage = make_label("EnStage")
        self.detail = make_label("EnText")
        self.bar = QProgressBar(objectName="EnProgress", minimum=0, maximum=1000, textVisible=True)
        self.bar.setFormat("%p%")
        times = QHBoxLayout()
        times.setSpacing(28)
        self.elapsed = make_label("EnTimeValue", "0:00", wrap=False)
        self.remaining = make_label("EnTimeValue", "—", wrap=False)
        for caption, value in ((self.tr("Time taken"), self.elapsed), (self.tr("Time left"), self.remaining)):
            times.addWidget(make_label("EnSmall", caption, wrap=False))
            times.addWidget(value)
        times.addStretch(1)
        self.notice = EnrollNotice()
        divider = QFrame(objectName="EnDivider")
        divider.setFrameShape(QFrame.HLine)
        run_layout.addWidget(self.stage)
        run_layout.addWidget(self.detail)
        run_layout.addWidget(self.bar)
        run_layout.addLayout(times)
        run_layout.addWidget(self.notice)
        run_layout.addStretch(1)
        run_layout.addWidget(divider)
        run_layout.addSpacing(4)
        run_layout.addLayout(stages)

        body = QHBoxLayout()
        body.setSpacing(20)
        body.addWidget(settings)
        body.addWidget(run, 1)
        self.back_button = make_button("EnSecondary", self.tr("Back"))
        self.restart_button = make_button("EnSecondary", self.tr("Start over"))
        self.cancel_button = make_button("EnDanger", self.tr("Stop"))
        self.resume_button = make_button("EnPrimary", self.tr("Resume"))
        self.start_button = make_button("EnPrimary", self.tr("Start training"))
        self.back_button.clicked.connect(self.back_requested)
        self.restart_button.clicked.connect(self.restart_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.resume_button.clicked.connect(self.resume_requested)
        self.start_button.clicked.connect(self.start_requested)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(self.subject)
        layout.addLayout(body, 1)
        layout.addLayout(button_row(self.back_button, None, self.restart_button, self.cancel_button,
                                    self.resume_button, self.start_button))
        self._can_go_back = True
        self._update_estimate(self.stepper.value())
        self.set_state("ready")

    # --- settings ----------------------------------------------------------------------------------------
    def iterations(self) -> int:
        return self.stepper.value()

    def set_iterations(self, value: int) -> None:
        self.stepper.set_value(value)
        self._update_estimate(self.stepper.value())

    def duration(self, seconds: float) -> str:
        minutes = max(1, round(seconds / 60))
        if minutes < 60:
            return self.tr("about {minutes} min").format(minutes=minutes)
        return self.tr("about {hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)

    def _update_estimate(self, iterations: int) -> None:
        training, total = estimate_seconds(iterations)
        self.estimate.setText(self.tr("Training {training}, all together {total}").format(
            training=self.duration(training), total=self.duration(total)))

    def set_subject(self, name: str, photos: int | None) -> None:
        self.subject.setText(name if photos is None else
                             self.tr("{name} · {count} photos").format(name=name, count=photos))

    def set_can_go_back(self, can: bool) -> None:
        """Back to the photos only while they are still here (not after the dialog was reopened)."""
        self._can_go_back = can
        self.set_state(self._state)

    # --- the run -----------------------------------------------------------------------------------------
    def state(self) -> str:
        return self._state

    def set_state(self, state: str, detail: str = "") -> None:
        """``ready``, ``running``, ``stopping``, ``stopped``, ``failed`` (``detail`` says why) or ``waiting``
        (an earlier run is still stopping)."""
        if state not in TRAINING_STATES:
            raise ValueError(f"unknown state {state!r}")
        self._state = state
        idle = state in ("ready", "stopped", "failed")
        self.start_button.setVisible(state == "ready")
        self.resume_button.setVisible(state in ("stopped", "failed"))
        self.restart_button.setVisible(state in ("stopped", "failed"))
        self.cancel_button.setVisible(state in ("running", "stopping"))
        self.cancel_button.setEnabled(state == "running")
        self.cancel_button.setText(self.tr("Stopping…") if state == "stopping" else self.tr("Stop"))
        self.back_button.setVisible(self._can_go_back)
        self.back_button.setEnabled(idle)
        self.stepper.setEnabled(state == "ready")
        if state == "ready":
            self.stage.setText(self.tr("Ready to start"))
            self.detail.setText(self.tr("Press Start training. The photos are turned into practice scenes, "
                                        "then the detector learns the new product."))
            self.bar.setValue(0)
            self.remaining.setText("—")
            self.elapsed.setText("0:00")
            self._set_chip(None)
            self.notice.clear_notice()
        elif state == "stopping":
            self.notice.show_text(self.tr("Stopping: the training saves where it is, which can take a few "
                                          "seconds."), "info")
        elif state == "stopped":
            self.stage.setText(self.tr("Stopped"))
            self.notice.show_text(self.tr("Resume carries on where the training stopped; Start over begins "
                                          "again with the same photos."), "info")
            self.remaining.setText("—")
        elif state == "failed":
            self.stage.setText(self.tr("The training could not go on"))
            self.notice.show_text(detail, "error")
            self.remaining.setText("—")
        elif state == "waiting":
            self.stage.setText(self.tr("The last training is still stopping…"))
            self.detail.setText(self.tr("It saves where it is; then it can carry on."))
        elif state == "running":
            self.notice.clear_notice()

    def stage_text(self, stage: str) -> str:
        texts = {"prepare": self.tr("Getting ready…"), "cutouts": self.tr("Cutting out the photos…"),
                 "scenes": self.tr("Drawing practice scenes…"), "train": self.tr("Training the detector…"),
                 "package": self.tr("Writing and checking the new model…"),
                 "evaluate": self.tr("Testing the old and the new model…"), "decide": self.tr("Deciding…")}
        return texts.get(stage, stage)

    def detail_text(self, progress: Progress) -> str:
        detail = progress.detail or {}
        if progress.stage == "train" and "iter" in detail and "max_iters" in detail:
            return self.tr("Iteration {done} of {total}").format(done=f"{int(detail['iter']):,}",
                                                                 total=f"{int(detail['max_iters']):,}")
        return self.tr("{percent}% of this step").format(percent=int(progress.stage_progress * 100))

    def show_progress(self, progress: Progress) -> None:
        self.bar.setValue(round(progress.progress * 1000))
        if self._state in ("running", "stopping", "waiting"):
            self.stage.setText(self.stage_text(progress.stage))
            self.detail.setText(self.detail_text(progress))
        self._set_chip(progress.stage)

    def _set_chip(self, stage: str | None) -> None:
        current = next((i for i, (_, stages) in enumerate(CHIPS) if stage in stages), -1)
        for i, (key, _) in enumerate(CHIPS):
            done = i < current
            set_state(self.chips[key], "state", "current" if i == current else "done" if done else "")
            self.chips[key].setText("✓" if done else str(i + 1))

    def set_times(self, elapsed: float, remaining: float | None) -> None:
        self.elapsed.setText(clock(elapsed))
        self.remaining.setText("—" if remaining is None else self.duration(remaining))
