"""Soak run: the demo flow, sale after sale, for a long time; checks memory, threads, descriptors and the
ledger at the end.

    .venv/bin/python benchmarks/soak.py [--minutes 60] [--sample-s 5] [--face-photo PATH] [--json PATH]
                                        [--pay-early] [--liveness-at-once] [--keep DIR]

The real kiosk runs offscreen in demo mode: the counter plays the demo counter video (once per sale, as
the demo does; the kiosk restarts it when the sale is over), the face camera a looping 30 fps video of
one face photo (see ``bench_kiosk.py``). A driver on a 200 ms QTimer walks each sale like a presenter:
once the counter video has played (``--pay-early``: as soon as the Pay button may be pressed) it
approves age-restricted items with the operator PIN (written to the kiosk's PIN file before the start),
presses Pay, confirms the list, stands in for the face and the head turn (the demo's presenter keys),
pays, and presses Done once the receipt is saved. Data and keys live in a temporary folder.

Every ``--sample-s`` seconds: RSS (VmRSS), threads (/proc/self/task and Python's), open descriptors
(/proc/self/fd) and sales completed. At the end: memory growth after warm-up (the first 20% of the run,
and not before both models are loaded) in %, thread and descriptor growth, and the ledger: every stored
sale has lines, line totals of price x count, a total equal to the sum of its lines, and its receipt
(.txt and .pdf) in the kiosk's receipt folder; the sales stored are the sales the driver saw paid.

An exception escaping a Qt slot would abort a real kiosk (PyQt5's default); here it is recorded
(count and first tracebacks) and the run goes on, so one run reports all of them.

Exit status 1 when memory grows more than ``--max-growth`` % (default 5), threads or descriptors grow,
the ledger is inconsistent, an exception escaped a Qt slot, or (runs of 2 minutes or more) no sale
completed; 2 when the driver or the ledger check itself failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    ProcReader,
    check_ledger,
    growth_report,
    machine_description,
    markdown_table,
    proc_sample,
)
from kioskhooks import (
    DEMO_DIR,
    SHARED_FACES,
    SlotExceptions,
    prepare_environment,
    setup_logging,
    temp_settings,
)

UNKNOWN_PATIENCE_S = 2.0  # an unknown object this long on a finished counter: the attendant dismisses it
RECEIPT_PATIENCE_S = 5.0  # PAID without a saved receipt this long: noted, and the sale is closed anyway


class Driver:
    """Presses what a presenter presses, one action per tick; never raises (PyQt5 would abort)."""

    def __init__(self, kiosk, pin: str, *, pay_early: bool = False, liveness_at_once: bool = False) -> None:
        from app.core.checkout import CheckoutState

        self.kiosk, self.pin, self.pay_early = kiosk, pin, pay_early
        self.liveness_at_once = liveness_at_once
        self.states = CheckoutState
        self.sales = 0
        self.receipts: list[str] = []
        self.actions: Counter[str] = Counter()
        self.errors: list[str] = []
        self.state = None
        self.state_since = time.monotonic()
        self.unknown_since: float | None = None
        self.last_sale_at = time.monotonic()
        self.longest_between_sales_s = 0.0
        self.sale_seconds: list[float] = []

    def counter_done(self) -> bool:
        """The demo video has played to its end (the counter holds the whole basket)."""
        from app.capture.base import SourceState

        worker = self.kiosk.workers.get("counter")
        return worker is not None and worker.source.status.state is SourceState.ENDED

    def step(self) -> None:
        try:
            self._step()
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            if len(self.errors) < 20:
                self.errors.append(f"driver in {self.kiosk.checkout.state.value}: {message}")
            self.actions["driver_error"] += 1

    def _step(self) -> None:
        from app.core.checkout import AttendantReason

        S, kiosk = self.states, self.kiosk  # noqa: N806 - the checkout's own short name
        c = kiosk.checkout
        snap, now = c.snapshot, time.monotonic()
        if c.state is not self.state:
            self.state, self.state_since = c.state, now
        if c.state is S.SCANNING:
            unknown = AttendantReason.UNKNOWN_ITEM in snap.attendant_reasons
            self.unknown_since = (self.unknown_since or now) if unknown else None
            if not snap.lines or snap.settling or not (self.pay_early or self.counter_done()):
                return
            if AttendantReason.AGE_CHECK in snap.attendant_reasons:
                self._act("approve_age", c.approve_age_restricted(self.pin))
            elif unknown and now - self.unknown_since >= UNKNOWN_PATIENCE_S:
                self._act("dismiss_unknown", c.dismiss_unknown(self.pin))
            elif snap.can_review:
                self._act("pay", c.request_review())
        elif c.state is S.REVIEW:
            self._act("confirm_list", c.confirm_list())
        elif c.state is S.IDENTIFY:
            kiosk.presenter_face()
            self.actions["presenter_face"] += 1
            if c.state is S.LIVENESS and self.liveness_at_once:
                kiosk.presenter_liveness()  # F7 and F8 in one go: no face result reaches LIVENESS
                self.actions["presenter_liveness"] += 1
        elif c.state is S.LIVENESS:
            kiosk.presenter_liveness()
            self.actions["presenter_liveness"] += 1
        elif c.state is S.CONFIRM:
            self._act("confirm_payment", c.customer_confirmed())
        elif c.state is S.PAID:
            files = kiosk.last_receipt_files
            saved = files is not None and files[0] == snap.receipt_no
            if saved or now - self.state_since > RECEIPT_PATIENCE_S:
                if not saved:
                    self.errors.append(f"{snap.receipt_no}: no receipt saved after {RECEIPT_PATIENCE_S:g} s")
                self.sales += 1
                self.receipts.append(snap.receipt_no)
                self.sale_seconds.append(now - self.last_sale_at)
                self.longest_between_sales_s = max(self.longest_between_sales_s, now - self.last_sale_at)
                self.last_sale_at = now
                c.cancel("done")
                self.actions["done"] += 1

    def _act(self, name: str, ok: bool) -> None:
        self.actions[name if ok else f"{name}_refused"] += 1


def run(args: argparse.Namespace, folder: Path, face_video: Path) -> dict[str, Any]:
    prepare_environment()
    errors = setup_logging(folder / "kiosk.log")
    slot_errors = SlotExceptions().install()
    from PyQt5.QtCore import QTimer

    from app.core.operator import write_pin_file
    from app.kiosk import CameraPlan, Kiosk
    from app.store.startup import open_store
    from app.ui.app import create_app

    settings = temp_settings(folder)
    qt_app = create_app([sys.argv[0]], settings)
    store = open_store(settings)
    threads_before = ProcReader().thread_names()
    kiosk = Kiosk(settings, store, CameraPlan(args.counter, str(face_video), demo=True, note="soak"))
    write_pin_file(kiosk.pin_file, args.pin)
    kiosk.window.resize(1280, 800)
    kiosk.window.show()
    kiosk.start()
    t0 = time.monotonic()
    duration = args.minutes * 60.0
    driver = Driver(kiosk, args.pin, pay_early=args.pay_early, liveness_at_once=args.liveness_at_once)
    samples = [proc_sample(0.0, 0)]
    loaded: dict[str, float] = {}
    progress_every = max(args.sample_s, min(60.0, duration / 10))
    last_print = [0.0]

    def note_loaded(name: str) -> None:
        loaded.setdefault(name, round(time.monotonic() - t0, 2))

    for worker, signal, name in ((kiosk.detector_worker, "model_loaded", "detector"),
                                 (kiosk.face_worker, "ready", "faces")):
        if worker is not None:
            getattr(worker, signal).connect(lambda *_a, n=name: note_loaded(n))

    def sample() -> None:
        try:
            t = time.monotonic() - t0
            samples.append(proc_sample(t, driver.sales))
            if t - last_print[0] >= progress_every:
                last_print[0] = t
                s = samples[-1]
                print(f"  {t / 60:5.1f} min  sales {s.sales:4d}  RSS {s.rss_kb / 1024:7.1f} MB  threads "
                      f"{s.threads:3d}  fds {s.fds:3d}  state {kiosk.checkout.state.value}", flush=True)
        except Exception as exc:
            driver.errors.append(f"sampling: {type(exc).__name__}: {exc}")

    ledger: dict[str, Any] = {}

    def finish() -> None:
        try:
            sample()
            sales = store.sales_between(datetime.now().astimezone() - timedelta(days=2),
                                        datetime.now().astimezone() + timedelta(days=2))
            problems = check_ledger(sales, kiosk.receipt_dir)
            stored = {s.receipt_no for s in sales}
            if stored != set(driver.receipts):
                seen = set(driver.receipts)
                problems.append(f"the driver saw {len(seen)} sales paid, the store holds {len(stored)}"
                                f" (only in the store: {sorted(stored - seen)[:5]}, only seen: "
                                f"{sorted(seen - stored)[:5]})")
            ledger.update(sales=len(sales), total_won=sum(s.total_won for s in sales), problems=problems)
        except Exception as exc:
            driver.errors.append(f"ledger check: {type(exc).__name__}: {exc}")
        kiosk.window.close()
        qt_app.quit()

    timers = [QTimer(interval=200, timeout=driver.step),
              QTimer(interval=int(args.sample_s * 1000), timeout=sample)]
    for timer in timers:
        timer.start()
    QTimer.singleShot(int(duration * 1000), finish)
    print(f"soak: {args.minutes:g} min, sampling every {args.sample_s:g} s (data in {folder})", flush=True)
    qt_app.exec_()
    ended = time.monotonic()
    for timer in timers:
        timer.stop()
    threads_running = ProcReader().thread_names()
    models = kiosk.models_info()
    kiosk.shutdown()
    time.sleep(0.5)
    threads_after = ProcReader().thread_names()
    warm = max(loaded.values()) if len(loaded) == 2 else duration * args.warmup_fraction
    growth = growth_report(samples, args.warmup_fraction, min_warmup_s=warm)
    return {
        "minutes": args.minutes, "samples": [s.__dict__ for s in samples], "growth": growth,
        "models_loaded_s": loaded, "models": models, "sales": driver.sales, "actions": dict(driver.actions),
        "seconds_per_sale": round(sum(driver.sale_seconds) / len(driver.sale_seconds), 1)
        if driver.sale_seconds else None,
        "longest_without_sale_s": round(max(driver.longest_between_sales_s, ended - driver.last_sale_at), 1),
        "final_state": kiosk.checkout.state.value, "ledger": ledger,
        "threads_before_start": threads_before, "threads_at_end": threads_running,
        "threads_after_shutdown": threads_after,
        "errors": driver.errors + [f"logged: {m}" for m in errors.messages], "errors_logged": errors.count,
        "slot_exceptions": slot_errors.count, "slot_tracebacks": slot_errors.tracebacks,
    }


def verdicts(result: dict[str, Any], max_growth: float) -> list[list[str]]:
    g, ledger = result["growth"], result["ledger"]
    rows = [
        ["memory growth after warm-up", f"{g.get('rss_growth_pct')} % ({g.get('rss_base_mb')} → "
                                        f"{g.get('rss_end_mb')} MB, peak {g.get('rss_peak_mb')} MB)",
         f"<= {max_growth:g} %", g.get("rss_growth_pct") is not None and g["rss_growth_pct"] <= max_growth],
        ["thread growth", f"{g.get('threads_growth')} ({g.get('threads_base')} → {g.get('threads_end')})",
         "0",
         g.get("threads_growth", 1) <= 0],
        ["open descriptor growth", f"{g.get('fds_growth')} ({g.get('fds_base')} → {g.get('fds_end')})", "0",
         g.get("fds_growth", 1) <= 0],
        ["sales completed",
         f"{result['sales']} (ledger {ledger.get('sales')}, {ledger.get('total_won')} won; "
                            f"longest without a sale {result['longest_without_sale_s']} s)",
         ">= 1 (runs of 2 min or more)", None if result["minutes"] < 2 else result["sales"] >= 1],
        ["unhandled exceptions in Qt slots (each would end the kiosk)", str(result["slot_exceptions"]), "0",
         result["slot_exceptions"] == 0],
        ["ledger consistent", "; ".join(ledger.get("problems", ["not checked"])[:3]) or "yes", "yes",
         bool(ledger) and not ledger.get("problems")],
    ]
    return [[m, v, t, "n/a" if ok is None else ("yes" if ok else "**no**")] for m, v, t, ok in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the run (default 60)")
    parser.add_argument("--sample-s", type=float, default=5.0, help="seconds between samples (default 5)")
    parser.add_argument("--counter", default=str(DEMO_DIR / "counter.mp4"), help="the counter camera's video")
    parser.add_argument("--face-photo", help="the face camera's photo (default: first of ../shared/faces)")
    parser.add_argument("--pin", default="2468", help="operator PIN written to the kiosk's PIN file")
    parser.add_argument("--pay-early", action="store_true",
                        help="press Pay as soon as allowed instead of after the counter video has played")
    parser.add_argument("--liveness-at-once", action="store_true",
                        help="press the presenter's liveness key in the same tick as the face key, so the "
                             "kiosk never handles a face result in LIVENESS")
    parser.add_argument("--warmup-fraction", type=float, default=0.2)
    parser.add_argument("--max-growth", type=float, default=5.0,
                        help="allowed memory growth in %% (default 5)")
    parser.add_argument("--json", help="write the samples and the verdicts here")
    parser.add_argument("--keep", metavar="DIR",
                        help="work in DIR and keep it (video, data, receipts, kiosk.log)")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.sample_s <= 0:
        parser.error("--minutes and --sample-s must be positive")
    from benchmedia import first_face_photo, make_face_video

    face_photo = Path(args.face_photo) if args.face_photo else first_face_photo(SHARED_FACES)
    if face_photo is None:
        raise SystemExit(f"no face photo in {SHARED_FACES}; give one with --face-photo")
    machine = machine_description()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        face = make_face_video(face_photo, folder / "face-30fps.avi", fps=30.0, seconds=10.0)
        result = run(args, folder, face.path)
    result["machine"] = machine
    rows = verdicts(result, args.max_growth)
    failed = [r[0] for r in rows if r[3] == "**no**"]
    result["failed"] = failed
    print()
    print(f"Soak: {args.minutes:g} min, {result['sales']} sales, final state {result['final_state']}, "
          f"{machine['cpu']} ({machine['usable_cores']} cores); warm-up until "
          f"{result['growth'].get('warmup_end_s')} s, {result['growth'].get('samples')} samples")
    print()
    print(markdown_table(rows, ("check", "measured", "limit", "ok?")))
    print(f"\nOS threads before start {result['threads_before_start']}\n  at the end "
          f"{result['threads_at_end']}\n  after shutdown {result['threads_after_shutdown']}\n"
          f"driver actions {result['actions']}")
    if result["slot_tracebacks"]:
        print("\nfirst unhandled exception:\n" + result["slot_tracebacks"][0])
    if result["errors"]:
        print("errors:\n  " + "\n  ".join(e.splitlines()[0] for e in result["errors"][:10]))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=1, ensure_ascii=False, default=str)
        Path(args.json).write_text(text, encoding="utf-8")
        print(f"wrote {args.json}")
    if any("driver" in e or "ledger check" in e for e in result["errors"]):
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
