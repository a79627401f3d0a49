"""packaging/udev/99-hallq-devices.rules: every line parses, and the rules name the devices a
technician plugs in (checked by matching them against the udev properties of real devices)."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[3] / "packaging/udev/99-hallq-devices.rules"
#: Keys udev matches on (== or !=) and keys it assigns (=, +=, :=); GOTO/LABEL are flow.
MATCH_KEYS = {"ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "KERNELS", "DRIVER", "DRIVERS",
              "DEVPATH", "ATTR", "ATTRS", "ENV", "TAG", "TAGS"}
ASSIGN_KEYS = {"SYMLINK", "GROUP", "MODE", "OWNER", "TAG", "ENV", "RUN", "IMPORT", "GOTO",
               "LABEL"}
PAIR = re.compile(r'(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]+)\})?'
                  r'(?P<op>==|!=|\+=|:=|=)"(?P<value>[^"]*)"')
GENERIC_BRIDGES = {("1a86", "7523"), ("10c4", "ea60"), ("067b", "2303"), ("0403", "6001")}


@dataclass(frozen=True)
class Key:
    name: str
    attr: str | None
    op: str
    value: str

    @property
    def full_name(self) -> str:
        """``ATTRS{idVendor}`` or ``SUBSYSTEM``, as the device dicts below are keyed."""
        return f"{self.name}{{{self.attr}}}" if self.attr else self.name


def parse_line(line: str) -> list[Key]:
    """The key/value pairs of one rule line; AssertionError when anything is left over."""
    keys, pos = [], 0
    while pos < len(line):
        match = PAIR.match(line, pos)
        assert match, f"cannot parse {line[pos:]!r} in {line!r}"
        keys.append(Key(match["key"], match["attr"], match["op"], match["value"]))
        pos = match.end()
        if line.startswith(", ", pos):
            pos += 2
        else:
            assert pos == len(line), f"expected ', ' at {line[pos:]!r}"
    return keys


def rules() -> list[list[Key]]:
    return [parse_line(line) for line in RULES.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_every_rule_line_uses_known_keys_and_operators() -> None:
    parsed = rules()
    assert len(parsed) >= 10
    labels = {key.value for rule in parsed for key in rule if key.name == "LABEL"}
    for rule in parsed:
        for key in rule:
            if key.op in ("==", "!="):
                assert key.name in MATCH_KEYS, key
            else:
                assert key.name in ASSIGN_KEYS, key
            if key.name in ("ATTR", "ATTRS", "ENV"):
                assert key.attr, key
            if key.name == "GOTO":
                assert key.value in labels
            if key.name == "MODE":
                assert re.fullmatch(r"0[0-7]{3}", key.value), key


def test_no_interface_attribute_is_matched_at_device_level() -> None:
    for rule in rules():
        assert not any(key.attr == "bInterfaceClass" for key in rule), rule


def test_no_generic_bridge_is_named_by_its_ids() -> None:
    for rule in rules():
        if not any(key.name == "SYMLINK" for key in rule):
            continue
        vendor = next((k.value for k in rule if k.attr == "idVendor"), None)
        product = next((k.value for k in rule if k.attr == "idProduct"), None)
        assert (vendor, product) not in GENERIC_BRIDGES, rule
        assert not any(k.name == "SUBSYSTEM" and k.value == "tty" for k in rule), rule


def matches(pattern: str, value: str | None) -> bool:
    """udev's pattern match: shell globs, alternatives separated by "|"."""
    return value is not None and any(fnmatch.fnmatchcase(value, alt) for alt in pattern.split("|"))


def apply(device: dict[str, str]) -> dict[str, list[str]]:
    """The assignments the rules make for a device given as udev keys (``ATTRS{idVendor}``
    stands for the attribute of the device or a parent), flow (GOTO/LABEL) included."""
    result: dict[str, list[str]] = {}
    skipping_to = None
    for rule in rules():
        label = next((k.value for k in rule if k.name == "LABEL"), None)
        if skipping_to is not None:
            if label == skipping_to:
                skipping_to = None
            continue
        tests = [k for k in rule if k.op in ("==", "!=")]
        if not all(matches(k.value, device.get(k.full_name)) == (k.op == "==") for k in tests):
            continue
        for key in rule:
            if key.name == "GOTO":
                skipping_to = key.value
            elif key.op not in ("==", "!=") and key.name != "LABEL":
                result.setdefault(key.name, []).append(key.value)
    return result


CH340_TTY = {"ACTION": "add", "SUBSYSTEM": "tty", "KERNEL": "ttyUSB0", "ENV{ID_BUS}": "usb",
             "ATTRS{idVendor}": "1a86", "ATTRS{idProduct}": "7523",
             "ENV{ID_PATH}": "pci-0000:00:14.0-usb-0:2:1.0"}


def test_a_generic_usb_serial_port_gets_permissions_but_no_hallq_name() -> None:
    made = apply(CH340_TTY)
    assert made["GROUP"] == ["dialout"] and made["MODE"] == ["0660"]
    assert "SYMLINK" not in made


def test_an_epson_ticket_printer_is_named_and_an_office_printer_is_not() -> None:
    epson_lp = {"ACTION": "add", "SUBSYSTEM": "usbmisc", "KERNEL": "lp0",
                "ATTRS{idVendor}": "04b8", "ATTRS{idProduct}": "0e15"}
    office_lp = {**epson_lp, "ATTRS{idVendor}": "03f0", "ATTRS{idProduct}": "1234"}
    pos58_lp = {**epson_lp, "ATTRS{idVendor}": "0416", "ATTRS{idProduct}": "5011"}
    assert apply(epson_lp)["SYMLINK"] == ["hallq-printer"]
    assert apply(pos58_lp)["SYMLINK"] == ["hallq-printer"]
    assert "SYMLINK" not in apply(office_lp) and apply(office_lp)["GROUP"] == ["lp"]


@pytest.mark.parametrize(("interfaces", "printer"), [
    (":070102:", True), (":ff0000:070102:", True), (":070101:", True),
    (":020201:0a0000:", False), (":ffffff:", False), (":030102:", False)])
def test_the_usb_printer_rule_looks_at_the_interfaces(interfaces: str, printer: bool) -> None:
    device = {"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_device",
              "ATTR{idVendor}": "0416", "ATTR{idProduct}": "5011",
              "ENV{ID_USB_INTERFACES}": interfaces}
    assert ("lp" in apply(device).get("GROUP", [])) is printer


def test_id_readers_with_their_own_ids_are_named() -> None:
    reader = {"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_device",
              "ATTR{idVendor}": "0400", "ATTR{idProduct}": "c35a",
              "ENV{ID_USB_INTERFACES}": ":ff0000:"}
    assert apply(reader)["SYMLINK"] == ["hallq-idcard-usb"]
    assert apply({**reader, "ACTION": "remove"}) == {}


@pytest.mark.skipif(shutil.which("udevadm") is None, reason="udevadm is not installed here")
def test_udevadm_verifies_the_file() -> None:
    done = subprocess.run(["udevadm", "verify", str(RULES)], capture_output=True, text=True,
                          timeout=30, check=False)
    if "verify" in done.stderr and "Unknown" in done.stderr:
        pytest.skip("this udevadm has no verify command")
    assert done.returncode == 0, done.stdout + done.stderr
