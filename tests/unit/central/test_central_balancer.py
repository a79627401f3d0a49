"""The balancer: live city state, estimators, recommendations, routing policies, remote choice."""

from __future__ import annotations

import statistics
import time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from central.balancer import (
    POLICIES,
    TravelTimes,
    choose_remote,
    policy_jsq,
    policy_jsq2,
    rank_halls,
    recommend,
)
from central.city_state import CityState
from central.estimators import MIN_HOURLY_SAMPLES, ServiceTimes
from hall.config import HallConfig, Item, Rules, Theme, Window
from hall.estimate import DEFAULT_CV2
from hall.events import EventKind

NOW = 1710205200.0      # 2024-03-12 09:00 in Shanghai
TZ = ZoneInfo("Asia/Shanghai")
ANYWHERE = Item(code="A2", theme="A", name_zh="", name_en="", anywhere=True, remote=True)
LOCAL = Item(code="A1", theme="A", name_zh="", name_en="")


def hall(hall_id: str, *skills: tuple[str, ...], mean_s: float = 600.0) -> HallConfig:
    """A hall with one window per ``skills`` tuple; themes A and B with items A1, A2, B1."""
    themes = {"A": Theme(prefix="A", name_zh="A", name_en="A", mean_service_s=mean_s,
                         items=(LOCAL, ANYWHERE)),
              "B": Theme(prefix="B", name_zh="B", name_en="B", mean_service_s=mean_s,
                         items=(Item(code="B1", theme="B", name_zh="", name_en=""),))}
    windows = {str(i + 1): Window(number=str(i + 1), skills=s) for i, s in enumerate(skills)}
    return HallConfig(hall_id=hall_id, name_zh=hall_id, name_en=hall_id, timezone=TZ,
                      rules=Rules(), themes=themes, windows=windows)


def open_all(city: CityState) -> None:
    for config in city.configs:
        for number in config.windows:
            city.apply(config.hall_id, EventKind.WINDOW_OPENED, NOW, {"window": number})


def issue(city: CityState, hall_id: str, ticket: str, item: str = "A2",
          theme: str = "A", **extra: object) -> None:
    city.apply(hall_id, EventKind.TICKET_ISSUED, NOW, {"ticket": ticket, "theme": theme,
                                                       "item": item,
                                               **extra})


def busy(city: CityState, hall_id: str, window: str, ticket: str = "x") -> None:
    """Put a window at work on a ticket (issued and called at once)."""
    issue(city, hall_id, ticket, item="A1")
    city.apply(hall_id, EventKind.TICKET_CALLED, NOW, {"ticket": ticket, "theme": "A",
                                               "window": window, "waited_s": 0.0})


@pytest.fixture
def city() -> CityState:
    """Three halls: H1 two A windows, H2 one A and one A+B window, H3 only B."""
    state = CityState([hall("H1", ("A",), ("A",)), hall("H2", ("A",), ("A", "B")),
                       hall("H3", ("B",))])
    open_all(state)
    return state


ZERO = TravelTimes(matrix_s=np.zeros((3, 3)))
#: Busy windows seen at a random moment of their services: the k-th slot comes after
#: k − SPREAD services (c = (1 + cv²) / 2, ``hall.estimate.slots_to_wait``), not k − 0.5.
SPREAD = 1 - (1 + DEFAULT_CV2) / 2


