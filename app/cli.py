"""``selfcheckout`` (and ``python -m app``): the kiosk and its tools as subcommands."""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.core.settings import Settings, SettingsError, load_settings
from app.store.errors import StoreError
from app.store.startup import open_store

log = logging.getLogger("app.cli")

MAX_WINDOW = (7680, 4320)
MIN_WINDOW = (320, 240)


def window_size(text: str) -> str:
    """argparse type of ``--size``: ``WIDTHxHEIGHT`` within a sane range (returned unchanged)."""
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*[xX]\s*([0-9]{1,6})\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not WIDTHxHEIGHT, e.g. 1280x800")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_WINDOW[0] <= width <= MAX_WINDOW[0] and MIN_WINDOW[1] <= height <= MAX_WINDOW[1]):
        raise argparse.ArgumentTypeError(f"{width}x{height} is outside {MIN_WINDOW[0]}x{MIN_WINDOW[1]} to "
                                         f"{MAX_WINDOW[0]}x{MAX_WINDOW[1]}")
    return f"{width}x{height}"


def seconds(text: str) -> float:
    """argparse type of ``--duration``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > 7 * 24 * 3600:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} must be more than 0 and at most a week of seconds")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    for name in ("language", "counter_camera", "face_camera", "database_url", "data_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "fullscreen", False):
        overrides["fullscreen"] = True
    config = Path(args.config) if args.config else None
    if config is not None and not config.is_file():
        raise SettingsError(f"--config {config}: no such settings file")
    return load_settings(config, overrides)


def cmd_run(args: argparse.Namespace) -> int:
    from app.launcher import launch

    return launch(_settings(args), demo=args.command == "demo", args=args)


def cmd_cameras(args: argparse.Namespace) -> int:
    from app.capture.v4l2 import list_cameras

    cameras = list_cameras()
    if not cameras:
        print("No camera found. Plug in the two USB webcams, or run the demo: selfcheckout demo")
        return 1
    for cam in cameras:
        print(f"{cam.index}\t{cam.path}\t{cam.label}")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from app.core.catalog import CatalogError
    from app.core.money import format_won

    settings = _settings(args)
    store = open_store(settings)
    try:
        if args.action == "import":
            try:
                count = store.import_catalog_file(args.file)
            except CatalogError as exc:
                print(f"catalog rejected, database unchanged: {exc}", file=sys.stderr)
                return 2
            print(f"imported {count} products from {args.file}")
            return 0
        for p in store.load_catalog():
            flag = " (19+)" if p.age_restricted else ""
            state = "" if p.active else " [inactive]"
            print(f"{p.sku:<12} {p.name(settings.language)}{flag}{state}  {format_won(p.price_won)}"
                  f"  [{p.detector_class}]")
        return 0
    finally:
        store.close()


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = open_store(settings)
    print(f"{settings.resolved_database_url}: schema revision {store.schema_revision()}")
    store.close()
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    current = _settings(args)
    for name, default, help_text in Settings.describe():
        value = getattr(current, name)
        marker = "" if value == default else "   (changed)"
        print(f"{name} = {value!r}{marker}\n    {help_text}")
    return 0


def cmd_operator_pin(args: argparse.Namespace) -> int:
    """Set the staff PIN (the attendant actions, the admin area and leaving the full-screen kiosk)."""
    import getpass

    from app.core.operator import pin_file_path, validate_pin, write_pin_file

    settings = _settings(args)
    if args.stdin:
        lines = sys.stdin.read().splitlines()
        pin = lines[0] if lines else ""
        again = lines[1] if len(lines) > 1 else pin
    else:
        pin = getpass.getpass("New staff PIN (4-8 digits): ")
        again = getpass.getpass("The same PIN again: ")
    if (problem := validate_pin(pin)) is not None:
        print(problem, file=sys.stderr)
        return 2
    if pin != again:
        print("The two PINs differ; nothing changed.", file=sys.stderr)
        return 2
    path = pin_file_path(settings.face_key_file)
    write_pin_file(path, pin)
    with open_store(settings) as store:
        store.audit("operator_pin_changed", {}, actor="cli")
    print(f"Staff PIN set ({path}).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="selfcheckout", description="Self-checkout kiosk and its tools.",
                                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", help="settings TOML file (default: ~/.config/selfcheckout/settings.toml)")
    parser.add_argument("--data-dir", dest="data_dir", help="folder for the database, receipts and logs")
    parser.add_argument("--database-url", dest="database_url",
                        help="SQLAlchemy URL (default: SQLite in the data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name, help_text in (("run", "start the kiosk with the cameras (the demo when none is plugged in)"),
                            ("demo", "start the kiosk on demo sources, without cameras")):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--counter", dest="counter_camera", help="counter source: webcam index, /dev/video*, "
                                                                "video file or image folder")
        p.add_argument("--face", dest="face_camera",
                       help="face source: webcam index, /dev/video*, video file or image folder")
        p.add_argument("--lang", dest="language", choices=("ko", "en"), help="language shown")
        p.add_argument("--fullscreen", action="store_true", help="full-screen kiosk mode")
        p.add_argument("--screenshot", help="save a PNG of the window here (always done without a display)")
        p.add_argument("--size", default="1280x800", type=window_size,
                       help="window size for --screenshot, e.g. 1920x1080")
        p.add_argument("--duration", type=seconds, help="quit after this many seconds (default without a "
                                                        "display: 4)")
        p.add_argument("--tour", metavar="DIR", help="walk a whole sale like a presenter, save a screenshot "
                                                     "of every state and the receipt in DIR, then quit "
                                                     "(the default of the demo without a display)")
        p.set_defaults(func=cmd_run)

    p = sub.add_parser("cameras", help="list the webcams this machine sees")
    p.set_defaults(func=cmd_cameras)

    p = sub.add_parser("catalog", help="list the catalog, or import a catalog CSV file")
    p.add_argument("action", choices=("list", "import"))
    p.add_argument("file", nargs="?", help="catalog CSV for import")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("db", help="create or upgrade the database schema and print its revision")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("settings", help="print every setting with its value and description")
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser("operator-pin", help="set the staff PIN (asked twice; --stdin reads two lines)")
    p.add_argument("--stdin", action="store_true", help="read the PIN (and its repetition) from stdin")
    p.set_defaults(func=cmd_operator_pin)

    from app.commands import faces
    from app.training import cli as data_cli
    from app.training import detector_cli, enroll_cli

    data_cli.add_subcommands(sub)
    detector_cli.add_subcommands(sub)
    enroll_cli.add_subcommands(sub)
    faces.add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "catalog" and args.action == "import" and not args.file:
        parser.error("catalog import needs a FILE")
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"settings error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:  # locked, full, damaged or unreachable database: one clear line
        log.debug("database error", exc_info=True)
        print(f"database error: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:  # a folder that cannot be made, a file that cannot be written
        log.debug("operating system error", exc_info=True)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
