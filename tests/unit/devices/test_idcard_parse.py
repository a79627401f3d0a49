"""The 256-byte text block of each card type, nation/sex codes, masking and the photo hook."""

import dataclasses
import io
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.idcard import photo
from devices.idcard.parse import (
    LAYOUTS,
    NATION_NAMES,
    CardType,
    IdCardInfo,
    ParseError,
    encode_text_block,
    nation_name,
    parse_text_block,
    sex_name,
)
from devices.idcard.protocol import IdCardError, UnknownCardError
from devices.idcard.samples import FOREIGN, FOREIGN_2023, HMT, RESIDENT, SAMPLE_CARDS
from hall.idnumber import normalize
from tests.helpers.device_fuzz import assert_own_error


def field(text: str, size: int) -> bytes:
    """A UCS-2LE field padded with spaces, as cards store it."""
    raw = text.encode("utf-16-le")
    assert len(raw) <= size
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


# Blocks built by hand from the published layouts, field by field, independent of the encoder.
RESIDENT_BLOCK = b"".join([
    field("张三", 30), field("1", 2), field("01", 4), field("19900307", 16),
    field("广东省深圳市福田区样例路1号测试小区2栋101房", 70), field("44030419900307123X", 36),
    field("深圳市公安局福田分局", 30), field("20150601", 16), field("20350601", 16),
    field("", 36),
])
HMT_BLOCK = b"".join([
    field("陈大文", 30), field("1", 2), field("", 4), field("19851120", 16),
    field("广东省深圳市南山区样例大道88号", 70), field("810000198511200010", 36),
    field("深圳市公安局", 30), field("20190901", 16), field("20240901", 16),
    field("H12345678", 18), field("01", 4), field("", 6), field("J", 2), field("", 6),
])
FOREIGN_BLOCK = b"".join([
    field("SAMPLE, TESTER ONE", 120), field("2", 2), field("USA440088061501", 30),
    field("USA", 6), field("样例", 30), field("20200101", 16), field("20300101", 16),
    field("19880615", 16), field("02", 4), field("4400", 8), field("I", 2), field("", 6),
])
FOREIGN_2023_BLOCK = b"".join([
    field("样例二", 30), field("1", 2), field("00", 4), field("19850612", 16),
    field("SAMPLEFAMILYNAME, TESTER GIVEN NAME", 70), field("944840198506120013", 36),
    field("", 30), field("20231201", 16), field("20331201", 16), field("S LONGFORM", 22),
    field("USA", 6), field("Y", 2), field("", 6),
])


def test_hand_built_blocks_are_256_bytes():
    for block in (RESIDENT_BLOCK, HMT_BLOCK, FOREIGN_BLOCK, FOREIGN_2023_BLOCK):
        assert len(block) == 256


def test_resident_card_fields():
    info = parse_text_block(RESIDENT_BLOCK, b"W" * 1024)
    assert info.card_type is CardType.RESIDENT
    assert info.name == "张三"
    assert info.sex == "男"
    assert info.nation == "汉"
    assert info.birth_date == date(1990, 3, 7)
    assert info.address == "广东省深圳市福田区样例路1号测试小区2栋101房"
    assert info.id_number == "44030419900307123X"
    assert normalize(info.id_number) == info.id_number  # valid GB 11643 check character
    assert info.authority == "深圳市公安局福田分局"
    assert info.valid_from == date(2015, 6, 1)
    assert info.valid_until == date(2035, 6, 1)
    assert info.photo_wlt == b"W" * 1024
    assert info.fingerprint is None
    assert (info.pass_number, info.issue_count, info.nationality) == ("", None, "")


def test_resident_card_valid_long_term_has_no_end_date():
    block = RESIDENT_BLOCK[:204] + field("长期", 16) + RESIDENT_BLOCK[220:]
    assert parse_text_block(block).valid_until is None


def test_resident_card_with_nul_type_character():
    block = RESIDENT_BLOCK[:248] + b"\x00\x00" + RESIDENT_BLOCK[250:]
    assert parse_text_block(block).card_type is CardType.RESIDENT


def test_hmt_residence_permit_fields():
    info = parse_text_block(HMT_BLOCK)
    assert info.card_type is CardType.HMT
    assert (info.name, info.sex, info.nation) == ("陈大文", "男", "")
    assert info.id_number == "810000198511200010"
    assert info.pass_number == "H12345678"
    assert info.issue_count == 1
    assert info.valid_until == date(2024, 9, 1)
    assert info.address == "广东省深圳市南山区样例大道88号"


