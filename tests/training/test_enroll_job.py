"""The enrollment job without training: bad input, cancelling and resuming the early stages, a base model
that already has an enrolled product, and the command line's registration and exit codes."""

from __future__ import annotations

import argparse
import json
import shutil
import threading

import pytest

from app.core.catalog import Product
from app.training.cutout import BackgroundModel, CutoutFolder
from app.training.enroll import (
    EnrollmentCancelledError,
    EnrollmentError,
    EnrollmentJob,
    EnrollmentSpec,
    Progress,
    run_enrollment,
    work_state,
)
from app.training.enroll_cli import add_subcommands
from app.training.enroll_photos import write_photos
from app.vision.detection import ModelBundle

from . import enroll_data
from .scene_data import PROJECT_ROOT

DEMO_MODEL = PROJECT_ROOT / "models" / "kiosk_demo"
NEW = enroll_data.NEW_CLASS
PRODUCT = Product("MELONA-8P", "메로나", "Melona", 4800, NEW, False)


@pytest.fixture(scope="module")
def photo_dirs(tmp_path_factory):
    return write_photos(enroll_data.demo_photos(), tmp_path_factory.mktemp("job") / "in")


def _spec(tmp_path, photo_dirs, **kw) -> EnrollmentSpec:
    photos, backgrounds = photo_dirs
    base = dict(product=PRODUCT, work_dir=tmp_path / "work", base_model=DEMO_MODEL, photos=(photos,),
                backgrounds=(backgrounds,), iterations=2, batch_size=2, train_scenes=4, val_scenes=2,
                test_scenes=2, scene_size=(128, 96))
    return EnrollmentSpec(**{**base, **kw})


class CancelAt:
    """A cancel flag that turns on when a progress report matches."""

    def __init__(self, stage: str, text: str = "") -> None:
        self.stage, self.text = stage, text
        self.event = threading.Event()
        self.reports: list[Progress] = []

    def __call__(self, p: Progress) -> None:
        self.reports.append(p)
        if p.stage == self.stage and self.text in p.message:
            self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()


def test_bad_input_is_refused_before_any_work(tmp_path, photo_dirs):
    with pytest.raises(EnrollmentError, match="sku"):
        run_enrollment(_spec(tmp_path, photo_dirs, product=Product("no spaces!", "a", "b", 1, "x_y", False)))
    with pytest.raises(EnrollmentError, match="already knows 'coke_500ml'"):
        run_enrollment(_spec(tmp_path, photo_dirs, product=Product("X-1", "a", "b", 1, "coke_500ml", False)))
    with pytest.raises(EnrollmentError, match="iterations must be at least 1"):
        run_enrollment(_spec(tmp_path, photo_dirs, iterations=0))
    _, backgrounds = photo_dirs
    with pytest.raises(EnrollmentError, match="no usable cutout"):  # photos of the empty counter only
        run_enrollment(_spec(tmp_path, photo_dirs, photos=(backgrounds,)))
    with pytest.raises(EnrollmentError, match="no such file"):
        run_enrollment(_spec(tmp_path, photo_dirs, backgrounds=(tmp_path / "missing",)))


def test_cancel_during_the_scenes_then_resume_reuses_what_was_finished(tmp_path, photo_dirs):
    spec = _spec(tmp_path, photo_dirs)
    cancel = CancelAt("scenes", "test_old")
    with pytest.raises(EnrollmentCancelledError):
        run_enrollment(spec, cancel, cancel)
    scenes = spec.work_dir / "scenes"
    assert (scenes / "train.done").is_file() and (scenes / "val.done").is_file()
    assert not (scenes / "test_old.done").exists()
    assert len(CutoutFolder(spec.cutouts).entries) == 4
    assert json.loads((spec.cutouts / "refused.json").read_text(encoding="utf-8")) == []
    train_mtime = (scenes / "train" / "annotations.json").stat().st_mtime_ns
    state = work_state(spec.work_dir)
    assert state is not None and not state.finished and state.spec == spec

    cancel = CancelAt("train")  # stop again as soon as the training would start
    with pytest.raises(EnrollmentCancelledError):
        run_enrollment(spec, cancel, cancel, resume=True)
    assert (scenes / "train" / "annotations.json").stat().st_mtime_ns == train_mtime  # reused
    assert (scenes / "test_new.done").is_file()
    assert not any(r.stage == "scenes" and r.message.startswith("train:") for r in cancel.reports)

    other = _spec(tmp_path, photo_dirs, iterations=5)
    with pytest.raises(EnrollmentError, match="other settings"):
        run_enrollment(other, resume=True)
    cancel = CancelAt("cutouts")  # without resume the work folder starts over
    with pytest.raises(EnrollmentCancelledError):
        run_enrollment(other, cancel, cancel)
    assert not (scenes / "train.done").exists()


