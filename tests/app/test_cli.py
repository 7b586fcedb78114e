"""The ``selfcheckout`` command: subcommands, catalog import, settings errors, and a headless run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_subcommands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "cameras", "catalog", "db", "settings"):
        assert f"    {command}" in out


def test_python_dash_m_app_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "app", "--version"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("selfcheckout ")


def test_catalog_import_rejects_a_malformed_file_and_changes_nothing(tmp_path, capsys):
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "catalog", "list"]) == 0
    before = capsys.readouterr().out
    assert "코카콜라 500ml" in before
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name_ko,name_en,price_won,detector_class,age_restricted\n"
                   "A-1,사과,Apple,1000,apple,false\n"
                   "B-2,배,Pear,-5,pear,false\n", encoding="utf-8")
    assert main([*data, "catalog", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "database unchanged" in err
    assert main([*data, "catalog", "list"]) == 0
    assert capsys.readouterr().out == before


def test_a_bad_settings_file_is_reported_with_file_and_key(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text('camera_fps = 100000\n', encoding="utf-8")
    assert main(["--config", str(config), "settings"]) == 2
    err = capsys.readouterr().err
    assert str(config) in err and "camera_fps" in err


def test_run_without_display_or_camera_runs_the_demo_offscreen_and_saves_a_screenshot(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["SELFCHECKOUT_DATA_DIR"] = str(tmp_path / "data")
    shot = tmp_path / "kiosk.png"
    result = subprocess.run(
        [sys.executable, "-m", "app", "run", "--counter", "97", "--face", "98", "--duration", "1",
         "--screenshot", str(shot)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No camera found" in result.stdout
    assert "running offscreen" in result.stdout
    assert shot.stat().st_size > 20_000
    assert (tmp_path / "data" / "kiosk.db").exists()


def test_demo_plays_files_and_never_a_missing_webcam(tmp_path):
    from app.core.settings import Settings
    from app.launcher import demo_source, plan_cameras

    plan = plan_cameras(Settings(counter_camera="97", face_camera="98"), demo=True)
    assert plan.demo and plan.counter == demo_source("counter") and plan.counter.endswith("counter.mp4")
    assert plan.face == demo_source("face")
    plan = plan_cameras(Settings(counter_camera=str(tmp_path), face_camera=str(tmp_path)), demo=True)
    assert (plan.counter, plan.face) == (str(tmp_path), str(tmp_path))


def test_operator_pin_sets_the_staff_pin_and_refuses_bad_ones(tmp_path, monkeypatch, capsys):
    import io

    from app.core.operator import pin_file_path, read_pin_file, verify_pin

    key = tmp_path / "cfg" / "face.key"
    config = tmp_path / "settings.toml"
    config.write_text(f'face_key_file = "{key}"\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n12\n"))
    assert main(["--config", str(config), "operator-pin", "--stdin"]) == 2
    assert "4 to 8 digits" in capsys.readouterr().err and read_pin_file(pin_file_path(key)) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n2469\n"))
    assert main(["--config", str(config), "operator-pin", "--stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n2468\n"))
    assert main(["--config", str(config), "operator-pin", "--stdin"]) == 0
    assert verify_pin("2468", read_pin_file(pin_file_path(key)))


@pytest.mark.slow
def test_the_demo_tour_walks_a_whole_sale_and_saves_every_state(tmp_path):
    """The real demo end to end, offscreen: the counter video (its last, settled seconds), the real
    detector, the checkout, the staff PIN pad for the beer, the presenter's face steps, the receipt."""
    import cv2

    source = cv2.VideoCapture(str(PROJECT_ROOT / "resources" / "demo" / "counter.mp4"))
    clip = tmp_path / "counter.avi"
    writer = None
    index = 0
    while True:
        ok, frame = source.read()
        if not ok:
            break
        if index >= 330:  # five items lying still (see counter.json)
            if writer is None:
                writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 15.0,
                                         (frame.shape[1], frame.shape[0]))
            writer.write(frame)
        index += 1
    writer.release()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["SELFCHECKOUT_DATA_DIR"] = str(tmp_path / "data")
    env["OMP_NUM_THREADS"] = "1"
    tour = tmp_path / "tour"
    result = subprocess.run([sys.executable, "-m", "app", "demo", "--counter", str(clip), "--face", "",
                             "--tour", str(tour)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    names = sorted(p.name for p in tour.iterdir())
    assert names == ["01-scanning.png", "02-staff-pin.png", "03-staff-menu.png", "04-review.png",
                     "05-identify.png", "06-liveness.png", "07-confirm.png", "08-paid.png", "09-idle.png",
                     "10-admin.png", "11-registration.png", "receipt.pdf", "receipt.txt"], result.stdout
    receipt = (tour / "receipt.txt").read_text(encoding="utf-8")
    assert "카스 후레쉬 맥주 캔 355ml" in receipt and "13,130원" in receipt, receipt
