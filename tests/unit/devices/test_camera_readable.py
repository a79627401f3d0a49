"""A citizen's document photo is refused when it cannot be read (too dark, blurred), with the
reason, and taken when it can; the simulated document camera's video gives both, through
cv2.VideoCapture as a real camera would."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.base import DeviceURLError
from devices.camera import simulator
from devices.camera.document import capture_document, readability
from devices.camera.errors import BlurredPhoto, DarkPhoto, NoDocument


def sharp_frame(size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    frame, _ = simulator.page_frame(size, np.random.default_rng(5))
    return frame


def test_a_sharp_page_is_taken() -> None:
    photo = capture_document(sharp_frame(), check=True)
    assert photo.height > photo.width > 300


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_a_page_that_moved_is_refused_as_blurred_with_the_reason(size: tuple[int, int]) -> None:
    with pytest.raises(BlurredPhoto) as err:
        capture_document(simulator.blurred(sharp_frame(size)), check=True)
    assert err.value.code == "camera.blurred"
    assert err.value.message_zh == "照片模糊，请将材料放平并保持不动后重拍"


def test_motion_blur_is_refused_too() -> None:
    kernel = np.zeros((15, 15), np.float32)
    kernel[7, :] = 1 / 15
    with pytest.raises(BlurredPhoto):
        capture_document(cv2.filter2D(sharp_frame(), -1, kernel), check=True)


def test_a_dark_shot_is_refused_as_dark() -> None:
    dark = (sharp_frame().astype(np.float32) * 0.35).astype(np.uint8)
    with pytest.raises(DarkPhoto) as err:
        capture_document(dark, check=True)
    assert err.value.code == "camera.dark"
    assert "太暗" in err.value.message_zh


def test_a_dark_card_with_light_writing_is_not_called_dark() -> None:
    page = np.full((400, 640, 3), 40, np.uint8)               # a black bank card
    for row in range(6):
        cv2.putText(page, "6222 0200 1234 5678", (30, 60 + row * 60),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, (235, 235, 235), 3, cv2.LINE_AA)
    assert readability(page).light >= 110


def test_the_checks_are_off_unless_asked() -> None:
    assert capture_document(simulator.blurred(sharp_frame())).width > 0


def test_document_video_gives_a_blurred_shot_then_a_sharp_one_per_page() -> None:
    camera = simulator.open_sim_url("sim://camera?document=2&size=1280x720")
    try:
        outcomes = []
        for _ in range(4):
            try:
                capture_document(camera.read_fresh(), check=True)
                outcomes.append("taken")
            except (BlurredPhoto, NoDocument) as err:
                outcomes.append(err.code)
        assert outcomes == ["camera.blurred", "taken", "camera.blurred", "taken"]
        assert camera.simulator.sample.plan == ["blurred", "page 1", "blurred", "page 2"]
    finally:
        camera.close()


def test_document_pages_out_of_range_are_a_clear_url_error() -> None:
    with pytest.raises(DeviceURLError, match="document=99"):
        simulator.open_sim_url("sim://camera?document=99")
