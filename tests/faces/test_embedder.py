"""Embedders: FaceNet weights from a verified local file, dlib as the offline fallback."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.vision.faces.align import DLIB_CHIP, FACENET_CHIP, align_face
from app.vision.faces.embedder import (
    EmbedderConfig,
    FaceNetEmbedder,
    FaceWeightsError,
    select_embedder,
    sha256_of,
    torch_hub_weights_path,
)


@pytest.fixture(autouse=True)
def _no_torch_hub_cache(tmp_path, monkeypatch):
    """Make sure no downloaded FaceNet weights of this machine are picked up."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))


@pytest.fixture(scope="module")
def facenet_file(tmp_path_factory) -> tuple[Path, str]:
    """A randomly initialised InceptionResnetV1 state dict (about 90 MB), plus a classifier head like
    the published VGGFace2 file has, and its SHA-256."""
    import torch
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    state = InceptionResnetV1(pretrained=None).state_dict()
    state["logits.weight"] = torch.zeros(8, 512)
    state["logits.bias"] = torch.zeros(8)
    path = tmp_path_factory.mktemp("weights") / "facenet-random.pt"
    torch.save(state, path)
    return path, sha256_of(path)


def test_facenet_loads_a_local_file_with_the_right_sha256(facenet_file):
    path, digest = facenet_file
    embedder = FaceNetEmbedder(EmbedderConfig(facenet_weights=str(path), facenet_sha256=digest.upper()))
    assert embedder.backend == "facenet" and embedder.dim == 512 and embedder.chip is FACENET_CHIP
    chips = [np.full((160, 160, 3), 90, np.uint8)]
    out = embedder.embed(chips)
    assert out.shape == (1, 512) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 512)
    with pytest.raises(ValueError):
        embedder.embed([np.zeros((150, 150, 3), np.uint8)])  # a dlib chip


def test_facenet_refuses_a_file_whose_sha256_differs(facenet_file):
    path, _ = facenet_file
    with pytest.raises(FaceWeightsError, match=str(path)) as err:
        FaceNetEmbedder(EmbedderConfig(facenet_weights=str(path), facenet_sha256="0" * 64))
    assert "SHA-256" in str(err.value) and "refusing" in str(err.value)


def test_facenet_refuses_an_unverified_or_missing_file(facenet_file, tmp_path):
    path, _ = facenet_file
    with pytest.raises(FaceWeightsError, match="no expected SHA-256"):
        FaceNetEmbedder(EmbedderConfig(facenet_weights=str(path)))
    with pytest.raises(FaceWeightsError, match="does not exist"):
        FaceNetEmbedder(EmbedderConfig(facenet_weights=str(tmp_path / "nope.pt"), facenet_sha256="0" * 64))


def test_facenet_refuses_a_file_that_is_no_state_dict(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(FaceWeightsError, match="cannot be loaded"):
        FaceNetEmbedder(EmbedderConfig(facenet_weights=str(bad), facenet_sha256=sha256_of(bad)))


def test_select_embedder_falls_back_to_dlib_without_facenet_weights():
    assert not torch_hub_weights_path().exists()
    embedder, reason = select_embedder(EmbedderConfig())
    assert embedder.backend == "dlib" and embedder.dim == 128 and embedder.chip is DLIB_CHIP
    assert "dlib" in reason and "FaceNet weights not found" in reason
    with pytest.raises(FaceWeightsError):  # asked for FaceNet explicitly: no silent fallback
        select_embedder(EmbedderConfig(backend="facenet"))


def test_select_embedder_prefers_facenet_and_reads_settings_like_objects(facenet_file):
    path, digest = facenet_file
    settings = SimpleNamespace(face_backend="auto", facenet_weights=str(path), facenet_weights_sha256=digest)
    embedder, reason = select_embedder(settings)
    assert embedder.backend == "facenet" and "FaceNet" in reason
    embedder, reason = select_embedder(SimpleNamespace(face_backend="dlib"))
    assert embedder.backend == "dlib" and "settings" in reason


def test_select_embedder_uses_the_torch_hub_cache(facenet_file):
    cached = torch_hub_weights_path()
    cached.parent.mkdir(parents=True)
    cached.symlink_to(facenet_file[0])
    embedder, _ = select_embedder(EmbedderConfig())
    assert embedder.backend == "facenet" and embedder.source == str(cached)


def test_dlib_embeddings_are_unit_length_and_tell_people_apart(face_detector, dlib_embedder, load_face):
    vectors = []
    for name in ("obama/1.jpg", "obama/3.jpg", "biden/2.jpg"):
        image = load_face(name)
        vectors.append(dlib_embedder.embed([align_face(image, face_detector.detect(image).landmarks,
                                                       DLIB_CHIP)])[0])
    v = np.stack(vectors)
    assert v.shape == (3, 128) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.05  # obama is closer to obama than to biden