def test_state_follows_the_event_stream(city: CityState) -> None:
    a = city.theme_index["A"]
    h1, h2 = city.index["H1"], city.index["H2"]
    assert city.share[a, h2] == pytest.approx(1.5)      # the A+B window counts 1/2
    assert city.idle[a, h1] == pytest.approx(2.0)
    issue(city, "H1", "t1")
    city.apply("H1", EventKind.TICKET_CALLED, NOW, {"ticket": "t1", "theme": "A", "window": "1",
                                            "waited_s": 42.0})
    assert city.waiting[a, h1] == 0 and city.idle[a, h1] == pytest.approx(1.0)
    assert city.last_wait[a, h1] == 42.0
    city.apply("H1", EventKind.TICKET_FINISHED, NOW + 900, {"ticket": "t1", "theme": "A",
                                                            "item": "A2",
                                                    "window": "1", "service_s": 900.0})
    assert city.idle[a, h1] == pytest.approx(2.0)
    assert city.service.allday[h1, a] == pytest.approx(750.0)   # configured counts as one
    assert city.service.item_mean(h1, a, "A2") == pytest.approx(750.0)
    city.apply("H1", EventKind.WINDOW_CLOSED, NOW, {"window": "2"})
    assert city.share[a, h1] == pytest.approx(1.0)
    issue(city, "H1", "t2")
    city.apply("H1", EventKind.TICKET_CANCELLED, NOW, {"ticket": "t2", "theme": "A"})
    assert city.waiting[a, h1] == 0 and city.remote[a, h1] == 0
    city.apply("nowhere", EventKind.TICKET_ISSUED, NOW, {"ticket": "t3", "theme": "A"})   # ignored
    city.start_day("H1")
    assert city.waiting[:, h1].sum() == 0


def test_elderly_wait_only_behind_the_elderly(city: CityState) -> None:
    a, h1 = city.theme_index["A"], city.index["H1"]
    busy(city, "H1", "1", "b1")
    busy(city, "H1", "2", "b2")
    for i in range(4):
        issue(city, "H1", f"t{i}", elderly=(i == 0))
    # both windows busy (seen at a random moment of their services): one elderly ahead
    assert city.wait_one(h1, a, NOW, priority=True) == pytest.approx((2 - SPREAD) * 600 / 2,
                                                                     abs=1)
    # four ahead, and the elderly who arrive meanwhile (1 in the first half hour) go first
    load = (1 / 1800) * 600 / 2
    assert city.wait_one(h1, a, NOW) == pytest.approx((5 - SPREAD) * 600 / 2 / (1 - load),
                                                      abs=1)
    city.apply("H1", EventKind.TICKET_CALLED, NOW, {"ticket": "t0", "theme": "A", "window": "1"})
    assert city.priority[a, h1] == 0


def test_service_times_by_hour_need_enough_samples() -> None:
    times = ServiceTimes(np.array([[600.0]]))
    for _ in range(MIN_HOURLY_SAMPLES - 1):
        times.learn(0, 0, 10, 300.0)
    assert times.theme_means(0, 10)[0] == pytest.approx(times.allday[0, 0])
    times.learn(0, 0, 10, 300.0)
    assert times.mean_one(0, 0, 10) == pytest.approx(times.hourly[0, 0, 10])
    assert times.mean_one(0, 0, 11) == pytest.approx(times.allday[0, 0])


def test_recommend_sorts_by_travel_plus_wait(city: CityState) -> None:
    for window in ("1", "2"):
        busy(city, "H1", window, f"b{window}")
    for i in range(6):
        issue(city, "H1", f"t{i}")
    travel = TravelTimes(matrix_s=np.array([[0, 900, 60], [900, 0, 60], [60, 60, 0.0]]))
    found = recommend(ANYWHERE, "H1", city, travel, NOW)
    assert [r.hall for r in found] == ["H2", "H1"]       # H3 has no window for A
    assert found[0].wait_s == 0.0 and found[0].travel_s == 900.0
    assert found[1].expected_total_s == pytest.approx((7 - SPREAD) * 600 / 2, abs=1)
    assert [r.hall for r in recommend(LOCAL, "H1", city, travel, NOW)] == ["H1"]
    assert recommend(ANYWHERE, "H1", city, travel, NOW, limit=1)[0].hall == "H2"


