"""The central platform's database: PostgreSQL in production, SQLite as the embedded default.

:func:`open_database` takes a URL (``postgresql://…`` or ``sqlite:///path``) and returns a
:class:`Database` whose :meth:`~Database.transaction` yields a :class:`Tx`. SQL is written once,
with ``?`` placeholders, in the subset both databases share (``ON CONFLICT``, ``excluded``);
the few places that differ ask :attr:`Tx.dialect`. Only the ``sync`` package's store modules
speak SQL. Migrations (``central/migrations.py``) run when a database is opened.

Errors: :class:`DatabaseUnavailable` (connection lost, disk full, locked) is shown to callers as
a 503 and is safe to retry, since every write is one transaction.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import urlparse

import psycopg

from hall.errors import ErrorCode

log = logging.getLogger("hallq.central.db")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or written right now; the caller may retry."""

    code = ErrorCode.DATABASE_UNAVAILABLE


class Tx:
    """One open transaction. ``?`` placeholders in every dialect."""

    def __init__(self, dialect: str, cursor: Any) -> None:
        self.dialect = dialect
        self._cursor = cursor

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self._cursor.execute(self._sql(sql), params)

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one UPDATE or DELETE; how many rows it changed."""
        self._cursor.execute(self._sql(sql), params)
        return int(self._cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row (pipelined on PostgreSQL)."""
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
                  ) -> None:
        """Append many new rows: ``COPY`` on PostgreSQL (not inside :meth:`pipeline`), one
        prepared INSERT on SQLite. A row whose key exists fails the whole transaction:
        callers append only rows they know are new."""
        if self.dialect != "postgresql":
            marks = ", ".join("?" for _ in columns)
            self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                             rows)
        elif rows:
            with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def insert_rows(self, table: str, columns: Sequence[str], types: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        """Append a few new rows with one statement (may be inside :meth:`pipeline`): on
        PostgreSQL one ``INSERT … SELECT FROM unnest(…)`` of binary arrays of the SQL
        ``types``, on SQLite one prepared INSERT per row."""
        if not rows:
            return
        if self.dialect == "postgresql":
            arrays = [list(column) for column in zip(*rows, strict=True)]
            casts = ", ".join(f"%b::{sql_type}[]" for sql_type in types)
            self._cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                                 f"SELECT * FROM unnest({casts})", arrays)
        else:
            marks = ", ".join("?" for _ in columns)
            self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                             rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Every row of a query."""
        self._cursor.execute(self._sql(sql), params)
        return list(self._cursor.fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        """The first row of a query, or None."""
        self._cursor.execute(self._sql(sql), params)
        return self._cursor.fetchone()

    def pipeline(self) -> AbstractContextManager[Any]:
        """Statements in this block go to PostgreSQL together, in one round trip (their
        results cannot be read inside it)."""
        if self.dialect == "postgresql":
            return self._cursor.connection.pipeline()
        return nullcontext()

    @property
    def for_update(self) -> str:
        """The row-lock suffix of a SELECT (SQLite locks the whole database instead)."""
        return " FOR UPDATE" if self.dialect == "postgresql" else ""


class Database:
    """A database of the central platform; safe to share between threads."""

    dialect = ""
    url = ""

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Tx]:
        """One transaction: committed when the block ends, rolled back on any error.

        ``durable=False`` lets PostgreSQL acknowledge the commit before it is on disk (for
        data that can be sent again, like a hall's events); SQLite ignores it."""
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        """Close every connection."""

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names."""
        from central.migrations import migrate

        return migrate(self)


class SqliteDatabase(Database):
    """One SQLite file (WAL, synchronous=FULL) and one connection; writes are serialised."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.url = f"sqlite:///{path}"
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                     timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Tx]:
        """One ``BEGIN IMMEDIATE`` transaction under the connection's lock."""
        with self._lock:
            cursor = self._conn.cursor()
            try:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as err:
                    raise DatabaseUnavailable(str(err)) from err
                try:
                    yield Tx(self.dialect, cursor)
                except BaseException:
                    self._conn.rollback()
                    raise
                try:
                    self._conn.commit()
                except sqlite3.Error as err:
                    self._conn.rollback()
                    raise DatabaseUnavailable(str(err)) from err
            finally:
                cursor.close()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class PostgresDatabase(Database):
    """A small pool of psycopg connections to one PostgreSQL database: durable ones, and
    ones opened with ``synchronous_commit = off`` for :meth:`transaction` ``(durable=False)``."""

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.url = url
        self.pool_size = pool_size
        self._idle: dict[bool, queue.LifoQueue[psycopg.Connection]] = {
            True: queue.LifoQueue(), False: queue.LifoQueue()}
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False

    def _connect(self, durable: bool) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, connect_timeout=5, options="" if durable else
                                   "-c synchronous_commit=off")
        except psycopg.Error as err:
            raise DatabaseUnavailable(str(err)) from err

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Tx]:
        """Borrow a connection for one transaction; a broken connection is dropped."""
        if not self._slots.acquire(timeout=30):
            raise DatabaseUnavailable("no free database connection")
        conn = None
        try:
            try:
                conn = self._idle[durable].get_nowait()
            except queue.Empty:
                conn = self._connect(durable)
            try:
                with conn.cursor() as cursor:
                    yield Tx(self.dialect, cursor)
                conn.commit()
            except BaseException as err:
                if not conn.broken:
                    try:
                        conn.rollback()
                    except psycopg.Error:
                        pass
                if isinstance(err, psycopg.OperationalError):
                    raise DatabaseUnavailable(str(err)) from err
                raise
        finally:
            if conn is not None:
                if conn.broken or conn.closed or self._closed:
                    conn.close()
                else:
                    self._idle[durable].put(conn)
            self._slots.release()

    def close(self) -> None:
        """Close the idle connections (and those returned later)."""
        self._closed = True
        for idle in self._idle.values():
            while not idle.empty():
                idle.get_nowait().close()


def open_database(url: str, migrate: bool = True, pool_size: int = 8) -> Database:
    """Open (and by default migrate) the database at ``url``."""
    parsed = urlparse(url)
    db: Database
    if parsed.scheme in ("postgresql", "postgres"):
        db = PostgresDatabase(url, pool_size=pool_size)
    elif parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        if not path:
            raise ValueError("a SQLite URL names a file: sqlite:///path/to/central.sqlite3")
        db = SqliteDatabase(path)
    else:
        raise ValueError(f"unsupported database URL {url!r}: use postgresql://… or sqlite:///…")
    if migrate:
        try:
            db.migrate()
        except BaseException:
            db.close()
            raise
    return db
