"""Giving back a number taken by mistake at the kiosk: asked first, sent with the cancel token
the hall answered, back to the start screen; the token is forgotten with the session."""

from __future__ import annotations

from hall.client import HallApiError
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeKioskHall
from tests.helpers.runners import Later


def _with_ticket(hall: FakeKioskHall | None = None) -> tuple[KioskModel, FakeKioskHall]:
    hall = hall or FakeKioskHall()
    model = KioskModel(hall, KioskDevices(printer=FakeTicketPrinter()),  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1"))
    model.start()
    model.walk_in()
    model.take_number("A")
    assert model.screen == "ticket"
    return model, hall


def test_the_number_is_given_back_only_once_the_citizen_confirms() -> None:
    model, hall = _with_ticket()
    assert model.cancel.possible and not model.cancel.confirming
    model.cancel_ticket()                               # not asked yet: nothing sent
    assert hall.cancelled == [] and model.screen == "ticket"
    model.ask_cancel()
    assert model.cancel.confirming
    model.ask_cancel(confirming=False)                  # "keep my number"
    assert not model.cancel.confirming and model.screen == "ticket"
    model.ask_cancel()
    model.cancel_ticket()
    assert hall.cancelled == [("20250314-A001", "tok-A001")]
    assert model.screen == "attract" and model.ticket is None
    assert not model.cancel.possible                    # the token went with the session


def test_the_token_is_forgotten_when_the_session_ends() -> None:
    model, hall = _with_ticket()
    model.reset()                                       # "done", or the idle timeout
    model.ask_cancel()
    model.cancel_ticket()
    assert hall.cancelled == [] and not model.cancel.confirming


def test_a_refusal_is_the_halls_sentence() -> None:
    hall = FakeKioskHall()
    hall.cancel_refusal = HallApiError(409, "bad_state", "只有等待中的号码可以取消",
                                       "Only a waiting ticket can be cancelled")
    model, _ = _with_ticket(hall)
    model.ask_cancel()
    model.cancel_ticket()
    assert model.screen == "error"
    assert model.error == ("只有等待中的号码可以取消", "Only a waiting ticket can be cancelled")
    model.back()
    assert model.screen == "attract" and model.ticket is None


def test_a_ticket_without_a_token_offers_no_cancel() -> None:
    model, hall = _with_ticket(FakeKioskHall({"A": {"cancel_token": None}}))
    model.ask_cancel()
    model.cancel_ticket()
    assert not model.cancel.possible and hall.cancelled == []


def test_an_answer_after_the_session_ended_changes_nothing() -> None:
    later = Later()
    hall = FakeKioskHall()
    model = KioskModel(hall, KioskDevices(printer=FakeTicketPrinter()),  # type: ignore[arg-type]
                       run=later)
    later.run_all()
    model.walk_in()
    model.take_number("A")
    later.run_all()
    model.ask_cancel()
    model.cancel_ticket()
    assert model.busy
    model.reset()
    model.walk_in()                                     # the next citizen
    later.run_all()
    assert hall.cancelled == [("20250314-A001", "tok-A001")]
    assert model.screen == "themes"
