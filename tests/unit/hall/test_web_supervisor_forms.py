"""What the supervisor's forms accept: the ratings period is whole days in the hall's time
zone (not the server's), a bad or backwards period is refused in both languages; a theme's
form keeps the TOML's value for a blank field and refuses what is not a whole number."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hall.errors import QueueError
from hall.web.supervisor_actions import theme_settings
from hall.web.supervisor_reads import period

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2024, 3, 12)


def test_a_period_is_whole_days_in_the_halls_time_zone() -> None:
    chosen = period("2024-03-01", "2024-03-02", TODAY, SHANGHAI)
    assert datetime.fromtimestamp(chosen.start_ts, SHANGHAI) == datetime(2024, 3, 1,
                                                                         tzinfo=SHANGHAI)
    assert datetime.fromtimestamp(chosen.end_ts, SHANGHAI) == datetime(2024, 3, 3,
                                                                       tzinfo=SHANGHAI)
    assert chosen.start_ts == datetime(2024, 2, 29, 16, 0, tzinfo=ZoneInfo("UTC")).timestamp()


def test_a_blank_period_is_today() -> None:
    chosen = period("", " ", TODAY, SHANGHAI)
    assert (chosen.first, chosen.last) == (TODAY, TODAY)
    assert chosen.end_ts - chosen.start_ts == 24 * 3600


@pytest.mark.parametrize(("start", "end", "zh", "en"), [
    ("2024-03-12", "2024-03-01", "结束日期不能早于开始日期",
     "The end date is before the start date"),
    ("12/03/2024", "", "开始日期须为 YYYY-MM-DD 格式", "The start date must be YYYY-MM-DD"),
    ("2022-01-01", "2024-03-01", "一次最多查询 366 天", "At most 366 days at a time"),
])
def test_a_bad_period_is_refused(start: str, end: str, zh: str, en: str) -> None:
    with pytest.raises(QueueError) as refused:
        period(start, end, TODAY, SHANGHAI)
    assert (refused.value.message_zh, refused.value.message_en, refused.value.status) == (
        zh, en, 422)


def test_a_blank_field_of_a_themes_form_keeps_the_tomls() -> None:
    assert theme_settings({"daily_quota": " 120 ", "cutoff_min": "", "open_time": "09:30",
                           "close_time": ""}) == {
        "daily_quota": 120, "cutoff_min": None, "open_time": "09:30", "close_time": None}


def test_full_width_digits_are_a_number() -> None:
    assert theme_settings({"daily_quota": "１２０"})["daily_quota"] == 120    # a Chinese IME's


@pytest.mark.parametrize("quota", ["abc", "-3", "1.5", "²"])
def test_a_quota_that_is_not_a_whole_number_is_refused(quota: str) -> None:
    with pytest.raises(QueueError) as refused:
        theme_settings({"daily_quota": quota})
    assert refused.value.message_zh == "放号量：须为不小于 0 的整数"
