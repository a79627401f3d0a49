"""Server-rendered pages: Jinja2 templates over the kit's ``base.html``.

Every template gets ``lang`` (``zh`` or ``en``), ``t(zh, en)`` (the text in the page's
language), ``session`` (the signed-in staff member or None), ``csrf`` (the token each form
carries as the ``csrf`` field) and ``path`` (the page's own path, for the language switch);
the filters ``clock`` (``14:05``) and ``stamp`` (``2024-03-12 14:05``) say a POSIX time in the
hall's time zone, never the server's. Text is escaped unless a template says otherwise.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hall.webkit.i18n import language, pick
from hall.webkit.sessions import StaffSession

#: The kit's own templates (``base.html``, ``error.html``) and static files.
KIT_TEMPLATES = Path(__file__).with_name("templates")
KIT_STATIC = Path(__file__).with_name("static")


@pass_context
def _t(context: Context, zh: str, en: str) -> str:
    return pick(context["lang"], zh, en)


class WebTemplates:
    """The templates of one site (its own folder first, then the kit's), and the time zone
    its figures are said in."""

    def __init__(self, folder: Path, timezone: ZoneInfo) -> None:
        self.timezone = timezone
        self.env = Environment(loader=ChoiceLoader([FileSystemLoader(folder),
                                                    FileSystemLoader(KIT_TEMPLATES)]),
                               autoescape=True, undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals["t"] = _t
        self.env.filters["clock"] = self.clock
        self.env.filters["stamp"] = self.stamp

    def clock(self, ts: float | None) -> str:
        """``HH:MM`` of a POSIX time in the hall's time zone ("" for None)."""
        return "" if ts is None else datetime.fromtimestamp(ts, self.timezone).strftime("%H:%M")

    def stamp(self, ts: float | None) -> str:
        """``YYYY-MM-DD HH:MM`` of a POSIX time in the hall's time zone ("" for None)."""
        return "" if ts is None else datetime.fromtimestamp(ts, self.timezone).strftime(
            "%Y-%m-%d %H:%M")

    def render(self, request: Request, name: str, session: StaffSession | None = None,
               status: int = 200, csrf: str | None = None, **context: Any) -> HTMLResponse:
        """The page ``name`` for ``request``."""
        lang = language(request)
        page = self.env.get_template(name).render(
            lang=lang, session=session, csrf=csrf or (session.csrf if session else ""),
            path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context)
        response = HTMLResponse(page, status_code=status)
        response.headers["cache-control"] = "no-store"
        response.headers["x-frame-options"] = "DENY"
        response.headers["content-security-policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "form-action 'self'")
        return response
