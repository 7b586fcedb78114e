"""System page: models, cameras (current source, live fps, switch to a plugged-in webcam), CPU and memory.

Live figures (fps, CPU, memory) refresh once a second while the page is shown; the timer stops when the
page is hidden or the admin window closes. Everything read here is quick (``/proc`` files, callbacks).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QHideEvent, QShowEvent
from PyQt5.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.capture.v4l2 import CameraInfo, video_index
from app.core.sysmon import SystemMonitor, SystemSample, format_bytes
from app.ui.admin.context import CAMERA_ROLES, AdminContext
from app.ui.admin.widgets import Notice, PageHeader, action_button

log = logging.getLogger(__name__)

REFRESH_MS = 1000
NONE = "—"


def _value_label() -> QLabel:
    label = QLabel(NONE, objectName="InfoValue", wordWrap=True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def _same_camera(spec: str, info: CameraInfo) -> bool:
    """Whether the source ``spec`` (an index, /dev/videoN or a by-id link) is the camera ``info``."""
    spec = spec.strip()
    if not spec:
        return False
    if spec == info.path or (spec.isdigit() and int(spec) == info.index):
        return True
    return video_index(spec) == info.index


class InfoGrid(QGridLayout):
    """Caption / value rows."""

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalSpacing(16)
        self.setVerticalSpacing(8)
        self.setColumnStretch(1, 1)
        self.values: dict[str, QLabel] = {}

    def add_row(self, key: str, caption: str, widget: QWidget | None = None) -> None:
        """A row; without ``widget`` a value label, kept in ``values[key]``."""
        top = widget is None  # a label may wrap onto a second line: keep its caption at the top
        if widget is None:
            widget = self.values[key] = _value_label()
        row = self.rowCount()
        self.addWidget(QLabel(caption, objectName="InfoCaption"), row, 0,
                       Qt.AlignTop if top else Qt.AlignVCenter)
        self.addWidget(widget, row, 1)


class SystemPage(QWidget):
    """Models and computer on the left, cameras on the right. Reads its values when shown."""

    def __init__(self, ctx: AdminContext, parent: QWidget | None = None,
                 monitor: SystemMonitor | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.monitor = monitor or SystemMonitor()
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.header = PageHeader(self.tr("System"), self.tr("Models, cameras and this computer. "
                                                            "Live values refresh every second."))
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(QLabel(self.tr("Models"), objectName="SectionTitle"))
        self.models = InfoGrid()
        self.models.add_row("detector_name", self.tr("Product detector"))
        self.models.add_row("detector_backend", self.tr("Runs on"))
        self.models.add_row("detector_classes", self.tr("Product classes"))
        self.models.add_row("detector_input", self.tr("Input size"))
        self.models.add_row("detector_metrics", self.tr("Test results"))
        self.models.add_row("detector_state", self.tr("Status"))
        self.models.add_row("detector_dir", self.tr("Folder"))
        self.models.add_row("face_backend", self.tr("Face recognition"))
        self.models.add_row("face_state", self.tr("Face status"))
        left.addLayout(self.models)
        left.addSpacing(8)
        left.addWidget(QLabel(self.tr("This computer"), objectName="SectionTitle"))
        self.computer = InfoGrid()
        self.cpu_bar = QProgressBar(objectName="LoadBar", textVisible=True, maximum=100)
        self.process_bar = QProgressBar(objectName="LoadBar", textVisible=True, maximum=100)
        self.memory_bar = QProgressBar(objectName="LoadBar", textVisible=True, maximum=100)
        self.computer.add_row("cpu", self.tr("CPU (all programs)"), self.cpu_bar)
        self.computer.add_row("process_cpu", self.tr("CPU (kiosk)"), self.process_bar)
        self.computer.add_row("memory", self.tr("Memory in use"), self.memory_bar)
        self.computer.add_row("rss", self.tr("Kiosk memory"))
        self.computer.add_row("available", self.tr("Memory available"))
        left.addLayout(self.computer)
        left.addStretch(1)

        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(QLabel(self.tr("Cameras"), objectName="SectionTitle"))
        self.camera_rows: dict[str, tuple[QLabel, QLabel]] = {}
        names = {"counter": self.tr("Counter camera"), "face": self.tr("Face camera")}
        for role in CAMERA_ROLES:
            tile = QFrame(objectName="CameraTile")
            name = QLabel(names[role], objectName="CameraName")
            source = QLabel(NONE, objectName="CameraSource")
            fps = QLabel(NONE, objectName="CameraFps", alignment=Qt.AlignRight | Qt.AlignVCenter)
            texts = QVBoxLayout()
            texts.setSpacing(0)
            texts.addWidget(name)
            texts.addWidget(source)
            row = QHBoxLayout(tile)
            row.setContentsMargins(16, 8, 16, 8)
            row.addLayout(texts, 1)
            row.addWidget(fps)
            right.addWidget(tile)
            self.camera_rows[role] = (source, fps)
        right.addSpacing(4)
        self.rescan_button = action_button(self.tr("Search again"))
        self.rescan_button.setMinimumSize(120, 44)
        self.rescan_button.clicked.connect(self.refresh_cameras)
        list_title = QHBoxLayout()
        list_title.addWidget(QLabel(self.tr("Plugged-in webcams"), objectName="SectionTitle"), 1)
        list_title.addWidget(self.rescan_button)
        right.addLayout(list_title)
        self.camera_list = QListWidget(objectName="CameraList")
        self.camera_list.itemSelectionChanged.connect(self._update_buttons)
        right.addWidget(self.camera_list, 1)
        self.use_buttons = {"counter": action_button(self.tr("Use for counter"), "primary"),
                            "face": action_button(self.tr("Use for face"), "primary")}
        buttons = QHBoxLayout()
        buttons.setSpacing(10)
        for role, button in self.use_buttons.items():
            button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            button.clicked.connect(lambda _checked=False, r=role: self.use_selected_camera(r))
            buttons.addWidget(button, 1)
        right.addLayout(buttons)
        self.notice = Notice()
        right.addWidget(self.notice)

        columns = QHBoxLayout()
        columns.setSpacing(28)
        columns.addLayout(left, 1)
        divider = QFrame(objectName="Divider")
        divider.setFrameShape(QFrame.VLine)
        columns.addWidget(divider)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        layout.addWidget(self.header)
        layout.addLayout(columns, 1)

    # --- refreshing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read everything: models, camera sources, the webcam list and the live values."""
        self.refresh_models()
        self.refresh_cameras()
        self.tick()

    def refresh_models(self) -> None:
        try:
            info: Mapping[str, Any] = self.ctx.models_info() or {}
        except Exception:
            log.exception("models_info() failed")
            info = {}
        for key, label in self.models.values.items():
            value = info.get(key)
            label.setText(self._format_info(key, value) if value not in (None, "") else NONE)

    def _format_info(self, key: str, value: Any) -> str:
        if key == "detector_metrics" and isinstance(value, Mapping):
            parts = []
            if "map50" in value:
                parts.append(f"mAP@0.5 {value['map50']:.3f}")
            if "map" in value:
                parts.append(f"mAP@0.5:0.95 {value['map']:.3f}")
            if "checkout_accuracy" in value:
                parts.append(self.tr("checkout accuracy {percent}").format(
                    percent=f"{100 * value['checkout_accuracy']:.1f} %"))
            return ", ".join(parts) or NONE
        return str(value)

    def refresh_cameras(self) -> None:
        """The current source of each role, and the webcams plugged in now."""
        for role, (source, _fps) in self.camera_rows.items():
            spec = self.ctx.camera_source(role)
            source.setText(spec or self.tr("none"))
            source.setToolTip(spec)
        selected = self.selected_camera()
        self.camera_list.clear()
        try:
            cameras = list(self.ctx.list_cameras())
        except Exception:
            log.exception("listing cameras failed")
            cameras = []
        in_use = {role: self.ctx.camera_source(role) for role in CAMERA_ROLES}
        role_names = {"counter": self.tr("Counter camera"), "face": self.tr("Face camera")}
        for info in cameras:
            detail = info.path
            for role, spec in in_use.items():
                if _same_camera(spec, info):
                    detail = self.tr("{path} · in use as {role}").format(path=detail, role=role_names[role])
            item = QListWidgetItem(f"{info.name or info.path}\n{detail}")
            item.setData(Qt.UserRole, info.path)
            item.setToolTip(" · ".join(p for p in (info.driver, info.bus) if p))
            self.camera_list.addItem(item)
            if info.path == selected:
                item.setSelected(True)
        if not cameras:
            item = QListWidgetItem(self.tr("No webcam is plugged in."))
            item.setFlags(Qt.NoItemFlags)
            self.camera_list.addItem(item)
        self._update_buttons()

    def tick(self) -> None:
        """The live values: frames per second per camera, CPU and memory."""
        try:
            fps: Mapping[str, float] = self.ctx.camera_fps() or {}
        except Exception:
            log.exception("camera_fps() failed")
            fps = {}
        for role, (_source, label) in self.camera_rows.items():
            value = fps.get(role)
            label.setText(f"{value:.1f} fps" if value is not None else NONE)
        self.show_sample(self.monitor.sample())

    def show_sample(self, sample: SystemSample) -> None:
        for bar, value in ((self.cpu_bar, sample.cpu_percent), (self.process_bar, sample.process_cpu_percent),
                           (self.memory_bar, sample.mem_used_percent)):
            bar.setValue(round(value) if value is not None else 0)
            bar.setFormat(f"{value:.0f} %" if value is not None else NONE)
        values = self.computer.values
        values["rss"].setText(format_bytes(sample.rss_bytes))
        values["available"].setText(
            self.tr("{available} of {total}").format(available=format_bytes(sample.mem_available_bytes),
                                                     total=format_bytes(sample.mem_total_bytes))
            if sample.mem_available_bytes is not None else NONE)

    # --- cameras ------------------------------------------------------------------------------------
    def selected_camera(self) -> str | None:
        items = self.camera_list.selectedItems()
        return items[0].data(Qt.UserRole) if items else None

    def select_camera_path(self, path: str) -> None:
        for row in range(self.camera_list.count()):
            item = self.camera_list.item(row)
            if item.data(Qt.UserRole) == path:
                self.camera_list.setCurrentItem(item)
                return
        raise KeyError(path)

    def _update_buttons(self) -> None:
        chosen = self.selected_camera()
        for button in self.use_buttons.values():
            button.setEnabled(chosen is not None)

    def use_selected_camera(self, role: str) -> bool:
        spec = self.selected_camera()
        if spec is None:
            return False
        try:
            self.ctx.select_camera(role, spec)
        except Exception as exc:
            log.exception("switching the %s camera to %s failed", role, spec)
            self.notice.show_error(self.tr("Could not switch the camera: {error}").format(error=exc))
            return False
        text = (self.tr("The counter camera now uses {camera}.") if role == "counter" else
                self.tr("The face camera now uses {camera}."))
        self.notice.show_ok(text.format(camera=spec))
        self.refresh_cameras()
        return True

    # --- the timer follows visibility --------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def stop(self) -> None:
        self.timer.stop()
