"""Cameras: the interface every camera has, and the driver over cv2.VideoCapture.

URLs: ``camera://0`` (device index: /dev/video0), ``camera:///path/to/video.avi`` (a video file)
or ``camera:///dir/frame_%03d.png`` (an image sequence; the path is taken literally, it is not
percent-decoded). Options: ``loop=1`` starts a file again at its end, ``timeout=<s>`` bounds each
read (default 2), ``width=``/``height=`` ask a live camera for a frame size.

States: READY after a frame was read, ERROR when a read gave no frame in time, DISCONNECTED
when the camera cannot be opened or stops answering (the next read tries to open it again).

Error codes (see :mod:`devices.camera.errors`): camera.not_found, camera.disconnected,
camera.no_frame.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import cv2
import numpy as np

from devices.base import Device, DeviceState, DeviceURLError, parse_device_url
from devices.camera.errors import CameraDisconnected, CameraNotFound, NoFrame

log = logging.getLogger("hallq.devices.camera")

Frame = np.ndarray
#: Frames a live camera's driver may hold from before a read (V4L2's default buffer count).
STALE_FRAMES = 4


class CallThread:
    """One daemon thread that runs a camera's blocking OpenCV calls, one after another.

    OpenCV and the FFmpeg under it keep buffers per calling thread that are not given back
    when the thread ends: a new thread per read held on to 0.1-0.4 MB of native memory per
    frame at 1920x1080 (the kiosk grew ~0.2 MB per submission). One thread for the camera's
    life reuses them. Daemon, so that a read stuck in a driver never holds up the exit."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[[], Any]] | None] | None = None

    def submit(self, func: Callable[[], Any]) -> Future:
        """Run ``func`` on the thread (started at the first call); its result comes in the
        future."""
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(self._jobs,), name=self.name,
                             daemon=True).start()
        future: Future = Future()
        self._jobs.put((future, func))
        return future

    @staticmethod
    def _serve(jobs: queue.SimpleQueue[tuple[Future, Callable[[], Any]] | None]) -> None:
        while (job := jobs.get()) is not None:
            future, func = job
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up waiting before it started
            try:
                future.set_result(func())
            except BaseException as exc:  # the caller's to raise
                future.set_exception(exc)

    def stop(self) -> None:
        """End the thread once it has done what was given before (a call stuck in a driver
        ends it when it returns); the next :meth:`submit` starts a new one."""
        jobs, self._jobs = self._jobs, None
        if jobs is not None:
            jobs.put(None)


class Camera(Device):
    """A camera: :meth:`read` gives the next frame (BGR, ``height x width x 3``)."""

    kind = "camera"

    def read(self, timeout: float | None = None) -> Frame:
        """The next frame; :class:`NoFrame` when none comes within ``timeout`` seconds."""
        raise NotImplementedError

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """(width, height) of the last frame read, or None before the first."""
        raise NotImplementedError