def test_foreign_permanent_resident_card_fields():
    info = parse_text_block(FOREIGN_BLOCK)
    assert info.card_type is CardType.FOREIGN
    assert info.name_en == "SAMPLE, TESTER ONE"
    assert info.name == "样例"
    assert info.sex == "女"
    assert info.id_number == "USA440088061501"
    assert info.nationality == "USA"
    assert info.birth_date == date(1988, 6, 15)
    assert (info.valid_from, info.valid_until) == (date(2020, 1, 1), date(2030, 1, 1))
    assert info.card_version == "02"
    assert info.authority == "4400"


def test_foreign_2023_card_fields_join_the_split_english_name():
    info = parse_text_block(FOREIGN_2023_BLOCK)
    assert info.card_type is CardType.FOREIGN_2023
    assert info.name == "样例二"
    assert info.name_en == "SAMPLEFAMILYNAME, TESTER GIVEN NAMES LONGFORM"
    assert info.id_number == "944840198506120013"
    assert normalize(info.id_number) == info.id_number
    assert info.nationality == "USA"
    assert info.issue_count == 0
    assert info.birth_date == date(1985, 6, 12)
    assert info.valid_until == date(2033, 12, 1)


@pytest.mark.parametrize(("card", "block"), [
    (RESIDENT, RESIDENT_BLOCK), (HMT, HMT_BLOCK), (FOREIGN, FOREIGN_BLOCK),
    (FOREIGN_2023, FOREIGN_2023_BLOCK),
])
def test_encoder_writes_exactly_what_a_card_holds(card, block):
    assert encode_text_block(card) == block


@pytest.mark.parametrize("name", sorted(SAMPLE_CARDS))
def test_every_sample_round_trips(name):
    card = SAMPLE_CARDS[name]
    back = parse_text_block(encode_text_block(card), card.photo_wlt, card.fingerprint)
    assert back == card


def test_2023_english_name_split_on_a_space_keeps_the_space():
    name = "A" * 34 + " " + "B" * 11  # char 35 is the space at the seam
    card = dataclasses.replace(FOREIGN_2023, name_en=name)
    assert parse_text_block(encode_text_block(card)).name_en == name


@pytest.mark.parametrize("card", [RESIDENT, HMT, FOREIGN_2023])
def test_sample_numbers_pass_gb11643_validation(card):
    assert normalize(card.id_number) == card.id_number


def test_long_term_round_trips():
    card = dataclasses.replace(RESIDENT, valid_until=None)
    assert parse_text_block(encode_text_block(card)).valid_until is None


def test_value_too_long_for_its_field_is_refused():
    with pytest.raises(ValueError):
        encode_text_block(dataclasses.replace(RESIDENT, name="长" * 16))


# --- codes --------------------------------------------------------------------------------


def test_nation_codes_are_the_full_gb3304_list():
    assert len(NATION_NAMES) == 58
    assert [nation_name(f"{n:02d}") for n in (1, 2, 3, 4, 5, 8, 11, 44, 56)] == [
        "汉", "蒙古", "回", "藏", "维吾尔", "壮", "满", "俄罗斯", "基诺"]
    assert nation_name("97") == "其他"
    assert nation_name("98") == "外国血统中国籍人士"
    assert len(set(NATION_NAMES.values())) == 58


def test_unknown_nation_code_is_kept_as_is():
    assert nation_name("00") == "00"
    assert nation_name("1") == "汉"


@pytest.mark.parametrize(("code", "name"), [("0", "未知"), ("1", "男"), ("2", "女"),
                                            ("9", "未说明"), ("5", "5")])
def test_sex_codes(code, name):
    assert sex_name(code) == name


def test_every_nation_survives_a_round_trip():
    for name in NATION_NAMES.values():
        card = dataclasses.replace(RESIDENT, nation=name)
        assert parse_text_block(encode_text_block(card)).nation == name


# --- personal data ----------------------------------------------------------------------


def test_repr_never_shows_full_id_name_or_address():
    info = parse_text_block(RESIDENT_BLOCK)
    for text in (repr(info), str(info), repr([info])):
        assert "44030419900307123X" not in text
        assert "张三" not in text
        assert "样例路" not in text
        assert "4403**********123X" in text
        assert "张*" in text


def test_repr_of_foreign_card_masks_english_name():
    info = dataclasses.replace(FOREIGN, name="")
    assert "SAMPLE" not in repr(info)
    assert "USA440088061501" not in repr(info)
    assert info.masked_id == "USA4*******1501"


