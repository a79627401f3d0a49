"""A number field of the ID text block with a digit that is not 0-9 is the driver's own parse
error (``idcard.parse``), never a bare ValueError nor a number read from it."""

import dataclasses

import pytest

from devices.base import DeviceError
from devices.idcard.parse import LAYOUTS, CardType, ParseError, encode_text_block, parse_text_block
from devices.idcard.samples import HMT, RESIDENT


def with_field(block: bytes, card_type: CardType, name: str, text: str) -> bytes:
    """``block`` with field ``name`` holding ``text`` (UCS-2LE, space padded)."""
    offset, size = next((o, s) for n, o, s in LAYOUTS[card_type] if n == name)
    raw = text.encode("utf-16-le")
    raw += " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return block[:offset] + raw + block[offset + size:]


@pytest.mark.parametrize("count", ["¹", "0²", "٣", "１２"])
def test_an_issue_count_that_is_not_ascii_digits_is_a_parse_error(count: str) -> None:
    # superscripts pass str.isdigit and fail int(); Arabic-Indic and full-width digits pass
    # both and would be read as a number the card does not hold
    block = with_field(encode_text_block(dataclasses.replace(HMT, issue_count=1)),
                       CardType.HMT, "issue_count", count)
    with pytest.raises(ParseError) as refused:
        parse_text_block(block)
    assert isinstance(refused.value, DeviceError)
    assert refused.value.code == "idcard.parse"
    assert "issue count" in str(refused.value)


@pytest.mark.parametrize("birth", ["1990030¹", "١٩٩٠٠٣٠٧"])
def test_a_date_that_is_not_ascii_digits_is_a_parse_error(birth: str) -> None:
    block = with_field(encode_text_block(RESIDENT), CardType.RESIDENT, "birth", birth)
    with pytest.raises(ParseError, match="birth date"):
        parse_text_block(block)


def test_ascii_digits_still_read() -> None:
    block = encode_text_block(dataclasses.replace(HMT, issue_count=3))
    assert parse_text_block(block).issue_count == 3
