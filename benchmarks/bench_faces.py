"""Per-frame cost of the face pipeline (detect, quality, align, embed, match) on this CPU, per backend.

    python benchmarks/bench_faces.py [--frames N] [--backend dlib|facenet|all] [--max-side PX]
                                    [--threads N] [--random-facenet]

Frames are 1280 x 720 camera-like images built from the photos in ../shared/faces (each photo scaled
into the frame, as a face camera would see a customer); without them, a synthetic frame without a face
(detection cost only). The gallery holds the photos' templates plus random ones up to ``--gallery``.
Prints the mean and 95th percentile in milliseconds per stage. Not part of the test suite.

On a CPU shared with other busy processes, torch's default of one OpenMP thread per core can be many
times slower than ``--threads 1`` (threads spin waiting for each other): compare both.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.vision.faces.detector import MtcnnDetector  # noqa: E402
from app.vision.faces.embedder import (  # noqa: E402
    EmbedderConfig,
    FaceWeightsError,
    make_embedder,
    sha256_of,
)
from app.vision.faces.gallery import Gallery  # noqa: E402
from app.vision.faces.pipeline import STAGES, FacePipeline  # noqa: E402

FACES = ROOT.parent / "shared" / "faces"
FRAME_W, FRAME_H = 1280, 720


def camera_frames() -> list[np.ndarray]:
    frames = []
    for path in sorted(FACES.glob("*/*.jpg")) if FACES.is_dir() else []:
        if path.parent.name == "group":
            continue
        image = cv2.imread(str(path))
        scale = min(FRAME_W / image.shape[1], FRAME_H / image.shape[0])
        resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)),
                             interpolation=cv2.INTER_AREA)
        frame = np.full((FRAME_H, FRAME_W, 3), 90, np.uint8)
        y, x = (FRAME_H - resized.shape[0]) // 2, (FRAME_W - resized.shape[1]) // 2
        frame[y:y + resized.shape[0], x:x + resized.shape[1]] = resized
        frames.append(frame)
    if not frames:
        print(f"note: {FACES} not found; timing a synthetic frame without a face (detection only)")
        rng = np.random.default_rng(0)
        frames.append(cv2.GaussianBlur(rng.integers(0, 255, (FRAME_H, FRAME_W, 3), np.uint8), (9, 9), 0))
    return frames


def random_facenet_config(folder: Path) -> EmbedderConfig:
    """A randomly initialised InceptionResnetV1 saved to ``folder``: same cost, meaningless matches."""
    import torch
    from facenet_pytorch import InceptionResnetV1

    path = folder / "facenet-random.pt"
    torch.save(InceptionResnetV1(pretrained=None).state_dict(), path)
    return EmbedderConfig(backend="facenet", facenet_weights=str(path), facenet_sha256=sha256_of(path))


def bench_backend(backend: str, detector: MtcnnDetector, frames: list[np.ndarray], n: int,
                  gallery_size: int, config: EmbedderConfig | None = None) -> dict[str, list[float]] | str:
    try:
        embedder = make_embedder(backend, config or EmbedderConfig(backend=backend))
    except FaceWeightsError as exc:
        return str(exc)
    gallery = Gallery(backend)
    pipeline = FacePipeline(detector, embedder, gallery)
    for i, frame in enumerate(frames):
        face = detector.detect(frame)
        if face is not None:
            gallery.add(f"photo-{i}", pipeline.embed_face(frame, face), backend=backend)
    rng = np.random.default_rng(1)
    while len(gallery) < gallery_size:
        gallery.add(f"random-{len(gallery)}", rng.standard_normal(embedder.dim), backend=backend)
    for frame in frames[:3]:  # warm-up
        pipeline.process(frame)
    samples: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "total")}
    for i in range(n):
        start = time.perf_counter()
        obs = pipeline.process(frames[i % len(frames)])
        samples["total"].append((time.perf_counter() - start) * 1000)
        for stage in STAGES:
            if stage in obs.timings_ms:
                samples[stage].append(obs.timings_ms[stage])
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40, help="frames timed per backend (default 40)")
    parser.add_argument("--backend", choices=("dlib", "facenet", "all"), default="all")
    parser.add_argument("--max-side", type=int, default=480,
                        help="MTCNN input size (default 480, the kiosk's)")
    parser.add_argument("--gallery", type=int, default=100, help="templates in the gallery (default 100)")
    parser.add_argument("--random-facenet", action="store_true",
                        help="time FaceNet with random weights when the real ones are missing (cost only)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch intra-op threads (default: torch's choice, one per core)")
    args = parser.parse_args(argv)

    import torch

    if args.threads > 0:
        torch.set_num_threads(args.threads)

    frames = camera_frames()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"with {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}")
    print(f"{len(frames)} distinct {FRAME_W}x{FRAME_H} frames, MTCNN on {args.max_side} px, "
          f"{args.frames} timed frames per backend, gallery {args.gallery}")
    detector = MtcnnDetector(max_side=args.max_side)
    backends = ["dlib", "facenet"] if args.backend == "all" else [args.backend]
    for backend in backends:
        result = bench_backend(backend, detector, frames, args.frames, args.gallery)
        label = backend
        if isinstance(result, str) and backend == "facenet" and args.random_facenet:
            with tempfile.TemporaryDirectory() as folder:
                result = bench_backend(backend, detector, frames, args.frames, args.gallery,
                                       random_facenet_config(Path(folder)))
            label = "facenet, random weights: timing only"
        if isinstance(result, str):
            print(f"\n[{backend}] skipped: {result}")
            continue
        print(f"\n[{label}]   stage      n   mean ms    p95 ms")
        for stage, values in result.items():
            if values:
                arr = np.asarray(values)
                print(f"  {stage:>12} {len(arr):>6} {arr.mean():>9.1f} {np.percentile(arr, 95):>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
