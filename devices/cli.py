"""The technician's ``hallq devices`` commands: list, test, read an ID card, run a simulator.

The main ``hallq`` CLI mounts them with :func:`register`; ``python -m devices.cli devices ...``
runs them alone. Each device kind's ``devices.<kind>.tech`` module does the work; a kind whose
module is missing or fails to import is reported and skipped, never fatal.

Exit codes: 0 success, 2 a device error (its ``[code] 中文 / English`` line goes to stderr)
or a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from devices import probe
from devices.base import DeviceError, DeviceURLError, parse_device_url
from devices.codes import DeviceErrorCode
from devices.registry import FACTORIES, SIMULATORS

KINDS = ("idcard", "printer", "smartcard", "camera", "led", "rating", "keypad")
EXIT_OK, EXIT_DEVICE_ERROR = 0, 2

TEST_EPILOG = """\
examples:
  hallq devices test sim://led?addr=3
  hallq devices test "led:///dev/ttyUSB1?addr=3&protocol=hallbus"
  hallq devices test "rating:///dev/ttyUSB2?addr=3"
  hallq devices test "keypad:///dev/ttyUSB2?addr=4"
  hallq devices test "sim://keypad?addr=4&auto=call&delay=0.5"
  hallq devices test ga467:///dev/ttyUSB0
URL schemes: {schemes}; simulators: sim://<kind>?... with kind one of {kinds}
"""


class DeviceUnavailable(DeviceError):
    """The software for a device kind is not installed or fails to load."""

    code = DeviceErrorCode.DEVICE_UNAVAILABLE
    message_zh = "该类设备的驱动未安装或无法加载"
    message_en = "The driver for this kind of device is not installed or fails to load"


def load_tech(kind: str) -> ModuleType:
    """Import ``devices.<kind>.tech``; DeviceUnavailable when it is missing or broken."""
    try:
        return importlib.import_module(f"devices.{kind}.tech")
    except Exception as exc:  # any import failure means "not available here"
        raise DeviceUnavailable(f"devices.{kind}.tech: {type(exc).__name__}: {exc}") from None


def kind_of_url(url: str) -> str:
    """The device kind a URL names (``led``, ``idcard``…), per devices/registry.py."""
    parsed = parse_device_url(url)
    if parsed.scheme == "sim":
        if parsed.host not in SIMULATORS:
            raise DeviceURLError(f"unknown simulator {parsed.host!r}; known: {sorted(SIMULATORS)}")
        return parsed.host
    target = FACTORIES.get(parsed.scheme)
    if target is None:
        raise DeviceURLError(f"unknown device scheme {parsed.scheme!r}; known: {sorted(FACTORIES)}")
    return target.split(".")[1]  # "devices.<kind>.module:function"


#: Kinds listed by what this machine shows (video devices, PC/SC readers), not by asking ports.
LISTED_KINDS = ("smartcard", "camera")


def cmd_list(args: argparse.Namespace) -> int:
    """Print the devices that answered on the serial ports, the USB printers, cameras and
    PC/SC readers; ``--no-probe`` prints every kind's candidates without asking the ports."""
    if args.no_probe:
        return _list_candidates()

    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    rows += _discovered("printer", notes, "discover_usb")
    ports = args.port or probe.candidate_ports()
    if not ports:
        notes.append("没有串口 / no serial ports on this machine")
    results = probe.probe_all(ports, args.timeout)
    rows += [(found.kind, found.url, found.description)
             for result in results for found in result.found]
    notes += probe.describe(results)
    for kind in LISTED_KINDS:
        rows += _discovered(kind, notes)
    print(format_table([("KIND", "URL", "DESCRIPTION"), *rows]))
    for note in notes:
        print(f"note: {note}")
    return EXIT_OK


