"""Step 5: whether the new model passed, why, the numbers before and after in plain words, and "Use the
new model" or "Keep the old model"."""

from __future__ import annotations

import math
from typing import Any

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from app.training.enroll import EnrollmentResult
from app.ui.enroll.widgets import (
    EnrollNotice,
    button_row,
    card,
    make_button,
    make_label,
    page_layout,
    set_state,
)

RESULT_STATES = ("accepted", "rejected", "applying", "applied")


def percent(value: Any) -> str:
    """``0.8704`` → ``"87.0%"``; missing or not a number → ``"—"``."""
    if value is None or isinstance(value, bool):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(number) else f"{number * 100:.1f}%"


class ResultPage(QWidget):
    """``show_result`` fills it; ``set_state`` follows the apply (``applying``, ``applied``)."""

    apply_requested = pyqtSignal()
    keep_requested = pyqtSignal()
    close_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = "rejected"
        self.result: EnrollmentResult | None = None
        self._name = ""
        title = make_label("EnTitle", self.tr("Result"))
        self.verdict = QFrame(objectName="EnVerdict")
        self.icon = make_label("EnVerdictIcon", wrap=False, align=Qt.AlignCenter)
        self.headline = make_label("EnVerdictTitle")
        self.reason = make_label("EnBulletText")
        texts = QVBoxLayout()
        texts.setSpacing(4)
        texts.addWidget(self.headline)
        texts.addWidget(self.reason)
        verdict_row = QHBoxLayout(self.verdict)
        verdict_row.setContentsMargins(22, 16, 22, 16)
        verdict_row.setSpacing(18)
        verdict_row.addWidget(self.icon, 0, Qt.AlignTop)
        verdict_row.addLayout(texts, 1)

        tiles = QHBoxLayout()
        tiles.setSpacing(16)
        self.tiles: dict[str, tuple[Any, Any]] = {}
        captions = {"old": self.tr("Other products counted right"),
                    "new": self.tr("New product counted right"), "time": self.tr("Time taken")}
        for key in ("old", "new", "time"):
            tile = QFrame(objectName="EnTile")
            column = QVBoxLayout(tile)
            column.setContentsMargins(20, 14, 20, 14)
            column.setSpacing(2)
            column.addWidget(make_label("EnTileCaption", captions[key]))
            value = make_label("EnTileValue", wrap=False)
            note = make_label("EnTileNote")
            column.addWidget(value)
            column.addWidget(note)
            column.addStretch(1)
            tiles.addWidget(tile, 1)
            self.tiles[key] = (value, note)

        checks, checks_layout = card(22, 10)
        checks_layout.addWidget(make_label("EnCardTitle", self.tr("The checks")))
        self.check_grid = QGridLayout()
        self.check_grid.setHorizontalSpacing(14)
        self.check_grid.setVerticalSpacing(10)
        self.check_grid.setColumnStretch(1, 1)
        checks_layout.addLayout(self.check_grid)
        checks_layout.addStretch(1)
        divider = QFrame(objectName="EnDivider")
        divider.setFrameShape(QFrame.HLine)
        checks_layout.addWidget(divider)
        numbers = QGridLayout()
        numbers.setHorizontalSpacing(18)
        numbers.setVerticalSpacing(6)
        numbers.setColumnStretch(1, 1)
        captions = {"levels": self.tr("Other products by how crowded the scene is (easy / medium / hard)"),
                    "map": self.tr("Other products found where they lie (mAP@0.5)"),
                    "all": self.tr("Whole checkouts right with the new product among the others"),
                    "ap": self.tr("New product found where it lies (AP@0.5)")}
        self.numbers: dict[str, Any] = {}
        for row, (key, caption) in enumerate(captions.items()):
            numbers.addWidget(make_label("EnSmall", caption, wrap=False), row, 0)
            value = make_label("EnNumber", wrap=False)
            numbers.addWidget(value, row, 1)
            self.numbers[key] = value
        checks_layout.addLayout(numbers)
        self.check_rows: list[tuple[Any, Any]] = []

        self.notice = EnrollNotice()
        self.keep_button = make_button("EnSecondary", self.tr("Keep the old model"))
        self.apply_button = make_button("EnPrimary", self.tr("Use the new model"))
        self.close_button = make_button("EnPrimary", self.tr("Close"))
        self.keep_button.clicked.connect(self.keep_requested)
        self.apply_button.clicked.connect(self.apply_requested)
        self.close_button.clicked.connect(self.close_requested)
        layout = page_layout(self)
        layout.addWidget(title)
        layout.addWidget(self.verdict)
        layout.addLayout(tiles)
        layout.addWidget(checks, 1)
        layout.addWidget(self.notice)
        layout.addLayout(button_row(None, self.keep_button, self.apply_button, self.close_button))

    # --- texts -------------------------------------------------------------------------------------------
    def check_text(self, check: dict, metrics: dict) -> str:
        name, passed = check.get("name"), bool(check.get("passed"))
        old = metrics.get("old_checkout_accuracy", {})
        new = metrics.get("new_class_count_accuracy", {})
        points = f"{float(old.get('max_drop', 0.01)) * 100:.0f}"
        if name == "old_checkout_accuracy":
            values = {"before": percent(old.get("before")), "after": percent(old.get("after")),
                      "points": points}
            if passed:
                return self.tr("The other products are counted as well as before: whole checkouts right "
                               "{before} before, {after} now (at most {points} point lower is allowed)."
                               ).format(**values)
            return self.tr("The other products would be counted worse: whole checkouts right {before} "
                           "before, {after} now, more than {points} point lower.").format(**values)
        if name == "new_class_count_accuracy":
            values = {"value": percent(new.get("after")), "bar": percent(new.get("bar"))}
            if passed:
                return self.tr("The new product is counted right in {value} of the test scenes it is in "
                               "(needed: {bar}, as well as another product today).").format(**values)
            return self.tr("The new product is counted right in only {value} of the test scenes it is in "
                           "(needed: {bar}, as well as another product today).").format(**values)
        if name == "onnx_parity":
            if passed:
                return self.tr("The kiosk's fast model file gives the same boxes as the trained model.")
            return self.tr("The kiosk's fast model file does not give the same boxes as the trained model.")
        return str(check.get("text", name))

    # --- state -------------------------------------------------------------------------------------------
    def show_result(self, result: EnrollmentResult, language: str = "ko") -> None:
        self.result = result
        self._name = result.product.name(language)
        metrics = result.metrics or {}
        old = metrics.get("old_checkout_accuracy", {})
        new = metrics.get("new_class_count_accuracy", {})
        images = metrics.get("images", {})
        name = result.product.name(language)
        value, note = self.tiles["old"]
        value.setText(f"{percent(old.get('before'))} → {percent(old.get('after'))}")
        note.setText(self.tr("Whole checkouts right, before → after, on {count} test scenes").format(
            count=images.get("test_old", "—")))
        value, note = self.tiles["new"]
        value.setText(percent(new.get("after")))
        note.setText(self.tr("needed: {bar}, on {count} test scenes with it").format(
            bar=percent(new.get("bar")), count=images.get("test_new", "—")))
        levels_before, levels_after = old.get("per_level_before") or {}, old.get("per_level_after") or {}
        order = [lv for lv in ("easy", "medium", "hard") if lv in levels_before or lv in levels_after]

        def levels(values: dict) -> str:
            return " / ".join(percent(values.get(lv)) for lv in order) if order else "—"

        maps = metrics.get("map50_old_scenes") or {}
        self.numbers["levels"].setText(f"{levels(levels_before)}  →  {levels(levels_after)}")
        self.numbers["map"].setText(f"{percent(maps.get('before'))}  →  {percent(maps.get('after'))}")
        self.numbers["all"].setText(percent(metrics.get("checkout_accuracy_with_new")))
        self.numbers["ap"].setText(percent(metrics.get("new_class_ap50")))
        value, note = self.tiles["time"]
        total = float((result.seconds or {}).get("total") or 0.0)
        value.setText(self.tr("{minutes} min").format(minutes=max(1, round(total / 60))) if total else "—")
        note.setText(self.tr("{iterations} iterations, {count} photos").format(
            iterations=f"{result.iterations:,}", count=result.cutouts))
        for mark, text in self.check_rows:
            for widget in (mark, text):
                self.check_grid.removeWidget(widget)
                widget.deleteLater()
        self.check_rows = []
        failed = []
        for row, check in enumerate(result.checks or []):
            passed = bool(check.get("passed"))
            mark = make_label("EnCheckMark", "✓" if passed else "✕", wrap=False, align=Qt.AlignCenter)
            set_state(mark, "state", "passed" if passed else "failed")
            text = make_label("EnCheckText", self.check_text(check, metrics))
            self.check_grid.addWidget(mark, row, 0, Qt.AlignTop)
            self.check_grid.addWidget(text, row, 1)
            self.check_rows.append((mark, text))
            if not passed:
                failed.append(self.check_text(check, metrics))
        if result.accepted:
            self.reason.setText(self.tr("{name} is recognised, and the other products are counted as well as "
                                        "before. Use the new model to start selling it.").format(name=name))
        else:
            because = " ".join(failed) or result.reason
            self.reason.setText(self.tr("The kiosk keeps the model it has, and {name} is not added. "
                                        "{because}").format(name=name, because=because))
        self.reason.setToolTip(result.reason)
        self.notice.clear_notice()
        self.set_state("accepted" if result.accepted else "rejected")

    def state(self) -> str:
        return self._state

    def set_state(self, state: str, detail: str = "") -> None:
        if state not in RESULT_STATES:
            raise ValueError(f"unknown state {state!r}")
        self._state = state
        look = {"accepted": "accepted", "applying": "accepted", "rejected": "rejected", "applied": "applied"}
        set_state(self.verdict, "state", look[state])
        set_state(self.icon, "state", look[state])
        self.icon.setText("!" if state == "rejected" else "✓")
        if state in ("accepted", "applying"):
            self.headline.setText(self.tr("The new model passed"))
        elif state == "rejected":
            self.headline.setText(self.tr("The new model did not pass: the old model stays"))
        else:
            self.headline.setText(self.tr("The new model is in use"))
            self.reason.setText(self.tr("{name} is now recognised at the counter and on sale.").format(
                name=self._name))
            added = self.tr("{name} was added to the catalog.").format(name=self._name)
            self.notice.show_text(detail or added, "ok")
        self.apply_button.setVisible(state in ("accepted", "applying"))
        self.apply_button.setEnabled(state == "accepted")
        self.apply_button.setText(self.tr("Putting it in place…") if state == "applying"
                                  else self.tr("Use the new model"))
        self.keep_button.setVisible(state in ("accepted", "rejected", "applying"))
        self.keep_button.setEnabled(state != "applying")
        self.keep_button.setText(self.tr("Keep the old model") if state != "rejected" else self.tr("Close"))
        self.close_button.setVisible(state == "applied")

    def show_error(self, text: str) -> None:
        self.notice.show_text(text, "error")
