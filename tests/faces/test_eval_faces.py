"""``selfcheckout eval-faces`` on the real photos of ../shared/faces with the offline backend."""

from __future__ import annotations

import argparse
import json

import pytest

from app.commands import faces as faces_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="selfcheckout")
    faces_command.add_subcommands(parser.add_subparsers(dest="command"))
    return parser


def test_eval_faces_meets_the_targets_with_dlib(shared_faces, face_detector, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no FaceNet weights: that backend is skipped
    # The command's own detector configuration, shared with the other tests so each photo is run once.
    monkeypatch.setattr("app.vision.faces.detector.MtcnnDetector", lambda **kwargs: face_detector)
    args = _parser().parse_args(["eval-faces", str(shared_faces), "--json"])
    assert args.func(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["faces_found"] == result["photos"] >= 14  # MTCNN finds every face
    assert set(result["registered"]) >= {"obama", "biden", "kit_harington", "rose_leslie"}
    assert "group" not in result["registered"] + result["unregistered"]
    dlib = result["backends"]["dlib"]
    assert dlib["tar"] == 1.0 and dlib["rank1"] == 1.0  # every registered person, in every photo
    assert dlib["far"] == 0.0 and dlib["impostor_probes"] >= 4  # no unregistered person accepted
    assert dlib["genuine_min"] >= dlib["threshold"] > dlib["impostor_max"]
    assert dlib["pairs"]["impostor_pairs_accepted"] == 0 and dlib["pairs"]["genuine_pairs_rejected"] == 0
    assert "FaceNet weights not found" in result["skipped"]["facenet"]


def test_eval_faces_text_output_and_bad_folder(shared_faces, face_detector, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("app.vision.faces.detector.MtcnnDetector", lambda **kwargs: face_detector)
    args = _parser().parse_args(["eval-faces", str(shared_faces), "--backend", "dlib"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for word in ("TAR", "FAR", "rank-1", "threshold", "MTCNN found a face in"):
        assert word in out
    args = _parser().parse_args(["eval-faces", str(tmp_path / "missing")])
    assert args.func(args) == 2


def test_eval_faces_reports_a_skipped_backend_and_fails_without_any(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    (tmp_path / "someone").mkdir()
    args = _parser().parse_args(["eval-faces", str(tmp_path), "--backend", "facenet", "--json"])
    monkeypatch.setattr("app.vision.faces.detector.MtcnnDetector", lambda **kwargs: object())
    assert args.func(args) == 1
    assert "facenet" in json.loads(capsys.readouterr().out)["skipped"]


@pytest.mark.parametrize("flag", ["--enrol-per-person", "--max-side"])
def test_eval_faces_options_parse(flag):
    args = _parser().parse_args(["eval-faces", "DIR", flag, "3"])
    assert args.enrol_per_person == 3 or args.max_side == 3
