"""Pairing codes in the hall's store: kept only as keyed hashes, claimed once, within their
ten minutes, voided all at once when someone guesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.store import PairedDevice, Store

NOW = 1_710_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Store:
    made = Store(tmp_path / "hall.sqlite3")
    yield made
    made.close()


def test_a_code_pairs_one_device_once(store: Store) -> None:
    code = store.add_pairing_code("caller", "3", None, NOW)
    token, device = store.claim_pairing_code(code, "console-3", NOW + 599)
    assert device == PairedDevice("console-3", "caller", "3")
    assert store.device_for(token) == device
    assert store.claim_pairing_code(code, "console-3b", NOW + 600) is None   # used
    rows = store._conn.execute("SELECT code_hash FROM pairing_codes").fetchall()
    assert [len(r[0]) for r in rows] == [64] and code not in rows[0][0]       # a hash only


def test_a_code_ends_after_ten_minutes(store: Store) -> None:
    code = store.add_pairing_code("kiosk", None, None, NOW)
    assert store.claim_pairing_code(code, "kiosk-1", NOW + 600) is None


def test_the_codes_name_goes_first_and_a_taken_name_keeps_the_code_open(store: Store) -> None:
    store.pair("kiosk", "kiosk-door")
    code = store.add_pairing_code("kiosk", None, "kiosk-door", NOW)
    with pytest.raises(ValueError, match="kiosk-door"):
        store.claim_pairing_code(code, "anything", NOW)
    store.revoke("kiosk-door")
    claimed = store.claim_pairing_code(code, "anything", NOW)
    assert claimed is not None and claimed[1].name == "kiosk-door"


def test_voiding_ends_every_open_code(store: Store) -> None:
    codes = [store.add_pairing_code("display", None, None, NOW) for _ in range(3)]
    assert len(set(codes)) == 3
    assert store.void_pairing_codes(NOW + 1) == 3
    assert all(store.claim_pairing_code(c, "wall", NOW + 2) is None for c in codes)


def test_an_unknown_role_makes_no_code(store: Store) -> None:
    with pytest.raises(ValueError, match="role must be one of"):
        store.add_pairing_code("janitor", None, None, NOW)
