"""Fixtures for integration tests: real hall nodes served by uvicorn on 127.0.0.1, paired
devices for every role, and clients that are closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hall.client import HallClient
from hall.config import EXAMPLE_HALL, HallConfig, load_config
from hall.node import HallNode
from hall.server import HallServer
from tests.helpers.clocks import DatetimeClock
from tests.helpers.hall_fixtures import configure
from tests.helpers.staff_pins import give_demo_pins


@dataclass
class Hall:
    """A running hall node and the tokens of its paired devices."""

    server: HallServer
    config: HallConfig
    tokens: dict[str, str]
    clock: DatetimeClock | None = None
    _clients: list[HallClient | httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, device: str) -> HallClient:
        """A client with the token of ``device`` (kiosk, admin, display, sync, desk,
        supervisor, caller-N)."""
        made = HallClient(self.url, self.tokens[device])
        self._clients.append(made)
        return made

    def http(self, device: str | None = None) -> httpx.Client:
        """A plain httpx client, with the device's bearer token if given."""
        headers = {"Authorization": f"Bearer {self.tokens[device]}"} if device else {}
        made = httpx.Client(base_url=self.url, headers=headers, timeout=10)
        self._clients.append(made)
        return made

    def close_clients(self) -> None:
        for made in self._clients:
            made.close()


@pytest.fixture(scope="session")
def example_hall() -> HallConfig:
    return load_config(EXAMPLE_HALL)


@pytest.fixture
def start_hall(tmp_path: Path, example_hall: HallConfig) -> Iterator[Callable[..., Hall]]:
    """``start_hall(clock=None, themes=None, **rules)``: serve the example hall (open all day
    unless a clock is given) and stop it after the test."""
    running: list[Hall] = []

    def start(clock: DatetimeClock | None = None, themes: dict[str, dict[str, Any]] | None = None,
              **rules: Any) -> Hall:
        if clock is None:
            rules.setdefault("open_all_day", True)
        config = configure(example_hall, themes, **rules)
        data = tmp_path / f"hall-{len(running)}"
        node = HallNode(config, data, clock=clock) if clock else HallNode(config, data)
        give_demo_pins(node.store)
        tokens = {role: node.store.pair(role, f"test-{role}")
                  for role in ("kiosk", "admin", "display", "sync", "desk", "supervisor")}
        for number in config.windows:
            tokens[f"caller-{number}"] = node.store.pair("caller", f"console-{number}", number)
        server = HallServer(node, host="127.0.0.1", port=0, advertise=False)
        hall = Hall(server, config, tokens, clock)
        running.append(hall)
        server.start_in_thread()
        return hall

    yield start
    for hall in running:
        hall.close_clients()
        hall.server.stop()


@pytest.fixture
def hall_clock() -> DatetimeClock:
    """A clock for a hall node: Tuesday 2024-03-12 10:00 in Shanghai until set."""
    return DatetimeClock()


@pytest.fixture
def hall(start_hall: Callable[..., Hall]) -> Hall:
    """The example hall served on a free port, open all day."""
    return start_hall()
