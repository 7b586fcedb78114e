"""Finding and naming cameras without opening a stream (Linux: /dev/video* and sysfs; elsewhere: OpenCV).

On Linux the capability query (``VIDIOC_QUERYCAP``) takes microseconds and never hangs, even while
another program streams from the camera; it also filters out the metadata nodes that UVC cameras add
next to each real capture node.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SYS_DIR = Path("/sys/class/video4linux")
DEV_DIR = Path("/dev")
_VIDIOC_QUERYCAP = 0x80685600  # _IOR('V', 0, struct v4l2_capability), 104 bytes
_CAP_VIDEO_CAPTURE = 0x00000001
_CAP_VIDEO_CAPTURE_MPLANE = 0x00001000
_CAP_DEVICE_CAPS = 0x80000000


@dataclass(frozen=True)
class CameraInfo:
    """A camera found on this machine."""

    index: int
    path: str
    name: str = ""
    driver: str = ""
    bus: str = ""

    @property
    def label(self) -> str:
        return f"{self.index}: {self.name or self.path}"


def video_index(path: str) -> int | None:
    """The N of /dev/videoN that ``path`` is or links to (e.g. /dev/v4l/by-id/...), else None."""
    for candidate in (path, os.path.realpath(path)):
        if match := re.fullmatch(r"/dev/video(\d+)", candidate):
            return int(match.group(1))
    return None


def device_name(index: int, sys_dir: Path = SYS_DIR) -> str:
    """The kernel's name of /dev/videoN ("HD Webcam C270"), or "" when unknown."""
    try:
        return (sys_dir / f"video{index}" / "name").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def query_capabilities(path: str) -> tuple[str, str, str, int] | None:
    """(driver, card, bus, device capabilities) of a V4L2 node, or None when it cannot be asked."""
    import fcntl  # POSIX only

    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENODEV):
            log.debug("cannot open %s to query it: %s", path, exc)
        return None
    try:
        buf = bytearray(104)
        fcntl.ioctl(fd, _VIDIOC_QUERYCAP, buf)
    except OSError as exc:
        log.debug("VIDIOC_QUERYCAP on %s failed: %s", path, exc)
        return None
    finally:
        os.close(fd)
    driver, card, bus, _version, caps, device_caps = struct.unpack_from("16s32s32sIII", buf)
    text = [b.split(b"\0", 1)[0].decode("utf-8", "replace") for b in (driver, card, bus)]
    return text[0], text[1], text[2], device_caps if caps & _CAP_DEVICE_CAPS else caps


def list_cameras(max_index: int = 10, *, dev_dir: Path = DEV_DIR,
                 sys_dir: Path = SYS_DIR) -> list[CameraInfo]:
    """Capture cameras with index below ``max_index``, quickly and without starting a stream."""
    if not sys.platform.startswith("linux"):
        return _probe_with_opencv(max_index)
    found = []
    for index in range(max_index):
        path = dev_dir / f"video{index}"
        if not path.exists():
            continue
        name = device_name(index, sys_dir)
        caps = query_capabilities(str(path))
        if caps is None:  # e.g. no permission: list it so the operator sees it exists
            found.append(CameraInfo(index, str(path), name))
            continue
        driver, card, bus, flags = caps
        if flags & (_CAP_VIDEO_CAPTURE | _CAP_VIDEO_CAPTURE_MPLANE):
            found.append(CameraInfo(index, str(path), name or card, driver, bus))
    return found


def _probe_with_opencv(max_index: int) -> list[CameraInfo]:
    import cv2

    found = []
    for index in range(max_index):
        cap = cv2.VideoCapture(index)
        try:
            if not cap.isOpened():
                break  # indexes are contiguous outside Linux; stop at the first gap
            found.append(CameraInfo(index, str(index)))
        finally:
            cap.release()
    return found
