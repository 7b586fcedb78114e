"""The face pipeline in a child process, behind the interface the face worker uses.

Why: dlib's ``compute_face_descriptor`` (the offline embedder, about 80 ms a call) holds Python's GIL
for its whole duration, so in the kiosk process it stalls the window and the detector thread several
times a second. :class:`RemoteFacePipeline` runs MTCNN, the embedder and the gallery match in a child
started with the multiprocessing **spawn** context (never fork: the kiosk process has Qt and torch
threads), so no face model code ever holds the kiosk's GIL. The parent never imports torch or dlib.

Protocol: one duplex pipe, strictly request → reply, used by one thread at a time (the face worker).
Replies are small picklable values: :class:`~app.vision.faces.pipeline.FaceObservation` without the
aligned chip, and without the embedding unless asked for (``keep_embedding``); a
:class:`~app.vision.faces.pipeline.RegistrationCapture` carries its template. While a request runs the
child may send log records first; the parent logs them under the same logger names.

Frames travel through shared memory (``multiprocessing.shared_memory``): one segment sized for the
largest frame so far, re-created (and the old one unlinked) when a larger frame comes, named
``selfcheckout-faces-<parent pid>-<n>``. At 1280x720 BGR a round trip costs about 0.35 ms of the
parent's time against about 5 ms through the pipe (2.7 MB per frame, measured on the 2-core target).
The parent writes a frame only while no request is in flight, so the child reads it without a copy.

Templates: **the parent decrypts** (see :func:`app.vision.faces.setup.decrypt_templates`) and sends
plain vectors through the pipe (kernel memory, never disk); the key never leaves the kiosk process,
and the child, which runs third-party native model code, needs no access to the key file. The
parent keeps a mirror of the child's gallery (``gallery``): assigning a new gallery sends it to the
child, and a restarted child gets the mirror, so a reload is never lost.

Failures: a load failure in the child raises :class:`FaceProcessError` with the child's message (as
the in-process build would); a child that dies (crash, killed, or silent past ``request_timeout_s``)
makes the current and every later call raise :class:`FaceProcessDiedError` until :meth:`restart`.
:meth:`close` asks the child to stop, joins it with a timeout, then terminates (and at last kills) it,
and unlinks the shared memory. Waits poll a ``cancelled`` callable (the face worker's
``isInterruptionRequested``, given directly or via :func:`cancel_scope`) so a stop is never stuck
behind a child that is still importing torch.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing import shared_memory
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from app.vision.faces.gallery import Gallery
from app.vision.faces.pipeline import FaceObservation, RegistrationCapture
from app.vision.faces.pose import PoseAngles

log = logging.getLogger(__name__)

SHM_PREFIX = "selfcheckout-faces"
START_TIMEOUT_S = 300.0  # importing torch + dlib and building the models on a busy 2-core machine
REQUEST_TIMEOUT_S = 30.0  # one frame takes well under a second; past this the child counts as dead
STOP_TIMEOUT_S = 2.0  # after the stop message, before terminate
POLL_S = 0.1  # how often waits look at ``cancelled``

# message kinds
_READY, _FAILED, _OK, _ERROR, _LOG = "ready", "failed", "ok", "error", "log"
_PROCESS, _REGISTER, _GALLERY, _STOP = "process", "register", "gallery", "stop"

_serial = itertools.count()
_scope = threading.local()


class FaceProcessError(RuntimeError):
    """The face process could not load its models, or failed a request (the message says why)."""


class FaceProcessDiedError(FaceProcessError):
    """The face process ended (crash, killed) or stopped answering; :meth:`RemoteFacePipeline.restart`."""


class FaceProcessCancelledError(FaceProcessError):
    """A wait was abandoned because ``cancelled()`` said so (the worker is stopping)."""


@dataclass(frozen=True)
class RemoteEmbedder:
    """What the parent knows of the child's embedder (``backend`` names it, as ``FaceEmbedder`` does)."""

    backend: str
    dim: int
    source: str = ""


@contextlib.contextmanager
def cancel_scope(cancelled: Callable[[], bool]) -> Iterator[None]:
    """Pipelines created in this thread inside the ``with`` poll ``cancelled`` in every wait (the face
    worker wraps its ``build`` callable so a stop during model loading is prompt)."""
    previous = getattr(_scope, "cancelled", None)
    _scope.cancelled = cancelled
    try:
        yield
    finally:
        _scope.cancelled = previous


def default_builder(settings: Any, templates: Sequence[Any], gallery: Gallery | None) -> tuple[Any, str]:
    """The child's pipeline: the same code as the in-process build (torch threads, embedder choice)."""
    from app.vision.faces.setup import build_local_pipeline

    return build_local_pipeline(settings, templates, gallery=gallery)


