"""Document capture: find the page, straighten it upright, and make an upload-sized JPEG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import simulator
from devices.camera.capture import open_url
from devices.camera.document import (
    A4_RATIO,
    capture_document,
    find_page,
    page_aspect,
    save_document,
    warp_page,
)
from devices.camera.errors import BadImage, NoDocument, SaveFailed
from devices.camera.simulator import CameraSimulator


def decode(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def assert_upright_page(page: np.ndarray) -> None:
    """Portrait A4, the dark title band at the top, white paper at the bottom."""
    height, width = page.shape[:2]
    assert abs(height / width - A4_RATIO) < 0.01
    gray = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    top, bottom = simulator.TITLE_BAND
    scale = height / simulator.PAGE_SIZE[1]
    band = gray[int(top * scale) + 4:int(bottom * scale) - 4, width // 4:3 * width // 4]
    low_margin = gray[int(height * 0.80):int(height * 0.84), width // 10:width // 2]
    assert band.mean() < 110, "the dark title band is not at the top"
    assert low_margin.mean() > 200, "the bottom is not blank paper"


@pytest.mark.parametrize("angle", [-30.0, -8.0, 0.0, 12.0, 40.0])
def test_page_is_found_and_straightened(angle: float) -> None:
    frame, truth = simulator.page_frame((1280, 720), np.random.default_rng(5), angle)
    corners = find_page(frame)
    assert np.abs(corners - truth).max() < 8  # pixels
    assert page_aspect(truth) == pytest.approx(page_aspect(corners), abs=0.03)
    assert_upright_page(warp_page(frame, corners))


def test_capture_gives_an_upload_sized_upright_jpeg() -> None:
    frame, _ = simulator.page_frame((1280, 720), np.random.default_rng(6))
    photo = capture_document(frame)
    assert photo.jpeg[:3] == b"\xff\xd8\xff"
    assert len(photo.jpeg) <= 500_000
    image = decode(photo.jpeg)
    assert image.shape == (photo.height, photo.width)
    assert max(image.shape) <= 1600
    assert_upright_page(image)


def test_large_frame_is_shrunk_to_1600_and_500kb() -> None:
    frame, _ = simulator.page_frame((4000, 3000), np.random.default_rng(7), angle=5.0)
    photo = capture_document(frame)
    assert (photo.width, photo.height) == (1131, 1600)
    assert len(photo.jpeg) <= 500_000
    assert_upright_page(decode(photo.jpeg))


def test_quality_steps_down_to_fit_a_small_limit() -> None:
    frame, _ = simulator.page_frame((1280, 720), np.random.default_rng(8))
    photo = capture_document(frame, max_bytes=25_000)
    assert len(photo.jpeg) <= 25_000
    assert photo.quality < 90
    with pytest.raises(SaveFailed) as err:
        capture_document(frame, max_bytes=300)
    assert err.value.code == "camera.save_failed"


def test_page_from_the_video_through_videocapture(camera_sample: CameraSimulator,
                                                  tmp_path: Path) -> None:
    page_index = camera_sample.sample.plan.index("page")
    camera = open_url(f"camera://{camera_sample.source}")
    try:
        frames = [camera.read() for _ in range(page_index + 1)]
    finally:
        camera.close()
    target = tmp_path / "submission.jpg"
    photo = save_document(frames[page_index], target)
    assert target.read_bytes() == photo.jpeg
    assert not list(tmp_path.glob(".*.tmp"))
    assert_upright_page(decode(photo.jpeg))
    assert camera_sample.sample.page_corners is not None
    assert np.abs(photo.corners - camera_sample.sample.page_corners).max() < 6


def test_no_page_is_a_typed_error_and_next_capture_works() -> None:
    rng = np.random.default_rng(9)
    for empty in (simulator.blank_frame((640, 360), rng),
                  simulator.blank_frame((640, 360), rng)[:, :200].copy(),
                  simulator.qr_frame("hallq:appt:X", (640, 360), rng, 0.0),  # square: no page
                  np.full((360, 640, 3), 30, np.uint8)):
        with pytest.raises(NoDocument) as err:
            capture_document(empty)
        assert err.value.code == "camera.no_document"
        assert "请将材料平放" in err.value.message_zh
    frame, _ = simulator.page_frame((640, 360), rng)
    assert capture_document(frame).height > 0


def test_bad_images_and_unwritable_path(tmp_path: Path) -> None:
    for bad in (np.zeros((0, 0, 3), np.uint8), np.zeros((100, 100), np.uint8),
                np.zeros((100, 100, 3), np.float64)):
        with pytest.raises(BadImage):
            find_page(bad)
    frame, _ = simulator.page_frame((640, 360), np.random.default_rng(10))
    with pytest.raises(SaveFailed) as err:
        save_document(frame, tmp_path / "missing-dir" / "doc.jpg")
    assert err.value.code == "camera.save_failed"
