"""Typed kiosk settings: defaults with descriptions, overridden by a TOML file and the command line.

One frozen dataclass holds every setting; each field carries its description in ``metadata`` (the
pattern of Electrum's ``ConfigVar`` and qutebrowser's ``configdata.yml``). A TOML file overrides
the defaults; unknown keys and values of the wrong type or out of range are rejected with the file
and the key named, so a typo never silently changes how the kiosk behaves.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESOURCES_DIR = PROJECT_ROOT / "resources"
MODELS_DIR = PROJECT_ROOT / "models"
CONFIG_ENV = "SELFCHECKOUT_CONFIG"
DATA_DIR_ENV = "SELFCHECKOUT_DATA_DIR"
FONT_DIRS_ENV = "SELFCHECKOUT_FONT_DIRS"
MAX_SETTINGS_BYTES = 1024 * 1024


def default_data_dir() -> Path:
    """Where the database and receipts live unless settings say otherwise."""
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "selfcheckout"


def default_config_path() -> Path:
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "selfcheckout" / "settings.toml"


def default_key_path() -> Path:
    """The face-template key lives with the settings, outside the data folder that holds the database."""
    return default_config_path().parent / "face-templates.key"


def _default_font_dirs() -> tuple[str, ...]:
    extra = os.environ.get(FONT_DIRS_ENV, "")
    return (str(PROJECT_ROOT / "fonts"), *[p for p in extra.split(os.pathsep) if p])


def _setting(default: Any, help: str, *, choices: tuple[Any, ...] = (), low: float | None = None,
             high: float | None = None, factory: Any = None, required: bool = False) -> Any:
    metadata = {"help": help, "choices": choices, "low": low, "high": high, "required": required}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


class SettingsError(ValueError):
    """A settings file or value that cannot be used; the message names the source and the key."""


@dataclass(frozen=True)
class Settings:
    language: str = _setting("ko", "Language of the text shown to people.", choices=("ko", "en"))
    data_dir: str = _setting(None, "Folder for the database, receipts and logs.",
                             factory=lambda: str(default_data_dir()), required=True)
    database_url: str = _setting(
        "", "SQLAlchemy database URL; empty means SQLite (WAL) in data_dir. Several kiosks of one "
            "store can share a PostgreSQL server: postgresql+psycopg://user:pass@host/db.")
    catalog_file: str = _setting(str(RESOURCES_DIR / "catalog" / "demo_catalog.csv"),
                                 "Catalog loaded into the database on first run.", required=True)
    counter_camera: str = _setting("0", "Counter camera: a webcam index, a /dev/video path, a video file "
                                        "or an image folder.")
    face_camera: str = _setting("1", "Face camera: a webcam index, a /dev/video path, a video file or an "
                                     "image folder.")
    camera_width: int = _setting(1280, "Requested camera frame width in pixels.", low=160, high=7680)
    camera_height: int = _setting(720, "Requested camera frame height in pixels.", low=120, high=4320)
    camera_fps: int = _setting(30, "Requested camera frame rate.", low=1, high=240)
    font_dirs: tuple[str, ...] = _setting(None, "Folders searched for the Lotte Mart Dream font files.",
                                          factory=_default_font_dirs)
    detector_model: str = _setting(str(MODELS_DIR / "kiosk_demo"), "Folder of the product detector's model "
                                   "bundle (model card, config, checkpoint, ONNX).", required=True)
    detector_backend: str = _setting("onnxruntime", "Product detector backend: onnxruntime (fast) or "
                                                    "mmdet (PyTorch, the reference).",
                                     choices=("onnxruntime", "mmdet"))
    face_backend: str = _setting("auto", "Face embedder: auto (FaceNet when its weights are there, else "
                                         "dlib), facenet or dlib.", choices=("auto", "facenet", "dlib"))
    facenet_weights: str = _setting("", "Local file of FaceNet's VGGFace2 weights "
                                        "(20180402-114759-vggface2.pt).")
    facenet_weights_sha256: str = _setting("", "SHA-256 the FaceNet weights file must have (empty: not "
                                               "checked).")
    facenet_allow_download: bool = _setting(False, "Let facenet-pytorch download FaceNet's weights on "
                                                   "first use.")
    face_key_file: str = _setting(None, "Key that encrypts face templates; keep it outside the data folder.",
                                  factory=lambda: str(default_key_path()), required=True)
    keep_face_images: bool = _setting(False, "Also keep (encrypted) face images of registrations.")
    face_camera_mirrored: bool = _setting(False, "The face camera delivers mirrored images.")
    torch_threads: int = _setting(1, "Threads per model in the kiosk (1 keeps the two pipelines from "
                                     "starving each other on a 2-core CPU).", low=1, high=64)
    fullscreen: bool = _setting(False, "Run full screen as a kiosk.")

    def __post_init__(self) -> None:
        """Values given in code are held to the same rules as the file's (no negative fps in tests)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            checked = _coerce(f.name, value, f, "settings")
            if checked is not value:
                object.__setattr__(self, f.name, checked)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'kiosk.db'}"

    def replace(self, **changes: Any) -> Settings:
        return load_settings_from_mapping(changes, source="overrides", base=self)

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str]]:
        """(name, default, description) of every setting, for ``selfcheckout settings``."""
        defaults = cls()
        return [(f.name, getattr(defaults, f.name), f.metadata["help"]) for f in dataclasses.fields(cls)]


