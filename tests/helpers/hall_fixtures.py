"""Fixtures for the hall node's unit tests: the example hall, a clock that only moves when told,
engines over a fresh state, and valid resident ID numbers made to order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hall.config import EXAMPLE_HALL, HallConfig, load_config
from hall.engine import Engine
from hall.state import HallState
from hall.store import Store
from tests.helpers.clocks import DatetimeClock

ID_KEY = b"unit-test-id-key-0123456789abcdef"


def gb11643_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard (weights 2^(17-i) mod 11), independent of
    ``hall.idnumber``."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id_number(born: date, region: str = "440308", serial: str = "123") -> str:
    """A valid 18-character ID number of someone born on ``born``."""
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + gb11643_check(first17)


@pytest.fixture(scope="session")
def example_config() -> HallConfig:
    """The example district hall (immutable, so shared)."""
    return load_config(EXAMPLE_HALL)


def configure(config: HallConfig, themes: dict[str, dict[str, Any]] | None = None,
              **rules: Any) -> HallConfig:
    """``config`` with some rules and some themes' fields changed."""
    changed = dict(config.themes)
    for prefix, fields in (themes or {}).items():
        changed[prefix] = replace(changed[prefix], **fields)
    return replace(config, rules=replace(config.rules, **rules), themes=changed)


@pytest.fixture
def clock() -> DatetimeClock:
    """Tuesday 2024-03-12 10:00 in Shanghai, moved only by the test."""
    return DatetimeClock()


@pytest.fixture
def make_engine(example_config: HallConfig, clock: DatetimeClock
                ) -> Callable[..., Engine]:
    """``make_engine(themes={"A": {...}}, **rules)``: an engine over a fresh state of today."""

    def make(themes: dict[str, dict[str, Any]] | None = None, **rules: Any) -> Engine:
        config = configure(example_config, themes, **rules)
        day = clock().astimezone(config.timezone).date().isoformat()
        return Engine(config, HallState(day=day), ID_KEY)
    return make


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    """The example hall's engine with its hours (Tuesday 10:00 is within them)."""
    return make_engine()


@pytest.fixture
def id_number() -> Callable[..., str]:
    """``id_number(born, serial="123")``: a valid ID number."""
    return make_id_number


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a temporary directory, closed after the test."""
    opened = Store(tmp_path / "hall.sqlite3")
    try:
        yield opened
    finally:
        opened.close()
