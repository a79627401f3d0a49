"""The OpenCV camera driver reading generated videos and image sequences."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from devices.base import DeviceState, DeviceURLError
from devices.camera import simulator, tech
from devices.camera.capture import OpenCvCamera, open_url
from devices.camera.errors import CameraDisconnected, CameraNotFound, NoFrame
from devices.camera.simulator import CameraSimulator
from devices.registry import open_device


def test_reads_every_frame_of_the_video_then_ends(camera_sample: CameraSimulator) -> None:
    camera = open_url(f"camera://{camera_sample.source}")
    states: list[DeviceState] = []
    camera.on_state_change(lambda old, new: states.append(new))
    try:
        frames = [camera.read() for _ in camera_sample.sample.plan]
        assert camera.frame_size == (640, 360)
        assert all(f.shape == (360, 640, 3) and f.dtype == np.uint8 for f in frames)
        # MJPG is lossy, but each frame must be the one written, not another
        for read, written in zip(frames, camera_sample.sample.frames, strict=True):
            assert np.abs(read.astype(int) - written.astype(int)).mean() < 4
        with pytest.raises(NoFrame) as err:
            camera.read()
        assert err.value.code == "camera.no_frame"
        assert "end of" in err.value.detail
        assert states == [DeviceState.READY, DeviceState.ERROR]
    finally:
        camera.close()
    assert camera.state is DeviceState.DISCONNECTED


def test_loop_starts_the_file_again(camera_sample: CameraSimulator) -> None:
    camera = open_url(f"camera://{camera_sample.source}?loop=1")
    try:
        count = len(camera_sample.sample.plan)
        frames = [camera.read() for _ in range(count + 2)]
        assert camera.frames_read == count + 2
        assert np.abs(frames[count].astype(int) - frames[0].astype(int)).mean() < 1
        assert camera.state is DeviceState.READY
    finally:
        camera.close()


def test_image_sequence_pattern(tmp_path: Path) -> None:
    sim = simulator.generate(tmp_path, ["hallq:appt:SEQ1"], size=(320, 240), page=False,
                             fmt="png")
    assert sim.source == str(tmp_path / "frame_%03d.png")
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == ["frame_000.png", "frame_001.png"]
    camera = open_url(f"camera://{sim.source}")
    try:
        frames = [camera.read() for _ in sim.sample.plan]
        assert len(frames) == 5 and camera.frame_size == (320, 240)
        # PNG is lossless: the exact pixels come back
        assert all(np.array_equal(a, b) for a, b in zip(frames, sim.sample.frames, strict=True))
    finally:
        camera.close()


def test_missing_file_or_device_is_not_found(tmp_path: Path) -> None:
    camera = open_url(f"camera://{tmp_path}/nope.avi")
    with pytest.raises(CameraNotFound) as err:
        camera.read()
    assert err.value.code == "camera.not_found"
    assert "nope.avi does not exist" in err.value.detail
    assert camera.state is DeviceState.DISCONNECTED
    with pytest.raises(CameraNotFound):
        open_url("camera://97").open()
    with pytest.raises(CameraNotFound):
        open_url(f"camera://{tmp_path}/nodir/frame_%03d.png").open()


def test_a_file_that_is_no_video_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"this is not a video at all" * 10)
    camera = open_url(f"camera://{junk}")
    with pytest.raises(CameraDisconnected) as err:
        camera.read()
    assert err.value.code == "camera.disconnected"
    camera.close()


def test_a_source_that_never_answers_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck.avi"
    os.mkfifo(fifo)  # opening it for reading blocks until someone writes: a hung camera
    camera = open_url(f"camera://{fifo}?timeout=0.3")
    try:
        with pytest.raises(CameraDisconnected) as err:
            camera.read()
        assert "more than 0.3 s" in err.value.detail
        assert camera.state is DeviceState.DISCONNECTED
    finally:
        # let the stuck open in the driver's worker thread finish (it then sees an empty file)
        os.close(os.open(fifo, os.O_WRONLY))
        camera.close()


@pytest.mark.parametrize("url", ["camera://abc", "camera://", "camera://0?timeout=soon"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(DeviceURLError) as err:
        open_url(url)
    assert err.value.code == "device.bad_url"


def test_sim_url_generates_and_close_deletes() -> None:
    camera = open_device("sim://camera?codes=hallq:appt:AP9&size=320x240&page=0")
    assert isinstance(camera, OpenCvCamera)
    folder = camera.simulator.folder
    try:
        assert camera.simulator.sample.plan == [None] + ["hallq:appt:AP9"] * 3 + [None]
        assert (folder / "sample.avi").stat().st_size > 0
        for _ in range(12):  # loops by default
            assert camera.read().shape == (240, 320, 3)
    finally:
        camera.close()
    assert not folder.exists()


def test_sim_url_bad_size() -> None:
    with pytest.raises(DeviceURLError):
        open_device("sim://camera?size=huge")


def test_tech_self_test_reports_codes_and_size(camera_sample: CameraSimulator) -> None:
    report = tech.self_test(f"camera://{camera_sample.source}")
    assert f"frames: {len(camera_sample.sample.plan)} in" in report
    assert "frame size: 640x360" in report
    assert "QR codes: 3" in report
    assert "appointment: hallq:appt:AP123" in report
    assert "ticket: https://hall.example.cn/m/t/20250101-B002" in report


def test_tech_discover_lists_only_video_devices() -> None:
    for url, description in tech.discover():
        assert url.startswith("camera://") and url[len("camera://"):].isdigit()
        assert "/dev/video" in description


def test_reads_do_not_leave_threads_behind(camera_sample: CameraSimulator) -> None:
    before = threading.active_count()
    camera = open_url(f"camera://{camera_sample.source}")
    try:
        for _ in range(5):
            camera.read()
    finally:
        camera.close()
    assert threading.active_count() <= before + 1



def test_a_camera_reads_every_frame_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # #22: the kiosk held ~0.2 MB more after each submission. Every OpenCV call ran on a new
    # thread, and OpenCV/FFmpeg and glibc keep buffers per thread that outlive it; one thread
    # for the camera's life keeps the memory flat (bench/bench_kiosk_submission.py)
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    camera = open_device("sim://camera?document=1&size=640x360")
    monkeypatch.setattr(threading.Thread, "start", counted)
    try:
        frames = [camera.read() for _ in range(40)]  # the two-frame video looped 20 times
    finally:
        camera.close()
    assert all(frame.shape == (360, 640, 3) for frame in frames)
    assert len(started) == 1, started
