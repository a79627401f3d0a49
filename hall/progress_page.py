"""The phone page of a self-service submission's progress (the QR code on the receipt, 回执):
the receipt code, the item and its status (上传中 … 已办结, or 不予受理 with the reason) as plain
HTML — no personal data. Served by the hall node on the LAN (``/s/{code}``) and by central on
the internet (``/progress/{code}``), from the same :class:`~hall.schemas.SubmissionProgressBody`.
"""

from __future__ import annotations

import html

from hall.schemas import SubmissionProgressBody

#: Statuses in the order a submission goes through them (rejected may end any of them).
STEPS = ("uploading", "received", "accepted", "in_progress", "done")


def progress_html(progress: SubmissionProgressBody | None) -> str:
    """The page for a submission's progress (None: the "not found" page)."""
    if progress is None:
        return _page("回执码不存在 / Receipt code not found",
                     "<p>回执码不存在，请核对后重试</p><p>No submission with this receipt code</p>")
    esc = html.escape
    lines = [f"<p class=code>{esc(progress['receipt_code'])}</p>",
             f"<p>{esc(progress['item_name_zh'])}<br>{esc(progress['item_name_en'])}</p>",
             f"<p class=st>{esc(progress['status_zh'])} / {esc(progress['status_en'])}</p>"]
    if progress["status"] == "rejected":
        lines.append(f"<p>原因：{esc(progress['reason_zh'])}</p>"
                     f"<p>Reason: {esc(progress['reason_en'] or progress['reason_zh'])}</p>")
    else:
        done = STEPS.index(progress["status"]) if progress["status"] in STEPS else 0
        lines.append("<p class=steps>" + " → ".join(
            f"<b>{esc(s)}</b>" if i <= done else esc(s) for i, s in enumerate(
                ("上传中", "已接收", "已受理", "办理中", "已办结"))) + "</p>")
    lines.append(f"<p class=at>更新于 / updated {esc(progress['updated_at'][:16])}</p>")
    return _page(f"{progress['receipt_code']} {progress['status_zh']}", "\n".join(lines))


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=zh-CN><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<meta http-equiv=refresh content=60><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;text-align:center;padding:1em;font-size:1.2em}"
            ".code{font-size:2.2em;font-weight:bold;letter-spacing:.1em;margin:.2em}"
            ".st{color:#b00;font-size:1.5em}.at{color:#666;font-size:.8em}</style>"
            f"<body>{body}</body></html>")
