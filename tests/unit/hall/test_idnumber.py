"""Resident ID numbers (GB 11643-1999): what a kiosk accepts, how old the holder is, what a
screen shows and what the hall keeps."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall import idnumber
from hall.idnumber import InvalidIdNumber


def _check_by_standard(first17: str) -> str:
    """The check character computed from the standard's definition (weights 2^(17-i) mod 11,
    check = (12 - sum mod 11) mod 11, 10 written X), not from the module under test."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


# Published examples of valid numbers, and one of each check character made to order.
PUBLISHED_VALID = ["11010519491231002X", "440524188001010014", "440308199901011234"]


@pytest.mark.parametrize("number", PUBLISHED_VALID)
def test_published_numbers_are_valid(number: str) -> None:
    assert idnumber.normalize(number) == number
    assert idnumber.check_char(number[:17]) == number[17]


def test_lower_case_x_and_spaces_are_accepted_and_normalized() -> None:
    assert idnumber.normalize(" 11010519491231002x ") == "11010519491231002X"


@given(born=st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
       region=st.integers(110000, 659999), serial=st.integers(0, 999))
def test_check_char_agrees_with_the_standard(born: date, region: int, serial: int) -> None:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    assert idnumber.check_char(first17) == _check_by_standard(first17)
    assert idnumber.normalize(first17 + _check_by_standard(first17)) == first17 + \
        _check_by_standard(first17)


def test_every_check_character_occurs_and_only_the_right_one_passes() -> None:
    seen = set()
    for serial in range(40):
        first17 = f"44030819900101{serial:03d}"
        right = _check_by_standard(first17)
        seen.add(right)
        for wrong in "0123456789X":
            if wrong != right:
                with pytest.raises(InvalidIdNumber, match="check digit"):
                    idnumber.normalize(first17 + wrong)
    assert seen == set("0123456789X")


@pytest.mark.parametrize("text, why", [
    ("440308199901011235", "check digit"),          # one digit off
    ("11010519491231002Y", "17 digits"),             # a letter that is not X
    ("1101051949123100XX", "17 digits"),             # X before the last place
    ("11010519491231002", "17 digits"),              # 17 characters
    ("11010519491231002X1", "17 digits"),            # 19 characters
    ("", "17 digits"),
    ("ABCDEF19491231002X", "17 digits"),             # letters in the region
    ("110105194912310O2X", "17 digits"),             # letter O for zero
    ("440308199902301230", "not a date"),            # 30 February
    ("440308199913011230", "not a date"),            # month 13
    ("440308199900001230", "not a date"),            # month 0
])
def test_invalid_numbers_are_refused_with_a_reason(text: str, why: str) -> None:
    with pytest.raises(InvalidIdNumber, match=why) as refused:
        idnumber.normalize(text)
    zh = {"check digit": "校验码不符", "17 digits": "应为17位数字加1位校验码（数字或X）",
          "not a date": "出生日期无效"}[why]
    assert refused.value.message_zh == zh, "the citizen reads why in Chinese too"


def test_invalid_date_is_refused_even_with_a_matching_check_digit() -> None:
    first17 = "44030819990230123"        # 1999-02-30
    with pytest.raises(InvalidIdNumber, match="not a date"):
        idnumber.normalize(first17 + _check_by_standard(first17))


def test_birth_date_is_read_from_positions_7_to_14() -> None:
    assert idnumber.birth_date("11010519491231002X") == date(1949, 12, 31)
    assert idnumber.birth_date("440308199901011234") == date(1999, 1, 1)


@pytest.mark.parametrize("today, age", [
    (date(2014, 12, 30), 64),   # the day before the 65th birthday
    (date(2014, 12, 31), 65),   # the birthday itself
    (date(2015, 1, 1), 65),
    (date(2015, 12, 30), 65),
    (date(1949, 12, 31), 0),
])
def test_age_counts_whole_years_up_to_the_birthday(today: date, age: int) -> None:
    assert idnumber.age_on("11010519491231002X", today) == age


def test_age_of_someone_born_on_29_february() -> None:
    first17 = "44030819600229123"
    number = first17 + _check_by_standard(first17)
    assert idnumber.age_on(number, date(2025, 2, 28)) == 64
    assert idnumber.age_on(number, date(2025, 3, 1)) == 65


def test_mask_keeps_first_four_and_last_four() -> None:
    assert idnumber.mask("440308199901011234") == "4403**********1234"
    assert idnumber.mask("11010519491231002X") == "1101**********002X"
    masked = idnumber.mask("440308199901011234")
    assert len(masked) == 18 and "19990101" not in masked


def test_keyed_hash_depends_on_the_key_and_hides_the_number() -> None:
    number = "440308199901011234"
    first = idnumber.keyed_hash(number, b"hall-key-one")
    second = idnumber.keyed_hash(number, b"hall-key-two")
    assert first != second
    assert first == idnumber.keyed_hash(number, b"hall-key-one")      # stable: limits work
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    for digest in (first, second):
        assert number not in digest
        assert "19990101" not in digest


