"""Technician glue for cameras: list them, test one, write a sample video to point a kiosk at."""

from __future__ import annotations

import argparse
import glob
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from devices.base import DeviceError
from devices.camera import simulator
from devices.camera.errors import NoFrame
from devices.camera.qr import QrDecoder, classify
from devices.registry import open_device

#: Frames self_test reads.
TEST_FRAMES = 30


def discover() -> list[tuple[str, str]]:
    """Video devices (/dev/videoN) as ``camera://N`` URLs, with the driver's name for them."""
    found = []
    for device in sorted(glob.glob("/dev/video*")):
        match = re.fullmatch(r"/dev/video(\d+)", device)
        if not match:
            continue
        number = match.group(1)
        try:
            name = Path(f"/sys/class/video4linux/video{number}/name").read_text().strip()
        except OSError:
            name = "video device"
        found.append((f"camera://{number}", f"摄像头 / camera {device}: {name}"))
    return found


def self_test(url: str) -> str:
    """Read about 30 frames; report the frame size, the rate and the QR codes decoded."""
    camera = open_device(url)
    decoder = QrDecoder()
    codes: list[str] = []
    frames = 0
    started = time.monotonic()
    try:
        camera.open()
        for _ in range(TEST_FRAMES):
            try:
                frame = camera.read()
            except NoFrame:
                if frames and getattr(camera, "is_file", False):
                    break  # the end of a video file
                raise
            frames += 1
            codes += [text for text in decoder.decode(frame) if text not in codes]
        elapsed = time.monotonic() - started
        width, height = camera.frame_size or (0, 0)
        lines = [f"frames: {frames} in {elapsed:.1f} s ({frames / elapsed:.1f} per second)",
                 f"frame size: {width}x{height}",
                 f"QR codes: {len(codes)}"]
        lines += [f"  {classify(text).kind}: {text}" for text in codes]
        return "\n".join(lines)
    finally:
        camera.close()


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the sample-video writer."""
    parser.add_argument("--codes", default=",".join(simulator.DEFAULT_CODES),
                        help="QR payloads to show, comma-separated")
    parser.add_argument("--out", help="folder to write into (kept); default a temporary one")
    parser.add_argument("--format", choices=("avi", "png"), default="avi",
                        help="MJPG video or a PNG image sequence")
    parser.add_argument("--size", default="1280x720", help="frame size WIDTHxHEIGHT")


def run_sim(args: argparse.Namespace) -> int:
    """Write a sample video, print its camera:// URL, keep it until SIGINT or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    keep = args.out is not None
    folder = Path(args.out) if keep else Path(tempfile.mkdtemp(prefix="hallq-camera-"))
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
        codes = [code for code in args.codes.split(",") if code]
        sim = simulator.generate(folder, codes, size=(width, height), fmt=args.format)
    except (ValueError, DeviceError) as exc:
        print(f"cannot write the sample: {exc}")
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
        return 1
    print(f"sample camera: {sim.url}", flush=True)
    print(f"{len(sim.sample.frames)} frames: {len(codes)} QR codes, then a document page",
          flush=True)
    try:
        stop.wait()
    finally:
        if not keep:
            sim.stop()
    return 0
