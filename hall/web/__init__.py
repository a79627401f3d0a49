"""The hall node's web pages for its staff, served beside the LAN API on the same port.

======================  ==========================================================
``site``                what the pages share: the node, templates, sessions, who is signed in
``sign_in``             ``/staff/sign-in`` (staff id + PIN, or badge) and ``/staff/sign-out``
``desk``                ``/desk``: the service desk 服务台 (find, re-check-in, green channel,
                        cancel, reprint, a number for a citizen without a card)
``desk_actions``        the desk's changes as node operations, each stamped with the staff member
``supervisor``          ``/supervisor``: 大厅管理 — the hall now, the day so far (plots,
                        exports), 好差评 over a period
``supervisor_actions``  the supervisor's changes (windows, today's quota, cutoff and hours, the
                        notice, assignments) as node operations naming the staff member
``supervisor_reads``    what those pages read (windows, lines, health, the day, ratings)
``supervisor_plots``    the day's plots as SVG (pygal)
``templates/``          the pages, over the kit's ``base.html`` (``hall/webkit/``)
======================  ==========================================================

:func:`add_web_pages` adds them to the app :func:`hall.api.create_app` builds.
"""

from __future__ import annotations

from fastapi import FastAPI

from hall.node import HallNode
from hall.web import desk, sign_in, supervisor, supervisor_actions
from hall.web.site import WebSite
from hall.webkit.routes import STATIC_PATH, kit_router, kit_static

__all__ = ["add_web_pages"]


def add_web_pages(app: FastAPI, node: HallNode) -> WebSite:
    """Serve the staff pages from ``app`` (routes appended, as ``create_app`` does its own)."""
    site = WebSite(node)
    app.state.web = site
    for router in (kit_router(), sign_in.router, desk.router, supervisor.router,
                   supervisor_actions.router):
        app.router.routes.extend(router.routes)
    app.mount(STATIC_PATH, kit_static(), name="kit_static")
    return site