class RemoteFacePipeline:
    """``process`` / ``registration_capture`` / ``gallery`` / ``embedder.backend`` / ``close`` of a
    :class:`~app.vision.faces.pipeline.FacePipeline` living in a child process.

    The constructor starts the child and waits until its models are loaded (``description`` then
    names the active backend and why). Not thread-safe: one thread (the face worker) makes the calls;
    :meth:`kill` alone may come from another thread.

    ``builder(settings, templates, gallery) -> (pipeline, description)`` runs in the child; it must be
    picklable (a module-level function). ``templates`` are plain (decrypted) records.
    """

    def __init__(self, settings: Any, templates: Sequence[Any] = (), *,
                 builder: Callable[[Any, Sequence[Any], Gallery | None], tuple[Any, str]] = default_builder,
                 cancelled: Callable[[], bool] | None = None, start_timeout_s: float = START_TIMEOUT_S,
                 request_timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.settings = settings
        self.builder = builder
        self.cancelled = cancelled or getattr(_scope, "cancelled", None) or (lambda: False)
        self.start_timeout_s = start_timeout_s
        self.request_timeout_s = request_timeout_s
        self.mirrored = bool(getattr(settings, "face_camera_mirrored", False))
        self.embedder: RemoteEmbedder | None = None
        self.description = ""
        self.restarts = 0
        self._gallery: Gallery | None = None
        self._process: Any = None
        self._conn: Connection | None = None
        self._ready = False
        self._dead: str | None = None
        self._shm: shared_memory.SharedMemory | None = None
        self._start(list(templates), None)

    # --- the interface of FacePipeline ------------------------------------------------------------------
    @property
    def gallery(self) -> Gallery | None:
        """The parent's mirror of the child's gallery."""
        return self._gallery

    @gallery.setter
    def gallery(self, gallery: Gallery) -> None:
        """Hand a new gallery to the child. A dead child gets it on :meth:`restart` (no error here:
        the next ``process`` reports the death)."""
        if self.embedder is not None and gallery.backend != self.embedder.backend:
            raise ValueError(f"gallery backend {gallery.backend} differs from embedder "
                             f"{self.embedder.backend}")
        old, self._gallery = self._gallery, gallery
        try:
            self._call((_GALLERY, gallery))
        except FaceProcessDiedError as exc:
            log.warning("face process: the new gallery waits for the restart (%s)", exc)
        except Exception:
            self._gallery = old
            raise

    def process(self, frame_bgr: np.ndarray, *, embed: bool = True, match: bool = True,
                baseline: PoseAngles | None = None, phones: dict[str, str | None] | None = None,
                phone_last4: str | None = None, keep_embedding: bool = False) -> FaceObservation:
        """``FacePipeline.process`` in the child; the observation comes back without the aligned chip,
        and without the embedding unless ``keep_embedding``. ``timings_ms["transport"]`` is the round
        trip's cost beyond the child's own work."""
        kwargs = {"embed": embed, "match": match, "baseline": baseline, "phones": phones,
                  "phone_last4": phone_last4}
        return self._frame_call(_PROCESS, frame_bgr, kwargs, keep_embedding)

    def registration_capture(self, frame_bgr: np.ndarray, *,
                             baseline: PoseAngles | None = None) -> RegistrationCapture:
        """``FacePipeline.registration_capture`` in the child (the template is in ``capture.template``;
        the observation comes without chip and embedding)."""
        return self._frame_call(_REGISTER, frame_bgr, {"baseline": baseline}, False)

    # --- life cycle -------------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def alive(self) -> bool:
        return self._process is not None and self._dead is None and self._process.is_alive()

    @property
    def shm_name(self) -> str | None:
        """The shared-memory segment frames travel through (None before the first frame)."""
        return None if self._shm is None else self._shm.name

    def restart(self) -> str:
        """Start a fresh child with the current gallery (after :class:`FaceProcessDiedError`); returns the
        new ``description``. Raises like the constructor when the new child cannot load."""
        self.close()
        self.restarts += 1
        self._start([], self._gallery)
        return self.description

    def close(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop the child (a message, a join with ``timeout_s``, then terminate, then kill), reap it,
        and unlink the shared memory. Idempotent; the mirror gallery and ``embedder`` stay readable."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            if self._ready and process.is_alive() and conn is not None:
                with contextlib.suppress(OSError, ValueError):
                    conn.send((_STOP,))
                process.join(timeout_s)
            if process.is_alive():  # still loading (busy importing), or not answering
                process.terminate()
                process.join(1.0)
            if process.is_alive():
                log.error("face process %d ignored SIGTERM; killing it", process.pid)
                process.kill()
                process.join(1.0)
            with contextlib.suppress(ValueError):
                process.close()
        if conn is not None:
            conn.close()
        self._ready = False
        self._release_shm()

    def kill(self) -> None:
        """Kill the child now (safe from any thread); the owner's next call raises FaceProcessDiedError."""
        process = self._process
        if process is not None:
            with contextlib.suppress(ValueError, AttributeError):
                process.kill()

    def __enter__(self) -> RemoteFacePipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a pipeline dropped without close(): no orphan child, no leaked segment
        with contextlib.suppress(Exception):
            if self._process is not None or self._shm is not None:
                self.close(timeout_s=0.5)

    # --- internals --------------------------------------------------------------------------------------
    def _start(self, templates: list[Any], gallery: Gallery | None) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        level = logging.getLogger("app").getEffectiveLevel()
        process = ctx.Process(target=_child_main, name="face-pipeline", daemon=True,
                              args=(child_conn, self.builder, self.settings, templates, gallery, level))
        started = time.monotonic()
        process.start()
        child_conn.close()  # so the parent sees EOF when the child dies
        self._process, self._conn, self._dead, self._ready = process, parent_conn, None, False
        log.info("face process %d started; loading the face models", process.pid)
        try:
            reply = self._receive(self.start_timeout_s, "load the face models")
        except FaceProcessError:
            self.close()
            raise
        if reply[0] == _FAILED:
            message, details = reply[1], reply[2]
            log.error("face process failed to load the face models:\n%s", details)
            self.close()
            raise FaceProcessError(message)
        info = reply[1]
        self.embedder = RemoteEmbedder(info["backend"], info["dim"], info.get("source", ""))
        self.description = info["description"]
        self._gallery = info["gallery"]
        self._ready = True
        log.info("face process %d ready in %.1f s: %s", process.pid, time.monotonic() - started,
                 self.description)

    def _frame_call(self, kind: str, frame: np.ndarray, kwargs: dict[str, Any], keep_embedding: bool) -> Any:
        if self._dead is not None or self._process is None:
            raise FaceProcessDiedError(self._dead or "the face process is not running")
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError("expected a BGR uint8 image of shape (H, W, 3)")
        name = self._put_frame(frame)
        started = time.perf_counter()
        reply = self._call((kind, name, frame.shape, kwargs, keep_embedding))
        result, child_ms = reply[1], reply[2]
        total_ms = (time.perf_counter() - started) * 1000
        obs = result.observation if isinstance(result, RegistrationCapture) else result
        obs = replace(obs, timings_ms={**obs.timings_ms, "transport": max(0.0, total_ms - child_ms)})
        if isinstance(result, RegistrationCapture):
            return replace(result, observation=obs)
        return obs

    def _put_frame(self, frame: np.ndarray) -> str:
        if self._shm is None or self._shm.size < frame.nbytes:
            self._release_shm()
            name = f"{SHM_PREFIX}-{os.getpid()}-{next(_serial)}"
            self._shm = shared_memory.SharedMemory(name=name, create=True, size=max(frame.nbytes, 1))
            log.debug("face frames: shared memory %s of %d bytes", name, frame.nbytes)
        view = np.ndarray(frame.shape, np.uint8, buffer=self._shm.buf)
        np.copyto(view, frame)
        del view  # no export of the buffer may outlive this call (close() would fail)
        return self._shm.name

    def _release_shm(self) -> None:
        shm, self._shm = self._shm, None
        if shm is None:
            return
        with contextlib.suppress(BufferError):
            shm.close()
        with contextlib.suppress(FileNotFoundError):
            shm.unlink()

    def _call(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._dead is not None or self._conn is None:
            raise FaceProcessDiedError(self._dead or "the face process is not running")
        try:
            self._conn.send(message)
        except (OSError, ValueError):  # the child is gone (broken pipe)
            assert self._process is not None
            self._process.join(1.0)
            self._died(_ended(self._process))
        reply = self._receive(self.request_timeout_s, "answer")
        if reply[0] == _ERROR:
            kind, text, details = reply[1], reply[2], reply[3]
            log.debug("face process request failed:\n%s", details)
            if kind in ("ValueError", "BackendMismatchError"):
                raise ValueError(text)
            raise FaceProcessError(f"{kind}: {text}")
        return reply

    def _receive(self, timeout_s: float, what: str) -> tuple[Any, ...]:
        """The next reply (relaying log records); raises FaceProcessDiedError, FaceProcessCancelledError."""
        assert self._conn is not None and self._process is not None
        conn, process = self._conn, self._process
        deadline = time.monotonic() + timeout_s
        while True:
            ready = wait([conn, process.sentinel], timeout=POLL_S)
            if conn in ready:
                try:
                    reply = conn.recv()
                except (EOFError, OSError):
                    process.join(1.0)
                    self._died(_ended(process))
                if reply[0] == _LOG:
                    _relay(reply)
                    continue
                return reply
            if process.sentinel in ready:
                process.join(1.0)
                self._died(_ended(process))
            if self.cancelled():
                raise FaceProcessCancelledError(f"stopped while waiting for the face process to {what}")
            if time.monotonic() > deadline:
                process.kill()
                process.join(1.0)
                self._died(f"the face process did not {what} within {timeout_s:g} s (killed it)")

    def _died(self, message: str) -> None:
        self._dead = message
        self._ready = False
        log.error("%s", message)
        raise FaceProcessDiedError(message)


def _ended(process: Any) -> str:
    code = process.exitcode
    if code is None:
        how = "its pipe closed"
    elif code < 0:
        import signal

        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit code {code}"
    return f"the face process {process.pid} ended unexpectedly ({how})"


def _relay(record: tuple[Any, ...]) -> None:
    _, name, level, text = record
    logging.getLogger(name).log(level, "[face process] %s", text)


# --- the child ---------------------------------------------------------------------------------------

class _PipeLogHandler(logging.Handler):
    """Sends the child's log records to the parent, which logs them (the reply comes after)."""

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self.conn = conn
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # logging must never break the pipeline
            self.conn.send((_LOG, record.name, record.levelno, self.format(record)))


class _Frames:
    """The child's side of the shared memory: attached by name, re-attached when the name changes."""

    def __init__(self) -> None:
        self.shm: shared_memory.SharedMemory | None = None

    def view(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        if self.shm is None or self.shm.name.lstrip("/") != name.lstrip("/"):
            self.close()
            self.shm = shared_memory.SharedMemory(name=name)  # the parent owns (and unlinks) it
        return np.ndarray(shape, np.uint8, buffer=self.shm.buf)

    def close(self) -> None:
        shm, self.shm = self.shm, None
        if shm is not None:
            with contextlib.suppress(BufferError):
                shm.close()


def _slim(obs: FaceObservation, keep_embedding: bool) -> FaceObservation:
    return replace(obs, chip=None, embedding=obs.embedding if keep_embedding else None)


def _child_main(conn: Connection, builder: Callable[..., tuple[Any, str]], settings: Any,
                templates: Sequence[Any], gallery: Gallery | None, log_level: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the kiosk's to handle; it stops us
    root = logging.getLogger()
    root.handlers[:] = [_PipeLogHandler(conn)]
    root.setLevel(log_level)
    logging.captureWarnings(True)
    try:
        pipeline, description = builder(settings, templates, gallery)
    except BaseException as exc:  # every load failure goes to the parent
        conn.send((_FAILED, str(exc) or type(exc).__name__, traceback.format_exc()))
        conn.close()
        return
    embedder = pipeline.embedder
    conn.send((_READY, {"backend": embedder.backend, "dim": int(getattr(embedder, "dim", 0)),
                        "source": str(getattr(embedder, "source", "")), "description": description,
                        "gallery": pipeline.gallery}))
    frames = _Frames()
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the kiosk is gone
                break
            kind = message[0]
            if kind == _STOP:
                break
            started = time.perf_counter()
            try:
                if kind == _GALLERY:
                    new = message[1]
                    if new.backend != embedder.backend:
                        raise ValueError(f"gallery backend {new.backend} differs from embedder "
                                         f"{embedder.backend}")
                    pipeline.gallery = new
                    reply: tuple[Any, ...] = (_OK, None, 0.0)
                else:
                    _, name, shape, kwargs, keep_embedding = message
                    image = frames.view(name, shape)
                    try:
                        if kind == _PROCESS:
                            result: Any = _slim(pipeline.process(image, **kwargs), keep_embedding)
                        else:
                            capture = pipeline.registration_capture(image, **kwargs)
                            result = replace(capture, observation=_slim(capture.observation, False))
                    finally:
                        del image
                    reply = (_OK, result, (time.perf_counter() - started) * 1000)
            except Exception as exc:  # a bad request must not end the process
                reply = (_ERROR, type(exc).__name__, str(exc), traceback.format_exc())
            conn.send(reply)
    finally:
        frames.close()
        conn.close()
    logging.shutdown()
    # Skip the interpreter's teardown (torch's takes most of a second): nothing is left to flush, the
    # shared memory belongs to the parent, and the parent is waiting in close().
    os._exit(0)