def test_masked_id():
    assert parse_text_block(RESIDENT_BLOCK).masked_id == "4403**********123X"
    assert dataclasses.replace(RESIDENT, id_number="1234").masked_id == "****"


def test_to_dict_masks_unless_personal_data_is_asked_for():
    masked = RESIDENT.to_dict()
    assert masked["id_number"] == "4403**********123X"
    assert masked["name"] == "张*"
    assert "样例路" not in masked["address"]
    assert masked["birth_date"] == "1990-03-07"
    assert masked["card_type"] == "resident"
    assert masked["masked"] is True
    full = RESIDENT.to_dict(include_personal=True)
    assert full["id_number"] == "44030419900307123X"
    assert full["name"] == "张三"
    assert full["masked"] is False


# --- bad blocks -------------------------------------------------------------------------


def test_unknown_card_type_is_a_typed_error():
    block = RESIDENT_BLOCK[:248] + field("Z", 2) + RESIDENT_BLOCK[250:]
    with pytest.raises(UnknownCardError) as err:
        parse_text_block(block)
    assert err.value.code == "idcard.unknown_card"


@pytest.mark.parametrize(("offset", "value"), [
    (36, "19901340"),  # month 13
    (36, "1990030X"),
    (188, "        "),
    (204, "forever "),
    (36, "１９９００３０７"),  # full-width digits: isdigit() and int() took them as 1990-03-07
    (188, "٢٠١٥٠٦٠١"),  # Arabic-Indic digits, taken as 2015-06-01 the same way
    (36, "¹⁹⁹⁰⁰³⁰⁷"),  # superscripts: isdigit() but not int()
])
def test_bad_dates_are_parse_errors(offset, value):
    block = RESIDENT_BLOCK[:offset] + field(value, 16) + RESIDENT_BLOCK[offset + 16:]
    with pytest.raises(ParseError) as err:
        parse_text_block(block)
    assert err.value.code == "idcard.parse"


def test_block_of_wrong_size_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_text_block(RESIDENT_BLOCK[:200])


def test_lone_surrogate_is_a_parse_error():
    block = b"\x00\xd8" + RESIDENT_BLOCK[2:]
    with pytest.raises(ParseError):
        parse_text_block(block)


@pytest.mark.parametrize(("block", "offset"), [(HMT_BLOCK, 238), (FOREIGN_2023_BLOCK, 32)])
@pytest.mark.parametrize("count", ["¹", "0¹"])
def test_superscript_digit_in_issue_count_is_a_parse_error(block, offset, count):
    # issue 20: '¹'.isdigit() is True but int('¹') fails, which let a bare ValueError out
    block = block[:offset] + field(count, 4) + block[offset + 4:]
    with pytest.raises(ParseError) as err:
        parse_text_block(block)
    assert err.value.code == "idcard.parse"


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256), st.sampled_from([" ", "I", "Y", "J", "?"]))
def test_fuzz_text_block_only_typed_errors(block, type_char):
    block = block[:248] + type_char.encode("utf-16-le") + block[250:]
    try:
        info = parse_text_block(block)
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, IdCardError, ("idcard",))
        assert exc.code in {"idcard.parse", "idcard.unknown_card"}
        return
    assert isinstance(info, IdCardInfo)
    repr(info)


#: Characters a glitching reader or a forged card may put where digits belong: ASCII digits,
#: look-alikes that str.isdigit() takes (superscripts, full-width, Arabic-Indic, circled),
#: letters, the long-term mark, padding.
ODD_CHARS = "0123456789¹²³⁰٠٣۳０９①Ⅻ〇X长期 \x00"
#: Digits of other scripts, by value: full-width, Arabic-Indic, superscript.
LOOKALIKE_DIGITS = ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "⁰¹²³⁴⁵⁶⁷⁸⁹"]
DIGIT_FIELDS = ("birth", "valid_from", "valid_until")


