"""WebcamSource: a missing camera, unplug/replug with a fake capture and a fake clock, camera listing."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import cv2
import pytest

from app.capture import SourceState, WebcamSource, describe_camera, list_cameras
from app.capture.v4l2 import video_index
from tests.fakes import FakeClock, synthetic_image


class FakeDevice:
    """A camera on a fake USB bus: ``plugged`` decides whether it can be opened and gives frames."""

    def __init__(self, plugged: bool = True) -> None:
        self.plugged = plugged
        self.opened: list[FakeCapture] = []

    def factory(self, device: int | str) -> FakeCapture:
        cap = FakeCapture(self)
        self.opened.append(cap)
        return cap


class FakeCapture:
    """Just enough of cv2.VideoCapture."""

    def __init__(self, device: FakeDevice) -> None:
        self.device = device
        self.is_open = device.plugged
        self.props: dict[int, float] = {}
        self.released = False
        self.count = 0

    def isOpened(self) -> bool:  # cv2's spelling
        return self.is_open

    def read(self) -> tuple[bool, Any]:
        if not (self.is_open and self.device.plugged):
            return False, None
        self.count += 1
        return True, synthetic_image(self.count, 32, 24)

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def get(self, prop: int) -> float:
        return self.props.get(prop, 0.0)

    def release(self) -> None:
        self.released = True
        self.is_open = False


def make_source(device: FakeDevice, clock: FakeClock, **kwargs: Any) -> WebcamSource:
    return WebcamSource(0, 640, 480, 30, capture_factory=device.factory, clock=clock,
                        failures_to_disconnect=3, retry_interval=1.0, max_retry_interval=4.0, **kwargs)


def test_missing_camera_is_disconnected_quickly() -> None:
    started = time.monotonic()
    source = WebcamSource(99)
    source.open()
    assert source.read() is None
    assert source.status.state is SourceState.DISCONNECTED
    assert "Camera 99" in source.status.message and "not connected" in source.status.message
    assert not source.status.is_terminal
    source.close()
    assert time.monotonic() - started < 1.0


def test_missing_device_path_is_disconnected() -> None:
    with WebcamSource("/dev/video99") as source:
        assert source.read() is None
        assert source.status.state is SourceState.DISCONNECTED


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="device paths are Linux only")
def test_message_names_device_path() -> None:
    assert describe_camera(99) == "Camera 99 (/dev/video99)"
    assert describe_camera("/dev/video98") == "Camera 98 (/dev/video98)"
    assert WebcamSource("3").device == 3


def test_live_camera_configures_capture_and_reads() -> None:
    device, clock = FakeDevice(), FakeClock()
    with make_source(device, clock) as source:
        frame = source.read()
        assert frame is not None and frame.image.shape == (24, 32, 3)
        assert source.status.state is SourceState.LIVE
        cap = device.opened[0]
        assert cap.props[cv2.CAP_PROP_FRAME_WIDTH] == 640 and cap.props[cv2.CAP_PROP_FRAME_HEIGHT] == 480
        assert cap.props[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter_fourcc(*"MJPG")
        assert source.nominal_fps == 30
    assert cap.released
    assert source.status.state is SourceState.ENDED


def test_unplug_then_replug_reconnects_with_backoff() -> None:
    device, clock = FakeDevice(), FakeClock()
    source = make_source(device, clock)
    source.open()
    assert source.read() is not None

    device.plugged = False  # unplugged: reads fail, a few failures are tolerated
    assert [source.read() for _ in range(2)] == [None, None]
    assert source.status.state is SourceState.LIVE
    assert source.read() is None
    assert source.status.state is SourceState.DISCONNECTED
    assert "stopped sending frames" in source.status.message
    assert device.opened[0].released

    attempts = source.open_attempts
    source.read()
    clock.advance(0.5)
    source.read()
    assert source.open_attempts == attempts  # no reopen before retry_interval has passed
    clock.advance(0.6)
    source.read()
    assert source.open_attempts == attempts + 1  # tried at 1 s, failed; next try 2 s later
    assert source.status.message.endswith("is not connected")
    clock.advance(1.5)
    source.read()
    assert source.open_attempts == attempts + 1
    clock.advance(0.6)
    source.read()
    assert source.open_attempts == attempts + 2  # backoff doubles: 1 s, 2 s, 4 s, 4 s ...
    clock.advance(4.0)
    source.read()
    clock.advance(4.0)
    source.read()
    assert source.open_attempts == attempts + 4

    device.plugged = True
    assert source.read() is None  # not yet due
    clock.advance(4.0)
    frame = source.read()
    assert frame is not None
    assert source.status.state is SourceState.LIVE
    assert frame.index == 1  # indexes keep counting across reconnects

    device.plugged = False  # a second unplug starts again from the short retry interval
    for _ in range(3):
        source.read()
    assert source.status.state is SourceState.DISCONNECTED
    device.plugged = True
    clock.advance(1.0)
    assert source.read() is not None
    source.close()


def test_camera_absent_at_start_comes_up_later() -> None:
    device, clock = FakeDevice(plugged=False), FakeClock()
    source = make_source(device, clock)
    assert source.read() is None
    assert source.status.state is SourceState.DISCONNECTED
    device.plugged = True
    clock.advance(1.0)
    assert source.read() is not None
    assert source.status.is_live


def test_camera_that_opens_but_sends_nothing() -> None:
    device, clock = FakeDevice(), FakeClock()
    source = make_source(device, clock)
    source.open()
    device.plugged = False  # opened, then no frames (busy device)
    for _ in range(3):
        assert source.read() is None
    assert source.status.state is SourceState.DISCONNECTED
    assert "sends no frames" in source.status.message


def test_factory_errors_count_as_not_connected() -> None:
    def broken(device: int | str) -> Any:
        raise cv2.error("boom")

    source = WebcamSource(0, capture_factory=broken, clock=FakeClock())
    assert source.read() is None
    assert source.status.state is SourceState.DISCONNECTED


def test_list_cameras_does_not_hang_and_returns_infos() -> None:
    started = time.monotonic()
    cameras = list_cameras(max_index=10)
    assert time.monotonic() - started < 2.0
    assert all(c.index < 10 and c.label for c in cameras)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="V4L2 layout")
def test_list_cameras_uses_sysfs_names(tmp_path: Path) -> None:
    dev, sysfs = tmp_path / "dev", tmp_path / "sys"
    dev.mkdir()
    for n in (0, 2):
        (dev / f"video{n}").write_text("")  # a plain file: the capability query fails, the node is listed
        (sysfs / f"video{n}").mkdir(parents=True)
        (sysfs / f"video{n}" / "name").write_text(f"Webcam {n}\n")
    cameras = list_cameras(max_index=10, dev_dir=dev, sys_dir=sysfs)
    assert [(c.index, c.name) for c in cameras] == [(0, "Webcam 0"), (2, "Webcam 2")]
    assert cameras[1].path == str(dev / "video2") and cameras[1].label == "2: Webcam 2"


def test_video_index_follows_links(tmp_path: Path) -> None:
    assert video_index("/dev/video7") == 7
    assert video_index(str(tmp_path / "nothing")) is None
    link = tmp_path / "usb-cam-video-index0"
    link.symlink_to("/dev/video5")
    assert video_index(str(link)) == 5
