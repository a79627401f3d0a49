"""Fixtures of the tests of central and the sync agent: a real PostgreSQL server for the
session (started here, never skipped), and a fresh central database per test on PostgreSQL
and on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.data_key import DataKey, open_data_key
from central.db import Database, open_database
from tests.helpers.central import PgCluster, acquire_shared_cluster, release_shared_cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster, stopped and deleted at the end of the session."""
    cluster = acquire_shared_cluster()
    yield cluster
    release_shared_cluster()


def new_db_url(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the dialect, dropped after the test."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")
    yield url
    cluster.drop_database(url)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty central database URL, once per dialect."""
    yield from new_db_url(request.param, tmp_path, request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL database URL."""
    yield from new_db_url("postgresql", tmp_path, request)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An opened, migrated central database, closed after the test."""
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def data_key(db: Database, tmp_path: Path) -> DataKey:
    """Central's data key for ``db`` (a new key file in ``tmp_path``), its migrations
    applied."""
    return open_data_key(db, tmp_path / "central-data.key")
