"""Where a theme's citizens wait (``waiting_area_zh``/``_en`` of ``[[themes]]``): read from the
hall's TOML, refused when English comes without Chinese or the name is too long for a ticket,
and sent with each ticket with the windows that serve its theme."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import EXAMPLE_HALL, ConfigError, load_config
from hall.schemas import TicketBody

HALL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"

[[themes]]
prefix = "A"
name_zh = "商事登记"
waiting_area_zh = "A 区"
waiting_area_en = "area A"

[[themes]]
prefix = "C"
name_zh = "综合服务"

[[windows]]
number = "5"
skills = ["A"]

[[windows]]
number = "12"
skills = ["C", "A"]

[[windows]]
number = "2"
skills = ["A"]
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_a_theme_says_where_its_citizens_wait(tmp_path: Path) -> None:
    config = _load(tmp_path, HALL)
    assert (config.themes["A"].waiting_area_zh, config.themes["A"].waiting_area_en) == \
        ("A 区", "area A")
    assert (config.themes["C"].waiting_area_zh, config.themes["C"].waiting_area_en) == ("", "")


def test_the_example_hall_names_an_area_for_every_theme() -> None:
    config = load_config(EXAMPLE_HALL)
    assert [t.waiting_area_zh for t in config.themes.values()] == ["A 区", "B 区", "C 区"]
    assert [t.waiting_area_en for t in config.themes.values()] == ["area A", "area B", "area C"]


@pytest.mark.parametrize("change, says_en, says_zh", [
    (('waiting_area_zh = "A 区"\n', ""),
     '[[themes]] #1 (prefix = "A") · waiting_area_en: needs waiting_area_zh (Chinese first)',
     "须先有 waiting_area_zh（中文在先）"),
    (('"A 区"', '"一楼东侧靠近北门的等候区第三排座位"'),
     '[[themes]] #1 (prefix = "A") · waiting_area_zh: is too long (at most 16 characters)',
     "太长（最多 16 个字符）"),
    (('"area A"', "1"), '[[themes]] #1 (prefix = "A") · waiting_area_en: must be text in quotes',
     "应为带引号的文字"),
])
def test_a_wrong_waiting_area_is_refused_saying_where(tmp_path: Path, change: tuple[str, str],
                                                      says_en: str, says_zh: str) -> None:
    assert HALL.count(change[0]) == 1
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, HALL.replace(*change))
    assert says_en in str(refused.value)
    assert says_zh in refused.value.bilingual()


def test_a_ticket_says_where_to_wait_and_which_windows_serve_it(start_hall) -> None:
    hall = start_hall()
    ticket: TicketBody = hall.client("kiosk").issue("A01")
    assert ticket["waiting_area_zh"] == "A 区" and ticket["waiting_area_en"] == "area A"
    assert ticket["windows"] == [*(str(n) for n in range(1, 14)), "29", "30"]
    general = hall.client("kiosk").issue("C")
    assert general["windows"] == ["12", "13", *(str(n) for n in range(20, 31))]
    assert hall.client("kiosk").ticket(ticket["id"])["windows"] == ticket["windows"]
