"""What every site built on the kit serves: the language switch (``GET /lang``) and the kit's
static files (``/static/kit/``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from hall.webkit.i18n import remember_language
from hall.webkit.templating import KIT_STATIC

STATIC_PATH = "/static/kit"


def local_path(back: str | None, default: str = "/") -> str:
    """``back`` when it is a path of this site, else ``default`` (never another site)."""
    if back and back.startswith("/") and not back.startswith("//") and "\\" not in back:
        return back
    return default


def kit_router() -> APIRouter:
    """The language switch: ``GET /lang?to=en&back=/desk`` keeps the choice and goes back."""
    router = APIRouter(include_in_schema=False)

    @router.get("/lang")
    async def switch_language(request: Request, to: str = "zh", back: str = "/"
                              ) -> RedirectResponse:
        """Keep the chosen language in a cookie and go back to the page."""
        response = RedirectResponse(local_path(back), status_code=303)
        remember_language(response, to)
        return response

    return router


def kit_static() -> StaticFiles:
    """The kit's CSS and JavaScript, to mount at :data:`STATIC_PATH`."""
    return StaticFiles(directory=KIT_STATIC)