def _discovered(kind: str, notes: list[str],
                function: str = "discover") -> list[tuple[str, str, str]]:
    """The rows of ``devices.<kind>.tech.<function>()``; a note when none or it fails."""
    try:
        found = getattr(load_tech(kind), function)()
    except DeviceUnavailable as exc:
        notes.append(f"{kind}: skipped, not available here ({exc.detail})")
        return []
    except DeviceError as exc:
        notes.append(f"{kind}: discovery failed, {exc.describe()}")
        return []
    if not found:
        notes.append(f"{kind}: none found")
    return [(kind, url, description) for url, description in found]


def _list_candidates() -> int:
    """Every kind's discover(): each serial port offered as a candidate of each serial kind."""
    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    for kind in KINDS:
        rows += _discovered(kind, notes)
    print(format_table([("KIND", "URL", "DESCRIPTION"), *rows]))
    for note in notes:
        print(f"note: {note}")
    return EXIT_OK


def format_table(rows: Sequence[tuple[str, ...]]) -> str:
    """Rows as left-aligned columns; the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)),
                   row[-1]]).rstrip()
        for row in rows)


def cmd_test(args: argparse.Namespace) -> int:
    """Run the self-test of the device at args.url."""
    try:
        kind = kind_of_url(args.url)
        if kind == "rating":
            report = load_tech(kind).self_test(args.url, key_labels=args.key_labels)
        else:
            report = load_tech(kind).self_test(args.url)
    except DeviceError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_DEVICE_ERROR
    print(report)
    return EXIT_OK


def cmd_read_idcard(args: argparse.Namespace) -> int:
    """Read one ID card and print it as JSON or as a readable block."""
    try:
        data = load_tech("idcard").read_json(args.url, include_personal=args.show_personal)
    except DeviceError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_DEVICE_ERROR
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(format_block(data))
    return EXIT_OK


def format_block(data: dict[str, Any]) -> str:
    """``key: value`` lines; long values (photos in base64) shown by their size only."""
    width = max((len(key) for key in data), default=0)
    lines = []
    for key, value in data.items():
        text = str(value)
        if len(text) > 200:
            text = f"<{len(text)} characters>"
        lines.append(f"{key.ljust(width)} : {text}")
    return "\n".join(lines)


class SimParser(argparse.ArgumentParser):
    """The parser of ``hallq devices sim <kind>``; it loads the kind's options when used.

    Loading on use keeps every other hallq command from importing all device libraries
    (OpenCV, pyscard, python-escpos) just to build its parser.
    """

    kind = ""
    _loaded = False

    def _load(self) -> None:
        if self._loaded or not self.kind:
            return
        self._loaded = True
        try:
            tech = load_tech(self.kind)
        except DeviceError as exc:
            error = exc
            self.set_defaults(func=lambda args: _report(error))
            self.description = f"Not available on this machine: {exc.detail}"
            return
        tech.add_sim_arguments(self)
        self.set_defaults(func=lambda args: _run_sim(tech, args))

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """Load the kind's options, then parse."""
        self._load()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        """Load the kind's options, then describe them."""
        self._load()
        return super().format_help()


def _run_sim(tech: ModuleType, args: argparse.Namespace) -> int:
    try:
        return int(tech.run_sim(args))
    except DeviceError as exc:
        return _report(exc)


def _report(exc: DeviceError) -> int:
    print(exc.describe(), file=sys.stderr)
    return EXIT_DEVICE_ERROR


