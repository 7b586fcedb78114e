"""ruff, configured in pyproject.toml, must be clean: the test suite is where CI enforces it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed in the test environment (it is pinned in requirements.txt)")
    targets = [p for p in ("app", "tests", "tools", "benchmarks") if (PROJECT_ROOT / p).is_dir()]
    result = subprocess.run([ruff, "check", "--no-cache", *targets], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
