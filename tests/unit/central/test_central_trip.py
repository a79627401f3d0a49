"""Issue 18: a citizen is offered only a hall that will still serve them when they get there,
by real travel times, and only a trip worth taking (the hall's ``[cloud]`` settings)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from central.balancer import TravelTimes, rank_halls, recommend
from central.city_state import CityState
from central.travel import HallTravel
from hall.config import ConfigError, HallConfig, Item, Rules, Theme, TripRules, Window, parse_config
from hall.events import EventKind

TZ = ZoneInfo("Asia/Shanghai")
ANYWHERE = Item(code="A2", theme="A", name_zh="", name_en="", anywhere=True)
TOWNSHIP = (23.000, 114.000)
CENTRE = (23.245, 114.000)            # 27.1 km north: 10 min + 65 min at 25 km/h


def at(hour: int, minute: int) -> float:
    return datetime(2024, 3, 12, hour, minute, tzinfo=TZ).timestamp()     # a Tuesday


def hall(hall_id: str, windows: int, close: time = time(17, 30),
         trip: TripRules | None = None) -> HallConfig:
    theme = Theme(prefix="A", name_zh="A", name_en="A", mean_service_s=600.0, cutoff_min=30,
                  items=(ANYWHERE,))
    return HallConfig(hall_id=hall_id, name_zh=hall_id, name_en=hall_id, timezone=TZ,
                      rules=Rules(close_time=close), themes={"A": theme},
                      windows={str(i): Window(number=str(i), skills=("A",))
                               for i in range(1, windows + 1)},
                      trip=trip or TripRules())


def township_and_centre(trip: TripRules) -> CityState:
    """A township hall of one window with 12 waiting, and an idle centre that closes at 17:00
    (numbers until 16:30)."""
    city = CityState([hall("TOWN", 1, trip=trip), hall("CENTRE", 10, close=time(17, 0))])
    for config in city.configs:
        for number in config.windows:
            city.apply(config.hall_id, EventKind.WINDOW_OPENED, at(9, 0), {"window": number})
    city.apply("TOWN", EventKind.TICKET_ISSUED, at(9, 0), {"ticket": "busy", "theme": "A"})
    city.apply("TOWN", EventKind.TICKET_CALLED, at(9, 0), {"ticket": "busy", "theme": "A",
                                                            "window": "1"})
    for i in range(12):
        city.apply("TOWN", EventKind.TICKET_ISSUED, at(9, 0), {"ticket": f"t{i}", "theme": "A",
                                                                "item": "A2"})
    return city


def test_a_township_citizen_at_15_54_is_not_offered_a_centre_75_min_away_closing_at_17() -> None:
    """The finding: offered at 15:54 a centre 75 minutes away that closes at 17:00 (it gives
    its last numbers at 16:30). Earlier in the day the same centre is offered."""
    city = township_and_centre(TripRules(max_travel_s=2 * 3600))   # the trip is not the limit
    travel = HallTravel([TOWNSHIP, CENTRE], speed_kmh=25.0, overhead_s=600.0,
                        default_s=1200.0)
    assert travel.row(0)[1] == pytest.approx(75 * 60, abs=30)
    assert [r.hall for r in recommend(ANYWHERE, "TOWN", city, travel, at(14, 0))] == [
        "CENTRE", "TOWN"]
    assert [r.hall for r in recommend(ANYWHERE, "TOWN", city, travel, at(15, 54))] == ["TOWN"]
    # the phone channel: a citizen at home next to the township
    home = travel.from_point(23.01, 114.0)
    ranked = rank_halls(city, ["A", "A"], home, at(14, 0), trip=TripRules(max_travel_s=7200))
    assert [r.hall for r in ranked] == ["CENTRE", "TOWN"]
    ranked = rank_halls(city, ["A", "A"], home, at(15, 54), trip=TripRules(max_travel_s=7200))
    assert [r.hall for r in ranked] == ["TOWN"]


def test_a_trip_longer_than_the_cap_is_not_offered() -> None:
    """By the township's own settings (60 minutes at most), the 75-minute centre is never
    offered, however long the line at home."""
    city = township_and_centre(TripRules())
    travel = HallTravel([TOWNSHIP, CENTRE], speed_kmh=25.0, overhead_s=600.0,
                        default_s=1200.0)
    assert [r.hall for r in recommend(ANYWHERE, "TOWN", city, travel, at(10, 0))] == ["TOWN"]


@pytest.mark.parametrize(("travel_min", "saving_min", "offered"), [
    (140, 6.4, False),       # the finding: 62 km, 140 minutes, to save 6.4 minutes
    (20, 4, False),          # less than the 5 minutes any trip must save
    (20, 6, True),
    (40, 8, False),          # a 40-minute trip must save 10 minutes (0.25 × 40)
    (40, 11, True),
    (61, 40, False),         # over the 60-minute cap
])
def test_a_trip_must_save_in_proportion_to_its_length(travel_min: float, saving_min: float,
                                                      offered: bool) -> None:
    assert TripRules().worth(saving_min * 60, travel_min * 60) is offered


@pytest.mark.parametrize(("saving_min", "trip", "offered"), [
    (6.4, TripRules(max_travel_s=3 * 3600), False),          # 119 minutes for 6.4
    (70.0, TripRules(max_travel_s=3 * 3600), True),          # 55 minutes for 70
    (60.0, TripRules(max_travel_s=3 * 3600), True),          # 65 minutes for 60
    (60.0, TripRules(), False),                              # over 60 minutes
    # the township's one window makes its 125 minutes spread by 35: a 30-minute saving
    # would leave 4 citizens in 10 worse off, whatever the trip rules
    (30.0, TripRules(max_travel_s=3 * 3600, saving_per_travel=0.0), False),
])
def test_recommend_applies_the_trip_rule(saving_min: float, trip: TripRules,
                                         offered: bool) -> None:
    """The township waits 125 minutes; an idle hall placed so that it saves ``saving_min``."""
    city = township_and_centre(trip)
    here = city.wait_one(0, 0, at(10, 0))
    far = here - saving_min * 60
    travel = TravelTimes(matrix_s=np.array([[0.0, far], [far, 0.0]]))
    found = [r.hall for r in recommend(ANYWHERE, "TOWN", city, travel, at(10, 0))]
    assert ("CENTRE" in found) is offered, (here, far)


def test_the_trip_settings_are_read_and_checked_from_the_hall_file() -> None:
    base = {"hall": {"id": "T-1", "name_zh": "测试", "timezone": "Asia/Shanghai"},
            "themes": [{"prefix": "A", "name_zh": "A"}]}
    assert parse_config(base).trip == TripRules(3600.0, 300.0, 0.25)
    read = parse_config({**base, "cloud": {"max_travel_min": 45, "min_saving_min": 3,
                                           "saving_per_travel": 0.5}})
    assert read.trip == TripRules(2700.0, 180.0, 0.5)
    for cloud, key in (({"max_travel_min": 0}, "max_travel_min"),
                       ({"saving_per_travel": -1}, "saving_per_travel"),
                       ({"min_saving_min": "5"}, "min_saving_min"),
                       ({"max_travel": 60}, "max_travel")):
        with pytest.raises(ConfigError) as refused:
            parse_config({**base, "cloud": cloud})
        assert f"[cloud] · {key}" in str(refused.value)
        assert refused.value.message_zh != refused.value.message_en


def test_a_hall_with_windows_idle_but_closed_by_arrival_time_is_dropped_on_the_phone() -> None:
    """Past midnight and over a weekend: the arrival time's own day and hours count."""
    friday_evening = datetime(2024, 3, 15, 16, 20, tzinfo=TZ).timestamp()
    city = CityState([hall("A1", 2), replace(hall("A2", 2), rules=Rules(open_all_day=True))])
    theme = city.theme_index["A"]
    arrive = friday_evening + np.array([30 * 60.0, 30 * 60.0])
    assert city.issuing_at(theme, arrive).tolist() == [True, True]     # 16:50 < 17:00
    arrive = friday_evening + np.array([50 * 60.0, 3 * 86400.0])       # 17:10; Monday 16:20
    assert city.issuing_at(theme, arrive).tolist() == [False, True]
    monday = friday_evening + 3 * 86400.0
    assert city.issuing_at(theme, np.array([monday, monday])).tolist() == [True, True]
    sunday = friday_evening + 2 * 86400.0
    assert city.issuing_at(theme, np.array([sunday, sunday])).tolist() == [False, True]


