"""Running a hall node: the API under uvicorn, the node's writer and the zeroconf advert."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn

from hall.api import API_VERSION, create_app
from hall.config import HallConfig
from hall.discovery import Advertiser
from hall.fastpath import FastPath
from hall.gc_pauses import keep_collections_short
from hall.net import free_port
from hall.node import HallNode
from hall.sd_notify import Watchdog, watchdog_period

log = logging.getLogger("hallq.server")


class HallServer:
    """A hall node served over HTTP, in the foreground (:meth:`serve`) or a thread.

    ``fast_path`` puts :class:`hall.fastpath.FastPath` in front of the FastAPI app (off only
    to compare the two in tests and benchmarks)."""

    def __init__(self, node: HallNode, host: str = "127.0.0.1", port: int = 8470,
                 advertise: bool = True, log_level: str = "warning",
                 fast_path: bool = True) -> None:
        self.node = node
        self.host = host
        self.port = port or free_port(host)
        self.app = create_app(node)
        self.advertise = advertise
        served = FastPath(self.app) if fast_path else self.app
        # No per-message deflate: events are small and the LAN is fast, while compressing each
        # event again for every subscriber took a third of the node's CPU in bench_display.
        # No proxy headers: devices talk to the node directly, never through a proxy.
        config = uvicorn.Config(served, host=host, port=self.port, log_level=log_level,
                                access_log=False, ws_ping_interval=20, ws_ping_timeout=20,
                                ws_per_message_deflate=False, timeout_graceful_shutdown=2,
                                proxy_headers=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the API."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    async def _serve(self) -> None:
        advertiser = None
        if self.advertise:
            config = self.node.config
            advertiser = Advertiser(config.hall_id, config.name_zh, self.host, self.port,
                                    API_VERSION)
            await advertiser.start()
        try:
            await self._server.serve()
        finally:
            if advertiser is not None:
                await advertiser.stop()

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._serve())

    def serve(self) -> None:
        """Serve until SIGINT/SIGTERM (uvicorn handles them), then stop the node."""
        self.node.start()
        keep_collections_short()
        # systemd (Type=notify): ready once uvicorn listens; alive while the writer answers
        watchdog = Watchdog(ready=lambda: bool(self._server.started),
                            alive=self.writer_answers).start()
        try:
            self._run()
        except KeyboardInterrupt:
            # uvicorn re-raises the signal after its graceful shutdown; that is a normal stop.
            log.info("stopped by the operator")
        finally:
            watchdog.stop()
            self.node.stop()

    def writer_answers(self) -> bool:
        """Whether the node's writer thread runs an operation within a watchdog period (a
        no-op: it writes nothing)."""
        try:
            self.node.run(lambda engine, now: (None, []), timeout=watchdog_period() or 10.0)
        except Exception:
            return False
        return True

    def start_in_thread(self, timeout: float = 10.0) -> HallServer:
        """Serve from a background thread; returns once the port accepts connections."""
        self.node.start()
        self._thread = threading.Thread(target=self._run, name="hall-http", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if self._server.started:
                return self
            deadline.wait(0.02)
        raise RuntimeError(f"hall server did not start on {self.url}")

    def stop(self) -> None:
        """Stop serving and stop the node."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.node.stop()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop, as ``uvicorn.run`` would choose: a cheaper loop for many sockets (the event
    stream's fan-out, the HTTP clients); asyncio's own when uvloop is missing."""
    try:
        import uvloop
    except ImportError:  # uvicorn[standard] brings it wherever it builds
        return None
    return uvloop.new_event_loop


def default_data_dir() -> Path:
    """Where a hall keeps its database unless told otherwise."""
    return Path.home() / ".local" / "share" / "hallq"


def make_node(config: HallConfig, data_dir: Path) -> HallNode:
    """A node for a config, its database in ``data_dir``."""
    return HallNode(config, data_dir)