@st.composite
def field_bytes(draw, value, size):
    """A field's new bytes: ``value`` with some digits swapped for look-alikes of the same
    value, a short text of odd characters (space padded), or any UCS-2 units."""
    how = draw(st.sampled_from(["lookalike", "odd", "raw"]))
    if how == "lookalike":
        twins = draw(st.sampled_from(LOOKALIKE_DIGITS))
        swaps = draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
        return field("".join(twins[int(c)] if swap and c in "0123456789" else c
                             for c, swap in zip(value, swaps, strict=True)), size)
    if how == "odd":
        return field(draw(st.text(ODD_CHARS, max_size=size // 2)), size)
    units = draw(st.lists(st.integers(0, 0xFFFF), min_size=size // 2, max_size=size // 2))
    return b"".join(u.to_bytes(2, "little") for u in units)


@st.composite
def mangled_blocks(draw):
    """A sample card's block with one to four of its fields overwritten."""
    card = draw(st.sampled_from(list(SAMPLE_CARDS.values())))
    original = encode_text_block(card)
    block = bytearray(original)
    fields = draw(st.lists(st.sampled_from(LAYOUTS[card.card_type]), min_size=1, max_size=4))
    for _, offset, size in fields:
        value = original[offset:offset + size].decode("utf-16-le").rstrip(" ")
        block[offset:offset + size] = draw(field_bytes(value, size))
    return card.card_type, bytes(block)


@settings(max_examples=400, deadline=None)
@given(mangled_blocks())
def test_fuzz_mangled_fields_only_typed_errors_and_dates_of_ascii_digits(mangled):
    card_type, block = mangled
    try:
        info = parse_text_block(block)
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, IdCardError, ("idcard",))
        assert exc.code in {"idcard.parse", "idcard.unknown_card"}
        return
    assert info.card_type is card_type
    for name, offset, size in LAYOUTS[card_type]:
        text = block[offset:offset + size].decode("utf-16-le").strip(" \x00")
        if name in DIGIT_FIELDS and not (name == "valid_until" and text.startswith("长期")):
            assert text.isascii() and text.isdigit(), (name, text)
    assert info.issue_count is None or 0 <= info.issue_count <= 99
    assert info.to_dict()["masked"] is True


# --- photo --------------------------------------------------------------------------------


@pytest.fixture
def no_decoder():
    photo.set_photo_decoder(None)
    yield
    photo.set_photo_decoder(None)


def test_without_decoder_the_photo_stays_wlt_with_a_reason(no_decoder):
    result = photo.decode_photo(RESIDENT.photo_wlt)
    assert result.image is None
    assert "WLT" in result.reason and "licensed" in result.reason


class GreyPngDecoder:
    """Stands in for a licensed WLT library: a 102x126 grey PNG (the card photo size)."""

    def decode(self, wlt: bytes) -> bytes | None:
        if len(wlt) != 1024:
            return None
        out = io.BytesIO()
        Image.new("L", (102, 126), color=wlt[0]).save(out, format="PNG")
        return out.getvalue()


def test_installed_decoder_gives_png(no_decoder):
    photo.set_photo_decoder(GreyPngDecoder())
    result = photo.decode_photo(b"\x80" * 1024)
    assert result.image is not None and result.image.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(result.image)) as image:
        assert image.size == (102, 126)
        assert image.getpixel((0, 0)) == 0x80
    assert photo.decode_photo(b"short").image is None
    assert "could not decode" in photo.decode_photo(b"short").reason


class BrokenDecoder:
    def decode(self, wlt: bytes) -> bytes | None:
        raise RuntimeError("vendor library crashed")


@pytest.mark.allow_log("photo decoder .* failed")
def test_a_failing_decoder_does_not_raise(no_decoder, caplog):
    photo.set_photo_decoder(BrokenDecoder())
    result = photo.decode_photo(b"x" * 1024)
    assert result.image is None
    assert "BrokenDecoder failed" in result.reason
    assert "BrokenDecoder" in caplog.text  # logged for the technician, not raised


#: Every field of a sample card that holds a number: (card, field, offset, size).
NUMBER_FIELDS = [(card, name, offset, size) for card in SAMPLE_CARDS.values()
                 for name, offset, size in LAYOUTS[card.card_type]
                 if name in (*DIGIT_FIELDS, "issue_count")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NUMBER_FIELDS), st.sampled_from(LOOKALIKE_DIGITS), st.data())
def test_lookalike_digits_in_a_number_field_are_refused_never_raised(number, twins, data):
    card, name, offset, size = number
    block = encode_text_block(card)
    value = block[offset:offset + size].decode("utf-16-le").rstrip(" ")
    digits = [i for i, c in enumerate(value) if c in "0123456789"]
    swapped = set(data.draw(st.lists(st.sampled_from(digits), min_size=1, unique=True)))
    value = "".join(twins[int(c)] if i in swapped else c for i, c in enumerate(value))
    try:
        parse_text_block(block[:offset] + field(value, size) + block[offset + size:])
    except Exception as exc:  # noqa: BLE001 - the property is about what comes out
        assert_own_error(exc, IdCardError, ("idcard",))
        assert exc.code == "idcard.parse"
    else:  # a date never parses from look-alikes; a count only from other scripts' decimals
        assert name == "issue_count" and twins != LOOKALIKE_DIGITS[2], (name, value)
