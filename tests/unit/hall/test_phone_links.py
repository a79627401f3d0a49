"""Where the ticket's QR code points: the city's public address through central when the hall's
config names one (``[hall] public_phone_url``, checked), else the hall's LAN page; and the two
tokens, each checked by its own key, the LAN page taking both."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall import links
from hall.config import ConfigError, HallConfig, load_config

HALL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"
{line}

[[themes]]
prefix = "A"
name_zh = "商事登记"

[[windows]]
number = "1"
skills = ["A"]
"""
KEY = bytes(range(32))


def _load(tmp_path: Path, line: str) -> HallConfig:
    path = tmp_path / "hall.toml"
    path.write_text(HALL.format(line=line), encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("value", [
    "hallq.example.gov.cn", "ftp://hallq.example.gov.cn", "https://hallq.example.gov.cn/p?h=1",
    "https://hallq.example.gov.cn/#top", "https://hallq example.gov.cn", "https://", " "])
def test_a_public_address_that_is_not_a_site_is_refused_by_table_and_key(
        tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f'public_phone_url = "{value}"')
    said = refused.value.bilingual()
    assert "[hall] · public_phone_url" in said and "不是网站地址" in said
    assert "is not the address of a site" in said


def test_the_qr_points_to_central_when_the_hall_has_a_public_address(tmp_path: Path) -> None:
    config = _load(tmp_path, 'public_phone_url = "https://hallq.example.gov.cn:8443/city/"')
    assert config.public_phone_url == "https://hallq.example.gov.cn:8443/city"
    url = links.phone_url(KEY, config.ticket_url, config.public_phone_url, config.hall_id,
                          "20261207-A034")
    assert url.startswith("https://hallq.example.gov.cn:8443/city/p/T-1/20261207-A034.")
    token = url.rpartition("/")[2]
    assert links.ticket_of(links.public_key(KEY), token) == "20261207-A034"
    assert links.ticket_of(KEY, token) is None, "not a LAN token"
    assert links.ticket_of_any(KEY, token) == "20261207-A034", "the LAN page takes it too"


def test_without_a_public_address_the_qr_stays_on_the_lan(tmp_path: Path) -> None:
    config = _load(tmp_path, "")
    assert config.public_phone_url == ""
    url = links.phone_url(KEY, config.ticket_url, "", config.hall_id, "20261207-A034")
    assert url.startswith("http://hallq.local/t/20261207-A034.")
    token = url.rpartition("/")[2]
    assert links.ticket_of(KEY, token) == "20261207-A034"
    assert links.ticket_of(links.public_key(KEY), token) is None, "central cannot check it"
    assert links.public_key(KEY) != KEY and len(links.public_key(KEY)) == 32