def register(subparsers: Any,
             key_labels: Mapping[int, tuple[str, str]] | None = None) -> None:
    """Add the ``devices`` command and its sub-commands to the main CLI's subparsers;
    ``key_labels`` names the rating pad's keys in its self-test (the hall's rating levels)."""
    devices = subparsers.add_parser(
        "devices", help="list, test and simulate hall devices (technician tools)",
        description="Technician tools for the devices of this machine: ID-card readers, "
                    "ticket printers, smart-card readers, cameras, window LED screens, "
                    "rating pads and calling keypads.")
    devices.set_defaults(func=lambda args: _usage(devices))
    commands = devices.add_subparsers(title="commands", metavar="COMMAND")

    listing = commands.add_parser(
        "list", help="list the devices found on this machine, with their URLs",
        description="Ask every serial port which device is on it (ESC/POS printer status, "
                    "GA 467 SAM status, then the hall bus addresses 1-16 at 9600 baud) and "
                    "print one line per device that answered: kind, URL (for `hallq devices "
                    "test`), description; plus USB printers, cameras and PC/SC readers. A "
                    "port where nothing answered gets a note. Stop the hallq apps first: "
                    "the questions would land in the middle of their traffic.")
    listing.add_argument("--no-probe", action="store_true",
                         help="ask nothing: list every serial port as a candidate of every "
                              "serial kind (the old listing)")
    listing.add_argument("--port", action="append", metavar="PATH",
                         help="probe only this serial port (repeat for more)")
    listing.add_argument("--timeout", type=_positive_seconds, default=probe.DEFAULT_TIMEOUT,
                         metavar="SECONDS", help="how long each question waits for an answer "
                                                 f"(default {probe.DEFAULT_TIMEOUT:g})")
    listing.set_defaults(func=cmd_list)

    test = commands.add_parser(
        "test", help="self-test the device at a URL",
        description="Run the self-test of the device a URL names and print its report. "
                    "Exit code 0 when it passes, 2 with the error code when it fails.",
        epilog=TEST_EPILOG.format(schemes=", ".join(sorted(FACTORIES)),
                                  kinds=", ".join(sorted(SIMULATORS))),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    test.add_argument("url", help="device URL, e.g. sim://led?addr=3 or ga467:///dev/ttyUSB0")
    test.set_defaults(func=cmd_test, key_labels=key_labels)

    read = commands.add_parser(
        "read-idcard", help="read the resident ID card on a reader",
        description="Read the card on an ID-card reader. Names, ID number and address are "
                    "masked unless --show-personal is given.")
    read.add_argument("url", help="reader URL, e.g. ga467:///dev/ttyUSB0 or sim://idcard")
    read.add_argument("--json", action="store_true", help="print JSON instead of text")
    read.add_argument("--show-personal", action="store_true",
                      help="print name, ID number and address unmasked (only with the "
                           "card holder present; never paste the output into tickets)")
    read.set_defaults(func=cmd_read_idcard)

    sim = commands.add_parser(
        "sim", help="run a device simulator until Ctrl+C",
        description="Run a simulator of one kind of device speaking its real protocol (on a "
                    "pty, TCP port or virtual card) until Ctrl+C; it prints where it listens. "
                    "`hallq devices sim KIND --help` lists the options of a kind.")
    sim.set_defaults(func=lambda args: _usage(sim))
    kinds = sim.add_subparsers(title="device kinds", metavar="KIND", parser_class=SimParser)
    for kind in KINDS:
        parser = kinds.add_parser(kind, help=f"simulate {SIM_HELP[kind]}",
                                  description=f"Simulate {SIM_HELP[kind]}.")
        parser.kind = kind


SIM_HELP = {
    "idcard": "a resident ID-card reader (GA 467)",
    "printer": "an ESC/POS ticket printer",
    "smartcard": "a PC/SC smart card",
    "camera": "a camera (QR codes, document photos)",
    "led": "window LED screens (RS-485)",
    "rating": "rating pads (RS-485)",
    "keypad": "calling keypads (呼叫器, RS-485)",
}


def _positive_seconds(text: str) -> float:
    """A ``--timeout`` value: seconds, more than 0 and at most 5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} 不是秒数 / is not a number of seconds") from None
    if not 0 < value <= 5:
        raise argparse.ArgumentTypeError(f"{text}: 应在 0 到 5 秒之间 / must be more than 0 and "
                                         "at most 5 seconds")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_DEVICE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``devices ...`` alone (as ``python -m devices.cli devices list``)."""
    parser = argparse.ArgumentParser(prog="hallq")
    register(parser.add_subparsers(title="commands", metavar="COMMAND"))
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return EXIT_DEVICE_ERROR
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
