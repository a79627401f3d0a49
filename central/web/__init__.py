"""Central's web pages for the back office (后台受理) of self-service submissions, on the web
kit the hall's staff pages use (``hall/webkit/``):

==================  ==============================================================
``site``            what the pages share: the database, templates, who is signed in
``sessions``        the sign-in sessions, kept in central's database (any worker serves)
``sign_in``         ``/staff/sign-in`` (staff id + PIN of ``hallq central office-staff``) and
                    ``/staff/sign-out``
``office``          ``/office``: the queue, one submission with its photos, the moves
``templates/``      the pages, over the kit's ``base.html``
``static/``         ``office.css``, served at ``/static/office/``
==================  ==============================================================

:func:`add_office_pages` adds them to the app :func:`central.app.create_central_app` builds.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from central.data_key import DataKey
from central.db import Database
from central.web import office, sign_in
from central.web.site import OfficeSite
from hall.webkit.routes import STATIC_PATH, kit_router, kit_static

__all__ = ["add_office_pages"]

STATIC = Path(__file__).with_name("static")


def add_office_pages(app: FastAPI, db: Database, data_key: DataKey) -> OfficeSite:
    """Serve the back office's pages from ``app`` (``data_key``: central's, to open the
    submissions' personal parts)."""
    site = OfficeSite(db, data_key)
    app.state.office = site
    app.state.office_attempts = sign_in.AttemptLimit()
    for router in (kit_router(), sign_in.router, office.router):
        app.router.routes.extend(router.routes)
    app.mount(STATIC_PATH, kit_static(), name="kit_static")
    app.mount("/static/office", StaticFiles(directory=STATIC), name="office_static")
    return site
