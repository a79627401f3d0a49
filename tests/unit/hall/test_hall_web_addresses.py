"""The web addresses of ``[hall]``, both optional: ``phone_ticketing_url`` (where a phone takes
a number, the wall display's QR code) and ``progress_url`` (the public page of a self-service
submission's progress, the receipt's QR code, with ``{code}``). A value that is not a web address
refuses the file with one bilingual line naming the key."""

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

#: each key with an address it keeps, and what ends its addresses (progress_url's {code})
KEYS = {"phone_ticketing_url": ("https://zwfw.example.gov.cn/qh?hall=T-1", ""),
        "progress_url": ("https://zwfw.example.gov.cn/progress/{code}", "/{code}")}


def _load(tmp_path: Path, extra: str) -> HallConfig:
    path = tmp_path / "hall.toml"
    path.write_text(HALL.format(extra=extra), encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("key", KEYS)
def test_a_hall_without_one_has_none(tmp_path: Path, key: str) -> None:
    assert getattr(_load(tmp_path, ""), key) == ""


@pytest.mark.parametrize("key", KEYS)
def test_the_address_given_is_kept(tmp_path: Path, key: str) -> None:
    url = KEYS[key][0]
    assert getattr(_load(tmp_path, f'{key} = "{url}"'), key) == url


def test_the_example_hall_offers_phone_ticketing() -> None:
    assert load_config(EXAMPLE_HALL).phone_ticketing_url.startswith("https://")


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", ["zwfw.example.gov.cn/qh", "ftp://x/y", "https://a b/c",
                                   "javascript:alert(1)", "https://"])
def test_what_is_not_a_web_address_is_refused(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f'{key} = "{value}{KEYS[key][1]}"')
    assert f"[hall] · {key}" in str(refused.value)
    assert "is not a web address" in str(refused.value)
    assert "不是网址" in refused.value.bilingual()


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_type_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        _load(tmp_path, f"{key} = 3")


@pytest.mark.parametrize("url", ["https://zwfw.example.gov.cn/progress/",
                                 "https://zwfw.example.gov.cn/{code}/{id}",
                                 "https://zwfw.example.gov.cn/{code!x}"])
def test_a_progress_page_without_its_code_alone_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f'progress_url = "{url}"')
    said = refused.value.bilingual()
    assert "[hall] · progress_url" in said and "{code}" in said and "须为含 {code} 的网址" in said
