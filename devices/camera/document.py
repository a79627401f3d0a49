"""Document photos for self-service submissions: find the page, straighten it, make a small JPEG.

The page is the largest four-cornered shape in the frame (a white sheet on the darker counter of
the kiosk's document tray). It is warped to an upright A4-ratio image (portrait when the sheet is
taller than wide, landscape otherwise; the sheet is taken to lie at most 45 degrees from straight)
and encoded as JPEG with the long side at most 1600 px and at most 500 KB, small enough to upload.

A citizen's photo is refused when it cannot be read (:func:`check_readable`): too dark (even the
brightest part of the page is dim: the light over the tray is blocked) or blurred (the page moved
or is out of focus: its sharpest edges are soft). Both are measured on the straightened page
brought to :data:`CHECK_SIDE` px, so the thresholds hold for any camera resolution.

Error codes: camera.no_document, camera.dark, camera.blurred, camera.bad_image,
camera.save_failed.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from devices.camera.errors import BadImage, BlurredPhoto, DarkPhoto, NoDocument, SaveFailed

log = logging.getLogger("hallq.devices.camera")

A4_RATIO = 297 / 210
MAX_SIDE = 1600
MAX_BYTES = 500_000
#: The page must cover at least this share of the frame (smaller shapes are text, stamps, ...).
MIN_PAGE_AREA = 0.12
#: Detection runs on a copy at most this wide or high.
WORK_SIDE = 800
#: Long side over short side of a page as photographed: A4 is 1.41, an ID-card copy 1.58;
#: a square (a QR code on a phone) is not a page.
PAGE_ASPECT = (1.15, 2.2)
#: How much brighter than its surroundings the paper must be (gray levels, 0-255).
MIN_CONTRAST = 30
#: The readability checks look at the straightened page with its long side this many pixels.
CHECK_SIDE = 1000
#: Sharpness: the 99.5th percentile of |Laplacian| of the page's gray levels. Printed text in
#: focus gives 40-120 (the simulated 1280x720 page 78); a page that moved or is out of focus
#: (Gaussian blur of 1 px and more at 1280x720, or 15 px of motion) 25 or less.
MIN_SHARPNESS = 35.0
#: Light: the 95th percentile of the page's gray levels (its white paper). Paper under the
#: tray's lamp is 180-250; with the lamp blocked or off it falls below 110. A percentile, not
#: the mean, so that a dark card with light writing is not called dark.
MIN_PAPER_LIGHT = 110.0


@dataclass(frozen=True)
class DocumentPhoto:
    """An upload-ready document photo: JPEG bytes, their pixel size and the JPEG quality used."""

    jpeg: bytes
    width: int
    height: int
    quality: int
    corners: np.ndarray  # tl, tr, br, bl of the page in the source frame, in pixels


def _check_frame(frame: np.ndarray) -> np.ndarray:
    if (not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3
            or frame.shape[2] != 3 or min(frame.shape[:2]) < 16):
        raise BadImage(f"a document photo needs an 8-bit BGR frame, got "
                       f"{getattr(frame, 'dtype', type(frame).__name__)} "
                       f"{getattr(frame, 'shape', '')}")
    return frame


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left (float32, shape 4x2)."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    sums, diffs = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(sums)], pts[np.argmin(diffs)],
                     pts[np.argmax(sums)], pts[np.argmax(diffs)]], dtype=np.float32)


def _looks_like_paper(gray: np.ndarray, quad: np.ndarray) -> bool:
    """A page-shaped quad that is clearly brighter than what is around it."""
    long_short = max(page_aspect(quad), 1e-6)
    long_short = max(long_short, 1 / long_short)
    if not PAGE_ASPECT[0] <= long_short <= PAGE_ASPECT[1]:
        return False
    inside = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    if inside.all():
        return False
    return float(gray[inside > 0].mean()) - float(gray[inside == 0].mean()) >= MIN_CONTRAST


def _quads(mask: np.ndarray, gray: np.ndarray) -> list[tuple[float, np.ndarray]]:
    total = float(gray.shape[0] * gray.shape[1])
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        area = cv2.contourArea(approx)
        if len(approx) != 4 or not MIN_PAGE_AREA * total <= area <= 0.98 * total:
            continue
        quad = approx.reshape(4, 2).astype(np.float32)
        if _looks_like_paper(gray, quad):
            found.append((area, quad))
    return found


def find_page(frame: np.ndarray) -> np.ndarray:
    """The page's corners (tl, tr, br, bl) in ``frame``; :class:`NoDocument` when there is none."""
    gray = cv2.cvtColor(_check_frame(frame), cv2.COLOR_BGR2GRAY)
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    kernel = np.ones((5, 5), np.uint8)
    # two views of the page: bright against the background, and its edges
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel, iterations=2)
    edges = cv2.dilate(cv2.Canny(blurred, 50, 150), kernel)
    candidates = _quads(bright, blurred) + _quads(edges, blurred)
    if not candidates:
        raise NoDocument(f"no bright page-shaped area covering {MIN_PAGE_AREA:.0%} of the frame")
    _, best = max(candidates, key=lambda item: item[0])
    return order_corners(best / scale)


