"""Face templates encrypted at rest, the key file, and complete deletion of a customer."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import numpy as np
import pytest

from app.core.face_crypto import (
    KeyFileError,
    TemplateCipher,
    TemplateDecryptError,
    delete_customer_completely,
    load_or_create_key,
    save_registration,
)
from app.core.registration import FacePose, RegistrationResult
from app.store.store import Store

VECTOR = np.linspace(-1, 1, 128, dtype=np.float32)


@pytest.fixture
def cipher(tmp_path) -> TemplateCipher:
    return TemplateCipher.from_key_file(tmp_path / "keys" / "face.key")


def test_round_trip_keeps_vector_backend_and_dimension(cipher):
    blob = cipher.encrypt(VECTOR, backend="dlib", customer_id="C-1", pose="front")
    assert VECTOR.tobytes() not in blob  # not stored in the clear
    template = cipher.decrypt(blob, backend="dlib", customer_id="C-1", pose="front")
    assert template.backend == "dlib" and template.dim == 128 and template.vector.dtype == np.float32
    assert np.array_equal(template.vector, VECTOR)
    # Same input, different ciphertext (random nonce).
    assert blob != cipher.encrypt(VECTOR, backend="dlib", customer_id="C-1", pose="front")


def test_wrong_key_fails(cipher, tmp_path):
    blob = cipher.encrypt(VECTOR, backend="dlib", customer_id="C-1", pose="front")
    other = TemplateCipher.from_key_file(tmp_path / "other.key")
    with pytest.raises(TemplateDecryptError, match="wrong key"):
        other.decrypt(blob, backend="dlib", customer_id="C-1", pose="front")


@pytest.mark.parametrize("where", [{"customer_id": "C-2"}, {"pose": "left"}, {"backend": "facenet"}])
def test_a_blob_moved_to_another_customer_pose_or_backend_fails(cipher, where):
    blob = cipher.encrypt(VECTOR, backend="dlib", customer_id="C-1", pose="front")
    with pytest.raises(TemplateDecryptError):
        cipher.decrypt(blob, **({"backend": "dlib", "customer_id": "C-1", "pose": "front"} | where))


def test_tampered_or_foreign_blobs_fail(cipher):
    blob = bytearray(cipher.encrypt(VECTOR, backend="dlib", customer_id="C-1", pose="front"))
    blob[-5] ^= 1
    with pytest.raises(TemplateDecryptError):
        cipher.decrypt(bytes(blob), backend="dlib", customer_id="C-1", pose="front")
    with pytest.raises(TemplateDecryptError):
        cipher.decrypt(b"raw floats", backend="dlib", customer_id="C-1", pose="front")
    with pytest.raises(ValueError):
        cipher.encrypt([float("nan")], backend="dlib", customer_id="C-1", pose="front")


def test_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "keys" / "face.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key


def test_unreadable_or_corrupt_key_file_gives_a_clear_error(tmp_path):
    folder = tmp_path / "is-a-folder.key"
    folder.mkdir()
    with pytest.raises(KeyFileError, match=r"cannot read the face template key file .*is-a-folder\.key"):
        load_or_create_key(folder)
    corrupt = tmp_path / "corrupt.key"
    corrupt.write_text("not base64 !!")
    with pytest.raises(KeyFileError, match=r"corrupt\.key"):
        load_or_create_key(corrupt)
    short = tmp_path / "short.key"
    short.write_text("AAAA\n")
    with pytest.raises(KeyFileError, match="3 bytes"):
        load_or_create_key(short)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.key"
        load_or_create_key(locked)
        locked.chmod(0)
        with pytest.raises(KeyFileError, match="permission"):
            load_or_create_key(locked)


def _result(customer_id: str = "C-1001", images: dict | None = None) -> RegistrationResult:
    templates = {pose: tuple(float(i + k) for k in range(128)) for i, pose in enumerate(FacePose)}
    return RegistrationResult(customer_id=customer_id, name="김민수", phone_last4="1234",
                              consent_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC), backend="dlib",
                              templates=templates, images=images or {})


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'kiosk.db'}") as s:
        yield s


def test_registration_is_stored_encrypted_and_deleted_completely(store, cipher, tmp_path):
    images_dir = tmp_path / "faces"
    assert save_registration(store, _result(images={FacePose.FRONT: b"\xff\xd8jpeg"}), cipher,
                             images_dir=images_dir) == 4
    customer = store.list_customers()[0]
    assert (customer.customer_id, customer.backend, customer.phone_last4) == ("C-1001", "dlib", "1234")
    assert customer.consent_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    records = store.face_templates("C-1001")
    assert sorted(r.pose for r in records) == sorted(p.value for p in FacePose)
    for r in records:
        assert r.backend == "dlib" and r.template.startswith(b"FT1")
        vec = cipher.decrypt(r.template, backend=r.backend, customer_id=r.customer_id, pose=r.pose).vector
        assert vec.shape == (128,)
    image_file = images_dir / "C-1001" / "front.jpg.enc"
    assert b"jpeg" not in image_file.read_bytes()
    assert cipher.decrypt_bytes(image_file.read_bytes(), label="face-image/C-1001/front") == b"\xff\xd8jpeg"

    assert delete_customer_completely(store, "C-1001", images_dir=images_dir) == 4
    assert store.list_customers() == [] and store.face_templates() == []
    assert not (images_dir / "C-1001").exists()
    entry = store.audit_entries(kind="customer_deleted")[0]
    assert entry.detail == {"customer_id": "C-1001", "templates_removed": 4}


def test_without_opt_in_no_image_is_written(store, cipher, tmp_path):
    save_registration(store, _result(), cipher, images_dir=tmp_path / "faces")
    assert not (tmp_path / "faces").exists()


def test_a_failed_save_leaves_nothing_behind(store, cipher, monkeypatch):
    calls = []

    def failing_add(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise OSError("disk full")
        return Store.add_face_template(store, *args, **kwargs)

    monkeypatch.setattr(store, "add_face_template", failing_add)
    with pytest.raises(OSError, match="disk full"):
        save_registration(store, _result(), cipher)
    assert store.list_customers() == [] and store.face_templates() == []
