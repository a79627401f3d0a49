"""The hall's link key and the tokens made with it: the key file is made once, private, and
kept across restarts; a token names its ticket only with the right mac; deleting the key
(rotating it) ends every old link and cancel token."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from hall import links
from hall.config import HallConfig
from hall.node import HallNode


def test_the_key_file_is_made_once_and_readable_by_the_node_only(tmp_path: Path) -> None:
    path = tmp_path / links.KEY_FILE
    key = links.load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert links.load_or_create_key(path) == key


@pytest.mark.parametrize("text", ["", "not hex", "00ff"])
def test_a_damaged_key_file_is_refused_saying_what_to_do(tmp_path: Path, text: str) -> None:
    path = tmp_path / links.KEY_FILE
    path.write_text(text)
    with pytest.raises(ValueError, match="delete it to make a new one") as refused:
        links.load_or_create_key(path)
    assert "链接密钥" in str(refused.value)


def test_a_link_names_its_ticket_only_with_the_right_mac() -> None:
    key, other_key = b"k" * 32, b"o" * 32
    token = links.link_token(key, "20261207-A034")
    assert token.startswith("20261207-A034.") and len(token) == 14 + links.MAC_HEX
    assert links.ticket_of(key, token) == "20261207-A034"
    assert links.ticket_of(other_key, token) is None
    mac = token.rpartition(".")[2]
    for wrong in ("20261207-A034", f"20261207-A035.{mac}", token[:-1], token + "0",
                  f".{mac}", "20261207-A034.", "号.号", "\udcff.x"):
        assert links.ticket_of(key, wrong) is None, wrong


def test_a_cancel_token_belongs_to_one_device_and_one_ticket() -> None:
    key = b"k" * 32
    token = links.cancel_token(key, "kiosk-1", "20261207-A001")
    assert links.may_cancel(key, "kiosk-1", "20261207-A001", token)
    assert not links.may_cancel(key, "kiosk-2", "20261207-A001", token)
    assert not links.may_cancel(key, "kiosk-1", "20261207-A002", token)
    assert not links.may_cancel(key, "kiosk-1", "20261207-A001", None)
    assert not links.may_cancel(key, "kiosk-1", "20261207-A001", "取消")


def _link_of_a_new_ticket(config: HallConfig, data: Path) -> str:
    node = HallNode(config, data).start()
    try:
        issued = node.run(lambda engine, now: (engine.issue("A", now)[0].ticket.id, []))
        return node.read(lambda engine, now: links.link_token(engine.link_key, issued))
    finally:
        node.stop()


def test_links_last_across_restarts_and_end_when_the_key_is_deleted(
        tmp_path: Path, example_config: HallConfig) -> None:
    config = replace(example_config, rules=replace(example_config.rules, open_all_day=True))
    data = tmp_path / "hall"
    first = _link_of_a_new_ticket(config, data)
    node = HallNode(config, data)
    try:
        assert links.ticket_of(node.link_key, first) == first.split(".")[0]     # same key
    finally:
        node.store.close()
    (data / links.KEY_FILE).unlink()                                            # rotated
    node = HallNode(config, data)
    try:
        assert links.ticket_of(node.link_key, first) is None
    finally:
        node.store.close()
