"""Running the central platform under uvicorn: in the foreground (``hallq central``), with
several worker processes, or in a thread (tests).

TLS: give a certificate and key and uvicorn serves HTTPS. Plain HTTP is allowed only on a
loopback address or when explicitly asked for (behind a load balancer that terminates TLS),
because submissions carry citizens' personal data. They are kept sealed with central's data
key (``central/data_key.py``): the server opens it (or makes it) and applies the migrations
that need it before any worker starts; each worker checks it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from central.app import create_central_app
from central.data_key import DataKey, open_data_key
from central.db import Database, open_database
from hall.idnumber import read_key
from hall.net import free_port, is_loopback

log = logging.getLogger("hallq.central.server")

#: The environment variables worker processes read the database URL and the paths of the
#: city's ID key file and central's data key file from.
DB_ENV = "HALLQ_CENTRAL_DB"
ID_KEY_ENV = "HALLQ_CENTRAL_ID_KEY_FILE"
DATA_KEY_ENV = "HALLQ_CENTRAL_DATA_KEY_FILE"
#: Seconds a worker may take to answer uvicorn's health check before it is killed and
#: restarted: one busy with thousands of open phone pages on a loaded machine answers late,
#: and killing it drops every page it serves (uvicorn's default is 5).
WORKER_PATIENCE_S = 30


def _with_data_key(db: Database, data_key_file: str | Path) -> DataKey:
    """Central's data key for ``db`` (closed when the key cannot be used)."""
    try:
        return open_data_key(db, data_key_file)
    except BaseException:
        db.close()
        raise


def app_from_env() -> FastAPI:
    """The app factory each uvicorn worker process calls (database URL, key files from the
    env)."""
    key_file = os.environ.get(ID_KEY_ENV)
    db = open_database(os.environ[DB_ENV])
    return create_central_app(db, id_key=read_key(key_file) if key_file else None,
                              data_key=_with_data_key(db, os.environ[DATA_KEY_ENV]))


class CentralServer:
    """The central API served by uvicorn."""

    def __init__(self, db_url: str, host: str = "127.0.0.1", port: int = 8480,
                 tls_cert: str | None = None, tls_key: str | None = None, workers: int = 1,
                 allow_plain_http: bool = False, log_level: str = "warning",
                 id_key_file: str | None = None, *, data_key_file: str | Path) -> None:
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("give both --tls-cert and --tls-key")
        if not tls_cert and not allow_plain_http and not is_loopback(host):
            raise ValueError("serving on a network without TLS: give --tls-cert/--tls-key "
                             "(or --allow-plain-http behind a TLS-terminating balancer)")
        self.db_url = db_url
        self.host = host
        self.port = port or free_port(host)
        self.tls = bool(tls_cert)
        self.workers = workers
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.log_level = log_level
        self.id_key_file = id_key_file
        self.data_key_file = str(data_key_file)
        if id_key_file:
            read_key(id_key_file)       # a bad key file fails at once, not in each worker
        self._server: uvicorn.Server | None = None
        self.app: FastAPI | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the API."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def serve(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM."""
        db = open_database(self.db_url)     # migrate once, before any worker starts
        _with_data_key(db, self.data_key_file)
        db.close()
        os.environ[DB_ENV] = self.db_url
        os.environ[DATA_KEY_ENV] = self.data_key_file
        if self.id_key_file:
            os.environ[ID_KEY_ENV] = self.id_key_file
        uvicorn.run("central.server:app_from_env", factory=True, workers=self.workers,
                    host=self.host, port=self.port, log_level=self.log_level, access_log=False,
                    ssl_certfile=self.tls_cert, ssl_keyfile=self.tls_key,
                    timeout_graceful_shutdown=5, timeout_worker_healthcheck=WORKER_PATIENCE_S)

    def start_in_thread(self, timeout: float = 10.0) -> CentralServer:
        """Serve (one worker) from a background thread; returns once it accepts connections."""
        db = open_database(self.db_url)
        app = create_central_app(db, id_key=read_key(self.id_key_file) if self.id_key_file
                                 else None, data_key=_with_data_key(db, self.data_key_file))
        server = uvicorn.Server(uvicorn.Config(
            app, host=self.host, port=self.port, log_level=self.log_level, access_log=False,
            ssl_certfile=self.tls_cert, ssl_keyfile=self.tls_key, timeout_graceful_shutdown=5))
        self._server = server
        self.app = app       # what a test reaches (app.state)
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve()),
                                        name="central-http", daemon=True)
        self._thread.start()
        waited = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if server.started:
                return self
            waited.wait(0.02)
        raise RuntimeError(f"central did not start on {self.url}")

    def stop(self) -> None:
        """Stop a server started with :meth:`start_in_thread`."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
