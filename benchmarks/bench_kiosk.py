"""End-to-end benchmark of the real kiosk, offscreen, with both cameras played from 30 fps video files.

    .venv/bin/python benchmarks/bench_kiosk.py [--seconds 60] [--backend onnxruntime|mmdet]
                                               [--face-photo PATH] [--json PATH] [--strict]

The counter camera plays the demo counter video re-encoded at 30 fps (every frame twice, so the
timeline in ``resources/demo/counter.json`` still says what lies on the counter), looping; the face
camera plays a 30 fps video made of one real face photo that moves and scales a little per frame
(default: the first photo of the first person in ../shared/faces). Both play in real time, as cameras
would. The data folder and the face key are temporary; detector backend and torch threads are the
settings' defaults unless ``--backend`` is given.

The kiosk runs in a child process so that its start-up time (from process start, Python's imports
included) and its peak memory are its own. After both models are loaded and ``--warmup`` seconds more,
``--seconds`` are measured:

- counter detection and face identification results per second;
- display frames per second per camera, and frames dropped: frames a camera thread read that neither
  the window nor an inference thread ever took (``LatestSlot.dropped``: overwritten before any take);
- product-to-cart latency: from the wall time the window takes the first video frame of a timeline
  change with no hand over the counter, to the time the cart's counts equal the timeline's (0 when the
  cart matched before the hand left); also reported from the first frame with the new counts;
- UI event-loop stalls: lateness of a 10 ms precise QTimer on the GUI thread;
- CPU use (the process's user + system time over wall time, in cores) and peak RSS, of the kiosk
  process and of its child processes (the face process: the face models run there);
- time from process start until the window's first paint, and until each model is loaded.

Prints a markdown table against the targets; ``--json`` writes every number and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    LatencyTracker,
    StallMeter,
    count_changes,
    machine_description,
    markdown_table,
    process_age_s,
    timeline_frames,
)
from kioskhooks import DEMO_DIR, ROOT, SHARED_FACES

FPS = 30.0
TARGETS = {"counter_results_per_s": 15.0, "face_results_per_s": 5.0, "display_fraction": 0.95,
           "latency_p95_ms": 500.0, "stall_max_ms": 50.0, "peak_rss_mb": 2048.0, "window_s": 3.0}


# -- the parent: videos, the child, the report -------------------------------------------------------

def prepare_videos(folder: Path, face_photo: Path) -> dict[str, Any]:
    from benchmedia import frame_count, make_face_video, retime_video

    timeline = json.loads((DEMO_DIR / "counter.json").read_text(encoding="utf-8"))
    factor = round(FPS / float(timeline["fps"]))
    started = time.monotonic()
    counter = retime_video(DEMO_DIR / timeline["video"], folder / "counter-30fps.avi", factor)
    expected = timeline_frames(timeline) * factor
    if counter.frames != expected:
        raise SystemExit(f"the counter video has {counter.frames // factor} frames, its timeline "
                         f"{expected // factor}: they do not belong together")
    if (reported := frame_count(counter.path)) != counter.frames:
        raise SystemExit(f"{counter.path}: wrote {counter.frames} frames, OpenCV reads back {reported}")
    face = make_face_video(face_photo, folder / "face-30fps.avi", fps=FPS, seconds=10.0)
    print(f"videos ready in {time.monotonic() - started:.1f} s: counter {counter.frames} frames "
          f"{counter.width}x{counter.height} at {counter.fps:g} fps (x{factor}), face {face.frames} frames "
          f"{face.width}x{face.height} from {face_photo}")
    return {"counter": str(counter.path), "face": str(face.path), "factor": factor,
            "counter_frames": counter.frames, "timeline": timeline}


def run_child(config: dict[str, Any], folder: Path, timeout_s: float) -> dict[str, Any]:
    config_path, result_path = folder / "child-config.json", folder / "result.json"
    config["result"] = str(result_path)
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(config_path)],
                          cwd=ROOT, env=env, timeout=timeout_s, check=False)
    if not result_path.is_file():
        raise SystemExit(f"the kiosk process ended (exit {proc.returncode}) without a result; see "
                         f"{config['log']}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["child_exit_code"] = proc.returncode
    return result


def _fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def report_rows(r: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """(table rows, names of the missed targets)."""
    m, t = r["measure"], TARGETS
    rows: list[list[str]] = []
    missed: list[str] = []

    def row(metric: str, value: str, target: str, ok: bool | None) -> None:
        rows.append([metric, value, target, _met(ok)])
        if ok is False:
            missed.append(metric)

    def at_least(value: float | None, low: float) -> bool | None:
        return None if value is None else value >= low

    def at_most(value: float | None, high: float) -> bool | None:
        return None if value is None else value <= high

    row("counter detection results/s", _fmt(m["counter_results_per_s"]), f">= {t['counter_results_per_s']:g}",
        at_least(m["counter_results_per_s"], t["counter_results_per_s"]))
    row("face identification results/s", _fmt(m["face_results_per_s"]), f">= {t['face_results_per_s']:g}",
        at_least(m["face_results_per_s"], t["face_results_per_s"]))
    for role, cam in m["cameras"].items():
        low = FPS * t["display_fraction"]
        row(f"{role} display frames/s (camera read/s)",
            f"{_fmt(cam['display_fps'])} ({_fmt(cam['read_fps'])})",
            f"camera rate {FPS:g} (>= {low:g})", at_least(cam["display_fps"], low))
        row(f"{role} frames dropped (taken by nobody)", f"{cam['dropped']} of {cam['frames_read']} "
            f"({_fmt(cam['dropped_pct'])}%)", "", None)
    lat = r["latency"]["from_settled_ms"]
    row("product-to-cart latency p50", _fmt(lat["p50"], 0, " ms"), "", None)
    row(f"product-to-cart latency p95 ({lat['n']} changes)", _fmt(lat["p95"], 0, " ms"),
        f"<= {t['latency_p95_ms']:g} ms", at_most(lat["p95"], t["latency_p95_ms"]))
    missing = r["latency"]["changes_shown"] - r["latency"]["matched"]
    row("counter changes the cart never matched", f"{missing} of {r['latency']['changes_shown']}", "0",
        missing == 0 if r["latency"]["changes_shown"] else None)
    stall = r["ui_stall_ms"]["after_window"]
    row(f"UI stall max (from window shown; worst at {_fmt(stall['max_at_s'], 1, ' s')})",
        _fmt(stall["max"], 0, " ms"), f"<= {t['stall_max_ms']:g} ms",
        at_most(stall["max"], t["stall_max_ms"]))
    row("UI stall p99 (from window shown)", _fmt(stall["p99"], 1, " ms"), "", None)
    steady = r["ui_stall_ms"]["measured"]
    row("UI stall max / p99 (measured window)", f"{_fmt(steady['max'], 0)} / {_fmt(steady['p99'], 1)} ms", "",
        None)
    children_cpu = m.get("cpu_cores_children")
    row("CPU use (measured window)", f"{_fmt(m['cpu_cores'], 2)} cores of {r['machine']['usable_cores']}"
        + ("" if children_cpu is None else f" (+ {_fmt(children_cpu, 2)} in the face process)"), "", None)
    rss = r["rss_mb"]
    children_peak = rss.get("children_peak") or {}
    if not children_peak:
        row("peak RSS", _fmt(rss["peak"], 0, " MB"), f"<= {t['peak_rss_mb']:g} MB",
            at_most(rss["peak"], t["peak_rss_mb"]))
    else:
        row("peak RSS of the kiosk process", _fmt(rss["peak"], 0, " MB"), "", None)
        for kind, mb in children_peak.items():
            row(f"peak RSS of the {kind}", _fmt(mb, 0, " MB"), "", None)
        total = rss["peak"] + sum(children_peak.values())
        row("peak RSS, all processes (sum of peaks)", _fmt(total, 0, " MB"), f"<= {t['peak_rss_mb']:g} MB",
            at_most(total, t["peak_rss_mb"]))
    window = r["startup_s"].get("window_painted")
    row("window visible after process start", _fmt(window, 2, " s"), f"<= {t['window_s']:g} s",
        at_most(window, t["window_s"]))
    for name, label in (("detector_loaded", "detector"), ("faces_loaded", "face models")):
        row(f"{label} loaded after process start", _fmt(r["startup_s"].get(name), 2, " s"), "", None)
    return rows, missed


def parent(args: argparse.Namespace) -> int:
    face_photo = Path(args.face_photo) if args.face_photo else None
    if face_photo is None:
        from benchmedia import first_face_photo

        face_photo = first_face_photo(SHARED_FACES)
        if face_photo is None:
            raise SystemExit(f"no face photo in {SHARED_FACES}; give one with --face-photo")
    machine = machine_description()
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        media = prepare_videos(folder, face_photo)
        config = {**media, "seconds": args.seconds, "warmup": args.warmup, "load_timeout": args.load_timeout,
                  "backend": args.backend, "folder": str(folder), "log": str(folder / "kiosk.log"),
                  "face_photo": str(face_photo)}
        print(f"running the kiosk: models load, {args.warmup:g} s warm-up, {args.seconds:g} s measured "
              f"(load average {os.getloadavg()[0]:.2f} on {machine['usable_cores']} cores)")
        result = run_child(config, folder, args.seconds + args.warmup + args.load_timeout + 120)
    result["machine"] = machine
    result["targets"] = TARGETS
    rows, missed = report_rows(result)
    result["missed"] = missed
    print()
    print(f"Kiosk benchmark: {result['measure']['seconds']:.0f} s measured, detector "
          f"{result['models'].get('detector_backend')}, face {result['models'].get('face_backend')}, "
          f"{machine['cpu']} ({machine['usable_cores']} cores), load average at start "
          f"{machine['load_average'][0]}")
    print()
    print(markdown_table(rows, ("metric", "measured", "target", "met?")))
    d = result["detector_ms"]
    handlers = ", ".join(f"{name} {_fmt(v['mean'])}/{_fmt(v['p99'])}/{_fmt(v['max'])}"
                         for name, v in result["gui_handler_ms"].items())
    lat = result["latency"]["from_change_ms"]
    print(f"\ndetector ms per frame in the kiosk: p50 {_fmt(d['p50'])}, p95 {_fmt(d['p95'])}; GUI-thread "
          f"handlers ms (mean/p99/max): {handlers}; latency from the first frame with the new counts (hand "
          f"still there): p50 {_fmt(lat['p50'], 0)} ms, p95 {_fmt(lat['p95'], 0)} ms; whole-run CPU "
          f"{_fmt(result['cpu_cores_whole_run'], 2)} cores")
    if result["slot_tracebacks"]:
        print(f"\n{result['slot_exceptions']} unhandled exceptions in Qt slots (each would end the kiosk); "
              f"the first:\n{result['slot_tracebacks'][0]}")
    if result["errors"]:
        print("\nerrors:\n  " + "\n  ".join(e.splitlines()[0] for e in result["errors"]))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nwrote {args.json}")
    if result.get("child_exit_code") or result["errors"] or result["slot_exceptions"]:
        return 2
    return 1 if missed and args.strict else 0


# -- the child: the kiosk, measured -------------------------------------------------------------------

def child_processes() -> dict[int, str]:
    """This process's child processes (pid → what they are), from /proc (Linux): the face process runs
    the face models; multiprocessing's resource tracker watches its shared memory."""
    me, found = os.getpid(), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) != me:
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
        found[int(entry)] = ("resource tracker" if "resource_tracker" in command
                             else "face process" if "spawn_main" in command else "child process")
    return found


