"""A five-page self-service submission from the kiosk's POST at the hall node to central's
verified copy, on loopback (issue #22).

A real hall node (HTTP), the real sync agent and central (HTTP, over a throwaway PostgreSQL
cluster when its binaries are found, else SQLite) share this process. Each run hands in C07
(住房公积金提取) with five photo-sized JPEGs (about 1 MB each: three pages of the contract, the
bank card, the marriage certificate): "receipt" is the POST's answer (checks, encryption,
fsync), "verified" is when central holds every file with its SHA-256 checked (the agent looks
at the outbox every ``poll_s``, here 0.1 s; 1 s by default).

Run: ``.venv/bin/python -m bench.bench_submission [--runs 10] [--sqlite]``
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from central.auth import create_credential
from central.db import open_database
from central.server import CentralServer
from hall.client import HallClient, SubmissionPhoto
from hall.node import HallNode
from hall.server import HallServer
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from sync.central_client import CentralClient
from tests.helpers.central import PgCluster, hall_config
from tests.helpers.submissions import CITIZEN, FIELDS, NAME, jpeg

PAGES = [("purchase_contract", 1), ("purchase_contract", 2), ("purchase_contract", 3),
         ("bank_card", 1), ("marriage_certificate", 1)]


@contextmanager
def central_db(use_sqlite: bool, tmp: Path) -> Iterator[tuple[str, str]]:
    """A database URL for central and what it is."""
    if not use_sqlite:
        try:
            cluster = PgCluster().start()
        except (OSError, RuntimeError) as err:
            print(f"no PostgreSQL here ({err}); SQLite instead")
        else:
            try:
                yield cluster.create_database("bench_submission"), "PostgreSQL"
            finally:
                cluster.stop()
            return
    yield f"sqlite:///{tmp / 'central.sqlite3'}", "SQLite"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(runs: int, use_sqlite: bool) -> None:
    """Hand in ``runs`` submissions one after another and print the figures."""
    photos = [SubmissionPhoto(m, p, jpeg(i, (1600, 1200), noise=True))
              for i, (m, p) in enumerate(PAGES)]
    size_mb = sum(len(p.jpeg) for p in photos) / 2**20
    with tempfile.TemporaryDirectory() as tmp_name, central_db(use_sqlite, Path(tmp_name)) as (
            url, kind):
        tmp = Path(tmp_name)
        node = HallNode(hall_config(), tmp / "hall")
        kiosk_token, sync_token = node.store.pair("kiosk", "k"), node.store.pair("sync", "s")
        hall = HallServer(node, port=0, advertise=False).start_in_thread()
        db = open_database(url)
        credential, office_token = create_credential(db, "hall", node.config.hall_id), \
            create_credential(db, "office")
        db.close()
        central = CentralServer(url, port=0, data_key_file=tmp / "central-data.key"
                                ).start_in_thread()
        agent = SyncAgent(AgentConfig(
            hall_url=hall.url, hall_token=sync_token, central_url=central.url,
            credential=credential, state_dir=tmp / "sync", hall_data_dir=tmp / "hall",
            poll_s=0.1, relay=False, follow_stream=False)).start()
        kiosk, office = HallClient(hall.url, kiosk_token), CentralClient(central.url,
                                                                        office_token)
        receipts, verified = [], []
        try:
            for number in range(runs):
                start = time.perf_counter()
                code = kiosk.submit_submission("C07", dict(FIELDS), photos, [], CITIZEN, NAME,
                                               f"bench-{number}", "2024-01")["receipt_code"]
                receipts.append(time.perf_counter() - start)
                while True:
                    found = office.call("GET", "/submissions", params={"limit": 1})
                    latest = found["submissions"][0] if found["submissions"] else None
                    if latest and latest["receipt"] == code and latest["status"] == "received":
                        break
                    time.sleep(0.005)
                verified.append(time.perf_counter() - start)
        finally:
            kiosk.close()
            office.close()
            agent.close()
            central.stop()
            hall.stop()
    print(f"five pages, {size_mb:.1f} MB, {runs} runs, central on {kind}, loopback, one "
          "process (hall node + agent + central)")
    print(f"{'':<28}{'p50':>10}{'p99':>10}{'mean':>10}")
    for label, values in (("POST → receipt", receipts), ("POST → central verified", verified)):
        print(f"{label:<28}{percentile(values, .5) * 1000:>8.0f}ms"
              f"{percentile(values, .99) * 1000:>8.0f}ms{statistics.mean(values) * 1000:>8.0f}ms")


def main() -> None:
    """``python -m bench.bench_submission``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sqlite", action="store_true", help="central on SQLite")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run(args.runs, args.sqlite)


if __name__ == "__main__":
    main()
