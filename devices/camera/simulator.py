"""The camera simulator: a generated video (or image sequence) read through cv2.VideoCapture.

Frames are made here and written as Motion-JPEG in an AVI file (which the headless OpenCV build
writes and reads with its bundled FFmpeg), so the driver runs the same decode path as with a
real camera. A sample holds, in order: a blank frame; for each QR payload, the code on a noisy
background repeated ``repeats`` times (as a phone held still gives) and a blank frame; then a
photographed page (a white A4 sheet with a dark title band at its top and lines of text,
turned and seen in perspective on the dark tray).

A document video (``document=N``, for the kiosk's photo step) shows instead, for each of ``N``
pages, the page blurred as when it was still moving (refused as ``camera.blurred``), then the
same page held still (taken): "PAGE 1 / 3" in its title band tells the pages apart.

``sim://camera?codes=hallq:appt:AP123,hallq:ticket:20250101-A001&loop=1&page=1&size=1280x720``
writes such a video to a temporary folder and returns an :class:`OpenCvCamera` on it with the
:class:`CameraSimulator` (paths and frame plan) as ``.simulator``; ``close()`` deletes the files.
``codes=none`` shows no code at all. ``loop=1`` (the default) plays the sample again and
again; ``loop=0`` plays it once, then the camera sees the empty desk of the first frame for as
long as it is read. ``sim://camera?document=3`` is a document camera showing three pages.

Error codes: camera.save_failed (the video could not be written), device.bad_url.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import qrcode

from devices.base import DeviceState, DeviceURLError, parse_device_url
from devices.camera.capture import Frame, OpenCvCamera
from devices.camera.errors import SaveFailed

DEFAULT_CODES = ("hallq:appt:AP123", "hallq:ticket:20250101-A001",
                 "https://hall.example.cn/m/t/20250101-B002")
PAGE_SIZE = (420, 594)  # width, height of the drawn A4 sheet in pixels
#: Rows of the drawn sheet covered by its dark title band.
TITLE_BAND = (24, 84)


def render_qr(payload: str, box: int) -> np.ndarray:
    """A QR code of ``payload`` (with its quiet zone) as a ``box`` x ``box`` gray image."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=bool)
    image = np.where(modules, 20, 235).astype(np.uint8)
    return cv2.resize(image, (box, box), interpolation=cv2.INTER_NEAREST)


def _background(size: tuple[int, int], rng: np.random.Generator, level: float) -> np.ndarray:
    width, height = size
    gradient = np.linspace(-15, 15, width, dtype=np.float32)[None, :]
    noise = rng.normal(0, 8, (height, width)).astype(np.float32)
    return np.clip(level + gradient + noise, 0, 255).astype(np.uint8)


