"""JSON for central's ingest path: orjson when it is installed (parsing and encoding a batch
several times faster), else the standard library, with the same results for event data."""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the standard library does the same, slower
    orjson = None  # type: ignore[assignment]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raises ValueError when it is not JSON."""
    return orjson.loads(data) if orjson is not None else json.loads(data)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII characters kept as they are."""
    return orjson.dumps(value).decode() if orjson is not None else _encode(value)