def warp_page(frame: np.ndarray, corners: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """The page straightened to an A4-ratio image, portrait if it is taller than wide."""
    tl, tr, br, bl = order_corners(corners)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    long_side = int(min(max_side, round(max(width, height))))
    short_side = int(round(long_side / A4_RATIO))
    out_w, out_h = (short_side, long_side) if height >= width else (long_side, short_side)
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    return cv2.warpPerspective(frame, matrix, (out_w, out_h), flags=cv2.INTER_AREA,
                               borderMode=cv2.BORDER_REPLICATE)


def encode_jpeg(image: np.ndarray, max_bytes: int = MAX_BYTES,
                max_side: int = MAX_SIDE) -> tuple[bytes, int, np.ndarray]:
    """JPEG bytes of ``image`` within ``max_bytes``; returns (bytes, quality, image encoded).

    The long side is first brought to ``max_side``; then quality steps down from 90 to 40,
    then the image shrinks, until the file fits.
    """
    scale = min(1.0, max_side / max(image.shape[:2]))
    while True:
        if scale < 1.0:
            size = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
            current = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        else:
            current = image
        for quality in range(90, 39, -10):
            ok, buf = cv2.imencode(".jpg", current, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise SaveFailed("OpenCV could not encode the photo as JPEG")
            if buf.size <= max_bytes:
                return buf.tobytes(), quality, current
        if max(current.shape[:2]) < 200:
            raise SaveFailed(f"cannot fit the photo in {max_bytes} bytes")
        scale *= 0.8


@dataclass(frozen=True)
class Readability:
    """How readable a straightened page is: its paper's light and its sharpness."""

    light: float
    sharpness: float


def readability(page: np.ndarray) -> Readability:
    """The light and sharpness of a straightened page (BGR), at :data:`CHECK_SIDE` px."""
    gray = cv2.cvtColor(_check_frame(page), cv2.COLOR_BGR2GRAY)
    scale = CHECK_SIDE / max(gray.shape)
    gray = cv2.resize(gray, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    edges = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
    return Readability(float(np.percentile(gray, 95)), float(np.percentile(edges, 99.5)))


def check_readable(page: np.ndarray) -> Readability:
    """:class:`DarkPhoto` or :class:`BlurredPhoto` when a straightened page cannot be read."""
    measured = readability(page)
    if measured.light < MIN_PAPER_LIGHT:
        raise DarkPhoto(f"paper light {measured.light:.0f} < {MIN_PAPER_LIGHT:.0f}")
    if measured.sharpness < MIN_SHARPNESS:
        raise BlurredPhoto(f"sharpness {measured.sharpness:.0f} < {MIN_SHARPNESS:.0f}")
    return measured


def capture_document(frame: np.ndarray, *, max_side: int = MAX_SIDE,
                     max_bytes: int = MAX_BYTES, check: bool = False) -> DocumentPhoto:
    """Find the page in ``frame``, straighten it and encode it for upload; with ``check``,
    refuse a page too dark or blurred to read (:func:`check_readable`)."""
    corners = find_page(frame)
    page = warp_page(frame, corners, max_side)
    if check:
        check_readable(page)
    jpeg, quality, encoded = encode_jpeg(page, max_bytes, max_side)
    log.info("document photo %dx%d, %d bytes, quality %d", encoded.shape[1], encoded.shape[0],
             len(jpeg), quality)
    return DocumentPhoto(jpeg, int(encoded.shape[1]), int(encoded.shape[0]), quality, corners)


def save_document(frame: np.ndarray, path: str | Path, *, max_side: int = MAX_SIDE,
                  max_bytes: int = MAX_BYTES) -> DocumentPhoto:
    """:func:`capture_document` and write the JPEG to ``path`` (atomically: no half files)."""
    photo = capture_document(frame, max_side=max_side, max_bytes=max_bytes)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(photo.jpeg)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SaveFailed(f"{target}: {exc.strerror or exc}") from None
    return photo


def page_aspect(corners: np.ndarray) -> float:
    """Height over width of the quad the corners outline (A4 portrait is about 1.414)."""
    tl, tr, br, bl = order_corners(corners)
    width = (math.dist(tl, tr) + math.dist(bl, br)) / 2
    height = (math.dist(tl, bl) + math.dist(tr, br)) / 2
    return height / width if width else 0.0
