"""make-art, make-scenes and make-demo-video as subcommands."""

from __future__ import annotations

import argparse

from app.training.cli import add_subcommands


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_subcommands_are_registered():
    for name in ("make-art", "make-scenes", "make-demo-video"):
        args = _parse(name, "--out", "x") if name == "make-scenes" else _parse(name)
        assert callable(args.func)


def test_make_scenes_writes_coco_and_prints_the_balance(tmp_path, capsys):
    args = _parse("make-scenes", "--out", str(tmp_path), "--count", "3", "--seed", "4", "--level", "easy",
                  "--size", "96")
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "imbalance" in out and "coke_500ml" in out and "look-alikes" in out
    assert (tmp_path / "annotations.json").is_file()
    assert len(list((tmp_path / "images").glob("*.jpg"))) == 3


def test_make_art_and_bad_inputs(tmp_path, capsys):
    args = _parse("make-art", "--out", str(tmp_path / "art"), "--thumb-size", "48")
    assert args.func(args) == 0
    assert len(list((tmp_path / "art").glob("*.png"))) == 15
    bad = tmp_path / "bad.toml"
    bad.write_text("[coke_500ml]\nshape = 'barrel'\n", encoding="utf-8")
    args = _parse("make-scenes", "--out", str(tmp_path / "s"), "--packaging", str(bad))
    assert args.func(args) == 2
    assert "barrel" in capsys.readouterr().err
    args = _parse("make-scenes", "--out", str(tmp_path / "s"), "--count", "0")
    assert args.func(args) == 2
