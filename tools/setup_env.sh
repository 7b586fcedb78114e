#!/usr/bin/env bash
# Create or update .venv with everything the kiosk and its tests need, from PyPI only.
#
#   bash tools/setup_env.sh        (what `make setup` runs; `make run` and `make test` call it first)
#
# requirements.txt is a full lock (every package pinned) installed with --no-deps, so the set-up is
# reproducible and never pulls opencv-python (mmengine asks for it; its Qt plugins clash with PyQt5).
# mmcv has no wheels on PyPI: it is built from source once with its C++ ops; pip's wheel cache keeps
# the built wheel, so later set-ups (new venvs included) reuse it. A second run with unchanged inputs
# returns in well under a second thanks to the stamp file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3.11}
VENV=${VENV:-.venv}
STAMP="$VENV/.setup-stamp"
inputs_hash=$(cat requirements.txt setup.cfg pyproject.toml tools/setup_env.sh tools/cxx20 | sha256sum | cut -c1-32)

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$inputs_hash" ]]; then
  exit 0
fi

command -v "$PYTHON" >/dev/null || { echo "setup: $PYTHON not found; install Python 3.11 (or set PYTHON=...)" >&2; exit 1; }
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip --disable-pip-version-check)

echo "setup: installing the pinned packages into $VENV (first run: several minutes)"
"${pip[@]}" install --quiet --no-deps -r <(grep -vE '^mmcv==' requirements.txt)

mmcv_pin=$(grep -E '^mmcv==' requirements.txt)
if ! "$VENV/bin/python" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '${mmcv_pin#mmcv==}')" 2>/dev/null; then
  echo "setup: installing $mmcv_pin with its C++ ops (built from source once, ~11 min on 2 cores; cached after)"
  # torch >= 2.10 headers need C++20; mmcv 2.1.0's setup.py forces -std=c++14/17: tools/cxx20 rewrites it.
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} CXX="$PWD/tools/cxx20" \
    "${pip[@]}" install --quiet --no-deps --no-build-isolation "$mmcv_pin"
fi

"${pip[@]}" install --quiet --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c "import app, torch, mmcv.ops, mmdet, mmengine, facenet_pytorch, dlib, PyQt5.QtWidgets, onnxruntime, cv2" \
  || { echo "setup: the environment in $VENV is incomplete (see the import error above)" >&2; exit 1; }
echo "$inputs_hash" > "$STAMP"
echo "setup: done ($VENV)"
