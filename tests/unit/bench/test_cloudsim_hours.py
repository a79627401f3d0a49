"""The simulated city keeps each hall's hours, caps services, counts the citizen's whole time
(travel, wait, the extra of a video service) and who was worse off than staying, lets citizens
decline a video call, and takes offers less often the longer the trip. Tiny cities, seconds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from bench.cloudsim.city_model import DAY0, CityModel
from bench.cloudsim.demand import DAY_S, Citizen
from bench.cloudsim.metrics import measured, stay_wait, summarize, worse_off
from bench.cloudsim.scenario import Acceptance, parse_scenario
from hall.events import Event, EventKind


def _city(**changes: Any) -> dict[str, Any]:
    """A centre and two street halls; the second opens only in the afternoon."""
    data: dict[str, Any] = {
        "scenario": {"load": 0.95, "open": "09:00", "close": "17:00", "cutoff_min": 30,
                     "profile": [1.0, 1.6, 1.2, 0.8], "anywhere_share": 0.8,
                     "remote_share": 0.8, "elderly_share": 0.1},
        "remote": {"min_wait_min": 2},
        "themes": [{"prefix": "A", "mean_service_min": 12},
                   {"prefix": "C", "mean_service_min": 6}],
        "halls": [{"id": "D00", "weight": 1.4, "video_booths": 3,
                   "windows": [{"count": 4, "skills": ["A"]}, {"count": 3, "skills": ["C"]}]},
                  {"id": "S01", "x_km": 3, "weight": 0.6,
                   "windows": [{"count": 3, "skills": ["C", "A"]}]},
                  {"id": "S02", "x_km": -4, "open": "13:00", "close": "17:00", "weight": 0.6,
                   "windows": [{"count": 3, "skills": ["A", "C"]}]}]}
    for table, values in changes.items():
        data[table] = {**data.get(table, {}), **values}
    return data


def _logged(model: CityModel) -> list[tuple[int, Event]]:
    """Every event the halls publish, with the hall's index."""
    log: list[tuple[int, Event]] = []
    publish = model.publish

    def record(hall: int, events: list[Event]) -> None:
        log.extend((hall, event) for event in events)
        publish(hall, events)

    model.publish = record      # type: ignore[method-assign]
    return log


def _hour(ts: float) -> float:
    return (ts - DAY0) % DAY_S / 3600


def test_windows_keep_their_halls_hours() -> None:
    scenario = parse_scenario(_city())
    model = CityModel(scenario, "hallq", seed=3)
    log = _logged(model)
    citizens = model.run(2)
    hours = [tuple(x / 3600 for x in scenario.hours(h)) for h in scenario.halls]
    kinds: dict[str, list[tuple[int, float]]] = {}
    for hall, event in log:
        kinds.setdefault(event.kind, []).append((hall, _hour(event.ts)))
    # the street halls call by video (the afternoon-only one too); the centre's lines are
    # rarely long enough for a call that surely pays
    assert {1, 2} <= {h for h, _ in kinds[EventKind.WINDOW_REMOTE_BUSY]}
    assert kinds[EventKind.TICKET_LEASED]
    for hall, at in kinds[EventKind.WINDOW_REMOTE_BUSY] + kinds[EventKind.TICKET_LEASED]:
        assert hours[hall][0] <= at < hours[hall][1]       # no remote call outside hours
    for hall, at in kinds[EventKind.TICKET_ISSUED]:
        assert hours[hall][0] <= at < hours[hall][1] - 0.5   # numbers until the cutoff
    assert sorted(at for h, at in kinds[EventKind.WINDOW_OPENED] if h == 2) == [13.0] * 6
    assert min(at for h, at in kinds[EventKind.WINDOW_CLOSED]) >= 17.0
    assert len(kinds[EventKind.WINDOW_CLOSED]) == len(kinds[EventKind.WINDOW_OPENED]) == 26
    issued = [c for c in citizens if not math.isnan(c.issued_at)]
    assert all(not math.isnan(c.called_at) for c in issued)    # everyone holding one served


def test_a_citizen_sent_to_a_hall_that_stopped_giving_numbers_goes_home() -> None:
    # jsq ignores hours: it sends the busy centre's citizens to a hall an hour away that
    # stops giving numbers at 11:30; those arriving later are turned away and go back
    data = _city(travel={"matrix_min": [[0, 60, 60], [60, 0, 60], [60, 60, 0]]},
                 acceptance={"mode": "always"})
    data["halls"][1].update(close="12:00", weight=0.2)
    scenario = parse_scenario(data)
    model = CityModel(scenario, "jsq", seed=5)
    log = _logged(model)
    citizens = model.run(1)
    late = [e for h, e in log if h == 1 and e.kind == EventKind.TICKET_ISSUED
            and _hour(e.ts) >= 11.5]
    assert not late                                   # nobody got a number there after 11:30
    away = [c for c in citizens if c.turned_away]
    assert away and all(c.hall in (c.origin, -1) for c in away)
    assert all(c.travel_s == pytest.approx(7200) for c in away)     # there and back
    served = [c for c in away if c.hall == c.origin]
    assert served and all(c.total_s >= 7200 + c.wait_s - 1e-6 for c in served)
    assert summarize(citizens, scenario, "queue")["turned_away"] == len(away)


