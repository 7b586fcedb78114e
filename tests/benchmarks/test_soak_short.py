"""The short version of the soak run: the real kiosk, sales in a loop for a little while, then the
same checks as the hour-long run (threads and descriptors do not grow, the ledger is consistent,
no exception escaped a Qt slot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_soak_sells_and_leaves_a_consistent_ledger(tmp_path, shared_faces):
    out = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    photos = sorted((shared_faces / "obama").iterdir())
    photo = next(p for p in photos if p.suffix.lower() in (".jpg", ".png"))
    result = subprocess.run(
        [sys.executable, "benchmarks/soak.py", "--minutes", "0.75", "--sample-s", "2", "--pay-early",
         "--max-growth", "50", "--face-photo", str(photo), "--json", str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["sales"] >= 1 and report["ledger"]["sales"] == report["sales"], report["ledger"]
    assert report["ledger"]["problems"] == [] and report["slot_exceptions"] == 0
    assert report["growth"]["threads_growth"] == 0 and report["growth"]["fds_growth"] == 0
