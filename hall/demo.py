"""``hallq demo``: the example hall in one process, open all day, with tokens for every role."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from hall.catalog import EXAMPLE_HALL, load_config
from hall.node import HallNode
from hall.server import HallServer

DEMO_DEVICES = (("admin", None, "demo-admin"), ("kiosk", None, "demo-kiosk"),
                ("display", None, "demo-wall"), ("caller", "1", "demo-caller-1"),
                ("caller", "14", "demo-caller-14"))


def demo_tokens(node: HallNode) -> dict[str, str]:
    """Tokens of the demo devices, made once and kept in the demo's data directory."""
    path = node.data_dir / "demo-tokens.json"
    if path.exists():
        return json.loads(path.read_text())
    tokens = {name: node.store.pair(role, name, window) for role, window, name in DEMO_DEVICES}
    path.write_text(json.dumps(tokens, indent=2))
    return tokens


def run_demo(args: argparse.Namespace) -> int:
    """Start the demo hall and serve until interrupted."""
    config = load_config(EXAMPLE_HALL)
    config = replace(config, rules=replace(config.rules, open_all_day=True),
                     ticket_url=f"http://127.0.0.1:{args.port}/t/{{id}}")
    node = HallNode(config, Path(args.data_dir))
    tokens = demo_tokens(node)
    server = HallServer(node, host="127.0.0.1", port=args.port, advertise=True)
    print(f"hallq demo: {config.name_zh} / {config.name_en}")
    print(f"  API      {server.url}/api/v1/health   (OpenAPI: {server.url}/docs)")
    for name, token in tokens.items():
        print(f"  token    {name:<16} {token}")
    print(f"  try:     curl -X POST -H 'Authorization: Bearer {tokens['demo-kiosk']}' "
          f"-H 'Content-Type: application/json' -d '{{\"service\":\"A\"}}' "
          f"{server.url}/api/v1/tickets")
    print("  Ctrl-C stops the hall.", flush=True)
    server.serve()
    return 0
