"""ISO 7816-4 command APDUs the reader sends, and the checks on what comes back.

Short APDUs only (Lc and Le on one byte), which is what social security cards and
contactless badges use.
"""

from __future__ import annotations

from devices.smartcard.errors import BadApdu

#: PC/SC part 3 pseudo-APDU: a contactless reader answers it with the card's UID.
GET_UID = bytes.fromhex("FFCA000000")
#: Largest READ BINARY chunk asked for at once (fits every reader's buffer).
READ_CHUNK = 0xE0
#: Largest offset READ BINARY can address with P1-P2 (b8 of P1 must stay 0).
MAX_OFFSET = 0x7FFF

SW_OK = (0x90, 0x00)
SW_MEANINGS = {
    0x6282: "end of file reached before Le bytes",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6982: "security status not satisfied",
    0x6985: "conditions of use not satisfied",
    0x6986: "no current EF",
    0x6A81: "function not supported",
    0x6A82: "file not found",
    0x6A86: "incorrect P1-P2",
    0x6B00: "offset outside the file",
    0x6D00: "instruction not supported",
    0x6E00: "class not supported",
}


def check_apdu(apdu: bytes) -> bytes:
    """Return ``apdu`` as bytes when it is a well-formed short command; else :class:`BadApdu`."""
    data = bytes(apdu)
    if len(data) < 4:
        raise BadApdu(f"an APDU has at least 4 bytes (CLA INS P1 P2), got {len(data)}")
    if len(data) > 261:
        raise BadApdu(f"a short APDU has at most 261 bytes, got {len(data)}")
    if len(data) > 5:
        lc = data[4]
        if lc == 0 or len(data) not in (5 + lc, 6 + lc):
            raise BadApdu(f"Lc={lc} does not match the {len(data) - 5} bytes after it")
    return data


def select_ef(file_id: bytes, *, want_fcp: bool = True) -> bytes:
    """SELECT by file identifier (``00 A4 00 00 02 <fid>``); P2=00 asks for the FCP template."""
    fid = bytes(file_id)
    if len(fid) != 2:
        raise BadApdu(f"a file id has 2 bytes, got {fid.hex().upper() or 'nothing'}")
    if want_fcp:
        return bytes([0x00, 0xA4, 0x00, 0x00, 0x02]) + fid + b"\x00"
    return bytes([0x00, 0xA4, 0x00, 0x0C, 0x02]) + fid


def read_binary(offset: int, length: int) -> bytes:
    """READ BINARY of ``length`` (1..256) bytes at ``offset`` of the current EF."""
    if not 0 <= offset <= MAX_OFFSET:
        raise BadApdu(f"offset {offset} outside 0..{MAX_OFFSET}")
    if not 1 <= length <= 256:
        raise BadApdu(f"READ BINARY length {length} outside 1..256")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF])


def get_response(length: int) -> bytes:
    """GET RESPONSE for the ``length`` bytes a 61xx status announced (0 means 256)."""
    return bytes([0x00, 0xC0, 0x00, 0x00, length & 0xFF])


def with_le(apdu: bytes, le: int) -> bytes:
    """The same command with its Le replaced by ``le`` (the answer to a 6Cxx status)."""
    data = check_apdu(apdu)
    if len(data) == 4:
        return data + bytes([le])
    if len(data) == 5:
        return data[:4] + bytes([le])
    lc = data[4]
    return data[: 5 + lc] + bytes([le])


def describe_sw(sw1: int, sw2: int) -> str:
    """A status word in hex with its ISO 7816-4 meaning when known."""
    sw = (sw1 << 8) | sw2
    meaning = SW_MEANINGS.get(sw)
    if meaning is None and sw1 == 0x6C:
        meaning = f"wrong Le, {sw2} bytes available"
    if meaning is None and sw1 == 0x61:
        meaning = f"{sw2 or 256} response bytes waiting"
    return f"{sw:04X} {meaning}" if meaning else f"{sw:04X}"


def fcp_file_size(fcp: bytes) -> int | None:
    """The EF size from an FCP template (``62 L ... 80 02 <size>``), or None when absent.

    Malformed templates give None: the caller then reads until the card says end of file.
    """
    data = bytes(fcp)
    if len(data) < 2 or data[0] != 0x62 or data[1] > len(data) - 2:
        return None
    body, pos = data[2 : 2 + data[1]], 0
    while pos + 2 <= len(body):
        tag, length = body[pos], body[pos + 1]
        value = body[pos + 2 : pos + 2 + length]
        if len(value) != length:
            return None
        if tag in (0x80, 0x81) and 1 <= length <= 4:
            return int.from_bytes(value, "big")
        pos += 2 + length
    return None
