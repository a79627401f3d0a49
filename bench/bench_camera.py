"""Camera benchmark: QR decode time per 1280x720 frame, and document capture time.

Frames come from the camera simulator and are read back through cv2.VideoCapture (MJPG),
so the figures include the same JPEG artefacts a USB camera gives. Run:
``.venv/bin/python -m bench.bench_camera``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from devices.camera import simulator
from devices.camera.capture import open_url
from devices.camera.document import capture_document
from devices.camera.qr import QrDecoder

SIZE = (1280, 720)
ROUNDS = 3


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _frames_from_video(folder: Path) -> tuple[list[np.ndarray], list[str | None]]:
    codes = [f"hallq:ticket:20250101-A{n:03d}" for n in range(1, 7)]
    sim = simulator.generate(folder, codes, size=SIZE, repeats=2)
    camera = open_url(f"camera://{sim.source}")
    try:
        frames = [camera.read() for _ in sim.sample.plan]
    finally:
        camera.close()
    return frames, sim.sample.plan


def bench_qr(frames: list[np.ndarray], plan: list[str | None]) -> dict[str, float]:
    """Decode every frame ROUNDS times; times in milliseconds and the share decoded right."""
    decoder = QrDecoder()
    times: list[float] = []
    right = 0
    for _ in range(ROUNDS):
        for frame, expected in zip(frames, plan, strict=True):
            start = time.perf_counter()
            found = decoder.decode(frame)
            times.append((time.perf_counter() - start) * 1000)
            wanted = [] if expected in (None, "page") else [expected]
            right += found == wanted
    return {"p50_ms": statistics.median(times), "p99_ms": _percentile(times, 0.99),
            "frames": len(times), "correct": right / len(times)}


def bench_document(frame: np.ndarray) -> dict[str, float]:
    """Capture the page of one 1280x720 frame repeatedly; times in milliseconds."""
    times: list[float] = []
    size = 0
    for _ in range(10 * ROUNDS):
        start = time.perf_counter()
        photo = capture_document(frame)
        times.append((time.perf_counter() - start) * 1000)
        size = len(photo.jpeg)
    return {"p50_ms": statistics.median(times), "p99_ms": _percentile(times, 0.99),
            "jpeg_bytes": size}


def main() -> dict[str, dict[str, float]]:
    """Run both benchmarks, print a table and return the figures."""
    with tempfile.TemporaryDirectory(prefix="hallq-bench-camera-") as tmp:
        frames, plan = _frames_from_video(Path(tmp))
    qr = bench_qr(frames, plan)
    document = bench_document(frames[plan.index("page")])
    print(f"QR decode per {SIZE[0]}x{SIZE[1]} frame: p50 {qr['p50_ms']:.1f} ms, "
          f"p99 {qr['p99_ms']:.1f} ms over {qr['frames']:.0f} frames "
          f"({qr['correct']:.0%} decoded as expected)")
    print(f"document capture (find + warp + JPEG): p50 {document['p50_ms']:.1f} ms, "
          f"p99 {document['p99_ms']:.1f} ms, JPEG {document['jpeg_bytes'] / 1000:.0f} KB")
    return {"qr": qr, "document": document}


if __name__ == "__main__":
    main()
