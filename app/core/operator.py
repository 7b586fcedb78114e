"""The operator (attendant/admin) PIN: a salted slow hash, constant-time checks, lockout after failures.

A PIN is 4-8 digits. :func:`hash_pin` gives a self-describing string
``scrypt$n=16384,r=8,p=1$<salt>$<hash>`` (salt and hash in unpadded URL-safe base64); :func:`verify_pin`
also reads ``pbkdf2_sha256$i=<iterations>$<salt>$<hash>``. A short PIN has few possible values, so a
stolen hash alone does not keep it secret for long: the hash keeps the PIN out of plain sight, and the
lockout of :class:`OperatorGate` (failures → cool-down, doubling on each lockout in a row) is what stops
guessing at the kiosk.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PIN_RE = re.compile(r"[0-9]{4,8}")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MAX_SCRYPT_N = 2**20  # a tampered hash string must not make a check take minutes or gigabytes
MAX_PBKDF2_ITERATIONS = 5_000_000
_PARAM_RE = re.compile(r"([a-z]+)=([0-9]{1,10})")


def validate_pin(pin: str) -> str | None:
    """None when ``pin`` has the PIN format (4-8 ASCII digits), else an English message."""
    if not isinstance(pin, str) or not PIN_RE.fullmatch(pin):
        return "The PIN must be 4 to 8 digits."
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * n * r * p + 1024 * 1024)


def hash_pin(pin: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Hash ``pin`` with scrypt and a fresh random salt; raises ValueError for a malformed PIN."""
    if (problem := validate_pin(pin)) is not None:
        raise ValueError(problem)
    if n < 2 or n & (n - 1) or n > MAX_SCRYPT_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError(f"bad scrypt parameters n={n}, r={r}, p={p}")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, n, r, p, HASH_BYTES)
    return f"scrypt$n={n},r={r},p={p}${_b64(salt)}${_b64(digest)}"


def _params(text: str) -> dict[str, int]:
    params: dict[str, int] = {}
    for part in text.split(","):
        match = _PARAM_RE.fullmatch(part)
        if match is None:
            raise ValueError(f"bad parameter {part!r}")
        params[match.group(1)] = int(match.group(2))
    return params


def _derive(pin: str, stored: str) -> tuple[bytes, bytes]:
    """(expected, computed) digests for ``pin`` under the scheme of ``stored``; ValueError if malformed."""
    try:
        scheme, param_text, salt_text, hash_text = stored.split("$")
        params = _params(param_text)
        salt, expected = _unb64(salt_text), _unb64(hash_text)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"malformed PIN hash: {exc}") from None
    if len(salt) < 8 or not 16 <= len(expected) <= 64:
        raise ValueError("malformed PIN hash: salt or hash too short")
    if scheme == "scrypt" and set(params) == {"n", "r", "p"}:
        n, r, p = params["n"], params["r"], params["p"]
        if n < 2 or n & (n - 1) or n > MAX_SCRYPT_N or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise ValueError(f"malformed PIN hash: scrypt parameters n={n}, r={r}, p={p}")
        return expected, _scrypt(pin, salt, n, r, p, len(expected))
    if scheme == "pbkdf2_sha256" and set(params) == {"i"}:
        if not 1_000 <= params["i"] <= MAX_PBKDF2_ITERATIONS:
            raise ValueError(f"malformed PIN hash: {params['i']} iterations")
        return expected, hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, params["i"], len(expected))
    raise ValueError(f"malformed PIN hash: unknown scheme {scheme!r} or parameters {sorted(params)}")


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches the hash string ``stored`` (constant-time compare).

    A PIN of the wrong format is simply wrong (False); a malformed ``stored`` string is a configuration
    problem and raises ValueError rather than locking every operator out without a word.
    """
    if validate_pin(pin) is not None:
        _derive("0000", stored)  # still validates ``stored``
        return False
    expected, computed = _derive(pin, stored)
    return hmac.compare_digest(expected, computed)


class PinCheck(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_SET = "not_set"


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` wrong PINs in a row lock for ``cooldown_s``; each further lockout doubles it."""

    max_failures: int = 5
    cooldown_s: float = 60.0
    max_cooldown_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.cooldown_s <= 0 or self.max_cooldown_s < self.cooldown_s:
            raise ValueError(f"bad lockout policy {self}")


class OperatorGate:
    """Checks operator PINs against the stored hash, with lockout. ``stored`` may be a callable so a PIN
    changed in the admin area takes effect at once; None there means no PIN is set (every check refused).
    While locked even the right PIN is refused, without being checked. Not thread-safe (GUI thread)."""

    def __init__(self, stored: str | Callable[[], str | None] | None, *,
                 policy: LockoutPolicy | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self._stored = stored if callable(stored) else (lambda: stored)
        self.policy = policy or LockoutPolicy()
        self._now = now
        self.failures = 0
        self._lockouts = 0
        self._locked_until: float | None = None

    def remaining_lockout(self) -> float:
        """Seconds until PINs are checked again (0.0: not locked)."""
        if self._locked_until is None:
            return 0.0
        left = self._locked_until - self._now()
        if left <= 0:
            self._locked_until, self.failures = None, 0  # the cool-down is over: a fresh set of tries
            return 0.0
        return left

    @property
    def locked(self) -> bool:
        return self.remaining_lockout() > 0

    def check(self, pin: str) -> PinCheck:
        if self.locked:
            log.warning("operator PIN refused: locked for %.0f s more", self.remaining_lockout())
            return PinCheck.LOCKED
        stored = self._stored()
        if not stored:
            log.warning("operator PIN refused: no operator PIN is set")
            return PinCheck.NOT_SET
        if verify_pin(pin, stored):
            self.failures, self._lockouts = 0, 0
            return PinCheck.OK
        self.failures += 1
        log.warning("wrong operator PIN (%d of %d)", self.failures, self.policy.max_failures)
        if self.failures >= self.policy.max_failures:
            cooldown = min(self.policy.cooldown_s * 2**self._lockouts, self.policy.max_cooldown_s)
            self._lockouts += 1
            self._locked_until = self._now() + cooldown
            log.warning("operator PIN locked for %.0f s after %d failures", cooldown, self.failures)
        return PinCheck.WRONG

    def verify(self, pin: str) -> bool:
        """``check(pin) is PinCheck.OK``: the ``verify_pin`` callable :class:`Checkout` takes."""
        return self.check(pin) is PinCheck.OK


# -- where the PIN hash lives ----------------------------------------------------------------------
PIN_FILE_NAME = "operator.pin"


def read_pin_file(path: str | Path) -> str | None:
    """The stored hash string, or None when no PIN was set (no file, or an empty one)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return text or None


def write_pin_file(path: str | Path, pin: str) -> None:
    """Hash ``pin`` and store it (owner-only, replaced atomically so a crash never leaves half a hash)."""
    stored = hash_pin(pin)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(stored + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    log.info("operator PIN changed (%s)", path)


def pin_file_path(face_key_file: str | Path) -> Path:
    """Where the kiosk keeps the PIN hash: the configuration folder (next to the face-template key),
    outside the data folder that backups and support copies carry."""
    return Path(face_key_file).parent / PIN_FILE_NAME
