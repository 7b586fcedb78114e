"""The enrollment dialog's stylesheet: a template filled from the sky palette and the kiosk fonts, set
on the dialog on top of the application's layers (so it wins over ``admin.qss`` where both say
something). Every object name starts with ``En`` so nothing else is touched."""

from __future__ import annotations

from app.ui.theme import dialog_stylesheet

TEMPLATE = """
QDialog#EnrollDialog { background: {{background}}; }
QWidget { font-family: "{{font_body}}"; font-size: 18px; color: {{text}}; }
QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; border: none; }

QFrame#EnHeader { background: {{surface}}; border-bottom: 1px solid {{border}}; }
QLabel#EnMark {
    background: {{primary}}; color: {{primary_text}}; border-radius: 12px;
    min-width: 44px; max-width: 44px; min-height: 44px; max-height: 44px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px;
}
QLabel#EnHeaderTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px; }
QLabel#EnStep {
    background: {{surface_alt}}; color: {{text_muted}}; border: 1px solid {{border}};
    border-radius: 18px; min-height: 36px; max-height: 36px; padding: 0 14px; font-size: 15px;
}
QLabel#EnStep[state="current"] {
    background: {{primary}}; color: {{primary_text}}; border-color: {{primary}};
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QLabel#EnStep[state="done"] {
    background: {{primary_soft}}; color: {{primary_pressed}}; border-color: {{primary_soft}};
}

QLabel#EnTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 30px; }
QLabel#EnText { color: {{text_muted}}; font-size: 18px; }
QLabel#EnSmall { color: {{text_muted}}; font-size: 15px; }
QLabel#EnCardTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 21px; }
QFrame#EnCard { background: {{surface}}; border: 1px solid {{border}}; border-radius: 18px; }
QLabel#EnBullet {
    background: {{primary}}; color: {{primary_text}}; border-radius: 16px;
    min-width: 32px; max-width: 32px; min-height: 32px; max-height: 32px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 17px;
}
QLabel#EnBulletText { font-size: 18px; }

QPushButton#EnPrimary, QPushButton#EnSecondary, QPushButton#EnDanger, QPushButton#EnCapture {
    border-radius: 16px; min-height: 60px; padding: 0 30px; font-size: 21px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QPushButton#EnPrimary { background: {{primary}}; color: {{primary_text}}; border: none; min-width: 170px; }
QPushButton#EnPrimary:hover { background: {{primary_hover}}; }
QPushButton#EnPrimary:pressed { background: {{primary_pressed}}; }
QPushButton#EnPrimary:disabled { background: {{disabled}}; color: {{surface}}; }
QPushButton#EnSecondary {
    background: {{surface}}; color: {{primary_pressed}}; border: 2px solid {{primary}};
}
QPushButton#EnSecondary:pressed { background: {{primary_soft}}; }
QPushButton#EnSecondary:disabled { color: {{disabled}}; border-color: {{disabled}}; }
QPushButton#EnDanger { background: {{surface}}; color: {{danger}}; border: 2px solid {{danger}}; }
QPushButton#EnDanger:pressed { background: {{danger_soft}}; }
QPushButton#EnDanger:disabled { color: {{disabled}}; border-color: {{disabled}}; }
QPushButton#EnCapture {
    background: {{primary}}; color: {{primary_text}}; border: none; min-height: 84px;
    border-radius: 20px; font-size: 26px;
}
QPushButton#EnCapture:pressed { background: {{primary_pressed}}; }
QPushButton#EnCapture:disabled { background: {{disabled}}; color: {{surface}}; }
QPushButton#EnClose {
    background: {{surface_alt}}; color: {{text_muted}}; border: 1px solid {{border}};
    min-height: 48px; border-radius: 24px; padding: 0 26px; font-size: 18px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QPushButton#EnClose:pressed { background: {{danger_soft}}; color: {{danger}}; }
QPushButton#EnClose:disabled { color: {{disabled}}; }
QPushButton#EnStepButton {
    background: {{surface_alt}}; color: {{primary_pressed}}; border: 2px solid {{primary_soft}};
    border-radius: 14px; font-size: 28px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QPushButton#EnStepButton:pressed { background: {{primary_soft}}; }
QPushButton#EnStepButton:disabled { color: {{disabled}}; }
QLabel#EnStepValue {
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 30px;
    min-width: 110px;
}

QLabel#EnFieldLabel { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 18px; }
QLabel#EnFieldError { color: {{danger}}; font-size: 15px; }
QLineEdit#EnField {
    background: {{surface}}; border: 2px solid {{border}}; border-radius: 12px;
    min-height: 50px; padding: 0 14px; font-size: 21px;
    selection-background-color: {{primary_soft}}; selection-color: {{text}};
}
QLineEdit#EnField:focus { border-color: {{primary}}; }
QLineEdit#EnField[error="true"] { border-color: {{danger}}; background: {{danger_soft}}; }
QLineEdit#EnField:disabled { background: {{surface_alt}}; color: {{text_muted}}; }
QCheckBox#EnCheck { spacing: 12px; font-size: 18px; }
QCheckBox#EnCheck::indicator {
    width: 28px; height: 28px; border: 2px solid {{border}}; border-radius: 8px; background: {{surface}};
}
QCheckBox#EnCheck::indicator:checked { background: {{primary}}; border-color: {{primary}}; }

QFrame#EnBanner { background: {{accent_soft}}; border: 2px solid {{accent}}; border-radius: 16px; }
QLabel#EnBannerTitle {
    color: {{accent_text}}; font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 20px;
}
QLabel#EnBannerText { color: #6B4A00; font-size: 16px; }

QLabel#EnReason {
    font-size: 19px; color: {{text_muted}}; border-radius: 12px; padding: 12px 16px;
    background: {{surface}};
}
QLabel#EnReason[state="warn"] { color: {{accent_text}}; background: {{accent_soft}}; }
QLabel#EnReason[state="ok"] { color: {{success}}; background: {{success_soft}}; }
QLabel#EnReason[state="error"] { color: {{danger}}; background: {{danger_soft}}; }
QLabel#EnInstruction { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px; }
QLabel#EnCount {
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 44px;
    color: {{primary_pressed}};
}
QLabel#EnNotice { font-size: 16px; border-radius: 10px; padding: 8px 12px; }
QLabel#EnNotice[state="ok"] { color: {{success}}; background: {{success_soft}}; }
QLabel#EnNotice[state="error"] { color: {{danger}}; background: {{danger_soft}}; }
QLabel#EnNotice[state="info"] { color: {{primary_pressed}}; background: {{primary_soft}}; }

QFrame#EnThumb { background: {{surface}}; border: 1px solid {{border}}; border-radius: 14px; }
QLabel#EnThumbImage { background: {{surface_alt}}; border-radius: 10px; }
QPushButton#EnThumbRemove {
    background: {{surface}}; color: {{danger}}; border: 1px solid {{danger}}; border-radius: 10px;
    min-height: 34px; font-size: 15px; padding: 0 10px;
}
QPushButton#EnThumbRemove:pressed { background: {{danger_soft}}; }
QLabel#EnEmptyStrip { color: {{text_muted}}; font-size: 16px; }

QProgressBar#EnProgress {
    background: {{surface_alt}}; border: 1px solid {{border}}; border-radius: 14px;
    min-height: 34px; max-height: 34px; text-align: center; font-size: 17px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QProgressBar#EnProgress::chunk { background: {{primary}}; border-radius: 13px; }
QLabel#EnStage { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 24px; }
QLabel#EnStageMark {
    border-radius: 14px; min-width: 28px; max-width: 28px; min-height: 28px; max-height: 28px;
    background: {{surface_alt}}; color: {{text_muted}}; border: 1px solid {{border}}; font-size: 15px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QLabel#EnStageMark[state="current"] {
    background: {{primary}}; color: {{primary_text}}; border-color: {{primary}};
}
QLabel#EnStageMark[state="done"] {
    background: {{success}}; color: {{primary_text}}; border-color: {{success}};
}
QLabel#EnStageName { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 17px; }
QFrame#EnDivider { color: {{border}}; background: {{border}}; max-height: 1px; border: none; }
QLabel#EnTimeValue { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 22px; }

QFrame#EnVerdict { border-radius: 18px; background: {{success_soft}}; border: 2px solid {{success}}; }
QFrame#EnVerdict[state="rejected"] { background: {{accent_soft}}; border-color: {{accent}}; }
QFrame#EnVerdict[state="applied"] { background: {{primary_soft}}; border-color: {{primary}}; }
QLabel#EnVerdictIcon {
    border-radius: 30px; min-width: 60px; max-width: 60px; min-height: 60px; max-height: 60px;
    background: {{success}}; color: {{primary_text}};
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 32px;
}
QLabel#EnVerdictIcon[state="rejected"] { background: {{accent}}; }
QLabel#EnVerdictIcon[state="applied"] { background: {{primary}}; }
QLabel#EnVerdictTitle { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 26px; }
QFrame#EnTile { background: {{surface}}; border: 1px solid {{border}}; border-radius: 16px; }
QLabel#EnTileCaption { color: {{text_muted}}; font-size: 16px; }
QLabel#EnTileValue { font-family: "{{font_heading}}"; font-weight: {{heading_weight}}; font-size: 30px; }
QLabel#EnNumber { font-size: 16px; }
QLabel#EnTileNote { color: {{text_muted}}; font-size: 15px; }
QLabel#EnCheckMark {
    border-radius: 14px; min-width: 28px; max-width: 28px; min-height: 28px; max-height: 28px;
    background: {{success}}; color: {{primary_text}}; font-size: 16px;
    font-family: "{{font_heading}}"; font-weight: {{heading_weight}};
}
QLabel#EnCheckMark[state="failed"] { background: {{danger}}; }
QLabel#EnCheckText { font-size: 17px; }
"""


def enroll_stylesheet() -> str:
    """The template filled with the palette and the registered kiosk fonts."""
    return dialog_stylesheet(TEMPLATE, "app/ui/enroll/style.py")
