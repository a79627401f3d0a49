"""The ticket's phone page (``/t/{token}``, the QR code on the ticket): status, people ahead
and the wait, as plain HTML that refreshes itself; no device token needed. The link token is
the ticket id and a mac under the hall's link key (:mod:`hall.links`): a bare ticket id, a token
with a wrong mac and a ticket that does not exist get the same "not found" page."""

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from hall import links
from hall.api.dependencies import Node, error_answers
from hall.api.tickets import ticket_or_404
from hall.errors import QueueError
from hall.schemas import TicketBody
from hall.wait_text import wait_sentence

router = APIRouter()


@router.get("/t/{token}", response_class=HTMLResponse, responses={
    404: {"description": "no such ticket, or not a link the hall made: a page that says so",
          "content": {"text/html": {}}},
    **error_answers(token=False)})
async def phone_page(token: str, node: Node) -> HTMLResponse:
    """The ticket's phone page (the QR code on the ticket): status, people ahead, wait."""
    ticket_id = links.ticket_of(node.link_key, token)
    try:
        ticket = ticket_or_404(node, ticket_id) if ticket_id is not None else None
    except QueueError:
        ticket = None
    if ticket is None:      # the same page whether the mac or the ticket was wrong
        return HTMLResponse(_page("票号不存在 / Ticket not found", ""), status_code=404)
    return HTMLResponse(_page(f"{ticket['number']} {ticket['service_name_zh']}",
                              _phone_body(ticket, node.config.name_zh)))


_STATUS_ZH = {"waiting": "等待中", "called": "已叫号，请前往窗口", "serving": "办理中",
              "finished": "已办结", "no_show": "已过号", "cancelled": "已取消",
              "leased": "已叫号，请前往视频服务区"}


def _phone_body(ticket: TicketBody, hall_name: str) -> str:
    status = ticket["status"]
    lines = [f"<p class=hall>{html.escape(hall_name)}</p>",
             f"<p class=num>{html.escape(ticket['number'])}</p>",
             f"<p>{html.escape(ticket['service_name_zh'])} "
             f"{html.escape(ticket['service_name_en'])}</p>",
             f"<p class=st>{_STATUS_ZH.get(status, status)} / {status.replace('_', ' ')}</p>"]
    if status == "waiting":
        zh, en = wait_sentence(ticket["wait_kind"], ticket["expected_wait_s"])
        lines.append(f"<p>前面还有 {ticket['ahead']} 人 · {zh}</p>"
                     f"<p>{ticket['ahead']} ahead · {en}</p>")
    elif (booth := ticket["booth"]) is not None:
        lines.append(f"<p>请到 {html.escape(booth['name_zh'])} 办理 / "
                     f"Please go to {html.escape(booth['name_en'])}</p>")
    elif status in ("called", "serving") and ticket["window"]:
        lines.append(f"<p>请到 {html.escape(ticket['window'])} 号窗口办理 / "
                     f"Please go to window {html.escape(ticket['window'])}</p>")
    return "\n".join(lines)


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=zh-CN><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<meta http-equiv=refresh content=15><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;text-align:center;padding:1em;font-size:1.3em}"
            ".num{font-size:4em;font-weight:bold;margin:.2em}.st{color:#b00}</style>"
            f"<body>{body}</body></html>")