def test_keyed_hash_ignores_the_case_of_x_and_tells_people_apart() -> None:
    key = b"hall-key"
    assert idnumber.keyed_hash("11010519491231002x", key) == \
        idnumber.keyed_hash("11010519491231002X", key)
    assert idnumber.keyed_hash("440308199901011234", key) != \
        idnumber.keyed_hash("440524188001010014", key)


def _number(born: date, region: str = "440308", serial: str = "123") -> str:
    """A valid number (right check character) of someone born on ``born``."""
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + _check_by_standard(first17)


TODAY = date(2026, 12, 4)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("text", [
    "440308199901011234".translate(FULL_WIDTH),      # all full-width: the same person
    "4403081999010112３4",                           # one full-width digit in the serial
    "４40308199901011234",                           # one in the region
    "44030819990１011234",                           # one in the birth date
    "44030819990101123４",                           # the check character
    "²40308199901011234",                            # superscript two: int() cannot read it
    "4403081999010112²4",
    "44030819990101123²",
    "٤٤٠٣٠٨١٩٩٩٠١٠١١٢٣٤",                            # Arabic-Indic digits
])
def test_digits_other_than_ascii_0_to_9_are_refused(text: str) -> None:
    with pytest.raises(InvalidIdNumber, match="digits 0-9 only") as refused:
        idnumber.normalize(text, TODAY)
    assert text not in str(refused.value) and "19990101" not in str(refused.value)
    with pytest.raises(InvalidIdNumber):
        idnumber.identify(text, b"hall-key", TODAY)


def test_full_width_x_is_not_a_check_character() -> None:
    with pytest.raises(InvalidIdNumber, match="17 digits"):
        idnumber.normalize("11010519491231002ｘ", TODAY)


def test_check_char_and_birth_date_refuse_other_digits_as_an_invalid_number() -> None:
    with pytest.raises(InvalidIdNumber, match="17 digits"):
        idnumber.check_char("²4030819990101123")
    with pytest.raises(InvalidIdNumber, match="17 digits"):
        idnumber.check_char("4403081999010112")
    with pytest.raises(InvalidIdNumber, match="not a date"):
        idnumber.birth_date("440308199901011234".translate(FULL_WIDTH))


@pytest.mark.parametrize("born, why", [
    (date(2090, 1, 1), "in the future"), (date(2026, 12, 5), "in the future"),
    (date(2027, 2, 1), "in the future"), (date(1800, 1, 1), "more than 150 years ago"),
    (date(1876, 12, 3), "more than 150 years ago"), (date(1000, 6, 15), "more than 150 years ago"),
])
def test_a_birth_date_after_today_or_over_150_years_ago_is_refused(born: date, why: str) -> None:
    number = _number(born)
    with pytest.raises(InvalidIdNumber, match=why) as refused:
        idnumber.normalize(number, TODAY)
    assert number not in str(refused.value)
    with pytest.raises(InvalidIdNumber, match=why):
        idnumber.identify(number, b"hall-key", TODAY)
    with pytest.raises(InvalidIdNumber, match=why):
        idnumber.age_on(number, TODAY)


def test_without_a_date_normalize_judges_against_the_local_today() -> None:
    with pytest.raises(InvalidIdNumber, match="in the future"):
        idnumber.normalize(_number(date(date.today().year + 1, 1, 1)))
    with pytest.raises(InvalidIdNumber, match="more than 150 years ago"):
        idnumber.normalize(_number(date(1800, 1, 1)))
    born_today = _number(date.today())
    assert idnumber.normalize(born_today) == born_today


@pytest.mark.parametrize("born, age", [
    (TODAY, 0),                   # born today
    (date(1926, 12, 4), 100),     # 100 years ago today
    (date(1926, 12, 5), 99),
    (date(1876, 12, 4), 150),     # exactly 150 years ago: the oldest accepted
])
def test_born_today_or_100_or_150_years_ago_is_still_valid(born: date, age: int) -> None:
    number = _number(born)
    assert idnumber.normalize(number, TODAY) == number
    id_hash, masked, years = idnumber.identify(number, b"hall-key", TODAY)
    assert (id_hash, masked, years) == (idnumber.keyed_hash(number, b"hall-key"),
                                        idnumber.mask(number), age)


def test_the_150_year_bound_on_29_february() -> None:
    today = date(2028, 2, 29)                        # 1878 has no 29 February
    with pytest.raises(InvalidIdNumber, match="more than 150 years ago"):
        idnumber.normalize(_number(date(1878, 2, 28)), today)
    oldest = _number(date(1878, 3, 1))
    assert idnumber.normalize(oldest, today) == oldest
    assert idnumber.age_on(oldest, today) == 149