def process_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


class Probe:
    """Everything the child measures, driven by a 100 ms QTimer on the GUI thread."""

    def __init__(self, config: dict[str, Any], t0: float) -> None:
        self.config, self.t0 = config, t0
        self.marks: dict[str, float] = {}
        self.errors: list[str] = []
        self.display: dict[str, int] = {}
        self.detector_ms: list[float] = []
        self.handler_ms: dict[str, list[float]] = {}
        self.phase = "loading"
        self.meter = StallMeter(0.010)
        self.stall_from_window = 0
        self.stall_from_measure = 0
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.phase_until = 0.0
        self.tracker = LatencyTracker([], 1)  # replaced once the kiosk (and its cart) exists

    def track(self, cart_counts: Callable[[], Mapping[str, int]]) -> LatencyTracker:
        timeline = self.config["timeline"]
        changes = count_changes(timeline["segments"], scale=self.config["factor"], loop=True)
        self.tracker = LatencyTracker(changes, self.config["counter_frames"], loop=True,
                                      cart_counts=cart_counts)
        return self.tracker

    def time_handler(self, kiosk: Any, name: str) -> None:
        """Time the kiosk's GUI-thread handler ``name`` (set on the instance before ``start()`` connects
        it; ``_show_frame`` is looked up on every frame). Includes waits for the GIL."""
        handler, times = getattr(kiosk, name), self.handler_ms.setdefault(name, [])

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return handler(*args)
            finally:
                if self.phase == "measure":
                    times.append((time.perf_counter() - started) * 1000)

        setattr(kiosk, name, timed)

    def mark(self, name: str) -> None:
        if name not in self.marks:
            self.marks[name] = round(time.monotonic() - self.t0, 3)


