"""No-shows with care at the console, without Qt: F5 says how long is left before the hall
allows a no-show, asks to be pressed again, and offers the undo for its grace period with a
countdown; on the console's own clock, moved by hand."""

from __future__ import annotations

from caller.devices import CallerDevices
from caller.no_show import CONFIRM_S, NoShowCare
from caller.viewmodel import CallerModel, CallerSettings
from tests.helpers.caller_steps import sign_in
from tests.helpers.fake_devices import FakeLedScreen
from tests.helpers.fake_halls import WINDOW, FakeWindowHall


class HandClock:
    """Seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[CallerModel, FakeWindowHall, HandClock, FakeLedScreen]:
    hall, clock, led = FakeWindowHall(2), HandClock(), FakeLedScreen()
    model = CallerModel(hall, WINDOW, CallerDevices(led=led),  # type: ignore[arg-type]
                        CallerSettings(name="console-3"), clock=clock)
    model.start()
    sign_in(model)
    return model, hall, clock, led


def test_f5_asks_to_be_pressed_again_and_forgets_after_a_while() -> None:
    model, hall, clock, _ = make()
    model.press_key("F1")
    model.press_key("F5")
    assert model.message == ("确认过号？再按 F5 确认", "Confirm no-show? Press F5 again")
    assert not model.message_is_error and model.no_show.confirming
    assert hall.current is not None and hall.current["status"] == "called"
    clock.now += CONFIRM_S
    model.tick()
    assert not model.no_show.confirming and model.message is None
    model.press_key("F5")                       # a first press again
    model.press_key("F2")                       # another key in between: forgotten
    model.press_key("F5")
    assert hall.current is not None and model.no_show.confirming
    model.press_key("F5")
    assert hall.current is None and hall.no_shows[0]["number"] == "A001"
    assert model.message == ("A001 已过号，30 秒内可撤销",
                             "A001 marked as no-show; undo within 30 s")


def test_f5_before_the_halls_minimum_says_how_long_is_left() -> None:
    model, hall, clock, _ = make()
    hall.queue[0]["no_show"] = {"allowed_in_s": 60.0, "recalls_left": 1, "undo_s_left": 0.0}
    model.press_key("F1")
    clock.now += 2
    model.press_key("F5")
    assert model.message_is_error and model.message == (
        "还不能过号：请再等 58 秒，或先重呼 (F2) 1 次",
        "No-show not yet: wait 58 s, or recall (F2) 1 more time")
    assert model.no_show.wait_text() == ("过号需再等 58 秒或重呼 1 次",
                                         "No-show in 58 s or after 1 more recall")
    model.press_key("F5")                       # pressing again does not make it allowed
    assert hall.current is not None and not model.no_show.confirming
    clock.now += 58
    assert model.no_show.wait_text() is None
    model.press_key("F5")
    model.press_key("F5")
    assert hall.current is None


def test_undo_is_offered_with_a_countdown_and_calls_the_ticket_back() -> None:
    model, hall, clock, led = make()
    model.press_key("F1")
    model.press_key("F5")
    model.press_key("F5")
    assert model.can_undo() and model.no_show.undo_left() == 30
    clock.now += 12.5
    assert model.no_show.undo_left() == 18
    model.undo_no_show()
    assert hall.current is not None and hall.current["number"] == "A001"
    assert model.message == ("已撤销过号，A001 回到本窗口", "No-show undone: A001 is back")
    assert led.shown[-1] == ("call", "A001", WINDOW)
    assert not model.can_undo()


def test_the_undo_offer_ends_with_its_grace_period_or_the_next_call() -> None:
    model, hall, clock, _ = make()
    model.press_key("F1")
    model.press_key("F5")
    model.press_key("F5")
    model.press_key("F1")                       # the next citizen: the window is busy
    assert hall.current is not None and hall.current["number"] == "A002"
    assert not model.can_undo()
    clock.now += 30
    model.tick()
    assert model.no_show.undo is None


def test_no_undo_is_offered_when_the_hall_gives_no_grace() -> None:
    care = NoShowCare(lambda: 5.0)
    care.offer_undo({"id": "t", "number": "A001",   # type: ignore[typeddict-item]
                     "no_show": {"allowed_in_s": 0.0, "recalls_left": 0, "undo_s_left": 0.0}})
    assert care.undo is None and care.undo_left() == 0
