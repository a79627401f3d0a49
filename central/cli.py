"""The ``hallq central`` command: the city's central platform (mounted by ``hallq/cli.py``
through :func:`register`; ``python -m central`` runs it on its own).

  hallq central --db postgresql://… --bind 0.0.0.0 --tls-cert C --tls-key K
  hallq central --db sqlite:///var/central.sqlite3 add-hall --hall GD-SZ-FT-001
  hallq central --db … add-admin | add-phone | add-office | credentials | revoke ID | migrate
  hallq central --db … publish-catalog --hall GD-SZ-FT-001 hall.toml
  hallq central --db … submissions list | show CODE | accept CODE | reject CODE --reason …
  hallq central --db … office-staff add S9001 --name 陈静 | list | disable S9001
  hallq central --db … purge --days 30 --submission-days 180

Central keeps the personal parts of submissions sealed with its data key
(``--data-key-file``, default ``var/central-data.key``, made on the first start:
``central/data_key.py``); the commands that read or erase them (serving, ``submissions``,
``purge``, ``migrate``) open it, and refuse with a message naming the file when it is missing
or is not the database's key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from central import office_staff_cli, submissions_cli
from hall.logs import setup_logging

#: Default days of ``purge --submission-days`` (``central.retention.SUBMISSION_DAYS``, not
#: imported here so that the command line starts without the database driver).
SUBMISSION_DAYS = 180

DEFAULT_DB = "sqlite:///var/central.sqlite3"
#: ``central.data_key.DEFAULT_DATA_KEY_FILE`` (not imported, as above).
DEFAULT_DATA_KEY_FILE = "var/central-data.key"


def _open(args: argparse.Namespace) -> Any:
    from central.db import open_database

    if args.db.startswith("sqlite:///"):
        Path(args.db[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return open_database(args.db)


def _open_keyed(args: argparse.Namespace) -> tuple[Any, Any]:
    """The database and central's data key (``DataKeyError`` when the key cannot be used;
    the database is closed then)."""
    from central.data_key import open_data_key

    db = _open(args)
    try:
        return db, open_data_key(db, args.data_key_file)
    except BaseException:
        db.close()
        raise


def _key_refused(err: Any) -> int:
    """Say why central's data key cannot be used, in Chinese and English; exit status 2."""
    print(f"hallq central: {err.message_zh}\nhallq central: {err.message_en}", file=sys.stderr)
    return 2


