"""The demo staff's PINs (S001/1234, S002/2345, S003/3456) set in a test hall's store, the way
``hallq staff set-pin`` and ``hallq demo`` set them; each PIN is hashed once per test run."""

from __future__ import annotations

from functools import cache

from hall.pin_hash import hash_pin
from hall.store import Store
from hallq.demo import DEMO_PINS


@cache
def _hashed(pin: str) -> str:
    return hash_pin(pin)


def give_demo_pins(store: Store) -> None:
    """Set S001, S002 and S003's demo PINs in ``store``."""
    for staff_id, pin in DEMO_PINS.items():
        store.set_staff_secret(staff_id, pin_hash=_hashed(pin))
