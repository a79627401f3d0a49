"""Forms that another site cannot post on a signed-in staff member's behalf.

Every form of a signed-in page carries the session's token (``csrf`` field); every POST is
refused unless the token is the session's and the request's ``Origin`` (or, without one, its
``Referer``) is the page's own (its scheme https behind a TLS-ending proxy that says
``X-Forwarded-Proto: https``). The sign-in form, before any session, carries a random token
that must equal the one in its own short-lived cookie (double submit) and is held to the same
origin check. A refused form changes nothing (403 ``forbidden``).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from hall.errors import ErrorCode, QueueError
from hall.webkit.sessions import served_over_https

CSRF_FIELD = "csrf"
SIGN_IN_COOKIE = "hallq_sign_in"


def refused() -> QueueError:
    """The answer to a form that did not come from this site's page."""
    return QueueError(ErrorCode.FORBIDDEN, "表单已失效，请刷新页面后重试",
                      "This form is stale or not from this site; reload the page and try again",
                      status=403)


def same_origin(request: Request) -> bool:
    """Whether the POST came from a page of this site (``Origin``, else ``Referer``; a request
    with neither, as no browser sends a form, is refused)."""
    said = request.headers.get("origin") or request.headers.get("referer")
    if not said or said == "null":
        return False
    parts = urlsplit(said)
    scheme = "https" if served_over_https(request) else "http"
    return (parts.scheme, parts.netloc) == (scheme, request.url.netloc)


def check(request: Request, form: dict[str, str], expected: str) -> None:
    """Refuse (403) a form without the expected token or from another origin."""
    given = form.get(CSRF_FIELD, "")
    if not (same_origin(request) and given
            and hmac.compare_digest(given.encode(), expected.encode())):
        raise refused()


def sign_in_token(request: Request) -> str:
    """The sign-in form's token: the one of its cookie when the browser has one, else new."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)


def keep_sign_in_token(response: Response, request: Request, token: str) -> None:
    """Give the sign-in form's token to the browser as a cookie (an hour)."""
    response.set_cookie(SIGN_IN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=served_over_https(request))
