"""The hall<->central protocol's checks: a lease message is taken only with real, bounded
strings and finite times, whatever central relays; its JSON form reads back as itself; the
referral and recommendation shapes are checked the same way on both sides."""

import pytest
from pydantic import ValidationError

from hall.protocol.bodies import Recommendation, ReferredPerson, ReferredTicket, RemoteChoice
from hall.protocol.messages import GRANTED, Message, is_phone, message_from_dict, message_to_dict

HOME = "GD-SZ-FT-001"          # the example hall
REMOTE = "GD-SZ-NS-002/7"     # a window of another hall
GOOD_MESSAGE = {"kind": "request", "lease": "GD-SZ-NS-002/7/1", "home": HOME, "remote": REMOTE,
                "ticket": "20240312-A002", "id": "GD-SZ-NS-002/7/1:request:1"}


@pytest.mark.parametrize("bad", [
    {"ticket": {"a": [1]}}, {"lease": ["x"]}, {"home": 7}, {"remote": None}, {"id": 1.5},
    {"reply_to": True}, {"kind": "steal"}, {"ticket": "x" * 1_000_000}, {"lease": ""},
    {"lease": "L" * 129}, {"home": "HB/../x y"}, {"home": ""}, {"remote": "HB"},
    {"remote": "/7"}, {"remote": "H B/7"}, {"id": "i" * 201},
    {"expires_at": float("nan")}, {"expires_at": float("inf")}, {"expires_at": -1},
    {"expires_at": None}, {"expires_at": True}, {"expires_at": "1"}, {"expires_at": 10**400},
    {"kind": None}])
def test_a_lease_message_needs_real_bounded_strings_and_finite_times(bad: dict) -> None:
    with pytest.raises(ValueError, match="not a lease message"):
        message_from_dict({**GOOD_MESSAGE, **bad})


@pytest.mark.parametrize("missing", ["kind", "lease", "home", "remote"])
def test_a_lease_message_without_its_addresses_is_not_one(missing: str) -> None:
    with pytest.raises(ValueError, match=f"{missing}: missing"):
        message_from_dict({k: v for k, v in GOOD_MESSAGE.items() if k != missing})
    for not_an_object in (None, [GOOD_MESSAGE], "request"):
        with pytest.raises(ValueError, match="not an object"):
            message_from_dict(not_an_object)


def test_a_message_reads_back_from_its_json_form() -> None:
    answer = Message(GRANTED, "L1", HOME, REMOTE, "20240312-A002", 1710216000.5,
                     "L1:request:1:granted", "L1:request:1")
    assert message_from_dict(message_to_dict(answer)) == answer


def test_what_central_sends_may_carry_more_fields_but_a_hall_sends_exactly_the_shape() -> None:
    choice = RemoteChoice.model_validate({"hall": "GD-SZ-NS-002", "ticket": "20240312-C007",
                                          "from": "a newer central"})
    assert (choice.hall, choice.number) == ("GD-SZ-NS-002", "")
    Recommendation.model_validate({"hall": "H2", "expected_total_s": 60, "wait_s": 30,
                                   "travel_s": 30, "new": 1})
    ReferredTicket.model_validate({"id": "20240312-A001", "number": "A001", "new": 1})
    with pytest.raises(ValidationError):
        RemoteChoice.model_validate({"hall": "HB/../x y", "ticket": "20240312-C007"})
    with pytest.raises(ValidationError):
        Recommendation.model_validate({"hall": "H2", "expected_total_s": float("nan"),
                                       "wait_s": 0, "travel_s": 0})
    person = {"id_hash": "0" * 64, "id_masked": "4403**********1234", "age": 70}
    assert ReferredPerson.model_validate(person).age == 70
    with pytest.raises(ValidationError):
        ReferredPerson.model_validate({**person, "id_number": "440308195003011234"})


def test_the_phone_channel_is_known_by_its_prefix() -> None:
    assert is_phone("phone:app-1") and not is_phone("GD-SZ-FT-001")
