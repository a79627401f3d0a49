"""A simulated hall for tests and the benchmark: the real queue engine, driven by a random
but plausible day (windows open, citizens take numbers, windows call, serve, finish, some
citizens do not come, most rate the service), yielding the event log a hall node would write.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hall.engine import Engine
from hall.errors import QueueError
from hall.state import HallState
from tests.helpers.central import hall_config

START = datetime(2024, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class SimulatedHall:
    """One hall's engine and a clock; :meth:`next_events` returns numbered event dicts."""

    def __init__(self, hall_id: str, seed: int = 0, start: datetime = START) -> None:
        self.hall_id = hall_id
        self.config = hall_config(hall_id)
        self.now = start
        self.engine = Engine(self.config, HallState(day=start.date().isoformat()), b"s" * 32)
        self.random = random.Random(seed)
        self.seq = 0
        self.windows = list(self.config.windows)
        self.themes = list(self.config.themes)
        self.items = list(self.config.items)

    def _step(self) -> list[Any]:
        engine, now, pick = self.engine, self.now, self.random
        roll = pick.random()
        window = pick.choice(self.windows)
        try:
            if roll < 0.35:
                return engine.issue(pick.choice(self.items), now)[1]
            if roll < 0.55:
                return engine.call_next(window, now)[1]
            if roll < 0.65:
                return engine.start_serving(window, now)[1]
            if roll < 0.85:
                ticket, events = engine.finish(window, now)
                if pick.random() < 0.8:
                    events += engine.rate(ticket.id, pick.choice((5, 5, 5, 4, 4, 3, 1)), now)[1]
                return events
            if roll < 0.9:
                return engine.no_show(window, now)[1]
            if roll < 0.97:
                return engine.open_window(window, now)[1]
            return engine.pause(window, now)[1] if roll < 0.985 else engine.resume(window, now)[1]
        except QueueError:
            return []

    def next_events(self, count: int) -> list[dict[str, Any]]:
        """At least ``count`` more events of the hall, numbered from where it stopped."""
        events: list[dict[str, Any]] = []
        while len(events) < count:
            self.now += timedelta(seconds=self.random.uniform(1, 20))
            for event in self.engine.roll_day(self.now) + self._step():
                self.seq += 1
                events.append({"seq": self.seq, "kind": event.kind, "ts": event.ts,
                               "data": event.data})
        return events
