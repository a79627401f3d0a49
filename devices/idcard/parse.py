"""The 256-byte text block of every card a GA 467 reader reads, both ways.

The block is UCS-2 little-endian, each field padded with spaces. The character at byte
offset 248 tells the card type apart:

- ``' '`` (or blank): resident ID card (居民身份证)
- ``'J'``: Hong Kong / Macau / Taiwan residence permit (港澳台居民居住证) — the resident
  layout plus pass number and issue count after the validity dates
- ``'I'``: foreign permanent resident ID card (外国人永久居留身份证), 2017 version
- ``'Y'``: foreign permanent resident ID card, 2023 version

Field offsets are in :data:`LAYOUTS`. The 2023 ('Y') layout follows the vendors' SDK
structure ``tagIDCardInfor2023`` (Chinese name 0, sex 30, renewal count 32, birth 36,
English name 52 (chars 1-35) and 220 (chars 36-46), permit number 122 (18 chars),
validity 188/204, nationality 242, previous-permit link 250); the GA 467-2023 text itself
was not available to check against.

Error codes raised here: ``idcard.parse`` (a field does not decode), ``idcard.unknown_card``
(the type character is not one of the above).
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from devices.codes import DeviceErrorCode
from devices.idcard.protocol import TEXT_SIZE, IdCardError, UnknownCardError

TYPE_OFFSET = 248
LONG_TERM = "长期"


class ParseError(IdCardError):
    """The card's text block does not decode."""

    code = DeviceErrorCode.IDCARD_PARSE
    message_zh = "证件信息无法解析"
    message_en = "The card's data could not be decoded"


class CardType(enum.Enum):
    """The kind of card, by the type character at offset 248."""

    RESIDENT = " "
    HMT = "J"
    FOREIGN = "I"
    FOREIGN_2023 = "Y"

    @property
    def label(self) -> str:
        """Short English name used in JSON and URLs."""
        return _TYPE_LABELS[self]

    @property
    def title_zh(self) -> str:
        """The card's Chinese name."""
        return _TYPE_TITLES[self]


_TYPE_LABELS = {CardType.RESIDENT: "resident", CardType.HMT: "hmt",
                CardType.FOREIGN: "foreign", CardType.FOREIGN_2023: "foreign2023"}
_TYPE_TITLES = {CardType.RESIDENT: "居民身份证", CardType.HMT: "港澳台居民居住证",
                CardType.FOREIGN: "外国人永久居留身份证",
                CardType.FOREIGN_2023: "外国人永久居留身份证(2023版)"}