def blank_frame(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A frame with nothing in view (noise on a gray gradient), BGR."""
    return cv2.cvtColor(_background(size, rng, 120), cv2.COLOR_GRAY2BGR)


def qr_frame(payload: str, size: tuple[int, int], rng: np.random.Generator,
             angle: float = 0.0) -> np.ndarray:
    """A QR code as a phone shows it to the camera: centred, a little turned, on noise."""
    width, height = size
    box = int(min(width, height) * 0.45)
    frame = _background(size, rng, 120)
    tile = render_qr(payload, box)
    x, y = (width - box) // 2, (height - box) // 2
    # draw it on a patch, then turn the patch with the frame's own pixels around it
    patch = frame.copy()
    patch[y:y + box, x:x + box] = tile
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    mask = np.zeros_like(frame)
    mask[y:y + box, x:x + box] = 255
    patch = cv2.warpAffine(patch, turn, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(mask, turn, size, flags=cv2.INTER_NEAREST)
    frame[mask > 0] = patch[mask > 0]
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def draw_page(title: str = "APPLICATION FORM") -> np.ndarray:
    """The sheet before it is photographed: white A4, dark title band on top, lines of text."""
    width, height = PAGE_SIZE
    page = np.full((height, width, 3), 245, np.uint8)
    top, bottom = TITLE_BAND
    cv2.rectangle(page, (20, top), (width - 21, bottom), (40, 40, 40), -1)
    cv2.putText(page, title, (60, bottom - 20), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                (245, 245, 245), 2, cv2.LINE_AA)
    for row in range(12):
        y = 130 + row * 34
        cv2.putText(page, f"Field {row + 1:02d}: sample text for the test", (30, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1, cv2.LINE_AA)
    cv2.rectangle(page, (width - 170, height - 90), (width - 30, height - 30), (60, 60, 60), 2)
    return page


def page_frame(size: tuple[int, int], rng: np.random.Generator, angle: float = 12.0,
               title: str = "APPLICATION FORM") -> tuple[np.ndarray, np.ndarray]:
    """A photographed page: the sheet turned by ``angle`` degrees and seen a little from below.

    Returns the frame (BGR) and the page corners in it (tl, tr, br, bl).
    """
    width, height = size
    page = draw_page(title)
    rad = np.deg2rad(angle)
    ratio = PAGE_SIZE[1] / PAGE_SIZE[0]
    # as large as fits: the turned sheet's bounding box stays within 90 % of the frame
    page_h = min(height * 0.9 / (abs(np.cos(rad)) + abs(np.sin(rad)) / ratio),
                 width * 0.9 / (abs(np.cos(rad)) / ratio + abs(np.sin(rad))))
    page_w = page_h / ratio
    half = np.array([[-page_w / 2 * 0.92, -page_h / 2], [page_w / 2 * 0.92, -page_h / 2],
                     [page_w / 2, page_h / 2], [-page_w / 2, page_h / 2]])  # top edge farther
    turn = np.array([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]])
    corners = (half @ turn.T + [width / 2, height / 2]).astype(np.float32)
    source = np.array([[0, 0], [PAGE_SIZE[0] - 1, 0], [PAGE_SIZE[0] - 1, PAGE_SIZE[1] - 1],
                       [0, PAGE_SIZE[1] - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full(page.shape[:2], 255, np.uint8), matrix, size,
                               flags=cv2.INTER_NEAREST)
    frame = cv2.cvtColor(_background(size, rng, 55), cv2.COLOR_GRAY2BGR)
    frame[mask > 0] = warped[mask > 0]
    return frame, corners


@dataclass
class SampleVideo:
    """What a generated sample shows: the frames and, per frame, the payload or "page"."""

    frames: list[np.ndarray] = field(default_factory=list)
    plan: list[str | None] = field(default_factory=list)
    page_corners: np.ndarray | None = None


def sample_frames(codes: list[str], size: tuple[int, int] = (1280, 720), *, repeats: int = 3,
                  page: bool = True, seed: int = 7) -> SampleVideo:
    """Blank, each code ``repeats`` times then blank, then the page twice (if ``page``)."""
    rng = np.random.default_rng(seed)
    sample = SampleVideo()

    def add(frame: np.ndarray, what: str | None) -> None:
        sample.frames.append(frame)
        sample.plan.append(what)

    add(blank_frame(size, rng), None)
    for number, payload in enumerate(codes):
        angle = (-8.0, 0.0, 6.0)[number % 3]
        for _ in range(repeats):
            add(qr_frame(payload, size, rng, angle), payload)
        add(blank_frame(size, rng), None)
    if page:
        frame, sample.page_corners = page_frame(size, rng)
        add(frame, "page")
        add(frame.copy(), "page")
    return sample


def blurred(frame: np.ndarray) -> np.ndarray:
    """``frame`` as the camera sees a page still moving: a Gaussian blur of 2 px at 1280 wide."""
    return cv2.GaussianBlur(frame, (0, 0), 2.0 * frame.shape[1] / 1280)


def document_frames(pages: int, size: tuple[int, int] = (1280, 720), seed: int = 7
                    ) -> SampleVideo:
    """For each page a blurred shot of it, then a sharp one ("PAGE i / N" on each)."""
    rng = np.random.default_rng(seed)
    sample = SampleVideo()
    for number in range(1, pages + 1):
        frame, sample.page_corners = page_frame(size, rng, angle=(12.0, -7.0, 4.0)[number % 3],
                                                title=f"PAGE {number} / {pages}")
        sample.frames += [blurred(frame), frame]
        sample.plan += ["blurred", f"page {number}"]
    return sample


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Write frames as Motion-JPEG in an AVI file; :class:`SaveFailed` when it cannot."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    try:
        if not writer.isOpened():
            raise SaveFailed(f"OpenCV cannot write MJPG video to {path}")
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


def write_image_sequence(folder: Path, frames: list[np.ndarray]) -> str:
    """Write frames as frame_000.png, frame_001.png ...; return the pattern VideoCapture reads."""
    for number, frame in enumerate(frames):
        if not cv2.imwrite(str(folder / f"frame_{number:03d}.png"), frame):
            raise SaveFailed(f"cannot write {folder}")
    return str(folder / "frame_%03d.png")


@dataclass
class CameraSimulator:
    """A generated sample on disk: ``folder``, the ``source`` VideoCapture reads, its ``sample``."""

    folder: Path
    source: str
    sample: SampleVideo
    loop: bool = True

    @property
    def url(self) -> str:
        """The camera:// URL of the sample."""
        return f"camera://{self.source}" + ("?loop=1" if self.loop else "")

    def stop(self) -> None:
        """Delete the generated files."""
        shutil.rmtree(self.folder, ignore_errors=True)


def generate(folder: Path, codes: list[str], *, size: tuple[int, int] = (1280, 720),
             repeats: int = 3, page: bool = True, fmt: str = "avi", loop: bool = True,
             fps: float = 10.0, document: int = 0) -> CameraSimulator:
    """Write a sample (AVI video, or PNG sequence with ``fmt="png"``) into ``folder``; with
    ``document`` pages, the document video of :func:`document_frames` instead."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = document_frames(document, size) if document > 0 else \
        sample_frames(codes, size, repeats=repeats, page=page)
    if fmt == "png":
        source = write_image_sequence(folder, sample.frames)
    else:
        source = str(write_video(folder / "sample.avi", sample.frames, fps))
    return CameraSimulator(folder, source, sample, loop)


class SimulatedCamera(OpenCvCamera):
    """An :class:`OpenCvCamera` on a generated sample; ``close()`` deletes the sample.

    Without ``loop`` the sample plays once and the camera then goes on seeing the empty desk
    of its first frame, as a real camera does, instead of ending like a video file."""

    simulator: CameraSimulator

    def _no_frame(self) -> Frame:
        if self.loop:
            return super()._no_frame()
        self._set_state(DeviceState.READY)
        return self.simulator.sample.frames[0].copy()

    def play(self, codes: list[str]) -> None:
        """Show ``codes`` to the camera now, once (a citizen holding up a phone), then the
        empty desk: a new sample of the same size replaces the one playing."""
        old = self.simulator
        height, width = old.sample.frames[0].shape[:2]
        folder = Path(tempfile.mkdtemp(prefix="hallq-camera-"))
        try:
            new = generate(folder, codes, size=(width, height), page=False, loop=False)
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.simulator, self.source, self.loop = new, new.source, False
        self._release()  # the next read opens the new sample
        old.stop()

    def close(self) -> None:
        """Release the video and delete its files."""
        super().close()
        self.simulator.stop()


def _size(text: str, url: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise DeviceURLError(f"size={text!r} is not WIDTHxHEIGHT in {url}") from None
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise DeviceURLError(f"size={text!r} outside 64..4096 in {url}")
    return width, height


def open_sim_url(url: str) -> SimulatedCamera:
    """``sim://camera?codes=a,b&loop=1&page=1&size=1280x720&repeats=3&format=avi``, or
    ``sim://camera?document=3`` (a document camera: three pages, each blurred then sharp)."""
    parsed = parse_device_url(url)
    raw_codes = parsed.param("codes")
    if raw_codes == "none":                  # a camera nobody holds a code to
        codes: list[str] = []
    else:
        codes = [c for c in raw_codes.split(",") if c] if raw_codes else list(DEFAULT_CODES)
    fmt = parsed.param("format", "avi") or "avi"
    if fmt not in ("avi", "png"):
        raise DeviceURLError(f"format must be avi or png in {url}")
    loop = parsed.param("loop", "1") != "0"
    document = parsed.int_param("document", 0)
    if not 0 <= document <= 50:
        raise DeviceURLError(f"document={document} is not 0-50 pages in {url}")
    folder = Path(tempfile.mkdtemp(prefix="hallq-camera-"))
    try:
        sim = generate(folder, codes, size=_size(parsed.param("size", "1280x720") or "", url),
                       repeats=parsed.int_param("repeats", 3), page=parsed.param("page") != "0",
                       fmt=fmt, loop=loop, document=document)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    camera = SimulatedCamera(url, sim.source, loop=loop, timeout=5.0)
    camera.simulator = sim
    return camera
