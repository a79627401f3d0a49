"""The ``hallq sync`` command: the sync agent beside a hall node (mounted by ``hallq/cli.py``
through :func:`register`; ``python -m sync`` runs it on its own).

  hallq sync --hall-url http://127.0.0.1:8470 --hall-token @token.txt \\
             --central-url https://central.example --hall-credential @cred.txt

A secret option takes the value itself, ``@FILE`` (read from a file) or, when left out, an
environment variable (HALLQ_HALL_TOKEN, HALLQ_CENTRAL_CREDENTIAL), so that it need not appear
in the process list.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from hall.logs import setup_logging
from hall.sd_notify import Watchdog


def _secret(value: str | None, env: str, what: str) -> str:
    value = value or os.environ.get(env)
    if not value:
        raise SystemExit(f"hallq: give {what} (or set {env})")
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8").strip()
    return value


def cmd_sync(args: argparse.Namespace) -> int:
    """Run the sync agent beside a hall node until SIGINT/SIGTERM."""
    from sync.agent import SyncAgent
    from sync.agent_config import AgentConfig, AgentConfigError

    setup_logging(getattr(args, "verbose", False))
    config = AgentConfig(
        hall_url=args.hall_url, central_url=args.central_url,
        hall_token=_secret(args.hall_token, "HALLQ_HALL_TOKEN", "--hall-token"),
        credential=_secret(args.hall_credential, "HALLQ_CENTRAL_CREDENTIAL",
                           "--hall-credential"),
        state_dir=Path(args.state_dir), hall_data_dir=Path(args.hall_data_dir),
        batch_size=args.batch_size,
        max_backoff_s=args.max_backoff, pull_every_s=args.pull_every,
        verify=args.ca_file or True, allow_plain_http=args.allow_plain_http,
        relay=not args.no_cloud_calling)
    try:
        agent = SyncAgent(config)
    except AgentConfigError as err:
        print(f"hallq sync: {err}", file=sys.stderr)
        return 2
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    print(f"hallq sync: {args.hall_url} -> {args.central_url}, state in {args.state_dir}",
          flush=True)
    agent.start()
    watchdog = Watchdog(ready=lambda: True, alive=agent.alive).start()  # under systemd
    try:
        done.wait()
    finally:
        watchdog.stop()
        agent.close()
    return 0


def register(subparsers: Any) -> None:
    """Add ``sync`` to the ``hallq`` command line."""
    sync = subparsers.add_parser("sync", help="run the sync agent beside a hall node")
    sync.add_argument("--hall-url", default="http://127.0.0.1:8470", help="the hall node")
    sync.add_argument("--hall-token", help="token of role sync (hallq pair --role sync), "
                                           "or @FILE")
    sync.add_argument("--central-url", required=True, help="https://… of the central platform")
    sync.add_argument("--hall-credential", help="this hall's central credential, or @FILE")
    sync.add_argument("--state-dir", default="var/sync", help="the agent's state")
    sync.add_argument("--hall-data-dir", default="var/hall",
                      help="the hall node's --data-dir on this machine: the encrypted outbox of "
                           "self-service submissions and its key (default var/hall)")
    sync.add_argument("--ca-file", help="CA bundle that signed central's certificate")
    sync.add_argument("--allow-plain-http", action="store_true",
                      help="allow http:// to a non-local central (trials only)")
    sync.add_argument("--batch-size", type=int, default=1000, help="events per push")
    sync.add_argument("--max-backoff", type=float, default=60.0,
                      help="longest wait between retries while central is down (s)")
    sync.add_argument("--pull-every", type=float, default=60.0,
                      help="fetch catalog and appointments this often (s)")
    sync.add_argument("--no-cloud-calling", action="store_true",
                      help="do not relay cloud calling (remote calls, referrals, "
                           "recommendations)")
    sync.set_defaults(func=cmd_sync)


def main(argv: list[str] | None = None) -> int:
    """``python -m sync …``: the same as ``hallq sync …``."""
    parser = argparse.ArgumentParser(prog="python -m")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(["sync", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args) or 0)