# ---------------------------------------------------------------------- central
def _phone_trip(key: str) -> Any:
    """An argparse type checking one phone trip setting against its range."""
    def checked(text: str) -> float:
        from central.city import phone_trip_value

        try:
            return phone_trip_value(key, text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return checked


def cmd_central(args: argparse.Namespace) -> int:
    """Run the central service in the foreground."""
    from central.data_key import DataKeyError
    from central.server import CentralServer

    setup_logging(getattr(args, "verbose", False))
    try:
        _open_keyed(args)[0].close()
    except DataKeyError as err:
        return _key_refused(err)
    if args.default_travel_min is not None:  # read by every worker (central/city.py)
        from central.city import TRAVEL_ENV

        os.environ[TRAVEL_ENV] = str(args.default_travel_min)
    from central.city import PHONE_TRIP_ENV

    for key, (name, _, _) in PHONE_TRIP_ENV.items():
        value = getattr(args, f"phone_{key}")
        if value is not None:
            os.environ[name] = str(value)
    try:
        server = CentralServer(args.db, host=args.bind, port=args.port, tls_cert=args.tls_cert,
                               tls_key=args.tls_key, workers=args.workers,
                               allow_plain_http=args.allow_plain_http,
                               log_level="info" if getattr(args, "verbose", False) else "warning",
                               id_key_file=args.id_key_file,
                               data_key_file=args.data_key_file)
    except ValueError as err:
        print(f"hallq central: {err}", file=sys.stderr)
        return 2
    print(f"hallq central: {server.url} over {args.db.split(':', 1)[0]}, "
          f"{args.workers} worker(s)", flush=True)
    server.serve()
    return 0


def cmd_add_credential(args: argparse.Namespace) -> int:
    """Create a hall, admin, phone or back-office credential and print its token once."""
    from central.auth import create_credential

    db = _open(args)
    try:
        token = create_credential(db, args.role, getattr(args, "hall", None), args.note)
    finally:
        db.close()
    if args.json:
        print(json.dumps({"token": token, "role": args.role, "hall_id": getattr(args, "hall",
                                                                                 None)}))
    else:
        print(token)
    return 0


def cmd_credentials(args: argparse.Namespace) -> int:
    """List credentials (never their secrets)."""
    from central.auth import list_credentials

    db = _open(args)
    try:
        for cred in list_credentials(db):
            print(json.dumps(cred, ensure_ascii=False))
    finally:
        db.close()
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke a credential by id."""
    from central.auth import revoke

    db = _open(args)
    try:
        found = revoke(db, args.id)
    finally:
        db.close()
    if not found:
        print(f"hallq central: no credential {args.id}", file=sys.stderr)
        return 1
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the schema migrations (also done at start) and list what is applied."""
    from central.data_key import DataKeyError
    from central.migrations import applied

    try:
        db = _open_keyed(args)[0]
    except DataKeyError as err:
        return _key_refused(err)
    try:
        print("\n".join(applied(db)))
    finally:
        db.close()
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Erase personal data past its retention (run daily); print what was erased."""
    from central.data_key import DataKeyError
    from central.retention import purge

    if args.days < 1 or args.submission_days < 1:
        print("hallq central purge: --days and --submission-days must be at least 1",
              file=sys.stderr)
        return 2
    try:
        db = _open_keyed(args)[0]       # the rows sealed first, so the right ones are erased
    except DataKeyError as err:
        return _key_refused(err)
    try:
        erased = purge(db, args.days, submission_days=args.submission_days)
    finally:
        db.close()
    print(f"erased: {erased['appointments']} appointment ID hashes older than {args.days} "
          f"days, {erased['referrals']} referred citizens, {erased['submissions']} "
          f"submissions' personal data and {erased['documents']} reusable documents")
    return 0


def cmd_publish_catalog(args: argparse.Namespace) -> int:
    """Publish a hall's TOML (themes, items, windows, quotas, hours) as its catalog."""
    from central.catalog import put_catalog, toml_to_catalog
    from central.errors import CentralError

    db = _open(args)
    try:
        version = put_catalog(db, args.hall, toml_to_catalog(args.toml))
    except CentralError as err:
        print(f"hallq central: {err.message_zh} ({err.message_en})", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"catalog of {args.hall}: version {version}")
    return 0


def _db_option(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    parser.add_argument("--db", default=default,
                        help=f"database URL: postgresql://… or sqlite:///path (default "
                             f"{DEFAULT_DB})")


def _data_key_option(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS
                     ) -> None:
    parser.add_argument("--data-key-file", default=default,
                        help="central's key sealing submissions' personal data (64 hex "
                             "digits; made, mode 0600, on the first start; default "
                             f"{DEFAULT_DATA_KEY_FILE})")


def _db_and_key_options(parser: argparse.ArgumentParser) -> None:
    _db_option(parser)
    _data_key_option(parser)


def register(subparsers: Any) -> None:
    """Add ``central`` to the ``hallq`` command line."""
    central = subparsers.add_parser("central", help="the city's central platform (中心平台)")
    _db_option(central, DEFAULT_DB)
    _data_key_option(central, DEFAULT_DATA_KEY_FILE)
    central.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    central.add_argument("--port", type=int, default=8480, help="TCP port (default 8480)")
    central.add_argument("--tls-cert", help="TLS certificate (PEM) to serve HTTPS")
    central.add_argument("--tls-key", help="the certificate's private key (PEM)")
    central.add_argument("--workers", type=int, default=1, help="API worker processes")
    central.add_argument("--allow-plain-http", action="store_true",
                         help="serve plain HTTP on a network (only behind a TLS balancer)")
    central.add_argument("--default-travel-min", type=float, default=None,
                         help="cloud calling: travel time between halls of which one has no "
                              "location in its catalog (minutes, default 20)")
    for key, what in (("max_travel_min", "the longest trip offered, minutes (default 60)"),
                      ("min_saving_min", "the least time a trip must save, minutes (default 5)"),
                      ("saving_per_travel", "the least saving per minute of the trip "
                                            "(default 0.25)")):
        central.add_argument(f"--phone-{key.replace('_', '-')}", type=_phone_trip(key),
                             default=None, dest=f"phone_{key}",
                             help=f"numbers taken by phone: {what}; a hall's own kiosks "
                                  "follow its [cloud] table")
    central.add_argument("--id-key-file",
                         help="the city's hex key for hashing ID numbers (the halls' "
                              "--id-key-file); without it no number is taken by phone")
    central.set_defaults(func=cmd_central)
    actions = central.add_subparsers(dest="central_action", metavar="ACTION")

    hall = actions.add_parser("add-hall", help="create a hall's credential; prints its token")
    hall.add_argument("--hall", required=True, help="the hall's id (as in its TOML)")
    hall.set_defaults(func=cmd_add_credential, role="hall")
    admin = actions.add_parser("add-admin", help="create an admin credential; prints its token")
    admin.set_defaults(func=cmd_add_credential, role="admin")
    phone = actions.add_parser("add-phone", help="create the city app's phone-channel "
                                                 "credential (微信取号); prints its token")
    phone.set_defaults(func=cmd_add_credential, role="phone")
    office = actions.add_parser("add-office", help="create a back-office credential (自助申报"
                                                   "后台受理: submissions only); prints its token")
    office.set_defaults(func=cmd_add_credential, role="office")
    for parser in (hall, admin, phone, office):
        parser.add_argument("--note", default="", help="who or what it is for")
        parser.add_argument("--json", action="store_true", help="print JSON")
    listing = actions.add_parser("credentials", help="list credentials (no secrets)")
    listing.set_defaults(func=cmd_credentials)
    revoke = actions.add_parser("revoke", help="revoke a credential")
    revoke.add_argument("id", help="the credential's id (hq_<id>_…)")
    revoke.set_defaults(func=cmd_revoke)
    migrate = actions.add_parser("migrate", help="apply schema migrations; list them")
    migrate.set_defaults(func=cmd_migrate)
    publish = actions.add_parser("publish-catalog", help="publish a hall's TOML as its catalog")
    publish.add_argument("--hall", required=True, help="the hall's id")
    publish.add_argument("toml", help="the hall's TOML file")
    publish.set_defaults(func=cmd_publish_catalog)
    purge = actions.add_parser("purge", help="erase personal data past its retention "
                                             "(run daily)")
    purge.add_argument("--days", type=int, default=30,
                       help="keep appointments' ID hashes this many days (default 30)")
    purge.add_argument("--submission-days", type=int, default=SUBMISSION_DAYS,
                       help="keep submissions' personal data and photos, and documents for "
                            f"reuse, this many days (default {SUBMISSION_DAYS})")
    purge.set_defaults(func=cmd_purge)
    for parser in (hall, admin, phone, office, listing, revoke, migrate, publish, purge):
        _db_option(parser)
    for parser in (migrate, purge):
        _data_key_option(parser)
    submissions_cli.register(actions, _open_keyed, _key_refused, _db_and_key_options)
    office_staff_cli.register(actions, _open, _db_option)


def main(argv: list[str] | None = None) -> int:
    """``python -m central …``: the same as ``hallq central …``."""
    parser = argparse.ArgumentParser(prog="python -m")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(["central", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args) or 0)