class OpenCvCamera(Camera):
    """A camera device, video file or image sequence read through cv2.VideoCapture."""

    def __init__(self, url: str, source: int | str, *, loop: bool = False, timeout: float = 2.0,
                 width: int | None = None, height: int | None = None) -> None:
        super().__init__(url)
        self.source = source
        self.loop = loop
        self.timeout = timeout
        self.requested_size = (width, height)
        self.simulator: Any = None
        self._cap: cv2.VideoCapture | None = None
        self._cap_lock = threading.Lock()
        self._calls = CallThread(f"camera-{url}")
        self._frame_size: tuple[int, int] | None = None
        self.frames_read = 0

    @property
    def is_file(self) -> bool:
        """True for a video file or image sequence, False for a camera device."""
        return isinstance(self.source, str) and not self.source.startswith("/dev/")

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """(width, height) of the last frame read, or None before the first."""
        return self._frame_size

    def open(self) -> None:
        """Open the camera or file; :class:`CameraNotFound` / :class:`CameraDisconnected`."""
        if self._cap is not None:
            return
        self._check_exists()
        try:
            cap = self._bounded(self._open_capture, "open")
        except NoFrame:
            self._set_state(DeviceState.DISCONNECTED)
            raise CameraDisconnected(f"{self.source}: opening took more than "
                                     f"{self.timeout:g} s") from None
        if cap is None:
            self._set_state(DeviceState.DISCONNECTED)
            kind = "cannot decode" if self.is_file else "cannot open"
            raise CameraDisconnected(f"OpenCV {kind} {self.source}")
        self._cap = cap
        if self.state in (DeviceState.UNKNOWN, DeviceState.DISCONNECTED):
            self._set_state(DeviceState.READY)

    def _check_exists(self) -> None:
        if isinstance(self.source, int):
            device = f"/dev/video{self.source}"
            if os.name == "posix" and not os.path.exists(device):
                self._set_state(DeviceState.DISCONNECTED)
                raise CameraNotFound(f"{device} does not exist")
            return
        path = self.source
        folder = os.path.dirname(path) or "."
        missing = not os.path.isdir(folder) if "%" in path else not os.path.exists(path)
        if missing:
            self._set_state(DeviceState.DISCONNECTED)
            raise CameraNotFound(f"{path} does not exist")

    def _open_capture(self) -> cv2.VideoCapture | None:
        cap = cv2.VideoCapture(self.source)
        if not cap.isOpened():
            cap.release()
            return None
        width, height = self.requested_size
        if width and height and not self.is_file:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        return cap

    def read(self, timeout: float | None = None) -> Frame:
        """The next frame (BGR); a looping file starts again at its end."""
        self.open()
        limit = self.timeout if timeout is None else timeout
        try:
            ok, frame = self._bounded(self._read_once, "read", limit)
            if not ok and self.is_file and self.loop:
                self._reopen()
                ok, frame = self._bounded(self._read_once, "read", limit)
        except NoFrame:
            self._set_state(DeviceState.ERROR)
            raise
        if not ok:
            return self._no_frame()
        if frame is None or frame.size == 0:
            self._set_state(DeviceState.ERROR)
            raise NoFrame(f"{self.source} gave an empty frame")
        self._frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        self.frames_read += 1
        self._set_state(DeviceState.READY)
        return frame

    def read_fresh(self, timeout: float | None = None) -> Frame:
        """The frame the camera sees now: a live camera first drops the frames its driver
        buffered while nobody read (V4L2 keeps up to four, possibly seconds old); a file
        gives its next frame."""
        if not self.is_file and self._cap is not None:
            for _ in range(STALE_FRAMES):
                self._bounded(self._grab_once, "grab", timeout)
        return self.read(timeout)

    def _grab_once(self) -> bool:
        cap = self._cap
        return bool(cap.grab()) if cap is not None else False

    def _no_frame(self) -> Frame:
        if self.is_file:
            self._set_state(DeviceState.ERROR)
            raise NoFrame(f"end of {self.source}")
        # a live camera that stops giving frames was unplugged: reopen on the next read
        self._release()
        self._set_state(DeviceState.DISCONNECTED)
        raise CameraDisconnected(f"{self.source} stopped giving frames")

    def _read_once(self) -> tuple[bool, Frame | None]:
        cap = self._cap
        if cap is None:
            return False, None
        ok, frame = cap.read()
        return bool(ok), frame

    def _reopen(self) -> None:
        self._release()
        self.open()

    def _bounded(self, func: Callable[[], Any], what: str, limit: float | None = None) -> Any:
        """Run one blocking OpenCV call under the time limit, one call at a time."""
        limit = self.timeout if limit is None else limit

        def run() -> Any:
            with self._cap_lock:
                try:
                    return func()
                except cv2.error as exc:
                    raise CameraDisconnected(f"OpenCV {what}: {exc}") from None

        future = self._calls.submit(run)
        try:
            return future.result(limit)
        except FutureTimeout:
            future.cancel()  # not run later when it has not started yet
            raise NoFrame(f"{what} of {self.source} took more than {limit:g} s") from None

    def _release(self) -> None:
        cap, self._cap = self._cap, None
        if cap is None:
            return
        if self._cap_lock.acquire(timeout=self.timeout):
            try:
                cap.release()
            finally:
                self._cap_lock.release()
        else:  # a read is stuck in the driver: release when it returns
            threading.Thread(target=self._release_later, args=(cap,), daemon=True).start()

    def _release_later(self, cap: cv2.VideoCapture) -> None:
        with self._cap_lock:
            cap.release()

    def close(self) -> None:
        """Release the camera or file and end its call thread."""
        self._release()
        self._calls.stop()
        self._set_state(DeviceState.DISCONNECTED)


def open_url(url: str) -> OpenCvCamera:
    """The camera a ``camera://`` URL names (opened lazily)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "camera":
        raise DeviceURLError(f"not a camera:// URL: {url}")
    source: int | str
    if parsed.host:
        if not parsed.host.isdigit():
            raise DeviceURLError(f"camera://N wants a device number, got {parsed.host!r}")
        source = int(parsed.host)
    elif parsed.path:
        source = parsed.path
    else:
        raise DeviceURLError(f"no camera number or file in {url}")
    raw_timeout = parsed.param("timeout", "2") or "2"
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise DeviceURLError(f"timeout={raw_timeout!r} is not a number in {url}") from None
    return OpenCvCamera(url, source, loop=parsed.param("loop", "0") == "1", timeout=timeout,
                        width=parsed.int_param("width", 0) or None,
                        height=parsed.int_param("height", 0) or None)
