"""``[hall] progress_url``: the public page of a self-service submission's progress (the
receipt's QR code). Optional; when given, a web address with ``{code}``, else the file is
refused with one bilingual line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import ConfigError, HallConfig, load_config

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


def test_none_given_is_empty_and_one_given_is_kept(tmp_path: Path) -> None:
    assert _load(tmp_path, "").progress_url == ""
    url = "https://zwfw.example.gov.cn/progress/{code}"
    assert _load(tmp_path, f'progress_url = "{url}"').progress_url == url


@pytest.mark.parametrize("url", ["https://zwfw.example.gov.cn/progress/",
                                 "https://zwfw.example.gov.cn/{code}/{id}",
                                 "zwfw.example.gov.cn/{code}"])
def test_a_wrong_one_is_refused_naming_the_key(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f'progress_url = "{url}"')
    said = refused.value.bilingual()
    assert "progress_url" in said and "{code}" in said
