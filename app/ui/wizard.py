"""What the kiosk's step-by-step dialogs (registration, product enrollment) share."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PyQt5.QtWidgets import QFileDialog, QStackedWidget, QVBoxLayout, QWidget


def header_over_pages(dialog: QWidget, header: QWidget, pages: Iterable[QWidget]) -> QStackedWidget:
    """Lay ``dialog`` out as its step header over a stack of its pages (edge to edge); returns the stack."""
    stack = QStackedWidget()
    for page in pages:
        stack.addWidget(page)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(header)
    layout.addWidget(stack, 1)
    return stack


def open_folder_dialog(parent: QWidget, title: str, chosen: Callable[[str], None]) -> QFileDialog:
    """A window-modal folder picker (Qt's own, so it looks the same on every kiosk), opened without a
    nested event loop; ``chosen(path)`` on OK. It deletes itself when closed."""
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.Directory)
    dialog.setOption(QFileDialog.ShowDirsOnly, True)
    dialog.setOption(QFileDialog.DontUseNativeDialog, True)
    dialog.fileSelected.connect(chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