def test_an_empty_folder_has_no_work_state(tmp_path):
    assert work_state(tmp_path) is None


def test_the_next_enrollment_draws_earlier_enrolled_products_from_their_cutouts(tmp_path):
    photos = enroll_data.demo_photos()
    background = BackgroundModel.from_frames(photos.backgrounds)
    base_dir = tmp_path / "model"
    folder = CutoutFolder(base_dir / "enrolled" / NEW)
    for photo in photos.photos[:2]:
        folder.add(background.cutout(photo))
    demo = ModelBundle.load(DEMO_MODEL)
    base = ModelBundle(base_dir, {**demo.card, "classes": [*demo.classes, NEW]})
    cutouts = CutoutFolder(tmp_path / "work" / "cutouts")
    cutouts.add(background.cutout(photos.photos[2]))
    spec = EnrollmentSpec(product=Product("TWO-1", "둘", "Two", 1000, "second_new", False),
                          work_dir=tmp_path / "work", base_model=base_dir)
    classes = [*base.classes, "second_new"]
    gen = EnrollmentJob(spec).generator(base, classes, [], "test_new")
    assert sorted(gen.classes[i] for i in gen.cutouts) == sorted([NEW, "second_new"])
    assert gen.focus == classes.index("second_new")
    old = EnrollmentJob(spec).generator(base, classes, [], "test_old")
    assert old.exclude == {classes.index("second_new")}


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("--data-dir", dest="data_dir")
    parser.add_argument("--database-url", dest="database_url")
    add_subcommands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


PRODUCT_ARGS = ("--sku", "MELONA-8P", "--name-ko", "메로나", "--name-en", "Melona", "--price", "4800",
                "--class", NEW)


def test_the_commands_are_registered_in_the_main_parser():
    from app.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["enroll", *PRODUCT_ARGS, "--photos", "p", "--work", "w", "--no-apply"])
    assert args.func.__name__ == "cmd_enroll" and args.apply is False and args.iterations == 600
    assert parser.parse_args(["model", "restore"]).func.__name__ == "cmd_model"
    assert parser.parse_args(["enroll-photos", "--out", "x"]).func.__name__ == "cmd_enroll_photos"


def test_the_command_line_refuses_bad_input_with_exit_code_2(tmp_path, capsys):
    args = _parse("--data-dir", str(tmp_path / "d"), "enroll", *PRODUCT_ARGS, "--work", str(tmp_path / "w"),
                  "--no-apply")
    assert args.func(args) == 2  # neither --photos nor --cutouts
    assert "either --photos" in capsys.readouterr().err
    args = _parse("--data-dir", str(tmp_path / "d"), "enroll", *PRODUCT_ARGS[:-1], "coke_500ml", "--cutouts",
                  str(tmp_path), "--work", str(tmp_path / "w"), "--json-progress")
    assert args.func(args) == 2  # the catalog already sells coke_500ml
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["stage"] == "error" and line["exit_code"] == 2 and "COKE-500" in line["message"]


def test_model_history_and_restore_without_a_previous_model(tmp_path, capsys):
    args = _parse("model", "history", "--model", str(DEMO_MODEL))
    assert args.func(args) == 0
    assert "fine-tuned from stage 2" in capsys.readouterr().out
    copy = tmp_path / "kiosk_demo"
    shutil.copytree(DEMO_MODEL, copy)
    args = _parse("model", "restore", "--model", str(copy), "--no-catalog")
    assert args.func(args) == 2
    assert "no previous model" in capsys.readouterr().err


def test_enroll_photos_writes_a_demo_product(tmp_path, capsys):
    args = _parse("enroll-photos", "--out", str(tmp_path), "--count", "2", "--empty", "1")
    assert args.func(args) == 0
    assert len(list((tmp_path / "photos").glob("*.jpg"))) == 2
    assert len(list((tmp_path / "backgrounds").glob("*.jpg"))) == 1
    assert "selfcheckout enroll --sku MELONA-8P" in capsys.readouterr().out


def test_a_failing_training_process_is_reported_with_its_log(tmp_path):
    from app.training.enroll import _Reporter
    from app.training.enroll_process import run_training_process

    with pytest.raises(EnrollmentError, match=r"training process failed \(exit 1.*missing\.json"):
        run_training_process(tmp_path / "missing.json", tmp_path / "train.log", 1, _Reporter({}, None, None))
    assert "missing.json" in (tmp_path / "train.log").read_text(encoding="utf-8")