#: (field, byte offset, byte size) of each card type's text block.
LAYOUTS: dict[CardType, tuple[tuple[str, int, int], ...]] = {
    CardType.RESIDENT: (
        ("name", 0, 30), ("sex", 30, 2), ("nation", 32, 4), ("birth", 36, 16),
        ("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
        ("valid_from", 188, 16), ("valid_until", 204, 16),
    ),
    CardType.HMT: (
        ("name", 0, 30), ("sex", 30, 2), ("birth", 36, 16),
        ("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
        ("valid_from", 188, 16), ("valid_until", 204, 16),
        ("pass_number", 220, 18), ("issue_count", 238, 4),
    ),
    CardType.FOREIGN: (
        ("name_en", 0, 120), ("sex", 120, 2), ("id_number", 122, 30),
        ("nationality", 152, 6), ("name", 158, 30), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("birth", 220, 16), ("card_version", 236, 4),
        ("authority", 240, 8),
    ),
    CardType.FOREIGN_2023: (
        ("name", 0, 30), ("sex", 30, 2), ("issue_count", 32, 4), ("birth", 36, 16),
        ("name_en", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
        ("valid_until", 204, 16), ("name_en_more", 220, 22), ("nationality", 242, 6),
        ("previous_permit_ref", 250, 6),
    ),
}

#: GB/T 2261.1 sex codes.
SEX_NAMES: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

#: GB 3304 nation (民族) codes, with 97 and 98 as the card uses them.
NATION_NAMES: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳",
    "21": "佤", "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西",
    "28": "景颇", "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌",
    "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌",
    "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
    "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙",
    "52": "鄂伦春", "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统中国籍人士",
}
_SEX_CODES = {name: code for code, name in SEX_NAMES.items()}
_NATION_CODES = {name: code for code, name in NATION_NAMES.items()}


def sex_name(code: str) -> str:
    """The Chinese name of a sex code; an unknown code is returned unchanged."""
    return SEX_NAMES.get(code, code)


def nation_name(code: str) -> str:
    """The Chinese name of a nation code (``"01"`` → ``"汉"``); unknown codes unchanged."""
    return NATION_NAMES.get(code.zfill(2) if code.isdigit() else code, code)


def mask_id(number: str) -> str:
    """First 4 and last 4 characters shown, the rest starred (4403**********1234)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """Only the first character of a name shown (张*)."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


@dataclass(frozen=True, repr=False, kw_only=True)
class IdCardInfo:
    """What a card holds. Personal data: ``repr`` shows only masked values.

    For foreign permanent resident cards ``id_number`` is the permit number and ``name``
    the Chinese name (may be empty); ``nationality`` is the ISO 3166 alpha-3 code.
    ``valid_until`` is None for cards valid long-term (长期).
    """

    card_type: CardType
    name: str
    name_en: str = ""
    sex: str
    nation: str = ""
    birth_date: date
    address: str = ""
    id_number: str
    authority: str = ""
    valid_from: date
    valid_until: date | None
    pass_number: str = ""
    issue_count: int | None = None
    nationality: str = ""
    card_version: str = ""
    previous_permit_ref: str = ""
    photo_wlt: bytes = b""
    fingerprint: bytes | None = None

    @property
    def masked_id(self) -> str:
        """The ID (or permit) number as screens and tickets show it."""
        return mask_id(self.id_number)

    @property
    def masked_name(self) -> str:
        """The name with all but its first character starred."""
        return mask_name(self.name or self.name_en)

    def __repr__(self) -> str:
        return (f"IdCardInfo(card_type={self.card_type.label}, name={self.masked_name!r}, "
                f"id={self.masked_id!r}, sex={self.sex!r}, valid_until={self.valid_until}, "
                f"photo={len(self.photo_wlt)}B, "
                f"fingerprint={len(self.fingerprint) if self.fingerprint else 0}B)")

    __str__ = __repr__

    def to_dict(self, *, include_personal: bool = False) -> dict[str, Any]:
        """JSON-ready fields; ID, pass number, names and address masked unless asked."""
        def keep(value: str, masker: Any) -> str:
            return value if include_personal else masker(value)

        return {
            "card_type": self.card_type.label,
            "card_type_zh": self.card_type.title_zh,
            "name": keep(self.name, mask_name),
            "name_en": keep(self.name_en, mask_name),
            "sex": self.sex,
            "nation": self.nation,
            "birth_date": self.birth_date.isoformat(),
            "address": keep(self.address, mask_name),
            "id_number": keep(self.id_number, mask_id),
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "pass_number": keep(self.pass_number, mask_id),
            "issue_count": self.issue_count,
            "nationality": self.nationality,
            "card_version": self.card_version,
            "photo_wlt": base64.b64encode(self.photo_wlt).decode("ascii"),
            "fingerprint": (base64.b64encode(self.fingerprint).decode("ascii")
                            if self.fingerprint else None),
            "masked": not include_personal,
        }


# --- decoding -----------------------------------------------------------------------------


def card_type_of(text: bytes) -> CardType:
    """The card type named by the character at offset 248."""
    if len(text) != TEXT_SIZE:
        raise ParseError(f"text block of {len(text)} bytes, expected {TEXT_SIZE}")
    char = text[TYPE_OFFSET:TYPE_OFFSET + 2]
    if char in (b" \x00", b"\x00\x00"):
        return CardType.RESIDENT
    try:
        return CardType(char.decode("utf-16-le"))
    except (UnicodeDecodeError, ValueError):
        raise UnknownCardError(0x40, f"card type character {char.hex()} at offset 248") from None


def _fields(text: bytes, card_type: CardType) -> dict[str, str]:
    """Each field's text, padding included."""
    values = {}
    for name, offset, size in LAYOUTS[card_type]:
        try:
            value = text[offset:offset + size].decode("utf-16-le")
        except UnicodeDecodeError:
            raise ParseError(f"field {name} is not UCS-2") from None
        values[name] = value
    return values


def _clean(value: str) -> str:
    return value.strip(" \x00")


def _date(value: str, what: str) -> date:
    # ASCII digits only: isdigit() and int() also take full-width and Arabic-Indic digits
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        raise ParseError(f"{what} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ParseError(f"{what} is not a valid date") from None


def _count(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise ParseError(f"{what} is not a number")
    return int(value)


def parse_text_block(text: bytes, photo_wlt: bytes = b"",
                     fingerprint: bytes | None = None) -> IdCardInfo:
    """Decode a card's 256-byte text block (plus its raw photo and fingerprint)."""
    card_type = card_type_of(text)
    raw = _fields(text, card_type)
    f = {name: _clean(value) for name, value in raw.items()}
    until = f["valid_until"]
    return IdCardInfo(
        card_type=card_type,
        name=f["name"],
        # the 2023 card splits a long English name over two fields; a space may sit at the seam
        name_en=_clean(raw.get("name_en", "") + raw.get("name_en_more", "")),
        sex=sex_name(f["sex"]),
        nation=nation_name(f["nation"]) if f.get("nation") else "",
        birth_date=_date(f["birth"], "birth date"),
        address=f.get("address", ""),
        id_number=f["id_number"],
        authority=f.get("authority", ""),
        valid_from=_date(f["valid_from"], "valid-from date"),
        valid_until=None if until.startswith(LONG_TERM) else _date(until, "valid-until date"),
        pass_number=f.get("pass_number", ""),
        issue_count=_count(f.get("issue_count", ""), "issue count"),
        nationality=f.get("nationality", ""),
        card_version=f.get("card_version", ""),
        previous_permit_ref=f.get("previous_permit_ref", ""),
        photo_wlt=photo_wlt,
        fingerprint=fingerprint,
    )


# --- encoding (what a card holds, for the simulator) --------------------------------------


def _code_of(name: str, codes: dict[str, str]) -> str:
    return codes.get(name, name)


def _field_values(info: IdCardInfo) -> dict[str, str]:
    en_first, en_more = info.name_en, ""
    if info.card_type is CardType.FOREIGN_2023:
        en_first, en_more = info.name_en[:35], info.name_en[35:]
    return {
        "name": info.name,
        "name_en": en_first,
        "name_en_more": en_more,
        "sex": _code_of(info.sex, _SEX_CODES),
        "nation": _code_of(info.nation, _NATION_CODES) if info.nation else "",
        "birth": info.birth_date.strftime("%Y%m%d"),
        "address": info.address,
        "id_number": info.id_number,
        "authority": info.authority,
        "valid_from": info.valid_from.strftime("%Y%m%d"),
        "valid_until": info.valid_until.strftime("%Y%m%d") if info.valid_until else LONG_TERM,
        "pass_number": info.pass_number,
        "issue_count": "" if info.issue_count is None else f"{info.issue_count:02d}",
        "nationality": info.nationality,
        "card_version": info.card_version,
        "previous_permit_ref": info.previous_permit_ref,
    }


def encode_text_block(info: IdCardInfo) -> bytes:
    """The 256-byte block a card of ``info.card_type`` holds: UCS-2LE, space padded.

    Raises ValueError when a value does not fit its field.
    """
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    values = _field_values(info)
    for name, offset, size in LAYOUTS[info.card_type]:
        raw = values[name].encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name} needs {len(raw)} bytes, the field holds {size}")
        block[offset:offset + len(raw)] = raw
    block[TYPE_OFFSET:TYPE_OFFSET + 2] = info.card_type.value.encode("utf-16-le")
    return bytes(block)
