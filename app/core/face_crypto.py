"""Face templates at rest: AES-256-GCM encryption with a key file kept outside the database.

A template blob is ``b"FT1" + nonce(12) + AES-GCM(header + float32 little-endian values)`` where the
header names the embedder backend and the dimension. The customer ID, pose and backend are bound as
associated data, so a blob copied to another customer's row (or pose) fails to decrypt. The key is 32
random bytes (base64 text) in a file created with mode 0600 on first use; losing it makes every stored
template unreadable (customers re-register), which is also how the operator revokes them all.

Also here: writing a finished registration to the store and deleting a customer completely (their
templates and any opt-in face images). The store is duck-typed so core does not import ``app.store``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import shutil
import stat
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.registration import RegistrationResult

log = logging.getLogger(__name__)

MAGIC = b"FT1"
NONCE_BYTES = 12
KEY_BYTES = 32
_HEADER = struct.Struct("<BH")  # backend name length, dimension


class KeyFileError(RuntimeError):
    """The key file cannot be created or read, or does not hold a key."""


class TemplateDecryptError(ValueError):
    """A blob that is not a template of ours, was altered, or was encrypted with another key."""


@dataclass(frozen=True)
class FaceTemplate:
    backend: str
    vector: np.ndarray  # float32, shape (dim,)

    @property
    def dim(self) -> int:
        return int(self.vector.shape[0])


def load_or_create_key(path: str | Path) -> bytes:
    """Read the key file, or create it (mode 0600, parent folder 0700) when it does not exist yet."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile: use theirs
            return load_or_create_key(path)
        except OSError as exc:
            raise KeyFileError(f"cannot create the face template key file {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(key) + b"\n")
        log.info("created face template key file %s", path)
        return key
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the face template key file {path}: {exc.strerror}. "
                           "Check its owner and permissions (it should be 0600).") from exc
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("face template key file %s is readable by others (mode %o); chmod 600 it", path, mode)
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFileError(f"the face template key file {path} does not hold a base64 key") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"the face template key file {path} holds {len(key)} bytes, not {KEY_BYTES}")
    return key


def _aad(customer_id: str, pose: str, backend: str) -> bytes:
    return "\x1f".join(("face-template", customer_id, pose, backend)).encode()


class TemplateCipher:
    """Encrypts and decrypts templates with one key (``TemplateCipher.from_key_file(path)``)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"the key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_key_file(cls, path: str | Path) -> TemplateCipher:
        return cls(load_or_create_key(path))

    def encrypt(self, vector: Sequence[float] | np.ndarray, *, backend: str, customer_id: str,
                pose: str) -> bytes:
        values = np.asarray(vector, dtype="<f4").reshape(-1)
        name = backend.encode()
        if not 0 < len(name) < 256 or not 0 < values.size < 65536 or not np.isfinite(values).all():
            raise ValueError("a template needs a backend name and 1-65535 finite values")
        plain = _HEADER.pack(len(name), values.size) + name + values.tobytes()
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, plain, _aad(customer_id, pose, backend))

    def decrypt(self, blob: bytes, *, backend: str, customer_id: str, pose: str) -> FaceTemplate:
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
            raise TemplateDecryptError("not an encrypted face template")
        nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
        try:
            plain = self._aead.decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:],
                                       _aad(customer_id, pose, backend))
        except InvalidTag as exc:
            raise TemplateDecryptError(f"template of customer {customer_id!r} ({pose}) cannot be decrypted: "
                                       "wrong key, or the data was altered or moved") from exc
        name_len, dim = _HEADER.unpack_from(plain)
        start = _HEADER.size + name_len
        if plain[_HEADER.size:start].decode() != backend or len(plain) != start + 4 * dim:
            raise TemplateDecryptError("template header does not match its contents")
        return FaceTemplate(backend, np.frombuffer(plain, dtype="<f4", offset=start).astype(np.float32))

    def encrypt_bytes(self, data: bytes, *, label: str) -> bytes:
        """For opt-in face images: the same scheme around arbitrary bytes, bound to ``label``."""
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, data, label.encode())

    def decrypt_bytes(self, blob: bytes, *, label: str) -> bytes:
        try:
            return self._aead.decrypt(blob[len(MAGIC):len(MAGIC) + NONCE_BYTES],
                                      blob[len(MAGIC) + NONCE_BYTES:], label.encode())
        except (InvalidTag, ValueError) as exc:
            raise TemplateDecryptError(f"{label} cannot be decrypted") from exc


class CustomerStore(Protocol):
    """The part of ``app.store.Store`` used here."""

    def add_customer(self, name: str, *, consent_at: datetime, backend: str, phone_last4: str | None = ...,
                     customer_id: str | None = ..., actor: str = ...) -> Any: ...

    def add_face_template(self, customer_id: str, pose: str, backend: str, template: bytes) -> int: ...

    def delete_customer(self, customer_id: str, *, actor: str = ...) -> int: ...


def save_registration(store: CustomerStore, result: RegistrationResult, cipher: TemplateCipher, *,
                      images_dir: str | Path | None = None, actor: str = "kiosk") -> int:
    """Store the customer and one encrypted template per pose; returns the number of templates.

    Face images are written (encrypted) under ``images_dir/<customer_id>/`` only when the result holds
    any, i.e. only when the operator turned image keeping on. On failure nothing of the customer stays.
    """
    store.add_customer(result.name, consent_at=result.consent_at, backend=result.backend,
                       phone_last4=result.phone_last4, customer_id=result.customer_id, actor=actor)
    try:
        for pose, vector in result.templates.items():
            blob = cipher.encrypt(vector, backend=result.backend, customer_id=result.customer_id,
                                  pose=str(pose))
            store.add_face_template(result.customer_id, str(pose), result.backend, blob)
        if result.images:
            if images_dir is None:
                raise ValueError("face images were kept but no images_dir was given")
            folder = Path(images_dir) / result.customer_id
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            for pose, data in result.images.items():
                label = f"face-image/{result.customer_id}/{pose}"
                (folder / f"{pose}.jpg.enc").write_bytes(cipher.encrypt_bytes(data, label=label))
    except BaseException:
        delete_customer_completely(store, result.customer_id, images_dir=images_dir, actor=actor)
        raise
    return len(result.templates)


def delete_customer_completely(store: CustomerStore, customer_id: str, *,
                               images_dir: str | Path | None = None, actor: str = "admin") -> int:
    """Delete the customer, their templates (the store scrubs freed pages) and any kept face images."""
    removed = store.delete_customer(customer_id, actor=actor)
    if images_dir is not None:
        folder = Path(images_dir) / customer_id
        if folder.resolve().parent == Path(images_dir).resolve() and folder.is_dir():
            shutil.rmtree(folder)
    return removed