def _coerce(name: str, value: Any, f: dataclasses.Field, source: str) -> Any:
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    where = f"{source}: setting '{name}'"
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{where} must be true or false, not {_short(value)}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where} must be a whole number, not {_short(value)}")
    elif kind == "str":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise SettingsError(f"{where} must be text, not {_short(value)}")
        _check_text(value, where)
    elif kind.startswith("tuple"):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where} must be a list of text values, not {_short(value)}")
        if len(value) > 64:
            raise SettingsError(f"{where} has too many entries ({len(value)}; at most 64)")
        for item in value:
            _check_text(item, where)
        value = tuple(value)
    meta = f.metadata
    if meta["required"] and not value.strip():
        raise SettingsError(f"{where} must not be empty")
    if meta["choices"] and value not in meta["choices"]:
        allowed = ", ".join(map(str, meta["choices"]))
        raise SettingsError(f"{where} must be one of {allowed}, not {_short(value)}")
    if meta["low"] is not None and not (meta["low"] <= value <= meta["high"]):
        raise SettingsError(f"{where} must be between {meta['low']} and {meta['high']}, not {_short(value)}")
    return value


def _short(value: Any) -> str:
    """``repr(value)``, cut so that a huge value does not flood the message."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _check_text(value: str, where: str) -> None:
    if len(value) > 4096:
        raise SettingsError(f"{where} is too long ({len(value)} characters)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise SettingsError(f"{where} contains a control character (a NUL byte or a line break?)")


def load_settings_from_mapping(values: dict[str, Any], source: str, base: Settings | None = None) -> Settings:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    checked = {}
    for name, value in values.items():
        if name not in fields:
            hint = " (settings are top-level keys, not [sections])" if isinstance(value, dict) else ""
            raise SettingsError(f"{source}: unknown setting {_short(name)}{hint}")
        checked[name] = _coerce(name, value, fields[name], source)
    return dataclasses.replace(base or Settings(), **checked)


def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the TOML file (if it exists), then ``overrides`` (for example from the CLI)."""
    path = path or default_config_path()
    settings = Settings()
    if path.exists():
        try:
            if path.stat().st_size > MAX_SETTINGS_BYTES:
                raise SettingsError(f"{path}: not a settings file: larger than "
                                    f"{MAX_SETTINGS_BYTES // 1024} KB")
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not a valid TOML file: {exc}") from exc
        except OSError as exc:
            raise SettingsError(f"{path}: cannot read the settings file: {exc.strerror or exc}") from exc
        settings = load_settings_from_mapping(data, source=str(path), base=settings)
    if overrides:
        settings = load_settings_from_mapping(overrides, source="command line", base=settings)
    return settings
