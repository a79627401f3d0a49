"""Issue 20, operators' files: each broken hall TOML that was accepted, read wrongly or ended in
a traceback is now refused with ONE line naming the file, the table and the key, in Chinese
and English; every file we ship is still read as before."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from bench.bench_hall import bench_config
from hall.config import EXAMPLE_HALL, ConfigError, load_config, parse_config

HALL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"
timezone = "Asia/Shanghai"

[rules]
elderly_age = 65

[[themes]]
prefix = "A"
name_zh = "商事登记"
daily_quota = 300

[[themes.items]]
code = "A01"
name_zh = "企业设立登记"

[[themes]]
prefix = "C"
name_zh = "综合服务"

[[windows]]
number = "1"
name_zh = "1号窗口"
skills = ["A"]

[[windows]]
number = "2"
name_zh = "2号窗口"
skills = ["C", "A"]

[[staff]]
id = "S001"
name_zh = "王晓明"
badge_uid = "04A1B2C3D4E5F6"
"""


def _refusal(tmp_path: Path, text: str | bytes) -> ConfigError:
    """The error loading ``text`` as a hall file gives (it must be refused)."""
    path = tmp_path / "hall.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    error = refused.value
    for line in (str(error), error.bilingual()):
        assert line.startswith(f"{path} ") or line.startswith(f"{path}:")
        assert "\n" not in line
    assert error.message_zh != error.message_en                  # said in Chinese too
    return error


def test_the_base_file_of_these_tests_is_valid(tmp_path: Path) -> None:
    (tmp_path / "hall.toml").write_text(HALL, encoding="utf-8")
    config = load_config(tmp_path / "hall.toml")
    assert list(config.windows) == ["1", "2"] and config.windows["2"].skills == ("C", "A")


def test_a_duplicate_window_number_is_refused_not_overwritten(tmp_path: Path) -> None:
    text = HALL.replace('number = "2"\nname_zh = "2号窗口"', 'number = "1"\nname_zh = "2号窗口"')
    error = _refusal(tmp_path, text)
    assert str(error).endswith('[[windows]] #2 · number: a window number given twice: "1"')
    assert '窗口号重复："1"' in error.bilingual()


def test_a_negative_daily_quota_is_refused(tmp_path: Path) -> None:
    error = _refusal(tmp_path, HALL.replace("daily_quota = 300", "daily_quota = -5"))
    assert str(error).endswith(
        '[[themes]] #1 (prefix = "A") · daily_quota: must be at least 0 (got -5)')
    assert "应不小于 0（现为 -5）" in error.bilingual()


def test_a_negative_elderly_age_is_refused(tmp_path: Path) -> None:
    error = _refusal(tmp_path, HALL.replace("elderly_age = 65", "elderly_age = -1"))
    assert str(error).endswith("[rules] · elderly_age: must be at least 1 (got -1)")


@pytest.mark.parametrize("skills", ['"A"', '"AC"'])
def test_skills_as_a_string_are_refused_not_read_letter_by_letter(tmp_path: Path,
                                                                  skills: str) -> None:
    error = _refusal(tmp_path, HALL.replace('skills = ["C", "A"]', f"skills = {skills}"))
    assert str(error).endswith(f'[[windows]] #2 (number = "2") · skills: must be a list, '
                               f'such as ["A", "C"] (got {skills})')


@pytest.mark.parametrize("change, says", [
    (("daily_quota = 300", 'daily_quota = "300"'),
     '[[themes]] #1 (prefix = "A") · daily_quota: must be a whole number (got "300")'),
    (("elderly_age = 65", "elderly_age = 65.5"),
     "[rules] · elderly_age: must be a whole number (got 65.5)"),
    (('name_zh = "王晓明"', "name_zh = 7"),
     '[[staff]] #1 (id = "S001") · name_zh: must be text in quotes (got 7)'),
    (('number = "1"', 'number = ["1"]'),
     '[[windows]] #1 (number = ["1"]) · number: must be text in quotes (got ["1"])'),
])
def test_a_wrong_type_is_refused_without_a_traceback(tmp_path: Path, change: tuple[str, str],
                                                     says: str) -> None:
    assert str(_refusal(tmp_path, HALL.replace(*change))).endswith(says)


def test_a_table_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    text = 'rules = 3\n' + HALL.replace("[rules]\nelderly_age = 65\n", "")
    assert str(_refusal(tmp_path, text)).endswith("[rules]: must be a table (got 3)")


def test_a_file_not_in_utf8_names_the_line(tmp_path: Path) -> None:
    error = _refusal(tmp_path, HALL.encode("gb18030"))      # saved by an editor set to GBK
    assert "not UTF-8 text: byte 0xb2 on line 3 (save the file as UTF-8)" in str(error)
    assert "不是 UTF-8 文本：第 3 行" in error.bilingual()


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    error = _refusal(tmp_path, HALL.replace("Asia/Shanghai", "Asia/Shangai"))
    assert str(error).endswith('[hall] · timezone: unknown time zone "Asia/Shangai" '
                               '(such as "Asia/Shanghai")')


