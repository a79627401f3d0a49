"""The hall's TOML configuration: the example hall as DESIGN.md describes it, and wrong files
refused with a message that tells the technician where the mistake is."""

from __future__ import annotations

import re
from collections import Counter
from datetime import time
from pathlib import Path

import pytest

from hall.config import EXAMPLE_HALL, ConfigError, HallConfig, load_config

MINIMAL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"

[[themes]]
prefix = "a"
name_zh = "商事登记"

[[themes.items]]
code = "A01"
name_zh = "企业设立登记"

[[windows]]
number = 1
skills = ["a"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_hall_has_three_themes_with_prefixes(example_config: HallConfig) -> None:
    assert list(example_config.themes) == ["A", "B", "C"]
    assert example_config.themes["A"].name_zh == "商事登记"
    assert example_config.themes["B"].name_zh == "工程建设"
    assert example_config.themes["C"].name_zh == "综合服务"
    assert example_config.hall_id == "GD-SZ-FT-001"
    assert str(example_config.timezone) == "Asia/Shanghai"


def test_example_hall_has_13_6_11_windows_by_first_skill(example_config: HallConfig) -> None:
    assert len(example_config.windows) == 30
    by_first_skill = Counter(w.skills[0] for w in example_config.windows.values())
    assert by_first_skill == {"A": 13, "B": 6, "C": 11}
    assert example_config.windows["29"].skills == ("C", "A")
    assert example_config.windows["30"].video_booth is True


def test_example_hall_items_belong_to_their_theme(example_config: HallConfig) -> None:
    items = example_config.items
    assert len(items) >= 30
    for code, item in items.items():
        assert code.startswith(item.theme)
        assert item in example_config.themes[item.theme].items
        assert item.name_zh and item.name_en and item.department
    # minutes in the file are seconds in the model
    assert items["A01"].mean_service_s == 20 * 60
    assert example_config.themes["B"].mean_service_s == 20 * 60


def test_example_hall_rules_and_hours(example_config: HallConfig) -> None:
    rules = example_config.rules
    assert (rules.open_time, rules.close_time) == (time(9, 0), time(18, 0))
    assert rules.open_days == (1, 2, 3, 4, 5, 6)
    assert rules.elderly_age == 65 and rules.max_recalls == 3
    assert rules.open_all_day is False and rules.personal_data_days == 30
    assert example_config.themes["A"].daily_quota == 300
    assert example_config.themes["A"].per_id_daily_limit == 2


def test_the_example_hall_keeps_no_pin_and_its_staff_have_badges(example_config: HallConfig
                                                                  ) -> None:
    assert "pin_sha256" not in EXAMPLE_HALL.read_text(encoding="utf-8")
    assert sorted(example_config.staff) == ["S001", "S002", "S003"]
    assert all(person.badge_uid for person in example_config.staff.values())


def test_a_toml_with_a_pin_digest_is_refused_saying_to_run_staff_set_pin(tmp_path: Path
                                                                         ) -> None:
    path = _write(tmp_path, MINIMAL + '[[staff]]\nid = "S001"\npin_sha256 = "4bb9e20b"\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    said = str(refused.value)
    assert said.startswith(f"{path} [[staff]] #1 (id = \"S001\") · pin_sha256: ")
    assert "hallq staff set-pin" in said and "\n" not in said
    assert "hallq staff set-pin" in refused.value.bilingual().split(" / ")[0]


def test_resolve_service_by_theme_or_item_case_insensitively(example_config: HallConfig
                                                             ) -> None:
    theme, item = example_config.resolve_service(" b ") or (None, None)
    assert theme is not None and theme.prefix == "B" and item is None
    theme, item = example_config.resolve_service("c04") or (None, None)
    assert theme is not None and theme.prefix == "C"
    assert item is not None and item.name_zh == "社保卡申领"
    assert example_config.resolve_service("Z9") is None


def test_a_minimal_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.themes["A"].per_id_daily_limit == 2
    assert config.windows["1"].skills == ("A",)
    assert config.items["A01"].theme == "A"
    assert config.rules.open_time == time(9, 0)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('skills = ["a"]', 'skills = ["a", "Q"]'),
     r' \[\[windows\]\] #1 \(number = "1"\) · skills: "Q" names no theme'),
    (lambda t: t.replace('skills = ["a"]', "skills = []"),
     r" \[\[windows\]\] #1 \(number = 1\) · skills: must not be empty"),
    (lambda t: t.replace('id = "T-1"\n', ""), r" \[hall\] · id: is missing"),
    (lambda t: t.replace('prefix = "a"\n', ""), r" \[\[themes\]\] #1 · prefix: is missing"),
    (lambda t: t.replace('code = "A01"\n', ""),
     r' \[\[themes\]\] #1 \(prefix = "a"\) → \[\[themes.items\]\] #1 · code: is missing'),
    (lambda t: t.replace('name_zh = "商事登记"\n', ""),
     r' \[\[themes\]\] #1 \(prefix = "a"\) · name_zh: is missing'),
    (lambda t: t.replace("number = 1\n", ""), r" \[\[windows\]\] #1 · number: is missing"),
    (lambda t: t + '[hours]\nopen = "9am"\n', r' \[hours\] · open: "9am" is not a time of day'),
    (lambda t: t + '[hours]\nclose = "25:00"\n', r' \[hours\] · close: "25:00" is not a time'),
    (lambda t: t + "[rules]\npersonal_data_days = 0\n",
     r" \[rules\] · personal_data_days: must be at least 1 \(got 0\)"),
    (lambda t: t + '[[staff]]\nname_zh = "无工号"\n', r" \[\[staff\]\] #1 · id: is missing"),
    (lambda t: t.split("[[themes]]")[0], r" \[\[themes\]\]: is missing"),
    (lambda t: t.replace('id = "T-1"', 'id = "T-1'), ": not valid TOML"),
])
def test_bad_files_raise_config_error_saying_where(tmp_path: Path, change, message: str
                                                    ) -> None:
    path = _write(tmp_path, change(MINIMAL))
    with pytest.raises(ConfigError, match="^" + re.escape(str(path)) + message) as refused:
        load_config(path)
    assert "\n" not in str(refused.value)


def test_config_error_is_a_value_error_for_callers_that_catch_broadly(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_config(_write(tmp_path, "[hall]\n"))


def test_example_hall_path_ships_with_the_package() -> None:
    assert EXAMPLE_HALL.is_file() and EXAMPLE_HALL.suffix == ".toml"
