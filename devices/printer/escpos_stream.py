"""A parser of the ESC/POS byte stream a receipt printer receives (used by the simulator).

:func:`parse_command` cuts one command off the front of a buffer. It knows the commands a
hall ticket uses (and their parameters), the length of many others so it can skip them, and
raises :class:`~devices.printer.errors.EscposStreamError` for a malformed command, with
``skip`` saying how many bytes the caller should drop to resynchronise.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.printer.errors import EscposStreamError

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10
LF, CR, HT, FF = 0x0A, 0x0D, 0x09, 0x0C
EOT = 0x04

#: Largest raster image or graphics payload the simulator waits for (bytes).
MAX_BLOCK = 1 << 20

# Commands with a fixed number of parameter bytes after "ESC x" / "FS x" / "GS x".
_ESC_FIXED = {
    b"@": 0, b"2": 0, b"i": 0, b"m": 0, b"L": 0, b"S": 0, b"<": 0,
    b"E": 1, b"a": 1, b"d": 1, b"J": 1, b"K": 1, b"!": 1, b"-": 1, b"3": 1, b"M": 1,
    b"t": 1, b"=": 1, b"G": 1, b"{": 1, b"V": 1, b"R": 1, b" ": 1, b"U": 1, b"r": 1,
    b"T": 1, b"e": 1, b"%": 1, b"$": 2, b"\\": 2, b"c": 2, b"B": 2, b"p": 3, b"W": 8,
}
_FS_FIXED = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"W": 1, b"C": 1, b"S": 2, b"p": 2}
_GS_FIXED = {
    b"!": 1, b"B": 1, b"b": 1, b"H": 1, b"h": 1, b"w": 1, b"f": 1, b"a": 1, b"r": 1,
    b"I": 1, b"/": 1, b"L": 2, b"W": 2, b"P": 2, b"$": 2, b"\\": 2, b"^": 3, b":": 0,
}
#: Names of the commands the printer model acts on (the rest are skipped).
_NAMES = {
    (ESC, b"@"): "init", (ESC, b"E"): "bold", (ESC, b"G"): "bold", (ESC, b"a"): "align",
    (ESC, b"d"): "feed_lines", (ESC, b"J"): "feed_dots", (ESC, b"!"): "print_mode",
    (FS, b"&"): "chinese_on", (FS, b"."): "chinese_off", (GS, b"!"): "size",
}
_CUT_MODES = {0, 1, 48, 49}
_CUT_FEED_MODES = {65, 66, 97, 98, 103, 104}


@dataclass(frozen=True)
class Command:
    """One parsed command: a name, its numeric arguments and any data bytes.

    Names: text, lf, cr, ht, init, bold, align, feed_lines, feed_dots, print_mode,
    chinese_on, chinese_off, size, cut, status, qr_model, qr_size, qr_ec, qr_store,
    qr_print, skip (known but without effect here), unknown.
    """

    name: str
    args: tuple[int, ...] = ()
    data: bytes = b""


Parsed = tuple[Command, int]


def bad(detail: str, skip: int) -> EscposStreamError:
    """A stream error telling the caller to drop ``skip`` bytes."""
    error = EscposStreamError(detail)
    error.skip = max(1, skip)
    return error


def parse_command(buf: bytes, pos: int = 0) -> Parsed | None:
    """Parse the command at ``buf[pos]``; return it and the next position, or None if incomplete.

    Raises EscposStreamError (with ``skip``) for a malformed command.
    """
    if pos >= len(buf):
        return None
    first = buf[pos]
    if first >= 0x20:
        end = pos
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        return Command("text", data=buf[pos:end]), end
    if first in (LF, CR, HT):
        return Command({LF: "lf", CR: "cr", HT: "ht"}[first]), pos + 1
    if first in (ESC, FS, GS, DLE):
        if pos + 1 >= len(buf):
            return None
        return _PREFIXED[first](buf, pos)
    return Command("unknown", data=buf[pos:pos + 1]), pos + 1


def _fixed(buf: bytes, pos: int, table: dict[bytes, int]) -> Parsed | None:
    prefix, key = buf[pos], buf[pos + 1:pos + 2]
    count = table[key]
    end = pos + 2 + count
    if end > len(buf):
        return None
    name = _NAMES.get((prefix, key), "skip")
    return Command(name, tuple(buf[pos + 2:end]), buf[pos:end]), end


def _parse_esc(buf: bytes, pos: int) -> Parsed | None:
    key = buf[pos + 1:pos + 2]
    if key in _ESC_FIXED:
        parsed = _fixed(buf, pos, _ESC_FIXED)
        if parsed is not None and key == b"a" and parsed[0].args[0] not in (0, 1, 2, 48, 49, 50):
            raise bad(f"ESC a {parsed[0].args[0]}: no such alignment", 3)
        return parsed
    if key == b"*":  # bit image: ESC * m nL nH d1..dk
        if pos + 5 > len(buf):
            return None
        mode, columns = buf[pos + 2], buf[pos + 3] | buf[pos + 4] << 8
        if mode not in (0, 1, 32, 33):
            raise bad(f"ESC * with bad mode {mode}", 5)
        return _block(buf, pos, 5, columns * (1 if mode < 32 else 3))
    if key == b"D":  # tab positions, NUL-terminated, at most 32
        end = buf.find(b"\x00", pos + 2, pos + 35)
        if end < 0:
            if len(buf) - pos < 35:
                return None
            raise bad("ESC D without NUL terminator", 2)
        return Command("skip", data=buf[pos:end + 1]), end + 1
    return Command("unknown", data=buf[pos:pos + 2]), pos + 2


def _parse_fs(buf: bytes, pos: int) -> Parsed | None:
    key = buf[pos + 1:pos + 2]
    if key in _FS_FIXED:
        return _fixed(buf, pos, _FS_FIXED)
    return Command("unknown", data=buf[pos:pos + 2]), pos + 2


def _parse_gs(buf: bytes, pos: int) -> Parsed | None:
    key = buf[pos + 1:pos + 2]
    if key in _GS_FIXED:
        parsed = _fixed(buf, pos, _GS_FIXED)
        if parsed is not None and key == b"!":
            width, height = (parsed[0].args[0] >> 4) + 1, (parsed[0].args[0] & 0x0F) + 1
            if width > 8 or height > 8:
                raise bad(f"GS ! {parsed[0].args[0]:#04x}: size above 8", 3)
        return parsed
    if key == b"V":
        return _parse_cut(buf, pos)
    if key == b"(":
        return _parse_gs_paren(buf, pos)
    if key == b"v":  # raster image: GS v 0 m xL xH yL yH d1..dk
        if pos + 8 > len(buf):
            return None
        if buf[pos + 2] != 0x30:
            raise bad("GS v without 0", 3)
        width, height = buf[pos + 4] | buf[pos + 5] << 8, buf[pos + 6] | buf[pos + 7] << 8
        return _block(buf, pos, 8, width * height)
    if key == b"k":
        return _parse_barcode(buf, pos)
    if key == b"8":  # GS 8 L p1 p2 p3 p4 ...: large graphics data
        if pos + 7 > len(buf):
            return None
        if buf[pos + 2] != ord("L"):
            raise bad("GS 8 without L", 3)
        return _block(buf, pos, 7, int.from_bytes(buf[pos + 3:pos + 7], "little"))
    return Command("unknown", data=buf[pos:pos + 2]), pos + 2


def _parse_dle(buf: bytes, pos: int) -> Parsed | None:
    key = buf[pos + 1]
    if key == EOT:
        if pos + 3 > len(buf):
            return None
        n = buf[pos + 2]
        if 1 <= n <= 4:
            return Command("status", (n,), buf[pos:pos + 3]), pos + 3
        if n in (7, 8):
            if pos + 4 > len(buf):
                return None
            return Command("unknown", data=buf[pos:pos + 4]), pos + 4
        raise bad(f"DLE EOT {n}: no such status", 3)
    length = {0x05: 3, 0x14: 5}.get(key, 2)  # DLE ENQ n, DLE DC4 fn m t
    if pos + length > len(buf):
        return None
    return Command("unknown", data=buf[pos:pos + length]), pos + length


def _parse_cut(buf: bytes, pos: int) -> Parsed | None:
    if pos + 3 > len(buf):
        return None
    mode = buf[pos + 2]
    if mode in _CUT_MODES:
        return Command("cut", (mode, 0), buf[pos:pos + 3]), pos + 3
    if mode in _CUT_FEED_MODES:
        if pos + 4 > len(buf):
            return None
        return Command("cut", (mode, buf[pos + 3]), buf[pos:pos + 4]), pos + 4
    raise bad(f"GS V {mode}: no such cut", 3)


def _parse_gs_paren(buf: bytes, pos: int) -> Parsed | None:
    if pos + 5 > len(buf):
        return None
    size = buf[pos + 3] | buf[pos + 4] << 8
    end = pos + 5 + size
    if end > len(buf):
        return None
    if buf[pos + 2] != ord("k"):
        return Command("skip", data=buf[pos:end]), end
    body = buf[pos + 5:end]
    if size < 2:
        raise bad(f"GS ( k with length {size}", 5 + size)
    return _parse_2d_code(body, buf[pos:end]), end


def _parse_2d_code(body: bytes, raw: bytes) -> Command:
    cn, fn, params = body[0], body[1], body[2:]
    if cn != 49:  # not a QR code (PDF417, MaxiCode…)
        return Command("unknown", data=raw)
    skip = len(raw)
    if fn == 65:
        if len(params) != 2 or params[0] not in (49, 50, 51):
            raise bad("QR model: expected n1 in 49-51 and n2", skip)
        return Command("qr_model", (params[0] - 48,), raw)
    if fn == 67:
        if len(params) != 1 or not 1 <= params[0] <= 16:
            raise bad("QR module size must be 1-16", skip)
        return Command("qr_size", (params[0],), raw)
    if fn == 69:
        if len(params) != 1 or params[0] not in (48, 49, 50, 51):
            raise bad("QR error correction must be 48-51", skip)
        return Command("qr_ec", (params[0] - 48,), raw)
    if fn in (80, 81):
        if not params or params[0] != 48:
            raise bad(f"QR function {fn} needs m = 48", skip)
        if fn == 81:
            return Command("qr_print", data=raw)
        return Command("qr_store", data=bytes(params[1:]))
    return Command("unknown", data=raw)


def _parse_barcode(buf: bytes, pos: int) -> Parsed | None:
    if pos + 3 > len(buf):
        return None
    kind = buf[pos + 2]
    if kind <= 6:  # GS k m d1..dk NUL
        end = buf.find(b"\x00", pos + 3, pos + 259)
        if end < 0:
            if len(buf) - pos < 259:
                return None
            raise bad("GS k barcode without NUL terminator", 3)
        return Command("skip", data=buf[pos:end + 1]), end + 1
    if 65 <= kind <= 78:  # GS k m n d1..dn
        if pos + 4 > len(buf):
            return None
        return _block(buf, pos, 4, buf[pos + 3])
    raise bad(f"GS k {kind}: no such barcode type", 3)


def _block(buf: bytes, pos: int, header: int, size: int) -> Parsed | None:
    if size > MAX_BLOCK:
        raise bad(f"data block of {size} bytes is too large", header)
    end = pos + header + size
    if end > len(buf):
        return None
    return Command("skip", data=buf[pos:end]), end


_PREFIXED = {ESC: _parse_esc, FS: _parse_fs, GS: _parse_gs, DLE: _parse_dle}