def test_a_saving_the_estimates_cannot_tell_from_chance_is_not_offered() -> None:
    """Both halls have two busy A windows (10-minute services: one comes free every 5 min).
    At H1 a newcomer waits 23.7 min (4 ahead). H2 with 2 ahead (13.7 min) saves 10 min, above
    the 5-minute minimum, but for one citizen in ten H1's wait falls 12 min short and H2's
    runs 10.5 min over: too many sent would have done better staying, not offered. With nobody ahead
    at H2 (2.5 min) the 20-minute saving is sure enough."""
    for ahead, offered in ((2, ["H1"]), (0, ["H2", "H1"])):
        city = CityState([hall("H1", ("A",), ("A",)), hall("H2", ("A",), ("A",))])
        open_all(city)
        for hall_id in ("H1", "H2"):
            for window in ("1", "2"):
                busy(city, hall_id, window, f"{hall_id}b{window}")
        for i in range(4):
            issue(city, "H1", f"h1-{i}")
        for i in range(ahead):
            issue(city, "H2", f"h2-{i}")
        zero = TravelTimes(matrix_s=np.zeros((2, 2)))
        found = recommend(ANYWHERE, "H1", city, zero, NOW)
        assert [r.hall for r in found] == offered, ahead
        assert found[-1].wait_s == pytest.approx((5 - SPREAD) * 300, abs=1)


def test_the_wait_counts_the_windows_of_other_halls_that_call_the_line_by_video(
        city: CityState) -> None:
    """H1's two A windows are busy with 4 waiting: 22.5 min. Windows elsewhere took 6 of its
    tickets by video in the last 30 minutes (one every 5 min, as fast as two more windows of
    10-minute services): the line moves twice as fast, 11.25 min. Without this the county's
    lines that video calls drained were over-predicted by a third. A lease that came back
    unserved took nobody."""
    for window in ("1", "2"):
        busy(city, "H1", window, f"b{window}")
    for i in range(10):
        issue(city, "H1", f"t{i}")
    a, h1 = city.theme_index["A"], city.index["H1"]
    later = NOW + 1800
    for i in range(7):
        city.apply("H1", EventKind.TICKET_LEASED, later, {"ticket": f"t{i}", "theme": "A"})
    city.apply("H1", EventKind.TICKET_LEASE_RETURNED, later, {
        "ticket": "t6", "theme": "A", "item": "A2", "sort_key": NOW})
    for i in range(6):
        city.apply("H1", EventKind.TICKET_REMOTE_FINISHED, later, {"ticket": f"t{i}",
                                                                  "theme": "A"})
    assert city.waiting[a, h1] == 4
    assert city.wait_one(h1, a, later) == pytest.approx((5 - SPREAD) * 600 / 4, abs=1)
    assert city.wait_s(a, later, halls=np.array([h1]))[0] == pytest.approx(
        (5 - SPREAD) * 600 / 4, abs=1)
    city.start_day("H1")                      # a new day: nothing called by video yet
    assert city.arrivals.video_rate(a, later)[h1] == 0.0


def test_a_hall_that_gives_no_more_numbers_is_not_offered() -> None:
    """H2 closes at 16:00 (A's cutoff 30 min before), H3 is closed on Tuesdays; H1, where the
    citizen is, is shown whatever its hours."""
    from dataclasses import replace
    from datetime import time as clock

    early = hall("H2", ("A",))
    early = replace(early, rules=Rules(close_time=clock(16, 0)))
    weekend = hall("H3", ("A",))
    weekend = replace(weekend, rules=Rules(open_days=(6, 7)))
    city = CityState([hall("H1", ("A",)), early, weekend])
    open_all(city)
    busy(city, "H1", "1")
    for i in range(6):
        issue(city, "H1", f"t{i}")
    theme = city.theme_index["A"]
    at = {hour: NOW + (hour - 9) * 3600 for hour in (9, 15.25, 15.75, 16.75, 17)}   # Tuesday
    assert city.issuing(theme, at[9]).tolist() == [True, True, False]
    assert city.issuing(theme, at[15.25]).tolist() == [True, True, False]
    assert city.issuing(theme, at[15.75]).tolist() == [True, False, False]   # past cutoff
    assert city.issuing(theme, at[16.75]).tolist() == [True, False, False]
    assert city.issuing(theme, at[17]).tolist() == [False] * 3      # H1's cutoff: 17:00
    assert [r.hall for r in recommend(ANYWHERE, "H1", city, ZERO, at[9])] == ["H2", "H1"]
    assert [r.hall for r in recommend(ANYWHERE, "H1", city, ZERO, at[15.75])] == ["H1"]
    ranked = rank_halls(city, ["A", "A", "A"], np.zeros(3), at[15.75])
    assert [r.hall for r in ranked] == ["H1"]
    always = CityState([hall("H1", ("A",)), replace(early, rules=Rules(open_all_day=True))])
    open_all(always)
    assert always.issuing(theme, at[17] + 7 * 3600).tolist() == [False, True]   # midnight


