"""Central's storage on PostgreSQL and SQLite: migrations, exactly-once ingest with gap
detection, projections, appointments, submissions and statistics."""

from __future__ import annotations

import hashlib
import threading
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import appointments, catalog, ingest, live, stats, submissions
from central.data_key import DataKey, open_data_key
from central.db import Database, open_database
from central.errors import CentralError
from central.migrations import MIGRATIONS, applied
from central.projection import project
from hall.estimate import skill_lines, theme_wait
from hall.events import EventKind
from hall.state import WindowStatus
from tests.helpers.central import hall_catalog, hall_config
from tests.helpers.simulated_hall import SimulatedHall

LOG = SimulatedHall("H-LOG", seed=7).next_events(300)


def stored(db: Database, hall_id: str) -> list[dict]:
    """Every event central holds for a hall."""
    return ingest.events_after(db, hall_id, 0, 100_000)


def live_waiting(db: Database, hall_id: str) -> dict[str, int]:
    """People waiting per theme in central's live view."""
    view = live.city_view(db, hall_id)
    return {t["theme"]: t["waiting"] for t in view[0]["themes"] if t["waiting"]} if view else {}


def expected_waiting(events: list[dict]) -> dict[str, int]:
    """Waiting per theme when the whole log is projected in one go."""
    return {t: c.waiting for t, c in project(events).themes.items() if c.waiting}


def test_migrations_are_recorded_and_applied_once(db_url: str, tmp_path: Path) -> None:
    names = [name for name, _ in MIGRATIONS]
    first = open_database(db_url)
    try:         # those sealing rows wait for central's data key, in their order
        assert applied(first) == names[:names.index("011_seal_personal_data")]
        open_data_key(first, tmp_path / "central-data.key")
        assert applied(first) == names
        assert first.migrate() == []
    finally:
        first.close()


def test_a_batch_is_stored_once_however_often_it_is_sent(db: Database) -> None:
    first = ingest.ingest(db, "H1", LOG[:100], head_seq=300)
    again = ingest.ingest(db, "H1", LOG[:100])
    overlap = ingest.ingest(db, "H1", LOG[50:150])
    assert (first.acked, first.stored, first.missing) == (100, 100, [])
    assert (again.acked, again.stored) == (100, 0)
    assert (overlap.acked, overlap.stored) == (150, 50)
    assert stored(db, "H1") == LOG[:150]
    assert ingest.sync_state(db, "H1")["head_seq"] == 300


def test_a_gap_is_reported_and_filled(db: Database) -> None:
    ingest.ingest(db, "H1", LOG[:5])
    after_gap = ingest.ingest(db, "H1", LOG[7:10] + LOG[12:14])
    assert (after_gap.acked, after_gap.missing) == (5, [(6, 7), (11, 12)])
    assert ingest.sync_state(db, "H1")["missing"] == [[6, 7], [11, 12]]
    assert live_waiting(db, "H1") == expected_waiting(LOG[:5])
    filled = ingest.ingest(db, "H1", LOG[5:7])
    assert (filled.acked, filled.missing) == (10, [(11, 12)])
    filled = ingest.ingest(db, "H1", LOG[10:12])
    assert (filled.acked, filled.missing) == (14, [])
    assert stored(db, "H1") == LOG[:14]
    assert live_waiting(db, "H1") == expected_waiting(LOG[:14])


def test_halls_are_kept_apart(db: Database) -> None:
    ingest.ingest(db, "H1", LOG[:10])
    ingest.ingest(db, "H2", LOG[:3])
    assert [e["seq"] for e in stored(db, "H2")] == [1, 2, 3]
    assert ingest.sync_state(db, "H1")["acked"] == 10


def test_a_bad_batch_is_refused() -> None:
    for bad in ([{"seq": 2, "kind": "x", "ts": 1, "data": {}},
                 {"seq": 2, "kind": "x", "ts": 1, "data": {}}],
                [{"seq": 0, "kind": "x", "ts": 1, "data": {}}],
                [{"seq": 1, "kind": "", "ts": 1, "data": {}}],
                [{"seq": 1, "kind": "x", "ts": "now", "data": {}}], {"seq": 1}):
        with pytest.raises(CentralError) as refused:
            ingest.validate_batch(bad)
        assert refused.value.status == 422


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 120), st.integers(1, 60)), min_size=1, max_size=12))
def test_any_order_of_batches_gives_the_hall_log_exactly(db: Database,
                                                         slices: list[tuple[int, int]]) -> None:
    """Batches arrive in any order, overlapping, repeated: central ends with exactly the log
    and the same projection as one pass in order."""
    hall = f"H-{uuid.uuid4().hex[:8]}"
    log = LOG[:120]
    for start, length in [*slices, (0, 120)]:
        ingest.ingest(db, hall, log[start:start + length])
    assert stored(db, hall) == log
    assert ingest.sync_state(db, hall)["acked"] == 120
    assert live_waiting(db, hall) == expected_waiting(log)