def test_hallq_offers_no_hall_that_stops_giving_numbers_before_the_citizen_arrives() -> None:
    # the same city as above: hallq forecasts the arrival, so nobody is turned away, and the
    # scenario's [cloud] trip rules reach every hall's balancer settings
    data = _city(travel={"matrix_min": [[0, 60, 60], [60, 0, 60], [60, 60, 0]]},
                 acceptance={"mode": "always"}, remote={"min_wait_min": 600})
    data["halls"][1].update(close="12:00", weight=0.2)
    scenario = parse_scenario(data)
    citizens = CityModel(scenario, "hallq", seed=5).run(1)
    moved = [c for c in citizens if c.hall not in (c.origin, -1)]
    assert moved and not any(c.turned_away for c in citizens)
    assert all(c.arrival + c.travel_s < DAY0 + 11.5 * 3600 for c in moved if c.hall == 1)
    capped = parse_scenario({**data, "cloud": {"max_travel_min": 59}})
    assert all(config.trip.max_travel_s == 59 * 60 for config in capped.hall_configs())
    stayed = CityModel(capped, "hallq", seed=5).run(1)
    assert all(c.hall in (c.origin, -1) for c in stayed)     # every hall is an hour away


def test_services_are_capped() -> None:
    scenario = parse_scenario(_city(scenario={"max_service_min": 15}))
    model = CityModel(scenario, "none", seed=1)
    citizens = model.run(1)
    services = np.array([c.service_s for c in citizens])
    assert services.max() == pytest.approx(900) and (services == 900).sum() > 0


def test_the_whole_time_counts_the_trip_and_a_video_services_extra() -> None:
    scenario = parse_scenario(_city())
    model = CityModel(scenario, "hallq", seed=3)
    citizens = model.run(2)
    video = [c for c in citizens if c.served_remotely]
    assert video
    for c in video:
        floor = scenario.booth_walk_s + c.service_s * (scenario.remote_slowdown - 1)
        assert c.remote_extra_s >= floor
        assert c.total_s == pytest.approx(c.travel_s + c.wait_s + c.remote_extra_s)
    result = summarize(citizens, scenario, "queue")
    done = measured(citizens, scenario)
    daily = [np.mean([c.total_s for c in done if c.day == d]) for d in (0, 1)]
    assert result["mean_total_time_s"] == pytest.approx(np.mean(daily), abs=0.1)
    assert result["mean_total_time_s"] > result["mean_wait_s"]
    assert result["mean_remote_extra_s"] > scenario.booth_walk_s


def test_a_citizen_may_decline_a_video_call() -> None:
    scenario = parse_scenario(_city(remote={"min_wait_min": 2, "decline_share": 1.0}))
    model = CityModel(scenario, "hallq", seed=3)
    log = _logged(model)
    citizens = model.run(1)
    assert model.remote is not None and model.remote.declined > 0
    assert not any(c.served_remotely for c in citizens)
    leased = [(h, e.data["ticket"]) for h, e in log if e.kind == EventKind.TICKET_LEASED]
    assert len(leased) == len(set(leased)) == model.remote.declined   # never asked twice
    issued = [c for c in citizens if not math.isnan(c.issued_at)]
    assert all(not math.isnan(c.called_at) for c in issued)       # served at a window


def test_acceptance_falls_with_the_trip() -> None:
    accept = Acceptance(p_max=0.8, scale_s=600, min_saving_s=300, trip_scale_s=3600)
    near, far = accept.probability(1200, 600), accept.probability(1200, 4200)
    assert far == pytest.approx(near * math.exp(-1))
    assert accept.probability(200, 0) == 0.0
    assert Acceptance(mode="always").probability(0, 9000) == 1.0


def _citizen(origin: int, hall: int, arrival: float, issued: float, called: float,
             travel: float = 0.0, remote: bool = False, extra: float = 0.0) -> Citizen:
    return Citizen(0, origin, 0, arrival, 600.0, True, True, False, 0.5, hall=hall,
                   travel_s=travel, issued_at=issued, called_at=called,
                   served_remotely=remote, remote_extra_s=extra)


def test_worse_off_is_judged_against_the_next_citizen_of_their_own_line() -> None:
    line = [_citizen(0, 0, 5, 5, 50), _citizen(0, 0, 20, 20, 100),
            _citizen(0, 0, 30, 30, 130)]
    video = _citizen(0, 0, 10, 10, 40, remote=True, extra=200)      # 30 + 200 > 90
    moved = _citizen(0, 1, 15, 45, 55, travel=30)                  # 30 + 10 < 85
    moved_late = _citizen(0, 1, 31, 61, 65, travel=30)              # nobody after: unjudged
    everyone = [*line, video, moved, moved_late]
    stays = stay_wait(everyone)
    assert stays[id(video)] == 90 and stays[id(moved)] == 85 and id(moved_late) not in stays
    shares = worse_off(everyone)
    assert shares["video_worse_share"] == 1.0 and shares["video_judged"] == 1
    assert shares["moved_worse_share"] == 0.0 and shares["moved_judged"] == 1
    assert shares["moved_mean_gain_s"] == 45.0


def test_the_engine_keeps_the_same_hours() -> None:
    # the whole hall engine (its own hours and cutoff checks) gives the fast hall's day
    scenario = parse_scenario(_city())
    engine = CityModel(scenario, "hallq", seed=4, hall_kind="engine")
    fast = CityModel(scenario, "hallq", seed=4)
    one, two = engine.run(1), fast.run(1)
    assert any(c.served_remotely for c in two) and any(c.origin == 2 for c in two)
    assert [(c.hall, c.served_remotely, c.turned_away) for c in one] == [
        (c.hall, c.served_remotely, c.turned_away) for c in two]
    assert [c.wait_s for c in one] == pytest.approx([c.wait_s for c in two], abs=1e-3,
                                                    nan_ok=True)