def test_people_ahead_of_a_ticket_as_the_hall_calls_them(city: CityState) -> None:
    for i, extra in enumerate(({}, {"elderly": True}, {}, {}, {"green": True})):
        city.apply("H1", EventKind.TICKET_ISSUED, NOW + i, {"ticket": f"t{i}", "theme": "A",
                                                    "item": "A1", **extra})
    ahead = {t: city.ahead_of("H1", t, NOW + 5) for t in ("t0", "t1", "t2", "t3", "t4")}
    assert ahead == {"t0": 2, "t1": 1, "t2": 3, "t3": 4, "t4": 0}   # green, then the elderly
    city.apply("H1", EventKind.TICKET_CALLED, NOW + 9, {"ticket": "t4", "theme": "A",
                                                        "window": "1"})
    assert city.ahead_of("H1", "t3", NOW + 9) == 3
    assert city.ahead_of("H1", "t4", NOW + 9) is None
    # a no-show who checks in again goes a few places back: its new place counts
    city.apply("H1", EventKind.TICKET_CALLED, NOW + 11, {"ticket": "t0", "theme": "A",
                                                         "window": "2"})
    city.apply("H1", EventKind.TICKET_RECHECKED_IN, NOW + 12, {"ticket": "t0", "theme": "A",
                                                        "sort_key": NOW + 2.5})
    assert city.ahead_of("H1", "t0", NOW + 12) == 2
    assert city.ahead_of("H1", "t3", NOW + 12) == 3
    assert city.ahead_of("H2", "t3", NOW) is None and city.ahead_of("H9", "t3", NOW) is None


def test_people_ahead_follow_the_green_channel_and_appointment_slots(city: CityState) -> None:
    """Staff putting a ticket on the green channel moves it ahead; an appointment holder is
    ahead of the elderly only within their slot (and its early minutes), as at the hall."""
    early_s = city.configs[0].rules.appointment_early_min * 60.0
    slot = {"slot_start": NOW + 3600, "slot_end": NOW + 5400}
    for i, extra in enumerate(({"elderly": True}, {}, {"appointment": "ap1", **slot}, {})):
        city.apply("H1", EventKind.TICKET_ISSUED, NOW + i, {"ticket": f"t{i}", "theme": "A",
                                                    "item": "A1", **extra})

    def line(now: float) -> list[str]:
        return sorted((t for t in ("t0", "t1", "t2", "t3")
                       if city.ahead_of("H1", t, now) is not None),
                      key=lambda t: city.ahead_of("H1", t, now) or 0)

    assert line(NOW + 3600 - early_s - 1) == ["t0", "t1", "t2", "t3"]   # before its slot
    assert line(NOW + 3600 - early_s) == ["t2", "t0", "t1", "t3"]       # early minutes
    assert line(NOW + 5400) == ["t2", "t0", "t1", "t3"]
    assert line(NOW + 5401) == ["t0", "t1", "t2", "t3"]                 # slot over
    city.apply("H1", EventKind.TICKET_PRIORITIZED, NOW + 10, {"ticket": "t3", "theme": "A",
                                                      "green": True})
    assert line(NOW + 10) == ["t3", "t0", "t1", "t2"]
    assert city.priority[0, 0] == 3
    city.apply("H1", EventKind.TICKET_PRIORITIZED, NOW + 11, {"ticket": "t3", "green": False})
    assert line(NOW + 11) == ["t0", "t1", "t2", "t3"] and city.priority[0, 0] == 2
    city.apply("H1", EventKind.TICKET_PRIORITIZED, NOW + 12, {"ticket": "t0", "green": True})
    city.apply("H1", EventKind.TICKET_PRIORITIZED, NOW + 13, {"ticket": "t0", "green": False})
    assert line(NOW + 13)[0] == "t0" and city.priority[0, 0] == 2, "still elderly"