def test_the_phone_channels_trip_rules_are_the_citys_settings(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``hallq central --phone-…`` (checked, in Chinese and English) reaches every worker."""
    import argparse

    from central import cli
    from central.city import PHONE_TRIP_ENV, RemoteSettings

    for name, _, _ in PHONE_TRIP_ENV.values():
        monkeypatch.delenv(name, raising=False)
    assert RemoteSettings.from_env().phone_trip == TripRules()
    monkeypatch.setenv("HALLQ_CENTRAL_PHONE_MAX_TRAVEL_MIN", "90")
    monkeypatch.setenv("HALLQ_CENTRAL_PHONE_SAVING_PER_TRAVEL", "0.5")
    assert RemoteSettings.from_env().phone_trip == TripRules(5400.0, 300.0, 0.5)
    monkeypatch.setenv("HALLQ_CENTRAL_PHONE_MIN_SAVING_MIN", "-1")
    with pytest.raises(ValueError, match="min_saving_min"):
        RemoteSettings.from_env()
    parser = argparse.ArgumentParser(prog="hallq")
    cli.register(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["central", "--phone-max-travel-min", "0"])
    said = capsys.readouterr().err
    assert "max_travel_min 应为大于 0 且不大于 600" in said and "must be a number" in said
    args = parser.parse_args(["central", "--phone-max-travel-min", "45"])
    assert args.phone_max_travel_min == 45.0 and args.phone_saving_per_travel is None
