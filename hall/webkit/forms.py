"""Reading a posted HTML form (``application/x-www-form-urlencoded``, what a plain
``<form method=post>`` sends); a body that is too long or not a form is refused."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from hall.errors import ErrorCode, QueueError

#: The longest form body a staff page posts (a few short fields).
MAX_FORM_BYTES = 16 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The fields of the posted form (a field given twice: its last value)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind != "application/x-www-form-urlencoded" or len(body) > MAX_FORM_BYTES:
        raise QueueError(ErrorCode.BAD_REQUEST, "表单内容有误", "Not a form this page sends",
                         status=422)
    try:
        text = body.decode()
    except UnicodeDecodeError as bad:
        raise QueueError(ErrorCode.BAD_REQUEST, "表单内容有误", "The form is not UTF-8",
                         status=422) from bad
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=50))
