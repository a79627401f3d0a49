"""Central's wait estimate is the hall node's (hall/estimate.py): the same figure from the same
line, priority arrivals counted, a window's real share of each skill, robust service times."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest

from central.city_state import CityState
from central.estimators import (
    ArrivalProfile,
    Line,
    ServiceTimes,
    estimate,
    estimate_one,
    queue_wait,
    theme_wait_of,
)
from central.forecast import expected_line
from hall.config import HallConfig, Item, Rules, Theme, Window
from hall.estimate import DEFAULT_CV2, skill_lines, theme_wait
from hall.events import EventKind
from hall.state import WindowStatus

NOW = 1710205200.0      # 2024-03-12 09:00 in Shanghai
TZ = ZoneInfo("Asia/Shanghai")
MIN = 60.0


def hall(hall_id: str, *skills: tuple[str, ...], mean_min: float = 40.0) -> HallConfig:
    themes = {p: Theme(prefix=p, name_zh=p, name_en=p, mean_service_s=mean_min * MIN,
                       items=(Item(code=f"{p}1", theme=p, name_zh="", name_en=""),))
              for p in ("A", "B")}
    windows = {str(i + 1): Window(number=str(i + 1), skills=s) for i, s in enumerate(skills)}
    return HallConfig(hall_id=hall_id, name_zh=hall_id, name_en=hall_id, timezone=TZ,
                      rules=Rules(), themes=themes, windows=windows)


def opened(*configs: HallConfig) -> CityState:
    city = CityState(list(configs))
    for config in configs:
        for number in config.windows:
            city.apply(config.hall_id, EventKind.WINDOW_OPENED, NOW, {"window": number})
    return city


def issue(city: CityState, hall_id: str, ticket: str, at: float = NOW, theme: str = "A",
          **extra: object) -> None:
    city.apply(hall_id, EventKind.TICKET_ISSUED, at, {"ticket": ticket, "theme": theme,
                                                      "item": f"{theme}1", **extra})


def test_the_vector_estimate_is_the_hall_nodes_figure() -> None:
    """Random lines of 300 halls: every hall's figure by central's arrays equals
    ``hall.estimate.ThemeWait.figure`` of the same line (to the second)."""
    rng = np.random.default_rng(5)
    halls = 300
    group_live = rng.integers(0, 4, (3, halls)).astype(float)
    live = group_live.sum(axis=0)
    busy = np.minimum(live, rng.integers(0, 5, halls))
    idle = np.maximum(0.0, live - busy - rng.integers(0, 2, halls))    # some paused
    line = Line(ahead=rng.integers(0, 40, halls).astype(float), live=live, idle=idle,
                busy=busy, group_live=group_live,
                group_work=rng.uniform(0, 3600, (3, halls)) * (rng.random((3, halls)) < 0.6),
                group_rate=rng.uniform(0, 1.5, (3, halls)) * (rng.random((3, halls)) < 0.5),
                mean_s=rng.uniform(120, 2400, halls),
                priority_rate=rng.uniform(0, 0.003, halls),
                last_wait=np.full(halls, np.nan),
                remote_rate=rng.uniform(0, 0.002, halls) * (rng.random(halls) < 0.5))
    for priority in (False, True):
        vector = queue_wait(line, priority)
        for h in range(halls):
            figure = theme_wait_of(line, h).figure(int(line.ahead[h]), priority).seconds
            assert vector[h] == (np.inf if figure is None else figure), h
            assert estimate_one("queue", line, h, priority) == vector[h]
    assert (estimate("blend", line) <= np.maximum(estimate("queue", line),
                                                  estimate("recent", line))).all()
    with pytest.raises(ValueError):
        estimate("median", line)


def test_central_and_the_hall_node_say_the_same_wait() -> None:
    """The same hall, windows and line at central and at the node: the same seconds."""
    config = hall("H1", ("A",), ("B", "A"), ("A",))
    city = opened(config)
    city.apply("H1", EventKind.WINDOW_PAUSED, NOW, {"window": "3"})
    for i in range(5):
        issue(city, "H1", f"a{i}", elderly=(i == 2))
    for i in range(2):
        issue(city, "H1", f"b{i}", theme="B")
    city.apply("H1", EventKind.TICKET_CALLED, NOW, {"ticket": "a0", "theme": "A", "window": "1"})
    at_hall = theme_wait("A", skill_lines(config.windows.values()),
                         {"1": WindowStatus.OPEN, "2": WindowStatus.OPEN,
                          "3": WindowStatus.PAUSED}, {"1"}, {"A": 4, "B": 2},
                         {"A": 40 * MIN, "B": 40 * MIN}, 1 / 1800,
                         arrival_rates={"A": 5 / 1800, "B": 2 / 1800})
    a = city.theme_index["A"]
    assert city.wait_one(0, a, NOW) == at_hall.figure(4).seconds
    assert city.wait_one(0, a, NOW, priority=True) == at_hall.figure(1, priority=True).seconds


def test_an_ordinary_citizen_counts_the_elderly_who_come_during_the_wait() -> None:
    """The finding: ordinary citizens under-predicted where 15% are elderly, who are called
    first. 20 arrivals in the first hour, 3 elderly: the estimate is stretched by 1/(1 - ρ)."""
    city = opened(hall("H1", ("A",), ("A",), mean_min=10))
    a = city.theme_index["A"]
    for i in range(20):
        issue(city, "H1", f"t{i}", at=NOW + i * 180, elderly=i in (3, 9, 15))
    now = NOW + 3600
    # the two idle windows call two at once and start afresh: later than the mean by the
    # services' spread, 1 - c of a service (c = (1 + cv²) / 2; hall.estimate.slots_to_wait)
    late = 1 - (1 + DEFAULT_CV2) / 2
    plain = (20 - 2 + 1 + late) * 10 * MIN / 2
    load = 3 / 3600 * 10 * MIN / 2
    assert city.wait_one(0, a, now) == pytest.approx(plain / (1 - load), abs=1)
    assert city.wait_one(0, a, now, priority=True) == pytest.approx(
        (2 + late) * 10 * MIN / 2, abs=1)


def test_a_second_skill_counts_by_its_real_share_not_half() -> None:
    """The finding: a window's second skill under-predicted (1/k). Window 2 serves B first,
    but nobody waits for B: it gives A its whole time."""
    city = opened(hall("H1", ("A",), ("B", "A")))
    a, b = city.theme_index["A"], city.theme_index["B"]
    for i in range(5):
        issue(city, "H1", f"t{i}")
    late = 1 - (1 + DEFAULT_CV2) / 2       # both start afresh (hall.estimate.slots_to_wait)
    assert city.wait_one(0, a, NOW) == pytest.approx((4 + late) * 40 * MIN / 2, abs=1)
    for i in range(4):
        issue(city, "H1", f"b{i}", theme="B")
    busy_with_b = city.wait_one(0, a, NOW)
    own, work = 6 * 40 * MIN, 4 * 40 * MIN
    backlog_only = 4 * 40 * MIN / (1 + own / (own + work))
    # B's backlog and the B citizens who keep arriving (4 in the first half hour) during the
    # wait take window 2 from A: more than the backlog alone says, less than one window
    assert backlog_only < busy_with_b < 4 * 40 * MIN
    config = city.configs[0]
    at_hall = theme_wait("A", skill_lines(config.windows.values()),
                         {"1": WindowStatus.OPEN, "2": WindowStatus.OPEN}, (), {"A": 5, "B": 4},
                         {"A": 40 * MIN, "B": 40 * MIN},
                         arrival_rates={"A": 5 / 1800, "B": 4 / 1800})
    assert busy_with_b == at_hall.figure(5).seconds
    assert city.wait_one(0, b, NOW) == pytest.approx(4 * 40 * MIN, abs=1)   # window 2 only


def test_one_forgotten_540_minute_service_does_not_move_a_40_minute_mean_to_62() -> None:
    times = ServiceTimes(np.array([[40 * MIN]]))
    for _ in range(30):
        times.learn(0, 0, 10, 40 * MIN)
    times.learn(0, 0, 10, 540 * MIN)
    assert times.allday[0, 0] == pytest.approx(44 * MIN)      # clipped at 3 × 40 min
    assert times.mean_one(0, 0, 10) < 50 * MIN


def test_arrivals_are_learned_per_hour_of_the_day() -> None:
    profile = ArrivalProfile(1, 2)
    for minute in range(0, 60, 2):                  # 30 in the 9 o'clock hour
        profile.seen(0, 0, 9, NOW + minute * 60, priority=minute % 10 == 0)
    assert profile.rate(0, 9, NOW + 3600)[0] == pytest.approx(30 / 3600)
    assert profile.priority_rate(0, NOW + 3600)[0] == pytest.approx(6 / 3600)
    profile.end_day(0)
    profile.end_day(1)                               # a hall with no arrivals learns nothing
    assert profile.days.tolist() == [1, 0]
    assert profile.rate(0, 9, NOW + 86400)[0] == pytest.approx(30 / 3600)
    assert profile.rate(0, 14, NOW + 86400)[0] == 0.0
    assert profile.priority_rate(0, NOW + 86400)[0] == 0.0


def test_the_line_when_the_citizen_gets_there_is_forecast() -> None:
    """The finding: one citizen left a 12-minute estimate, arrived into the morning peak and
    waited 74. A hall that saw 60 arrivals from 10 to 11 yesterday for 4 windows of 10 minutes
    (24 an hour): a citizen setting out at 09:45 for 45 minutes finds the line grown."""
    city = opened(hall("H1", *[("A",)] * 4, mean_min=10))
    a = city.theme_index["A"]
    for minute in range(60):
        issue(city, "H1", f"y{minute}", at=NOW + 3600 + minute * 60)
    city.start_day("H1")
    for number in city.configs[0].windows:
        city.apply("H1", EventKind.WINDOW_OPENED, NOW + 86400, {"window": number})
    now = NOW + 86400 + 45 * MIN
    for i in range(3):
        issue(city, "H1", f"t{i}", at=now)
    here = city.wait_s(a, now)[0]
    then = city.wait_at(a, now, np.array([45 * MIN]))[0]
    # 09:45–10:00 the line drains (no arrivals learned), 10:00–10:30 it grows by 60 − 24 an
    # hour: 18 ahead on arrival
    assert here == pytest.approx(0.0) and then == pytest.approx(18.5 * 10 * MIN / 4, rel=0.02)


def _yesterday(city: CityState, theme: str, per_hour: int) -> None:
    """``per_hour`` arrivals of ``theme`` at H1 from 09:00 to 10:00 yesterday."""
    for i in range(per_hour):
        issue(city, "H1", f"y{theme}{i}", at=NOW + i * 3600 / per_hour, theme=theme)


def _today(city: CityState) -> None:
    city.start_day("H1")
    for number in city.configs[0].windows:
        city.apply("H1", EventKind.WINDOW_OPENED, NOW + 86400, {"window": number})
        city.apply("H1", EventKind.TICKET_CALLED, NOW + 86400, {
            "ticket": f"b{number}", "theme": "A", "window": number, "waited_s": 0.0})


def test_windows_shared_with_another_theme_drain_the_line_only_with_what_it_leaves() -> None:
    """The finding: citizens sent 26–37 minutes to a hall were forecast a wait of 0 and waited
    15–30 minutes: the forecast let every window of their theme drain its line for the whole
    trip, though the same windows served another theme's arrivals. Four A+B windows of
    10 minutes, 8 waiting for A, and B's arrivals (24 an hour, yesterday at this hour) keep
    all four busy: in 30 minutes the line of A has not moved."""
    city = opened(hall("H1", *[("A", "B")] * 4, mean_min=10))
    _yesterday(city, "B", 24)
    _today(city)
    a, now = city.theme_index["A"], NOW + 86400
    for i in range(8):
        issue(city, "H1", f"t{i}", at=now)
    assert city.shared[a, city.theme_index["B"], 0] == 1.0
    # the ninth slot of four busy windows seen at a random moment: 9 less the services'
    # spread, 1 - c of one (c = (1 + cv²) / 2; it was 8.5 while a busy window was taken to
    # be half-way through its service)
    slots = 9 - (1 - (1 + DEFAULT_CV2) / 2)
    assert city.wait_at(a, now, np.array([30 * MIN]))[0] == pytest.approx(
        slots * 10 * MIN / 4, abs=1)
    alone = opened(hall("H1", *[("A", "B")] * 4, mean_min=10))   # nobody comes for B
    _yesterday(alone, "A", 1)
    _today(alone)
    for i in range(8):
        issue(alone, "H1", f"t{i}", at=now)
    assert alone.wait_at(a, now, np.array([30 * MIN]))[0] == 0.0


def test_an_empty_line_at_a_busy_hall_is_not_forecast_empty() -> None:
    """Arrivals and services come at random: a line empty now with 24 arrivals an hour for
    four 10-minute windows (as many as they serve) holds about 0.8 · sqrt(24) ≈ 3.9 people
    30 minutes later — the fluid forecast said 0. Where the windows serve far more than
    arrives, the line stays near empty (its long-run mean)."""
    rng_free = np.array([0.0, 0.0, 5.0])
    events = np.array([24.0, 24.0, 0.0])
    drift = np.array([-1e-9, -1.0, 0.0])
    found = expected_line(rng_free, events, drift, np.array([1.0, 1.0, 1.0]))
    assert found[0] == pytest.approx(np.sqrt(2 / np.pi) * np.sqrt(24), rel=1e-6)
    assert found[1] == pytest.approx(0.5)           # variance 1 / (2 × drift 1)
    assert found[2] == 5.0                          # nothing happens: the line as it is
    busy_hall = opened(hall("H1", *[("A",)] * 4, mean_min=10))
    _yesterday(busy_hall, "A", 24)
    _today(busy_hall)
    a, now = busy_hall.theme_index["A"], NOW + 86400
    assert busy_hall.wait_at(a, now, np.array([30 * MIN]))[0] > 0.0


def test_windows_away_on_video_calls_drain_the_line_slower() -> None:
    """Two of four windows spent the last hour serving other halls' citizens by video: over a
    30-minute trip the line of 8 drains at half the speed, so a citizen arriving then still
    finds people ahead; without those calls the line would be gone."""
    figures = []
    for away in (False, True):
        city = opened(hall("H1", *[("A",)] * 4, mean_min=10))
        _yesterday(city, "A", 1)
        _today(city)
        a, now = city.theme_index["A"], NOW + 86400 + 3600
        issue(city, "H1", "first", at=now - 3600)
        if away:
            for number in ("1", "2"):
                city.apply("H1", EventKind.WINDOW_REMOTE_BUSY, now - 3600, {"window": number})
                city.apply("H1", EventKind.WINDOW_REMOTE_FREE, now, {"window": number})
        for i in range(8):
            issue(city, "H1", f"t{i}", at=now)
        assert city.video_windows(now)[0] == pytest.approx(2.0 if away else 0.0)
        figures.append(city.wait_at(a, now, np.array([30 * MIN]))[0])
    assert figures[0] == 0.0 and figures[1] > 60.0
