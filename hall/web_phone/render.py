"""The phone page's HTML: the ticket's page (:func:`ticket_page`) with its state, CSS and
JavaScript inline, and the page of an unknown or wrong link (:func:`missing_page`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from hall.ratings import LABELS
from hall.web_phone.state import PING_S, PhoneState

_HERE = Path(__file__).parent
#: The page's limit (HTML, CSS and JavaScript together): it must load on a weak hall Wi-Fi.
MAX_PAGE_BYTES = 50_000
#: What a browser may do with the page: nothing from elsewhere, no framing.
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                      "style-src 'unsafe-inline'; frame-ancestors 'none'"}


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_HERE), autoescape=select_autoescape(["html"]))


@cache
def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ticket_page(state: PhoneState) -> str:
    """The ticket's page, opening on ``state``; it follows ``<its path>/events``."""
    levels = [[level, zh, en] for level, (zh, en) in sorted(LABELS.items(), reverse=True)]
    return _environment().get_template("page.html").render(
        state=state, css=Markup(_asset("phone.css")), js=Markup(_asset("phone.js")),
        state_json=Markup(_script_json(state)), levels_json=Markup(_script_json(levels)),
        ping_s=int(PING_S))


def missing_page() -> str:
    """The page of a link that names no ticket the hall made (or one long gone): the same
    for a wrong mac, a bare id and an unknown ticket."""
    return _environment().get_template("missing.html").render(css=Markup(_asset("phone.css")))
