"""Technician glue for ticket printers, used by the ``hallq devices`` CLI.

``discover`` lists USB line-printer device files, serial ports and (with pyusb) USB printers
as candidate ``escpos+…`` URLs, ``self_test`` prints a test page and reports the paper, and
``run_sim`` serves a simulated printer on TCP (like port 9100).
"""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

from devices.base import DeviceError
from devices.printer.drivers import TicketPrinter
from devices.printer.paper import PAPER_80MM
from devices.printer.simulator import PAPER_STATES, EscposPrinterSimulator
from devices.registry import open_device
from devices.techkit import serial_ports, serve_until_signal

_USB_PRINTER_CLASS = 7


def _usb_printers() -> list[tuple[str, str]]:
    """USB devices with a printer interface (class 7), when pyusb is installed."""
    try:
        import usb.core  # type: ignore[import-not-found]
    except ImportError:
        return []
    found = []
    try:
        devices = list(usb.core.find(find_all=True))
    except Exception:  # no libusb backend: nothing to list
        return []
    for dev in devices:
        interfaces = (iface for cfg in dev for iface in cfg)
        if any(iface.bInterfaceClass == _USB_PRINTER_CLASS for iface in interfaces):
            url = f"escpos+usb://{dev.idVendor:04x}:{dev.idProduct:04x}"
            found.append((url, f"USB 打印机 / USB printer {dev.idVendor:04x}:{dev.idProduct:04x}"))
    return found


def usb_ids(lp_path: str) -> str:
    """``vvvv:pppp``, the USB ids of the printer behind ``/dev/usb/lpN`` (from sysfs), or ""."""
    name = Path(lp_path).name
    device = Path(f"/sys/class/usbmisc/{name}/device")  # the printer interface
    try:
        usb_device = device.resolve().parent
        vendor = (usb_device / "idVendor").read_text().strip()
        product = (usb_device / "idProduct").read_text().strip()
    except OSError:
        return ""
    return f"{vendor}:{product}"


def discover_usb() -> list[tuple[str, str]]:
    """The USB printers on this machine: /dev/usb/lp* files (with their USB ids) and, with
    pyusb, USB devices with a printer interface."""
    found = []
    for path in sorted(glob.glob("/dev/usb/lp*")):
        ids = usb_ids(path)
        found.append((f"escpos+file://{path}", f"USB 打印机设备文件 / USB line printer {path}"
                      + (f" [USB {ids}]" if ids else "")))
    return found + _usb_printers()


def discover() -> list[tuple[str, str]]:
    """Candidate printer URLs on this machine: USB printers, and every serial port (not asked;
    ``devices.probe`` asks them)."""
    found = discover_usb()
    for port in serial_ports():
        found.append((f"escpos+serial://{port.device}?baud=9600",
                      f"串口（可能是打印机）/ serial port, maybe a printer: {port.description}"))
    return found


def self_test(url: str) -> str:
    """Print a test page and report the printer and paper status; raises DeviceError."""
    printer = open_device(url)
    if not isinstance(printer, TicketPrinter):
        printer.close()
        raise DeviceError(f"{url} is not a ticket printer")
    lines = [f"小票打印机自检 / ticket printer self-test: {url}"]
    try:
        lines.append(f"打印前状态 / status before: {printer.check_status().value}")
        after = printer.print_test_page()
        lines.append(f"测试页已打印 / test page printed; status after: {after.value}")
        lines.append(f"纸卷 / paper: {printer.paper_status().value}")
    finally:
        printer.close()
    return "\n".join(lines)


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone simulator."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=9100, help="TCP port (default 9100)")
    parser.add_argument("--out", default="printer-out",
                        help="directory for the PNG of each printed ticket")
    parser.add_argument("--paper", choices=PAPER_STATES, default="ok", help="paper roll state")
    parser.add_argument("--width", type=int, default=PAPER_80MM,
                        help="printable width in dots (576 = 80 mm, 384 = 58 mm)")


def run_sim(args: argparse.Namespace) -> int:
    """Serve a simulated printer on TCP until SIGINT/SIGTERM; prints where it listens."""
    simulator = EscposPrinterSimulator(args.out, host=args.host, port=args.port,
                                       paper_state=args.paper, paper_width=args.width)
    try:
        simulator.start()
    except OSError as exc:
        print(f"无法监听 / cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    serve_until_signal(simulator, [
        f"模拟小票打印机 / simulated ESC/POS ticket printer on tcp://{args.host}:"
        f"{simulator.port}, paper {args.paper}, tickets → {args.out}",
        f"URL: {simulator.url}"])
    print(f"{len(simulator.tickets)} 张小票 / tickets printed")
    return 0
