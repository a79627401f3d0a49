"""The people ``hallq demo`` simulates at its devices: a citizen with a booked appointment at the
kiosk camera, citizens rating at the pads, and staff at window 14's calling keypad."""

from __future__ import annotations

import random
import threading
from typing import Any

from devices.rating.protocol import NO_KEY
from devices.rating.simulator import PadState
from kiosk.citizen import APPOINTMENT_PREFIX

#: The theme the demo appointment is booked for, and how long its slot stays open (s).
APPOINTMENT_THEME = "A"
APPOINTMENT_SLOT_S = 4 * 3600
#: The window whose calling keypad the demo simulates (its console is open too).
KEYPAD_WINDOW = "14"
#: The rating levels the demo's citizens press, and how often: mostly 5 or 4, sometimes 3..1.
RATING_WEIGHTS = {5: 60, 4: 25, 3: 8, 2: 4, 1: 3}
#: Seconds between the pad's prompt and the citizen's key.
RATING_DELAY_S = 1.5


def book_appointment(client: Any, now: float) -> str:
    """Book the demo's appointment (theme A, its slot open from a few minutes ago) through
    the hall's API; returns the text of its QR code (``hallq:appt:<id>:A``)."""
    appointment_id = f"DEMO{int(now) % 1_000_000:06d}"
    client.save_appointment(appointment_id, APPOINTMENT_THEME, now - 300,
                            now + APPOINTMENT_SLOT_S)
    return f"{APPOINTMENT_PREFIX}{appointment_id}:{APPOINTMENT_THEME}"


class DemoRater:
    """Presses a key on every prompted rating pad, ``delay`` seconds after the prompt: a level
    drawn from :data:`RATING_WEIGHTS` by a seeded generator (the same seed, the same ratings)."""

    def __init__(self, seed: int | None = None, delay: float = RATING_DELAY_S) -> None:
        self.rng = random.Random(seed)
        self.delay = delay
        self._lock = threading.Lock()

    def choose(self) -> int:
        """The next level a citizen presses."""
        with self._lock:
            return self.rng.choices(list(RATING_WEIGHTS), list(RATING_WEIGHTS.values()))[0]

    def attach(self, pad: Any) -> None:
        """Rate on ``pad`` (a simulated pad driver) after each of its prompts."""
        simulator = pad.simulator

        def on_change(addr: int, state: PadState) -> None:
            if state.lit and state.key == NO_KEY:  # just prompted: nobody pressed yet
                timer = threading.Timer(self.delay, simulator.press, (self.choose(), addr))
                timer.daemon = True
                timer.start()

        simulator.on_change = on_change
