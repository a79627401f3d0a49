"""Fixtures for the PC/SC smart-card and camera tests.

PC/SC: a real pcscd with Debian's vpcd reader driver (started here when none runs, and then
stopped at the end), a virtual card on vpcd's first reader, and a reader driver on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.camera import simulator as camera_simulator
from devices.camera.simulator import CameraSimulator
from devices.smartcard import service
from devices.smartcard.pcsc import PcscReader
from devices.smartcard.vcard import VirtualCard


@pytest.fixture(scope="session")
def pcscd() -> Iterator[service.PcscdService]:
    """A running pcscd that lists "Virtual PCD 00 00"; stopped at the end only if started here."""
    running = service.ensure_pcscd(timeout=10)
    yield running
    running.stop()


@pytest.fixture
def vcard(pcscd: service.PcscdService) -> Iterator[VirtualCard]:
    """A virtual card for vpcd's first reader, not yet inserted; removed after the test."""
    card = VirtualCard(port=service.vpcd_port(0))
    yield card
    card.remove()


@pytest.fixture
def vpcd_reader(pcscd: service.PcscdService) -> Iterator[PcscReader]:
    """The pyscard driver on vpcd's first reader, opened; closed after the test."""
    reader = PcscReader("pcsc://?reader=Virtual%20PCD%2000%2000", service.vpcd_reader_name(0),
                        timeout=2.0, poll_interval=0.1)
    reader.open()
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def camera_sample(tmp_path_factory: pytest.TempPathFactory) -> CameraSimulator:
    """A generated 640x360 MJPG sample video (3 QR codes, then a page), shared by the tests."""
    folder = tmp_path_factory.mktemp("camera-sample")
    return camera_simulator.generate(folder, list(camera_simulator.DEFAULT_CODES),
                                     size=(640, 360), loop=False)