@pytest.mark.parametrize("change, says", [
    (('skills = ["A"]', 'skills = ["A"]\nvideo_both = true'),
     '[[windows]] #1 (number = "1") · video_both: unknown key (a typo?)'),
    (("[rules]\n", "[ruls]\n"), "[ruls]: unknown table (a typo?)"),
    (('skills = ["A"]', 'skills = ["A", "Q"]'),
     '[[windows]] #1 (number = "1") · skills: "Q" names no theme (the themes: "A", "C")'),
    (('skills = ["A"]', 'skills = ["A", "a"]'),
     '[[windows]] #1 (number = "1") · skills: a skill given twice: "A"'),
    (('prefix = "C"', 'prefix = "a"'), '[[themes]] #2 · prefix: a theme prefix given twice: "A"'),
    (('prefix = "C"\nname_zh = "综合服务"\n',
      'prefix = "C"\nname_zh = "综合服务"\n\n[[themes.items]]\ncode = "a01"\nname_zh = "又一个"\n'),
     '[[themes]] #2 (prefix = "C") → [[themes.items]] #1 · code: an item code given twice'),
    (('code = "A01"', 'code = "A01"\nmean_service_min = inf'),
     '→ [[themes.items]] #1 (code = "A01") · mean_service_min: must be a finite number'),
    (("[rules]\n", '[rules]\nlease_ttl_min = 0\n'),
     "[rules] · lease_ttl_min: must be more than 0 (got 0)"),
    (("[rules]\n", "[rules]\nmax_recalls = 2\nno_show_min_recalls = 3\n"),
     "[rules] · no_show_min_recalls: must be at most max_recalls (2)"),
    (("[rules]\n", "[rules]\nno_show_min_wait_s = -1\n"),
     "[rules] · no_show_min_wait_s: must be at least 0 (got -1)"),
    (("[rules]\n", "[rules]\nno_show_undo_s = 3600\n"),
     "[rules] · no_show_undo_s: must be at most 600 (got 3600)"),
    (("[rules]\n", '[hours]\nopen = "18:00"\nclose = "09:00"\n\n[rules]\n'),
     "[hours] · close: must be after open (18:00)"),
    (("[rules]\n", "[hours]\ndays = [1, 2, 2]\n\n[rules]\n"),
     "[hours] · days #3: a day given twice: 2"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"\nticket_url = "http://x/{no}"'),
     "[hall] · ticket_url: must contain {id} and no other {…}"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"\nlocation = { lat = 122 }'),
     "[hall] · location.lat: must be at most 90 (got 122)"),
    (('id = "T-1"', 'id = "T 1"'), "[hall] · id: must be letters, digits and . _ : -"),
    (('[[staff]]\nid = "S001"', '[[staff]]\nid = "S001"\n[[staff]]\nid = "S001"'),
     '[[staff]] #2 · id: a staff id given twice: "S001"'),
    (('badge_uid = "04A1B2C3D4E5F6"\n',
      'badge_uid = "04A1B2C3D4E5F6"\n[[staff]]\nid = "S002"\nbadge_uid = "04a1b2c3d4e5f6"\n'),
     '[[staff]] #2 · badge_uid: a badge given twice: "04A1B2C3D4E5F6"'),
])
def test_keys_values_duplicates_and_references_are_checked(tmp_path: Path,
                                                           change: tuple[str, str],
                                                           says: str) -> None:
    assert HALL.count(change[0]) == 1
    assert says in str(_refusal(tmp_path, HALL.replace(*change)))


def test_every_hall_file_we_ship_is_read_as_before(tmp_path: Path) -> None:
    example = load_config(EXAMPLE_HALL)
    assert len(example.windows) == 30 and len(example.items) == 36
    assert example.rules.sync_lag_limit_s == 600 and example.rules.clock_drift_limit_s == 30
    assert (example.rules.no_show_min_recalls, example.rules.no_show_min_wait_s,
            example.rules.no_show_undo_s) == (1, 60, 30)
    # as central keeps it: the TOML as JSON
    data = json.loads(json.dumps(tomllib.loads(EXAMPLE_HALL.read_text(encoding="utf-8"))))
    assert parse_config(data) == example
    bench_config(tmp_path / "bench.toml", 40)                   # bench/bench_hall.py's hall
    assert len(load_config(tmp_path / "bench.toml").windows) == 40


def test_central_gets_the_same_line_without_a_file_name() -> None:
    with pytest.raises(ConfigError, match=r"^\[hall\] · id: is missing$"):
        parse_config({"hall": {}, "themes": [{"prefix": "A", "name_zh": "商事登记"}]})
    with pytest.raises(ConfigError, match="a table of tables"):
        parse_config([])   # type: ignore[arg-type]
