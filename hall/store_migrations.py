"""The hall store's schema changes, in order: each a named migration that
:meth:`hall.store.Store.migrate` applies once, in the transaction that records it. A name is
never reused or changed once shipped; a new one goes at the end."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("events").create({"seq": int, "ts": float, "kind": str, "data": str}, pk="seq")
    db.table("tickets").create(
        {"id": str, "day": str, "number": str, "theme": str, "item": str, "channel": str,
         "issued_at": float, "sort_key": float, "status": str, "green": int, "elderly": int,
         "appointment_id": str, "slot_start": float, "slot_end": float, "id_hash": str,
         "id_masked": str, "to_window": str, "window": str, "called_at": float,
         "serving_at": float, "finished_at": float, "recalls": int, "transfers": int,
         "recheckins": int, "rating": int, "expected_wait_s": int},
        pk="id", not_null={"day", "number", "theme", "status"})
    db.table("tickets").create_index(["day", "number"], unique=True)
    db.table("tickets").create_index(["day", "status"])
    db.table("counters").create({"day": str, "theme": str, "last": int}, pk=("day", "theme"))
    db.table("windows").create({"number": str, "status": str, "current": str, "staff_id": str,
                          "served_today": int, "service_s_today": float}, pk="number")
    db.table("service_means").create({"key": str, "mean": float, "count": int}, pk="key")
    db.table("appointments").create({"id": str, "theme": str, "item": str, "slot_start": float,
                               "slot_end": float, "id_hash": str, "ticket_id": str}, pk="id")
    db.table("devices").create({"token_hash": str, "name": str, "role": str, "window": str,
                          "created_at": float, "revoked": int}, pk="token_hash")


def _m002_remote_calling(db: sqlite_utils.Database) -> None:
    # tickets lent to other halls' windows (the home side of the lease protocol)
    db.table("home_leases").create({"id": str, "day": str, "ticket": str, "remote": str,
                                    "state": str, "expires_at": float, "booth": str}, pk="id")
    db.table("home_leases").create_index(["day"])
    # this hall's windows calling tickets of other halls: one row per window, the latest call
    db.table("remote_calls").create({"window": str, "data": str}, pk="window")
    # citizens sent from this hall's kiosks to another hall
    db.table("referrals").create({"id": str, "day": str, "data": str}, pk="id")
    db.table("referrals").create_index(["day"])


def _m003_ticket_referral(db: sqlite_utils.Database) -> None:
    # the central referral a ticket was issued for: issuing it again gives the same ticket
    db.table("tickets").add_column("referral_id", str)


def _m004_staff_secrets(db: sqlite_utils.Database) -> None:
    # staff PINs (scrypt hashes, hall/pin_hash.py) and badges, set with `hallq staff`
    db.table("staff_secrets").create({"staff_id": str, "pin_hash": str, "badge_uid": str,
                                      "disabled": int, "updated_at": float}, pk="staff_id")


def _m006_device_states(db: sqlite_utils.Database) -> None:
    # the last state each device reported (``device.status``), so that a fault outlives a restart
    db.table("device_states").create({"place": str, "device": str, "state": str, "detail": str,
                                      "at": float}, pk=("place", "device"))


def _m007_staff_roster(db: sqlite_utils.Database) -> None:
    # staff added with `hallq staff add|import` (the TOML's [[staff]] are the others)
    db.table("staff_roster").create({"staff_id": str, "name_zh": str, "added_at": float},
                                    pk="staff_id")


def _m008_pairing_codes(db: sqlite_utils.Database) -> None:
    # short codes a device claims its token with (`hallq pair --code`), kept as keyed hashes
    db.table("pairing_codes").create({"id": int, "code_hash": str, "role": str, "window": str,
                                      "name": str, "expires_at": float, "claimed": int}, pk="id")


def _m009_window_pause_reason(db: sqlite_utils.Database) -> None:
    # why a paused window is paused (午休, 暂离 …), so that it is still said after a restart
    db.table("windows").add_column("pause_reason", str)


def _m010_day_plans(db: sqlite_utils.Database) -> None:
    # a supervisor's changes of the day over the TOML (quota, cutoff, hours, notice, who sits
    # where), one row per service day (hall/day_plan.py)
    db.table("day_plans").create({"day": str, "data": str}, pk="day")


def _m011_events_by_time(db: sqlite_utils.Database) -> None:
    # the supervisor's reports over a period (ratings per window and staff) read by time
    db.table("events").create_index(["ts"], index_name="events_by_ts", if_not_exists=True)


#: Applied in order; a name is never reused or changed once shipped.
def _m012_service_spreads(db: sqlite_utils.Database) -> None:
    # the learned spread of each theme's and item's service times (the wait estimate's cv²)
    db.table("service_means").add_column("cv2", float)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("002_remote_calling", _m002_remote_calling),
    ("003_ticket_referral", _m003_ticket_referral),
    ("004_staff_secrets", _m004_staff_secrets),
    ("006_device_states", _m006_device_states),
    ("007_staff_roster", _m007_staff_roster),
    ("008_pairing_codes", _m008_pairing_codes),
    ("009_window_pause_reason", _m009_window_pause_reason),
    ("010_day_plans", _m010_day_plans),
    ("011_events_by_time", _m011_events_by_time),
    ("012_service_spreads", _m012_service_spreads),
]