def test_a_window_on_a_call_to_another_hall_stays_busy_over_midnight(city: CityState) -> None:
    """A new day frees every window at work in the hall, not one calling elsewhere (the hall
    keeps its remote call across midnight)."""
    busy(city, "H1", "1")
    city.apply("H1", EventKind.WINDOW_REMOTE_BUSY, NOW, {"window": "2"})
    assert city.idle[0, 0] == 0
    city.start_day("H1")
    assert city.idle[0, 0] == 1, "window 1 is free, window 2 still calls another hall"
    city.apply("H1", EventKind.WINDOW_REMOTE_FREE, NOW + 1, {"window": "2"})
    assert city.idle[0, 0] == 2


def test_recommend_counts_citizens_on_their_way(city: CityState) -> None:
    busy(city, "H2", "1")
    busy(city, "H2", "2", "y")
    a, h2 = city.theme_index["A"], city.index["H2"]
    before = city.wait_at(a, NOW, np.full(3, 600.0))[h2]
    city.expect("H2", "A", 3)
    assert city.wait_at(a, NOW, np.full(3, 600.0))[h2] > before
    city.expect("H2", "A", -5)
    assert city.inbound.min() == 0


def test_routing_policies_use_the_same_state(city: CityState) -> None:
    rng = np.random.default_rng(1)
    h1, h2 = city.index["H1"], city.index["H2"]
    for window in ("1", "2"):
        busy(city, "H1", window, f"b{window}")
    for i in range(4):
        issue(city, "H1", f"t{i}")
    assert policy_jsq(city, ANYWHERE, h1, ZERO, NOW, rng) == h2
    assert policy_jsq(city, LOCAL, h1, ZERO, NOW, rng) == h1
    assert {policy_jsq2(city, ANYWHERE, h1, ZERO, NOW, rng) for _ in range(20)} == {h2}
    assert policy_jsq2(city, ANYWHERE, h2, ZERO, NOW, rng) == h2     # the other is longer
    assert POLICIES["hallq"](city, ANYWHERE, h1, ZERO, NOW, rng) == h2
    assert POLICIES["none"](city, ANYWHERE, h1, ZERO, NOW, rng) == h1


def test_choose_remote_takes_the_first_ticket_the_video_call_helps(city: CityState) -> None:
    """H2's two A windows are busy (a 10-minute mean, one comes free every 5 min): its line's
    waits are 2.0, 8.7, 13.7, 18.7 and 23.7 min (the k-th slot after k − SPREAD gaps). Video
    service costs 3.5 min (25% of 10 min slower + a 1-min walk). The head (2.0 min), which H2
    is about to call, is left to it; the second (8.7 min) saves its citizen 5 min on average,
    and 3 in 4 of them at least the cost (``VIDEO_RISK``): the remote window takes it, then
    the third — never the head."""
    for hall_id in ("H1", "H2"):
        busy(city, hall_id, "1", f"{hall_id}b1")
        busy(city, hall_id, "2", f"{hall_id}b2")
    issue(city, "H1", "h1-local", item="A1")
    for i in range(5):
        issue(city, "H2", f"h2-{i}", sort_key=NOW + 10 - i)
    choice = choose_remote(("B", "A"), city, NOW, home="H3")
    assert choice is not None and (choice.hall, choice.ticket) == ("H2", "h2-3")
    assert choice.wait_s == pytest.approx((2 - SPREAD) * 600 / 2, abs=1)
    city.hold("H2", "h2-3", "A")
    assert choose_remote(("A",), city, NOW, home="H3").ticket == "h2-2"  # type: ignore[union-attr]
    for ticket in ("h2-2", "h2-1", "h2-0"):
        city.hold("H2", ticket, "A")
    assert choose_remote(("A",), city, NOW, home="H3") is None, "only the head is left"
    for ticket in ("h2-3", "h2-2", "h2-1", "h2-0"):
        city.unhold("H2", ticket, "A")
    assert choose_remote(("A",), city, NOW, home="H2") is None   # never from its own hall
    assert choose_remote(("A",), city, NOW, home="H3", min_wait_s=1e6) is None
    assert choose_remote(("B",), city, NOW, home="H3") is None
    # video as fast as a window and no walk: it costs nobody anything, the head is called
    assert choose_remote(("A",), city, NOW, home="H3", slowdown=1.0,
                         booth_walk_s=0.0).ticket == "h2-4"  # type: ignore[union-attr]
    city.apply("H2", EventKind.TICKET_LEASED, NOW, {"ticket": "h2-2", "theme": "A"})
    assert city.remote[city.theme_index["A"], city.index["H2"]] == 4


