"""QR decoding from generated videos read through cv2.VideoCapture, dedup and classification."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.base import DeviceState
from devices.camera import simulator
from devices.camera.capture import open_url
from devices.camera.errors import BadImage, NoFrame
from devices.camera.qr import (
    APPOINTMENT,
    TICKET,
    UNKNOWN,
    QrDecoder,
    QrScanner,
    ScannedCode,
    classify,
)
from devices.camera.simulator import CameraSimulator
from devices.registry import open_device
from tests.helpers.clocks import SecondsClock


def test_scanner_reports_each_code_of_the_video_once(camera_sample: CameraSimulator) -> None:
    clock = SecondsClock()
    seen: list[ScannedCode] = []
    camera = open_url(f"camera://{camera_sample.source}")
    scanner = QrScanner(camera, window=3.0, callback=seen.append, clock=clock)
    per_frame: list[list[str]] = []
    try:
        for _ in camera_sample.sample.plan:
            per_frame.append(scanner.poll())
            clock.now += 0.1  # 10 frames a second
        with pytest.raises(NoFrame):
            scanner.poll()
    finally:
        camera.close()
    codes = list(simulator.DEFAULT_CODES)
    # the frame plan: blank, A A A, blank, B B B, blank, C C C, blank, page, page
    assert per_frame == [[], [codes[0]], [], [], [], [codes[1]], [], [], [], [codes[2]],
                         [], [], [], [], []]
    assert seen == [ScannedCode(APPOINTMENT, "AP123", codes[0]),
                    ScannedCode(TICKET, "20250101-A001", codes[1]),
                    ScannedCode(TICKET, "20250101-B002", codes[2])]


def test_decoder_finds_the_code_in_every_frame_that_shows_it(
        camera_sample: CameraSimulator) -> None:
    decoder = QrDecoder()
    camera = open_url(f"camera://{camera_sample.source}")
    try:
        decoded = [decoder.decode(camera.read()) for _ in camera_sample.sample.plan]
    finally:
        camera.close()
    expected = [[] if what in (None, "page") else [what] for what in camera_sample.sample.plan]
    assert decoded == expected


def test_720p_sim_camera_decodes() -> None:
    camera = open_device("sim://camera?codes=hallq:ticket:20250102-C015&page=0&loop=0")
    try:
        scanner = QrScanner(camera)
        found = [code for _ in range(5) for code in scanner.poll_codes()]
    finally:
        camera.close()
    assert camera.frame_size == (1280, 720)
    assert found == [ScannedCode(TICKET, "20250102-C015", "hallq:ticket:20250102-C015")]


def test_dedup_window() -> None:
    clock = SecondsClock()
    rng = np.random.default_rng(3)
    frame = simulator.qr_frame("hallq:appt:W1", (480, 360), rng)
    blank = simulator.blank_frame((480, 360), rng)
    scanner = QrScanner(window=3.0, clock=clock)
    assert scanner.feed(frame) == ["hallq:appt:W1"]
    clock.now += 2.0
    assert scanner.feed(frame) == []          # still in view
    clock.now += 2.5
    assert scanner.feed(frame) == []          # held for 4.5 s, seen 2.5 s ago: still once
    assert scanner.feed(blank) == []
    clock.now += 3.5
    assert scanner.feed(frame) == ["hallq:appt:W1"]  # gone for more than the window: again


def test_two_codes_in_one_frame() -> None:
    rng = np.random.default_rng(4)
    left = simulator.render_qr("hallq:appt:L1", 220)
    right = simulator.render_qr("hallq:appt:R2", 220)
    frame = np.full((360, 640), 128, np.uint8)
    frame[70:290, 40:260] = left
    frame[70:290, 380:600] = right
    frame = (frame + rng.normal(0, 4, frame.shape)).clip(0, 255).astype(np.uint8)
    assert sorted(QrDecoder().decode(frame)) == ["hallq:appt:L1", "hallq:appt:R2"]


@pytest.mark.parametrize(("raw", "kind", "value"), [
    ("hallq:appt:AP123", APPOINTMENT, "AP123"),
    ("hallq:ticket:20250101-A001", TICKET, "20250101-A001"),
    ("https://hall.example.cn/t/20250101-A001", TICKET, "20250101-A001"),
    ("https://gov.example.cn/hall/m/t/20250101-B002/", TICKET, "20250101-B002"),
    ("http://hall.example.cn/t/20250101-A001", UNKNOWN, "http://hall.example.cn/t/20250101-A001"),
    ("https://hall.example.cn/t/20250101-A001/extra", UNKNOWN,
     "https://hall.example.cn/t/20250101-A001/extra"),
    ("hallq:appt:", UNKNOWN, "hallq:appt:"),
    ("hallq:appt:bad code", UNKNOWN, "hallq:appt:bad code"),
    ("WIFI:S:hall;T:WPA;P:secret;;", UNKNOWN, "WIFI:S:hall;T:WPA;P:secret;;"),
])
def test_classify(raw: str, kind: str, value: str) -> None:
    assert classify(raw) == ScannedCode(kind, value, raw)


#: Decoded QR text: any characters (lone surrogates too, as a decoder may pass them on), or a
#: hall payload with odd characters around and inside it.
QR_TEXTS = st.text(st.characters(codec=None, exclude_categories=()), max_size=200) | st.builds(
    lambda prefix, middle, tail: prefix + middle + tail,
    st.sampled_from(["hallq:appt:", "hallq:ticket:", "https://", "https://[", "https://h/t/"]),
    st.text(max_size=40), st.sampled_from(["", "/", "/t/A001", "]:99999/t/A001", "\x00"]))


@settings(max_examples=300, deadline=None)
@given(QR_TEXTS)
def test_classify_fuzz_never_raises(raw: str) -> None:
    code = classify(raw)
    assert code.kind in (APPOINTMENT, TICKET, UNKNOWN) and code.raw == raw
    if code.kind != UNKNOWN:
        assert code.value.isascii() and code.value in raw


def test_bad_frames_are_typed_errors() -> None:
    decoder = QrDecoder()
    for bad in (np.zeros((0, 0, 3), np.uint8), np.zeros((10, 10, 3), np.float32),
                np.zeros((10, 10, 2), np.uint8)):
        with pytest.raises(BadImage) as err:
            decoder.decode(bad)
        assert err.value.code == "camera.bad_image"
    with pytest.raises(BadImage):
        decoder.decode(None)  # type: ignore[arg-type]
    assert decoder.decode(np.zeros((8, 8), np.uint8)) == []  # tiny but valid: nothing found


def test_a_sim_camera_played_once_then_sees_an_empty_desk() -> None:
    camera = open_device("sim://camera?codes=hallq:ticket:20250102-C015&page=0&loop=0"
                         "&size=640x360")
    try:
        scanner = QrScanner(camera)
        found = [code for _ in range(20) for code in scanner.poll_codes()]
        assert camera.state is DeviceState.READY       # a camera does not end like a file
        assert camera.read().shape == (360, 640, 3)
    finally:
        camera.close()
    assert found == [ScannedCode(TICKET, "20250102-C015", "hallq:ticket:20250102-C015")]


def test_a_sim_camera_with_no_codes_scans_nothing() -> None:
    camera = open_device("sim://camera?codes=none&size=640x360")
    try:
        scanner = QrScanner(camera)
        assert [code for _ in range(12) for code in scanner.poll_codes()] == []
        assert camera.state is DeviceState.READY
    finally:
        camera.close()
