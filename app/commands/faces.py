"""``selfcheckout eval-faces DIR``: how well the face pipeline identifies real people, per backend.

DIR holds one folder of photos per person. People with more than ``--enrol-per-person`` photos are
registered with their first N photos (sorted by name) and probed with the rest; people with N or fewer
photos stay unregistered and all their photos are impostor probes. Per backend it reports TAR (genuine
probes accepted as the right person), FAR (unregistered probes accepted as anyone), rank-1 accuracy
(the best-scoring customer is the right one, whatever the threshold), the threshold and margin, and the
score ranges that calibrate them. The same detector, alignment and embedders as the kiosk are used.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


@dataclass
class Photo:
    person: str
    path: Path
    landmarks: np.ndarray | None = None
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class BackendReport:
    backend: str
    threshold: float
    margin: float
    registered: int
    enrolled_photos: int
    genuine_probes: int
    impostor_probes: int
    tar: float | None
    far: float | None
    rank1: float | None
    misidentified: int
    genuine_min: float | None
    impostor_max: float | None
    failures: list[str]


def load_people(root: Path, exclude: set[str]) -> dict[str, list[Path]]:
    people = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in exclude):
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if photos:
            people[folder.name] = photos
    return people


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def evaluate_backend(backend: str, photos: list[Photo], enrol: dict[str, list[Photo]],
                     registered: set[str]) -> BackendReport:
    from app.vision.faces.gallery import Gallery

    gallery = Gallery(backend)
    for person, shots in enrol.items():
        for shot in shots:
            gallery.add(person, shot.vectors[backend], backend=backend, pose=shot.path.name)
    enrolled_paths = {s.path for shots in enrol.values() for s in shots}
    accepted_ok = rank1 = misidentified = false_accepts = 0
    genuine, impostor_scores, genuine_scores, failures = 0, [], [], []
    for photo in photos:
        if photo.path in enrolled_paths or backend not in photo.vectors:
            continue
        scores = gallery.scores(photo.vectors[backend])
        decision = gallery.match(photo.vectors[backend])
        impostor_scores += [s for cid, s in scores.items() if cid != photo.person]
        name = f"{photo.person}/{photo.path.name}"
        if photo.person in registered:
            genuine += 1
            genuine_scores.append(scores[photo.person])
            rank1 += max(scores, key=scores.__getitem__) == photo.person
            if decision.accepted and decision.customer_id == photo.person:
                accepted_ok += 1
            else:
                misidentified += decision.accepted
                failures.append(f"{name}: {decision.reason.value} (score {decision.score:.3f}, "
                                f"best {decision.best_candidate})")
        elif decision.accepted:
            false_accepts += 1
            failures.append(f"{name} (unregistered) accepted as {decision.customer_id} "
                            f"({decision.score:.3f})")
    impostors = sum(1 for p in photos if p.person not in registered and backend in p.vectors)
    return BackendReport(
        backend=backend, threshold=gallery.threshold, margin=gallery.margin, registered=len(enrol),
        enrolled_photos=len(enrolled_paths), genuine_probes=genuine, impostor_probes=impostors,
        tar=_ratio(accepted_ok, genuine), far=_ratio(false_accepts, impostors), rank1=_ratio(rank1, genuine),
        misidentified=misidentified, genuine_min=min(genuine_scores, default=None),
        impostor_max=max(impostor_scores, default=None), failures=failures)


def pair_stats(photos: list[Photo], backend: str, threshold: float) -> dict[str, Any]:
    """All photo pairs: genuine (same person) and impostor similarity ranges, for calibration."""
    shots = [p for p in photos if backend in p.vectors]
    if len(shots) < 2:
        return {}
    sims = np.stack([p.vectors[backend] for p in shots]) @ np.stack([p.vectors[backend] for p in shots]).T
    genuine, impostor = [], []
    for i in range(len(shots)):
        for j in range(i + 1, len(shots)):
            pair = (float(sims[i, j]), f"{shots[i].person}/{shots[i].path.name}",
                    f"{shots[j].person}/{shots[j].path.name}")
            (genuine if shots[i].person == shots[j].person else impostor).append(pair)
    out: dict[str, Any] = {"genuine_pairs": len(genuine), "impostor_pairs": len(impostor),
                           "impostor_pairs_accepted": sum(s >= threshold for s, _, _ in impostor),
                           "genuine_pairs_rejected": sum(s < threshold for s, _, _ in genuine)}
    if genuine:
        out["genuine_min"] = min(genuine)
    if impostor:
        out["impostor_max"] = max(impostor)
    return out


def run_eval(root: Path, backends: list[str], enrol_per_person: int = 1, *, exclude: set[str] | None = None,
             max_side: int = 640, detector: Any = None, config: Any = None) -> dict[str, Any]:
    """The evaluation as one JSON-ready dict (``backends``: per backend, ``skipped``: backend → why).

    ``config`` (an ``EmbedderConfig``) says where FaceNet weights are; by default only the torch hub
    cache is looked at and nothing is downloaded.
    """
    import cv2

    from app.vision.faces.align import align_face
    from app.vision.faces.detector import MtcnnDetector
    from app.vision.faces.embedder import EmbedderConfig, FaceWeightsError, make_embedder

    people = load_people(root, exclude if exclude is not None else {"group"})
    registered = {p for p, shots in people.items() if len(shots) > enrol_per_person}
    detector = detector or MtcnnDetector(max_side=max_side, min_face_px=32)
    photos: list[Photo] = []
    frames: dict[Path, np.ndarray] = {}
    for person, paths in people.items():
        for path in paths:
            photo = Photo(person, path)
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            face = detector.detect(image) if image is not None else None
            if face is not None:
                photo.landmarks = face.landmarks
                frames[path] = image
            photos.append(photo)
    found = [p for p in photos if p.landmarks is not None]
    result: dict[str, Any] = {
        "dir": str(root), "photos": len(photos), "faces_found": len(found), "people": len(people),
        "registered": sorted(registered), "unregistered": sorted(set(people) - registered),
        "no_face": [f"{p.person}/{p.path.name}" for p in photos if p.landmarks is None],
        "enrol_per_person": enrol_per_person, "backends": {}, "skipped": {}}
    for backend in backends:
        try:
            embedder = make_embedder(backend, replace(config or EmbedderConfig(), backend=backend))
        except FaceWeightsError as exc:
            result["skipped"][backend] = str(exc)
            continue
        for photo in found:
            chip = align_face(frames[photo.path], photo.landmarks, embedder.chip)
            photo.vectors[backend] = embedder.embed([chip])[0]
        enrol = {person: [p for p in found if p.person == person][:enrol_per_person] for person in registered}
        enrol = {person: shots for person, shots in enrol.items() if shots}
        report = evaluate_backend(backend, found, enrol, set(enrol))
        result["backends"][backend] = asdict(report) | {"pairs": pair_stats(found, backend, report.threshold)}
    return result


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _print_text(result: dict[str, Any]) -> None:
    missing = f" (none in: {', '.join(result['no_face'])})" if result["no_face"] else ""
    print(f"{result['dir']}: {result['people']} people, {result['photos']} photos, MTCNN found a face in "
          f"{result['faces_found']}{missing}")
    print(f"registered ({result['enrol_per_person']} photo(s) enrolled each): "
          f"{', '.join(result['registered'])}")
    print(f"unregistered: {', '.join(result['unregistered'])}")
    for name, r in result["backends"].items():
        print(f"\n[{name}] threshold {r['threshold']:.3f}, margin {r['margin']:.3f}")
        print(f"  TAR    {_fmt(r['tar'])}  ({r['genuine_probes']} genuine probes)")
        print(f"  FAR    {_fmt(r['far'])}  ({r['impostor_probes']} unregistered probes)")
        print(f"  rank-1 {_fmt(r['rank1'])}")
        gmin, imax = r["genuine_min"], r["impostor_max"]
        if gmin is not None and imax is not None:
            print(f"  lowest genuine score {gmin:.3f}, highest impostor score {imax:.3f}")
        pairs = r["pairs"]
        if "genuine_min" in pairs and "impostor_max" in pairs:
            (gs, *g), (is_, *i) = pairs["genuine_min"], pairs["impostor_max"]
            print(f"  all pairs: {pairs['genuine_pairs']} genuine >= {gs:.3f} ({' / '.join(g)}), "
                  f"{pairs['impostor_pairs']} impostor <= {is_:.3f} ({' / '.join(i)}); at the threshold "
                  f"{pairs['genuine_pairs_rejected']} genuine rejected, {pairs['impostor_pairs_accepted']} "
                  "impostor accepted")
        for failure in r["failures"]:
            print(f"  ! {failure}")
    for name, why in result["skipped"].items():
        print(f"\n[{name}] skipped: {why}")


def cmd_eval_faces(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        print(f"eval-faces: {root} is not a folder of person folders", file=sys.stderr)
        return 2
    from app.core.settings import load_settings
    from app.vision.faces.embedder import EmbedderConfig

    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    config_file = getattr(args, "config", None)
    config = EmbedderConfig.from_settings(load_settings(Path(config_file) if config_file else None))
    backends = ["facenet", "dlib"] if args.backend == "all" else [args.backend]
    result = run_eval(root, backends, args.enrol_per_person, exclude=set(args.exclude or ["group"]),
                      max_side=args.max_side, config=config)
    if args.json:
        print(json.dumps(result, indent=None, sort_keys=True))
    else:
        _print_text(result)
    return 0 if result["backends"] else 1


def add_subcommands(subparsers: Any) -> None:
    """Register ``eval-faces`` on the ``selfcheckout`` subparsers."""
    p = subparsers.add_parser("eval-faces",
                              help="measure face identification (TAR, FAR, rank-1) on a photo folder",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", metavar="DIR", help="folder with one sub-folder of photos per person")
    p.add_argument("--backend", choices=("dlib", "facenet", "all"), default="all",
                   help="embedder backend(s) to evaluate (default: all whose weights are available)")
    p.add_argument("--enrol-per-person", dest="enrol_per_person", type=int, default=1,
                   help="photos enrolled per registered person (default 1)")
    p.add_argument("--exclude", action="append", default=None,
                   help="person folder to ignore (repeatable; default: group)")
    p.add_argument("--max-side", dest="max_side", type=int, default=640,
                   help="longest image side MTCNN runs on (default 640)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads for MTCNN/FaceNet (default: torch's choice, one per core)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_eval_faces)
