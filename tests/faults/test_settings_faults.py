"""Absurd settings, in the TOML file, on the command line and in code: a SettingsError naming the source
and the key, and ``selfcheckout`` exits non-zero with that one line (never a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.core.settings import MAX_SETTINGS_BYTES, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]

BAD_TOML = {
    "negative fps": ("camera_fps = -5", "camera_fps", "between 1 and 240"),
    "absurd width": ("camera_width = 100000", "camera_width", "between 160 and 7680"),
    "absurd height": ("camera_height = 100000", "camera_height", "between 120 and 4320"),
    "int64 max": ("camera_fps = 9223372036854775807", "camera_fps", "between"),
    "fractional fps": ("camera_fps = 29.97", "camera_fps", "whole number"),
    "nan fps": ("camera_fps = nan", "camera_fps", "whole number"),
    "inf width": ("camera_width = inf", "camera_width", "whole number"),
    "fps as text": ('camera_fps = "30"', "camera_fps", "whole number"),
    "unknown backend": ('detector_backend = "tensorflow"', "detector_backend", "onnxruntime, mmdet"),
    "unknown face backend": ('face_backend = "arcface"', "face_backend", "auto, facenet, dlib"),
    "language as list": ('language = ["ko"]', "language", "must be text"),
    "bool as text": ('fullscreen = "yes"', "fullscreen", "true or false"),
    "threads zero": ("torch_threads = 0", "torch_threads", "between 1 and 64"),
    "font_dirs as text": ('font_dirs = "fonts"', "font_dirs", "list of text"),
    "font_dirs of numbers": ("font_dirs = [1, 2]", "font_dirs", "list of text"),
    "unknown key": ("cameraFps = 30", "cameraFps", "unknown setting"),
    "a section": ("[camera]\nfps = 30", "camera", "top-level keys"),
    "empty data_dir": ('data_dir = ""', "data_dir", "must not be empty"),
    "blank model": ('detector_model = "   "', "detector_model", "must not be empty"),
    "nul in a path": ('data_dir = "/tmp/a\\u0000b"', "data_dir", "control character"),
    "line break in a camera": ('counter_camera = "0\\n1"', "counter_camera", "control character"),
    "very long": (f'counter_camera = "{"x" * 5000}"', "counter_camera", "too long"),
    "a date": ("language = 2024-01-01", "language", "must be text"),
    "duplicate key": ("camera_fps = 30\ncamera_fps = 31", "", "not a valid TOML file"),
}


@pytest.mark.parametrize("text, key, fragment", BAD_TOML.values(), ids=BAD_TOML.keys())
def test_an_absurd_settings_file_is_refused_naming_the_file_and_the_key(tmp_path, text, key, fragment):
    path = tmp_path / "settings.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and key in message and fragment in message
    assert len(message) < 400, "a huge value is cut, not echoed in full"


def test_a_huge_value_is_not_echoed_in_full(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(f'language = "{"x" * 3000}"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"must be one of ko, en, not 'x+\.\.\. \(3002 characters\)"):
        load_settings(path)


@pytest.mark.parametrize("content, fragment", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a valid TOML file"),
    (b"\xff\xfe l\x00a\x00", "not a valid TOML file"),
    (b"# " + b"x" * (MAX_SETTINGS_BYTES + 10), "larger than"),
])
def test_a_settings_file_that_is_not_toml_text_is_refused(tmp_path, content, fragment):
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    with pytest.raises(SettingsError, match=fragment):
        load_settings(path)


def test_a_settings_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="cannot read the settings file: Is a directory"):
        load_settings(tmp_path)


@pytest.mark.parametrize("overrides, key", [
    ({"camera_fps": -1}, "camera_fps"),
    ({"camera_width": 100000, "camera_height": 100000}, "camera_width"),
    ({"detector_backend": "tensorflow"}, "detector_backend"),
    ({"no_such_thing": 1}, "no_such_thing"),
])
def test_absurd_overrides_are_refused_as_coming_from_the_command_line(overrides, key):
    with pytest.raises(SettingsError) as info:
        load_settings(Path("/nonexistent/settings.toml"), overrides)
    assert str(info.value).startswith("command line: ") and key in str(info.value)


def test_settings_made_in_code_obey_the_same_rules():
    with pytest.raises(SettingsError, match="camera_fps"):
        Settings(camera_fps=-1)
    with pytest.raises(SettingsError, match="detector_backend"):
        Settings(detector_backend="tensorflow")
    with pytest.raises(SettingsError, match="camera_width"):
        Settings().replace(camera_width=100000)
    assert Settings(font_dirs=["a", "b"]).font_dirs == ("a", "b")
    assert Settings(counter_camera=2).counter_camera == "2"


def run_main(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse refuses bad arguments with exit code 2
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.err


def test_selfcheckout_exits_with_the_message_for_a_bad_settings_file(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text('detector_backend = "tensorflow"\n', encoding="utf-8")
    code, err = run_main(capsys, "--config", str(config), "settings")
    assert code == 2 and err.startswith(f"settings error: {config}: setting 'detector_backend'")
    assert "Traceback" not in err


def test_selfcheckout_refuses_a_config_file_that_does_not_exist(tmp_path, capsys):
    code, err = run_main(capsys, "--config", str(tmp_path / "typo.toml"), "settings")
    assert code == 2 and "no such settings file" in err and "typo.toml" in err


@pytest.mark.parametrize("argv, fragment", [
    (["run", "--size", "100000x100000"], "outside 320x240 to 7680x4320"),
    (["run", "--size", "big"], "is not WIDTHxHEIGHT"),
    (["run", "--size", "0x0"], "outside"),
    (["demo", "--duration", "-1"], "more than 0"),
    (["demo", "--duration", "nan"], "more than 0"),
    (["demo", "--duration", "soon"], "not a number"),
    (["run", "--lang", "fr"], "invalid choice"),
])
def test_absurd_command_line_values_are_refused_before_anything_starts(capsys, argv, fragment):
    code, err = run_main(capsys, *argv)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_an_empty_data_dir_on_the_command_line_is_refused(capsys):
    code, err = run_main(capsys, "--data-dir", "", "db")
    assert code == 2 and "data_dir" in err and "must not be empty" in err


def test_a_bad_database_url_on_the_command_line_is_one_line_without_the_password(capsys):
    code, err = run_main(capsys, "--database-url", "postgresql+nosuchdriver://kiosk:s3cret@db/store", "db")
    assert code == 3 and err.startswith("database error: ") and "s3cret" not in err
    assert err.count("\n") == 1


def test_a_data_dir_that_cannot_be_made_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, err = run_main(capsys, "--data-dir", str(blocker / "data"), "db")
    assert code == 1 and str(blocker) in err and "Traceback" not in err


def test_the_real_command_exits_non_zero_without_a_traceback(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text("camera_fps = -5\n", encoding="utf-8")
    env = {**os.environ, "SELFCHECKOUT_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "app", "--config", str(config), "settings"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"settings error: {config}: setting 'camera_fps' must be between 1 and "
                                     "240, not -5")
