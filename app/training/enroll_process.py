"""The parent side of the enrollment's training process (``app.training.enroll_train`` is the child).

:func:`run_training_process` starts ``python -m app.training.enroll_train PLAN.json`` with the thread
limits in its environment, relays its ``@enroll`` progress lines to the job's reporter (everything else
goes to the log file), asks it to stop on a cancel request (SIGTERM: it saves a checkpoint at the end of
the current iteration and exits with code 4) and kills it if it has not stopped after
:data:`CANCEL_GRACE_S` seconds. The child also gets SIGTERM from Linux when this process dies.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from app.core.settings import PROJECT_ROOT
from app.training.enroll import EnrollmentCancelledError, EnrollmentError, _Reporter

log = logging.getLogger(__name__)

CANCEL_GRACE_S = 60.0
PARENT_PID_ENV = "SELFCHECKOUT_ENROLL_PARENT"


def finished_training(train_dir: Path, candidate: Path) -> dict | None:
    """The ``done`` event of a training process that already finished here (bundle written and checked)."""
    from app.training.enroll_train import PARITY, TRAIN_DONE
    from app.vision.detection import ModelBundle, ModelError

    if not ((train_dir / TRAIN_DONE).is_file() and (train_dir / PARITY).is_file()):
        return None
    try:
        bundle = ModelBundle.load(candidate)
        for role in ("config", "checkpoint", "onnx"):
            bundle.file(role)
    except ModelError:
        return None
    seconds = json.loads((train_dir / TRAIN_DONE).read_text(encoding="utf-8"))["seconds"]
    parity = json.loads((train_dir / PARITY).read_text(encoding="utf-8"))
    return {"event": "done", "bundle": str(candidate), "seconds": seconds, "parity": parity}


def run_training_process(plan_path: Path, log_path: Path, threads: int, report: _Reporter) -> dict:
    """Run ``app.training.enroll_train`` on ``plan_path``, relaying its progress to ``report``; on a
    cancel request it is asked to stop (SIGTERM: it saves a checkpoint), and killed after
    :data:`CANCEL_GRACE_S` seconds. Returns its ``done`` event."""
    from app.training.enroll_train import EXIT_CANCELLED, MARKER

    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1",
                PARENT_PID_ENV: str(os.getpid()),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))})
    cmd = [sys.executable, "-m", "app.training.enroll_train", str(plan_path)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    report("train", 0.0, "starting the training process")  # (a cancel here starts nothing)
    tail: deque[str] = deque(maxlen=30)
    done: dict | None = None
    stage = "train"
    with log_path.open("a", encoding="utf-8", buffering=1) as log_file:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                cwd=str(PROJECT_ROOT))
        assert proc.stdout is not None
        lines = _LineReader(proc.stdout.fileno())
        asked_at: float | None = None
        try:
            while True:
                if report.cancel is not None and report.cancel.is_set() and asked_at is None:
                    log.info("asking the training process to stop")
                    with contextlib.suppress(ProcessLookupError):
                        proc.send_signal(signal.SIGTERM)
                    asked_at = time.monotonic()
                overdue = asked_at is not None and time.monotonic() - asked_at > CANCEL_GRACE_S
                if overdue and proc.poll() is None:
                    proc.kill()
                line = lines.next(timeout=0.5)
                if line is None:
                    if lines.closed:
                        break
                    continue
                if not line.startswith(MARKER):
                    log_file.write(line)
                    tail.append(line.rstrip())
                    continue
                event = json.loads(line[len(MARKER):])
                kind = event.get("event")
                if kind == "iter" and asked_at is None:
                    i, n = event["iter"], event["max_iters"]
                    loss = f", loss {event['loss']:.3f}" if event.get("loss") is not None else ""
                    _relay(report, "train", i / n, f"iteration {i}/{n}{loss}", iter=i, max_iters=n)
                elif kind == "resume":
                    _relay(report, "train", 0.0, f"resuming from {Path(event['checkpoint']).name}")
                elif kind == "stage" and event.get("stage") in ("package", "parity"):
                    if stage == "train":
                        _relay(report, "train", 1.0, "training finished")
                    stage = "package"
                    _relay(report, "package", 0.1 if event["stage"] == "package" else 0.7,
                           "writing and exporting the new model" if event["stage"] == "package"
                           else "checking the ONNX export against mmdet")
                elif kind == "done":
                    done = event
        finally:
            if proc.poll() is None:  # left the loop early (an error): stop it as a cancel would
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=CANCEL_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
            rc = proc.wait()
            proc.stdout.close()
    if rc == EXIT_CANCELLED or (report.cancel is not None and report.cancel.is_set()):
        raise EnrollmentCancelledError("enrollment cancelled during training (resume carries on from the "
                                       "last checkpoint)")
    if rc != 0 or done is None:
        last = " | ".join(t for t in list(tail)[-3:] if t)
        raise EnrollmentError(f"the training process failed (exit {rc}; log {log_path}): {last}")
    report("package", 1.0, "new model written")
    return done


class _LineReader:
    """Lines from a pipe without a reader thread: ``next`` waits at most ``timeout`` seconds (select)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.pending: deque[str] = deque()
        self.closed = False

    def next(self, timeout: float) -> str | None:
        """The next whole line (with its newline), or None: nothing yet, or the pipe ``closed``."""
        if not self.pending and not self.closed:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if ready:
                chunk = os.read(self.fd, 65536)
                if chunk:
                    self.buffer += chunk
                    *whole, self.buffer = self.buffer.split(b"\n")
                    self.pending.extend(w.decode("utf-8", "replace") + "\n" for w in whole)
                else:
                    self.closed = True
                    if self.buffer:
                        self.pending.append(self.buffer.decode("utf-8", "replace"))
                        self.buffer = b""
        return self.pending.popleft() if self.pending else None


def _relay(report: _Reporter, stage: str, fraction: float, message: str, **detail: Any) -> None:
    """Report without raising on cancel (the training loop handles the cancel itself)."""
    cancel, report.cancel = report.cancel, None
    try:
        report(stage, fraction, message, **detail)
    finally:
        report.cancel = cancel