def test_concurrent_pushes_of_one_hall_store_each_event_once(db: Database) -> None:
    errors: list[BaseException] = []

    def push(offset: int) -> None:
        try:
            for start in range(offset, 300, 40):
                ingest.ingest(db, "H1", LOG[:300][max(0, start - 30):start + 40])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=push, args=(i * 10,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ingest.ingest(db, "H1", LOG[:300])
    assert errors == []
    assert stored(db, "H1") == LOG[:300]
    assert live_waiting(db, "H1") == expected_waiting(LOG[:300])


def test_live_view_counts_open_windows_per_theme_from_the_catalog(db: Database) -> None:
    config = hall_config("H1")
    catalog.put_catalog(db, "H1", hall_catalog("H1"))
    events = [
        {"seq": 1, "ts": 1.0, "kind": EventKind.WINDOW_OPENED, "data": {"window": "1"}},
        {"seq": 2, "ts": 2.0, "kind": EventKind.WINDOW_OPENED, "data": {"window": "14"}},
        {"seq": 3, "ts": 3.0, "kind": EventKind.TICKET_ISSUED,
         "data": {"ticket": "20240312-A001", "theme": "A"}},
        {"seq": 4, "ts": 4.0, "kind": EventKind.TICKET_ISSUED,
         "data": {"ticket": "20240312-A002", "theme": "A"}},
        {"seq": 5, "ts": 5.0, "kind": EventKind.WINDOW_PAUSED, "data": {"window": "14"}},
    ]
    ingest.ingest(db, "H1", events)
    hall = live.city_view(db)[0]
    theme_a = next(t for t in hall["themes"] if t["theme"] == "A")
    a_windows = [n for n, w in config.windows.items() if "A" in w.skills]
    assert "1" in a_windows and hall["open_windows"] == 1
    assert theme_a["waiting"] == 2 and theme_a["open_windows"] == 1
    assert theme_a["name_zh"] == config.themes["A"].name_zh
    # the hall node's own figure: window 1 open and window 14 paused, each busy (central does
    # not know who is at a window), window 14 giving A what its preferred themes leave
    statuses = {"1": WindowStatus.OPEN, "14": WindowStatus.PAUSED}
    means = {t: theme.mean_service_s for t, theme in config.themes.items()}
    at_hall = theme_wait("A", skill_lines(config.windows.values()), statuses, {"1", "14"},
                         {"A": 2}, means)
    assert theme_a["expected_wait_s"] == at_hall.figure(2).seconds
    assert theme_a["expected_wait_s"] != round(3 * means["A"]), "not (n + 1) · m / 1"


def test_catalog_versions_and_checks(db: Database) -> None:
    body = hall_catalog("H1")
    assert catalog.put_catalog(db, "H1", body) == 1
    assert catalog.put_catalog(db, "H1", body) == 2
    assert catalog.get_catalog(db, "H1")["catalog"]["hall"]["id"] == "H1"  # type: ignore[index]
    with pytest.raises(CentralError) as wrong_hall:
        catalog.put_catalog(db, "H2", body)
    with pytest.raises(CentralError) as broken:
        catalog.put_catalog(db, "H1", {"hall": {"id": "H1"}, "themes": []})
    assert wrong_hall.value.code == broken.value.code == "catalog_invalid"


def test_appointments_book_list_cancel_and_look_up(db: Database) -> None:
    catalog.put_catalog(db, "H1", hall_catalog("H1"))
    slot = 1710208800.0  # 2024-03-12 10:00 in Shanghai
    id_hash = hashlib.sha256(b"someone").hexdigest()
    booked = appointments.book(db, "H1", "a01", slot, slot + 1800, id_hash)
    other = appointments.book(db, "H2", "B", slot, slot + 1800, id_hash)
    assert booked["day"] == "2024-03-12" and booked["service"] == "A01"
    assert len(booked["code"]) == 10
    assert [a["code"] for a in appointments.day_list(db, "H1", "2024-03-12")] == [booked["code"]]
    assert {a["code"] for a in appointments.find_by_id_hash(db, id_hash)} == {
        booked["code"], other["code"]}
    assert [a["hall_id"] for a in appointments.find_by_id_hash(db, id_hash, "H2")] == ["H2"]
    assert appointments.cancel(db, booked["code"].lower())["status"] == "cancelled"
    assert appointments.day_list(db, "H1", "2024-03-12")[0]["status"] == "cancelled"
    with pytest.raises(CentralError) as unknown:
        appointments.book(db, "H1", "Z99", slot, slot + 60)
    assert unknown.value.code == "unknown_service"


def test_a_submission_uploads_in_chunks_and_checks_the_whole_file(db: Database,
                                                                 data_key: DataKey) -> None:
    photo = bytes(range(256)) * 40
    spec: dict = {"name": "id-front.jpg", "size": len(photo),
            "sha256": hashlib.sha256(photo).hexdigest()}
    sub = submissions.create(db, data_key, "H1", "c-1", "F01", {"name": "张三"}, [spec])
    assert submissions.create(db, data_key, "H1", "c-1", "F01", {}, [spec])["id"] == sub["id"]
    assert sub["status"] == "uploading"
    submissions.put_chunk(db, data_key, sub["id"], spec["name"], 0, photo[:4000])
    with pytest.raises(CentralError) as wrong_offset:
        submissions.put_chunk(db, data_key, sub["id"], spec["name"], 0, photo[:4000])
    assert (wrong_offset.value.status, wrong_offset.value.code) == (409, "bad_offset")
    with pytest.raises(CentralError) as bad_chunk:
        submissions.put_chunk(db, data_key, sub["id"], spec["name"], 4000, photo[4000:8000],
                              "0" * 64)
    assert bad_chunk.value.code == "checksum_mismatch"
    assert submissions.file_progress(db, sub["id"], spec["name"])["received"] == 4000
    with pytest.raises(CentralError) as corrupt:  # the last chunk completes a wrong file
        submissions.put_chunk(db, data_key, sub["id"], spec["name"], 4000,
                              b"x" * (len(photo) - 4000))
    assert (corrupt.value.status, corrupt.value.code) == (422, "checksum_mismatch")
    assert submissions.file_progress(db, sub["id"], spec["name"])["received"] == 0
    for offset in range(0, len(photo), 3000):
        done = submissions.put_chunk(db, data_key, sub["id"], spec["name"], offset,
                                     photo[offset:offset + 3000])
    assert done["complete"]
    assert b"".join(submissions.file_content(db, data_key, sub["id"], spec["name"])) == photo
    found = submissions.get(db, sub["id"], data_key)
    assert found["status"] == "received" and found["fields"] == {"name": "张三"}
    assert "fields" not in submissions.get(db, sub["id"])


def test_submission_progress_follows_the_rules(db: Database, data_key: DataKey) -> None:
    sub = submissions.create(db, data_key, "H1", "c-2", "F01", {}, [])
    assert sub["status"] == "received"
    with pytest.raises(CentralError) as skipped:
        submissions.set_status(db, sub["id"], "done")
    assert skipped.value.code == "bad_state"
    for status in ("accepted", "in_progress", "done"):
        submissions.set_status(db, sub["id"], status, note="ok")
    public = submissions.progress_by_receipt(db, sub["receipt"])
    assert (public["status"], public["status_zh"]) == ("done", "已办结")
    assert set(public) == {"receipt_code", "item_name_zh", "item_name_en", "status",
                           "status_zh", "status_en", "reason_zh", "reason_en", "updated_at"}
    with pytest.raises(CentralError) as no_reason:
        submissions.set_status(
            db, submissions.create(db, data_key, "H1", "c-3", "F01", {}, [])["id"], "rejected")
    assert no_reason.value.code == "bad_request"


def test_statistics_group_waits_services_and_ratings(db: Database) -> None:
    def ticket(n: int, theme: str, window: str, wait: float, service: float,
               rating: int | None, channel: str = "kiosk") -> list[dict]:
        tid = f"20240312-{theme}{n:03d}"
        events = [(EventKind.TICKET_ISSUED, {"ticket": tid, "theme": theme, "item": f"{theme}01",
                                     "channel": channel}),
                  (EventKind.TICKET_CALLED, {"ticket": tid, "theme": theme, "window": window,
                                     "waited_s": wait}),
                  (EventKind.TICKET_FINISHED, {"ticket": tid, "theme": theme, "item": f"{theme}01",
                                       "window": window, "service_s": service})]
        if rating:
            events.append((EventKind.TICKET_RATED, {"ticket": tid, "theme": theme,
                                                    "level": rating}))
        return [{"kind": k, "ts": 1710208800.0 + n, "data": d} for k, d in events]

    log = (ticket(1, "A", "1", 300, 600, 5) + ticket(2, "A", "2", 100, 200, 4, "referral")
           + ticket(3, "B", "14", 50, 100, 1) + ticket(4, "A", "1", 200, 400, None))
    ingest.ingest(db, "H1", [{"seq": i + 1, **e} for i, e in enumerate(log)])
    ingest.ingest(db, "H2", [{"seq": i + 1, **e} for i, e in enumerate(ticket(1, "A", "1", 10,
                                                                              20, 5))])
    rows = stats.statistics(db, ["hall", "theme"])
    h1a = next(r for r in rows if (r["hall"], r["theme"]) == ("H1", "A"))
    assert (h1a["issued"], h1a["called"], h1a["served"], h1a["no_shows"]) == (3, 3, 3, 0)
    assert (h1a["wait_mean_s"], h1a["wait_max_s"], h1a["service_mean_s"]) == (200.0, 300.0, 400.0)
    assert h1a["ratings"] == {"5": 1, "4": 1, "3": 0, "2": 0, "1": 0}
    assert h1a["rating_shares"]["5"] == 0.5 and h1a["satisfied_share"] == 1.0
    by_window = stats.statistics(db, ["window"], hall_id="H1")
    assert {r["window"]: (r["issued"], r["called"]) for r in by_window} == {
        None: (4, 0), "1": (0, 2), "2": (0, 1), "14": (0, 1)}
    by_day_item = stats.statistics(db, ["day", "item"], hall_id="H1", day_from="2024-03-12",
                                   day_to="2024-03-12")
    assert {(r["day"], r["item"]) for r in by_day_item} == {("2024-03-12", "A01"),
                                                             ("2024-03-12", "B01")}
    by_channel = stats.statistics(db, ["channel"], hall_id="H1")
    assert {r["channel"]: (r["issued"], r["called"], r["wait_mean_s"]) for r in by_channel} == {
        "kiosk": (3, 3, 183.3), "referral": (1, 1, 100.0)}, "citizens other halls sent"
    assert stats.statistics(db, ["hall"], day_from="2024-03-13") == []
    with pytest.raises(CentralError):
        stats.statistics(db, ["citizen"])
    for by, days in ((["hall"] * 2000, {}), (["hall", "day", "hall"], {}),
                     (["hall"], {"day_from": "not-a-date"}), (["hall"], {"day_to": "zzz"}),
                     (["hall"], {"day_from": "2024-13-99"}), (["hall"], {"day_to": "20240312"})):
        with pytest.raises(CentralError) as refused:      # before: a 500, or every row
            stats.statistics(db, by, **days)
        assert refused.value.status == 422, (by[:3], days)


def test_a_no_show_its_window_undid_is_not_counted(db: Database) -> None:
    def at(n: int, kind: str, ticket: str) -> dict:
        return {"seq": n, "ts": 1710208800.0 + n, "kind": kind,
                "data": {"ticket": ticket, "number": ticket[-4:], "theme": "A", "window": "1"}}

    ingest.ingest(db, "H1", [at(1, EventKind.TICKET_NO_SHOW, "20240312-A001"),
                             at(2, EventKind.TICKET_NO_SHOW, "20240312-A002"),
                             at(3, EventKind.TICKET_NO_SHOW_UNDONE, "20240312-A002")])
    rows = stats.statistics(db, ["hall", "window"])
    assert [(r["hall"], r["window"], r["no_shows"]) for r in rows] == [("H1", "1", 1)]


def test_statistics_measure_the_error_of_the_waits_printed_on_tickets(db: Database) -> None:
    def called(n: int, waited: float, expected: float) -> list[dict]:
        tid = f"20240312-A{n:03d}"
        return [{"kind": EventKind.TICKET_ISSUED, "ts": 1710208800.0 + n,
                 "data": {"ticket": tid, "theme": "A", "expected_wait_s": expected}},
                {"kind": EventKind.TICKET_CALLED, "ts": 1710209800.0 + n,
                 "data": {"ticket": tid, "theme": "A", "window": "1", "waited_s": waited,
                          "expected_wait_s": expected}}]

    # told 10 min, waited 15 (+300 s); told 10, waited 8 (−120 s); told 5, waited 6 (+60 s)
    log = called(1, 900, 600) + called(2, 480, 600) + called(3, 360, 300)
    ingest.ingest(db, "H1", [{"seq": i + 1, **e} for i, e in enumerate(log)])
    (row,) = stats.statistics(db, ["hall", "theme"])
    assert row["estimate_mae_s"] == 160.0
    assert row["under_predicted_share"] == round(2 / 3, 4)
    assert (row["called"], row["wait_mean_s"]) == (3, 580.0)     # estimates are not waits