def child(config_path: str) -> int:
    t_process = time.monotonic() - (process_age_s() or 0.0)
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    from kioskhooks import SlotExceptions, prepare_environment, setup_logging

    prepare_environment()
    probe = Probe(config, t_process)
    errors = setup_logging(Path(config["log"]))
    slot_errors = SlotExceptions().install()
    import resource

    from kioskhooks import cart_counts, temp_settings, watch_display
    from PyQt5.QtCore import QEvent, QObject, Qt, QTimer

    from app.kiosk import CameraPlan, Kiosk
    from app.store.startup import open_store
    from app.ui.app import create_app

    probe.mark("imports")
    settings = temp_settings(Path(config["folder"]), config["backend"])
    qt_app = create_app([sys.argv[0]], settings)
    probe.mark("qt_app")
    store = open_store(settings)
    probe.mark("store")
    plan = CameraPlan(config["counter"], config["face"], demo=False, note="benchmark")
    kiosk = Kiosk(settings, store, plan)
    probe.mark("kiosk")

    class FirstPaint(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Paint and "window_painted" not in probe.marks:
                probe.mark("window_painted")
                probe.stall_from_window = len(probe.meter.lateness_s)
            return False

    painted = FirstPaint()
    kiosk.window.installEventFilter(painted)
    kiosk.window.resize(1280, 800)
    stall_timer = QTimer(interval=10, timeout=probe.meter.tick)
    stall_timer.setTimerType(Qt.PreciseTimer)
    for name in ("_show_frame", "_show_detections", "_show_face"):
        probe.time_handler(kiosk, name)
    kiosk.window.show()
    probe.mark("show")
    probe.meter.start()
    stall_timer.start()
    kiosk.start()
    probe.mark("kiosk_started")

    tracker = probe.track(lambda: cart_counts(kiosk.cart))
    kiosk.cart.add_listener(lambda cart: tracker.cart_changed(cart_counts(cart), time.monotonic()))
    for role, worker in kiosk.workers.items():
        probe.display[role] = 0

        def on_frame(index: int, t: float, role: str = role) -> None:
            probe.display[role] += 1
            if role == "counter":
                tracker.frame_shown(index, t)

        watch_display(worker, on_frame)
    detector, faces = kiosk.detector_worker, kiosk.face_worker
    if detector is not None:
        detector.model_loaded.connect(lambda _text: probe.mark("detector_loaded"))
        detector.model_failed.connect(lambda msg: (probe.mark("detector_failed"), probe.errors.append(msg)))
        detector.result_ready.connect(lambda res: probe.detector_ms.append(res.ms)
                                      if probe.phase == "measure" else None)
        if detector.detector is not None:
            probe.mark("detector_loaded")
    if faces is not None:
        faces.ready.connect(lambda _text: probe.mark("faces_loaded"))
        faces.failed.connect(lambda msg: (probe.mark("faces_failed"), probe.errors.append(msg)))
        if faces.pipeline is not None:
            probe.mark("faces_loaded")
    if detector is None or faces is None:
        probe.errors.append(f"a camera did not start: workers {sorted(kiosk.workers)}")

    def snapshot() -> dict[str, Any]:
        times = os.times()
        children = child_processes()
        return {"t": time.monotonic(), "cpu": times.user + times.system,
                "children_cpu": sum(process_cpu_s(pid) for pid in children),
                "children_peak_rss_mb": {kind: process_peak_rss_mb(pid) for pid, kind in children.items()},
                "counter_results": detector.results if detector else 0,
                "face_results": faces.results if faces else 0,
                "cameras": {role: {"frames_read": w.frames_read, "dropped": w.latest.dropped,
                                   "corrupt": w.corrupt_frames, "display": probe.display.get(role, 0)}
                            for role, w in kiosk.workers.items()}}

    def step() -> None:
        try:
            now = time.monotonic()
            if probe.phase == "loading":
                loaded = all(any(f"{what}_{how}" in probe.marks for how in ("loaded", "failed"))
                             for what in ("detector", "faces"))
                if loaded or now - t_process > config["load_timeout"]:
                    if not loaded:
                        probe.errors.append(f"models not loaded after {config['load_timeout']} s")
                    probe.phase, probe.phase_until = "warmup", now + config["warmup"]
            elif probe.phase == "warmup" and now >= probe.phase_until:
                probe.snapshots["start"] = snapshot()
                probe.stall_from_measure = len(probe.meter.lateness_s)
                tracker.start()
                probe.phase, probe.phase_until = "measure", now + config["seconds"]
            elif probe.phase == "measure" and now >= probe.phase_until:
                probe.snapshots["end"] = snapshot()
                tracker.stop()
                stall_timer.stop()
                probe.phase = "done"
                kiosk.window.close()
                qt_app.quit()
        except Exception as exc:  # PyQt5 aborts the process on an exception escaping a slot
            probe.errors.append(f"benchmark probe: {type(exc).__name__}: {exc}")
            qt_app.quit()

    control = QTimer(interval=100, timeout=step)
    control.start()
    qt_app.exec_()
    control.stop()
    stall_timer.stop()
    models = kiosk.models_info()
    result = build_result(probe, models)
    stopping = time.monotonic()
    kiosk.shutdown()
    result["shutdown_s"] = round(time.monotonic() - stopping, 2)
    result["rss_mb"]["peak"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["errors"] = probe.errors + [f"logged: {m}" for m in errors.messages]
    result["slot_exceptions"], result["slot_tracebacks"] = slot_errors.count, slot_errors.tracebacks
    result["errors_logged"] = errors.count
    Path(config["result"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


def build_result(probe: Probe, models: dict[str, Any]) -> dict[str, Any]:
    from benchlib import ProcReader, summary

    start, end = probe.snapshots.get("start"), probe.snapshots.get("end")
    measure: dict[str, Any] = {"seconds": 0.0, "counter_results_per_s": None, "face_results_per_s": None,
                               "cameras": {}, "cpu_cores": None}
    if start and end:
        wall = end["t"] - start["t"]
        cameras = {}
        for role, e in end["cameras"].items():
            s = start["cameras"].get(role, {"frames_read": 0, "dropped": 0, "corrupt": 0, "display": 0})
            read = e["frames_read"] - s["frames_read"]
            dropped = e["dropped"] - s["dropped"]
            cameras[role] = {"frames_read": read, "read_fps": round(read / wall, 2),
                             "displayed": e["display"] - s["display"],
                             "display_fps": round((e["display"] - s["display"]) / wall, 2),
                             "dropped": dropped,
                             "dropped_pct": round(100 * dropped / read, 2) if read else None,
                             "corrupt": e["corrupt"] - s["corrupt"]}
        counted = end["counter_results"] - start["counter_results"]
        measure = {"seconds": round(wall, 2), "counter_results_per_s": round(counted / wall, 2),
                   "face_results_per_s": round((end["face_results"] - start["face_results"]) / wall, 2),
                   "cameras": cameras, "cpu_cores": round((end["cpu"] - start["cpu"]) / wall, 3),
                   "cpu_cores_children": round((end["children_cpu"] - start["children_cpu"]) / wall, 3)}
    times = os.times()
    whole = time.monotonic() - probe.t0
    return {
        "config": {k: v for k, v in probe.config.items() if k != "timeline"},
        "definitions": {
            "dropped": "frames a camera thread read that neither the window nor an inference thread took "
                       "(LatestSlot.dropped: overwritten before any consumer took them)",
            "latency": "from the window taking the first frame of a timeline change without a hand, to the "
                       "cart's detector-class counts equalling the timeline's (0 if they matched earlier); "
                       "from_change_ms starts at the first frame with the new counts (hand still there)",
            "ui_stall": "lateness of a 10 ms Qt.PreciseTimer on the GUI thread",
            "cpu_cores": "process user+system CPU seconds per wall second",
            "startup": "seconds since the process started (Python's imports included)"},
        "startup_s": probe.marks,
        "measure": measure,
        "detector_ms": summary(probe.detector_ms),
        "gui_handler_ms": {name: summary(times) for name, times in probe.handler_ms.items()},
        "latency": probe.tracker.report(),
        "ui_stall_ms": {"after_window": probe.meter.stats(probe.stall_from_window, probe.t0),
                        "measured": probe.meter.stats(probe.stall_from_measure, probe.t0)},
        "cpu_cores_whole_run": round((times.user + times.system) / whole, 3) if whole > 0 else None,
        "rss_mb": {"end": round(ProcReader().rss_kb() / 1024, 1),
                   "children_peak": (end or {}).get("children_peak_rss_mb", {})},
        "models": models,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds measured (default 60)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds between both models loaded and the measurement (default 3)")
    parser.add_argument("--backend", choices=("onnxruntime", "mmdet"), default=None,
                        help="detector backend (default: the settings' default)")
    parser.add_argument("--face-photo", help="the face camera's photo (default: first of ../shared/faces)")
    parser.add_argument("--json", help="write every number and the machine description here")
    parser.add_argument("--load-timeout", type=float, default=180.0,
                        help="give up waiting for the models after this many seconds (default 180)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (videos, data, kiosk.log)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    return parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
