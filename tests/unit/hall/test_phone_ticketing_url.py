"""``[hall] phone_ticketing_url``: where a phone takes a number (the wall display's QR code).
Optional; when given it must be a web address, else the file is refused with one bilingual line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import EXAMPLE_HALL, ConfigError, HallConfig, load_config

HALL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"
{extra}

[[themes]]
prefix = "A"
name_zh = "商事登记"

[[windows]]
number = "1"
skills = ["A"]
"""


def _load(tmp_path: Path, extra: str) -> HallConfig:
    path = tmp_path / "hall.toml"
    path.write_text(HALL.format(extra=extra), encoding="utf-8")
    return load_config(path)


def test_a_hall_without_one_has_none(tmp_path: Path) -> None:
    assert _load(tmp_path, "").phone_ticketing_url == ""


def test_the_address_given_is_kept(tmp_path: Path) -> None:
    url = "https://zwfw.example.gov.cn/qh?hall=T-1"
    assert _load(tmp_path, f'phone_ticketing_url = "{url}"').phone_ticketing_url == url


def test_the_example_hall_offers_phone_ticketing() -> None:
    assert load_config(EXAMPLE_HALL).phone_ticketing_url.startswith("https://")


@pytest.mark.parametrize("value", ["zwfw.example.gov.cn/qh", "ftp://x/y", "https://a b/c",
                                   "javascript:alert(1)", "https://"])
def test_what_is_not_a_web_address_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f'phone_ticketing_url = "{value}"')
    assert "[hall] · phone_ticketing_url" in str(refused.value)
    assert "is not a web address" in str(refused.value)
    assert "不是网址" in refused.value.bilingual()


def test_a_wrong_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="phone_ticketing_url"):
        _load(tmp_path, "phone_ticketing_url = 3")
