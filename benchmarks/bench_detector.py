"""Time the product detector's two backends on the same frames in one run.

    .venv/bin/python benchmarks/bench_detector.py [--model models/kiosk_demo] [--frames 50] [--threads 2]

Frames come from the demo counter video (or --images DIR of a generated split). Each backend gets a
warm-up, then the same frames; the script prints ms per frame (mean, p50, p95) for the whole
``detect()`` call (pre-processing, network, decoding and NMS) and the mmdet/onnxruntime ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.vision.detection import open_detector  # noqa: E402


def load_frames(args: argparse.Namespace) -> list[np.ndarray]:
    if args.images:
        folder = Path(args.images)
        images = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))["images"]
        return [cv2.imread(str(folder / im["file_name"])) for im in images[: args.frames]]
    capture = cv2.VideoCapture(str(args.video))
    frames = []
    while len(frames) < args.frames:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        sys.exit(f"no frames could be read from {args.video}")
    return frames


def time_backend(detector, frames: list[np.ndarray], warmup: int = 3) -> list[float]:
    for frame in frames[:warmup]:
        detector.detect(frame)
    times = []
    for frame in frames:
        start = time.perf_counter()
        detector.detect(frame)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "kiosk_demo"))
    parser.add_argument("--video", default=str(ROOT / "resources" / "demo" / "counter.mp4"))
    parser.add_argument("--images", help="a split folder with annotations.json instead of the video")
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch/onnxruntime threads (0: library default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    frames = load_frames(args)
    results = {}
    for backend in ("mmdet", "onnxruntime"):
        detector = open_detector(args.model, backend, threads=args.threads or None)
        results[backend] = time_backend(detector, frames)
    h, w = frames[0].shape[:2]
    size = open_detector(args.model, "onnxruntime").bundle.input_size
    cpu = platform.processor() or platform.machine()
    print(f"{len(frames)} frames of {w}x{h}, network input {size[0]}x{size[1]}, {cpu}")
    for backend, times in results.items():
        p95 = float(np.percentile(times, 95))
        mean, p50 = statistics.mean(times), statistics.median(times)
        print(f"{backend:<12} mean {mean:7.1f} ms   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    ratio = statistics.mean(results["mmdet"]) / statistics.mean(results["onnxruntime"])
    print(f"onnxruntime is {ratio:.1f}x faster than mmdet (PyTorch eager)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
