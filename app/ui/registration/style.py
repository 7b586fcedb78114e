"""The registration dialog's stylesheet: a template filled from the sky palette and the kiosk fonts
(``app.ui.theme``), set on the dialog on top of the application's layers. Set on the dialog, its rules
reach only the dialog's widgets, and win over the application's (the plain ``QWidget`` rule included,
which stays less specific than the named rules below)."""

from __future__ import annotations

from app.ui.theme import dialog_stylesheet

TEMPLATE = """
QDialog#RegistrationDialog { background: {{background}}; }
QWidget { font-family: "{{font_body}}"; font-size: 18px; color: {{text}}; }

QFrame#RegHeader { background: {{surface}}; border-bottom: 1px solid {{border}}; }
QLabel#RegTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px; }
QLabel#RegStep {
    background: {{surface_alt}}; color: {{text_muted}}; border: 1px solid {{border}};
    border-radius: 18px; min-height: 34px; max-height: 34px; padding: 0 16px; font-size: 15px;
}
QLabel#RegStep[state="current"] {
    background: {{primary}}; color: {{primary_text}}; border-color: {{primary}};
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QLabel#RegStep[state="done"] {
    background: {{primary_soft}}; color: {{primary_pressed}}; border-color: {{primary_soft}};
}

QLabel#PageTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 30px; }
QLabel#PageText { color: {{text_muted}}; font-size: 18px; }
QFrame#RegCard { background: {{surface}}; border: 1px solid {{border}}; border-radius: 18px; }
QLabel#Bullet {
    background: {{primary}}; color: {{primary_text}}; border-radius: 18px;
    min-width: 36px; max-width: 36px; min-height: 36px; max-height: 36px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 18px;
}
QLabel#BulletText { font-size: 19px; }
QLabel#Question { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 22px; }

QPushButton#PrimaryButton, QPushButton#SecondaryButton, QPushButton#CancelButton, QPushButton#PinButton {
    border-radius: 16px; min-height: 64px; padding: 0 34px; font-size: 22px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QPushButton#PrimaryButton {
    background: {{primary}}; color: {{primary_text}}; border: none; min-width: 200px;
}
QPushButton#PrimaryButton:hover { background: {{primary_hover}}; }
QPushButton#PrimaryButton:pressed { background: {{primary_pressed}}; }
QPushButton#PrimaryButton:disabled { background: {{disabled}}; color: {{surface}}; }
QPushButton#SecondaryButton {
    background: {{surface}}; color: {{primary_pressed}}; border: 2px solid {{primary}};
}
QPushButton#SecondaryButton:pressed { background: {{primary_soft}}; }
QPushButton#SecondaryButton:disabled { color: {{disabled}}; border-color: {{disabled}}; }
QPushButton#PinButton {
    background: {{surface}}; color: {{primary_pressed}}; border: 2px solid {{primary}};
    min-height: 52px; border-radius: 12px; padding: 0 26px; font-size: 20px;
}
QPushButton#PinButton:pressed { background: {{primary_soft}}; }
QPushButton#PinButton:disabled { color: {{disabled}}; border-color: {{disabled}}; }
QPushButton#CancelButton {
    background: {{surface_alt}}; color: {{text_muted}}; border: 1px solid {{border}};
    min-height: 48px; border-radius: 24px; padding: 0 26px; font-size: 18px;
}
QPushButton#CancelButton:pressed { background: {{danger_soft}}; color: {{danger}}; }

QLabel#FieldLabel { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 19px; }
QLabel#FieldNote { color: {{text_muted}}; font-size: 15px; }
QLabel#FieldNote[error="true"] { color: {{danger}}; font-size: 16px; }
QLineEdit#RegField, QLineEdit#PinField {
    background: {{surface}}; border: 2px solid {{border}}; border-radius: 12px;
    min-height: 56px; padding: 0 16px; font-size: 24px;
    selection-background-color: {{primary_soft}}; selection-color: {{text}};
}
QLineEdit#RegField:focus, QLineEdit#PinField:focus { border-color: {{primary}}; }
QLineEdit#RegField[error="true"] { border-color: {{danger}}; background: {{danger_soft}}; }

QLabel#Instruction { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 26px; }
QLabel#Reason { font-size: 18px; color: {{text_muted}}; border-radius: 12px; padding: 10px 14px; }
QLabel#Reason[state="warn"] { color: #8A5A00; background: {{accent_soft}}; }
QLabel#Reason[state="hold"] { color: {{primary_pressed}}; background: {{primary_soft}}; }
QLabel#Reason[state="ok"] { color: {{success}}; background: {{success_soft}}; }
QLabel#BusyText, QLabel#ProblemTitle {
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 22px;
}
QLabel#ProblemTitle { color: {{danger}}; }
QLabel#ProblemIcon {
    background: {{danger_soft}}; color: {{danger}}; border-radius: 36px;
    min-width: 72px; max-width: 72px; min-height: 72px; max-height: 72px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 40px;
}

QLabel#SummaryKey { color: {{text_muted}}; font-size: 18px; }
QLabel#SummaryValue { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px; }
QLabel#PoseChip {
    background: {{surface_alt}}; color: {{text_muted}}; border: 2px solid {{border}};
    border-radius: 14px; padding: 8px 18px; font-size: 18px;
}
QLabel#PoseChip[done="true"] { background: {{success_soft}}; color: {{success}}; border-color: {{success}}; }
QFrame#DuplicateBox { background: {{accent_soft}}; border: 2px solid {{accent}}; border-radius: 16px; }
QLabel#DuplicateTitle {
    color: #8A5A00; font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 20px;
}
QLabel#DuplicateText { color: #6B4A00; font-size: 16px; }
QLabel#PinState { font-size: 16px; }
QLabel#PinState[state="wrong"] { color: {{danger}}; }
QLabel#PinState[state="ok"] { color: {{success}}; }
QLabel#SaveError { color: {{danger}}; font-size: 17px; }
"""


def registration_stylesheet() -> str:
    """The template filled with the palette and the registered kiosk fonts."""
    return dialog_stylesheet(TEMPLATE, "app/ui/registration/style.py")