def test_choose_remote_leaves_a_ticket_an_idle_home_window_is_about_to_call(city: CityState
                                                                             ) -> None:
    """H2 has an idle A window: its first ticket is called there at once; nothing to gain."""
    busy(city, "H2", "1", "b1")
    issue(city, "H2", "h2-0")
    assert city.wait_behind(city.index["H2"], city.theme_index["A"], 0, NOW) == 0.0
    assert choose_remote(("A",), city, NOW, home="H3") is None


def test_a_citizen_who_declines_the_video_booth_is_not_called_by_video_again(city: CityState
                                                                            ) -> None:
    """Called to the booth, the citizen did not come (or said no there): the lease came back,
    the ticket keeps its place in the line and no remote window chooses it again."""
    for hall_id in ("H1", "H2"):
        busy(city, hall_id, "1", f"{hall_id}b1")
        busy(city, hall_id, "2", f"{hall_id}b2")
    for i in range(6):           # the second (8.7 min) is the first a video call helps
        issue(city, "H2", f"h2-{i}", sort_key=NOW + i)
    first = choose_remote(("A",), city, NOW, home="H1")
    assert first is not None and first.ticket == "h2-1"
    city.hold("H2", "h2-1", "A")
    city.apply("H2", EventKind.TICKET_LEASED, NOW, {"ticket": "h2-1", "theme": "A"})
    for reason in ("released", "expired"):
        city.apply("H2", EventKind.TICKET_LEASE_RETURNED, NOW + 60, {
            "ticket": "h2-1", "theme": "A", "item": "A2", "sort_key": NOW + 1,
            "reason": reason})
        assert city.ahead_of("H2", "h2-1", NOW + 60) == 1, "its place in the line"
        again = choose_remote(("A",), city, NOW + 60, home="H1")
        assert again is not None and again.ticket == "h2-2"
        city.apply("H2", EventKind.TICKET_LEASED, NOW, {"ticket": "h2-1", "theme": "A"})


def test_a_decision_for_2000_halls_takes_under_5_ms() -> None:
    rng = np.random.default_rng(2)
    configs = [hall(f"H{i}", ("A",), ("A", "B"), ("B",)) for i in range(2000)]
    city = CityState(configs)
    city.share[:] = rng.uniform(0.5, 3, city.share.shape)
    city.live[:] = city.busy[:] = rng.integers(1, 4, city.live.shape)
    for theme, groups in enumerate(city.group_live):
        groups[0] = city.live[theme]
    city.waiting[:] = rng.integers(0, 40, city.waiting.shape)
    city.remote[:] = rng.integers(0, 3, city.remote.shape)
    travel = TravelTimes(xy_km=rng.uniform(0, 80, (2000, 2)))
    timings = []
    for i in range(60):
        start = time.perf_counter()
        recommend(ANYWHERE, f"H{i}", city, travel, NOW)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005
