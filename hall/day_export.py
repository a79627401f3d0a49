"""The day exported for the supervisor (导出): every ticket of the day as CSV, and a workbook
(XLSX, written with XlsxWriter) with the tickets, the figures per theme, the windows and the
ratings per window and per staff member. Times in the hall's time zone; no personal data (the
masked ID number is not exported either: the export leaves the hall's computers).

CSV is UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it right; a cell that
would start a formula (``=``, ``+``, ``-``, ``@``) is written with a leading apostrophe, so a
file opened in a spreadsheet never runs what a field held.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import xlsxwriter

from hall.day_report import RatingRow, RatingsReport
from hall.ratings import LABELS
from hall.schemas import StatsBody, WindowBody
from hall.state import Ticket

#: Column headers of the tickets table, Chinese / English.
TICKET_COLUMNS = (
    ("号码 / Number", "number"), ("主题 / Theme", "theme"), ("事项 / Item", "item"),
    ("渠道 / Channel", "channel"), ("取号时间 / Issued", "issued"),
    ("叫号时间 / Called", "called"), ("窗口 / Window", "window"),
    ("办结时间 / Finished", "finished"), ("等候(分) / Wait (min)", "wait_min"),
    ("办理(分) / Service (min)", "service_min"), ("状态 / Status", "status"),
    ("评价 / Rating", "rating"), ("绿色通道 / Green channel", "green"),
    ("老年人 / Elderly", "elderly"), ("预约 / Appointment", "appointment"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(ts: float | None, zone: ZoneInfo) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, zone).strftime("%H:%M:%S")


def _minutes(start: float | None, end: float | None) -> float | str:
    return "" if start is None or end is None else round((end - start) / 60, 1)


def ticket_rows(tickets: Iterable[Ticket], zone: ZoneInfo) -> list[dict[str, object]]:
    """The day's tickets as rows of the export, in order of issue."""
    rows: list[dict[str, object]] = []
    for t in sorted(tickets, key=lambda t: (t.issued_at, t.number)):
        rows.append({
            "number": t.number, "theme": t.theme, "item": t.item or "", "channel": t.channel,
            "issued": _time(t.issued_at, zone), "called": _time(t.called_at, zone),
            "window": t.window or "", "finished": _time(t.finished_at, zone),
            "wait_min": _minutes(t.issued_at, t.called_at),
            "service_min": _minutes(t.serving_at or t.called_at, t.finished_at),
            "status": t.status.value, "rating": t.rating or "",
            "green": "是" if t.green else "", "elderly": "是" if t.elderly else "",
            "appointment": "是" if t.appointment_id else ""})
    return rows


def _safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def tickets_csv(tickets: Iterable[Ticket], zone: ZoneInfo) -> bytes:
    """The day's tickets as CSV (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in TICKET_COLUMNS])
    for row in ticket_rows(tickets, zone):
        writer.writerow([_safe(row[key]) for _, key in TICKET_COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _rating_table(rows: dict[str, RatingRow]) -> list[list[object]]:
    table: list[list[object]] = []
    for key in sorted(rows):
        row = rows[key]
        share = row.pleased_share
        table.append([key, row.total, *(row.levels[k] for k in sorted(LABELS, reverse=True)),
                      row.mean if row.mean is not None else "",
                      round(share * 100, 1) if share is not None else "", row.displeased])
    return table


RATING_HEADERS = ["", "评价数 / Ratings",
                  *(f"{LABELS[k][0]} / {LABELS[k][1]}" for k in sorted(LABELS, reverse=True)),
                  "平均 / Mean", "满意率% / Pleased %", "差评 / Displeased"]


def day_workbook(day: str, tickets: Iterable[Ticket], zone: ZoneInfo, stats: StatsBody,
                 windows: list[WindowBody], ratings: RatingsReport) -> bytes:
    """The day as an XLSX workbook: tickets, themes, windows, ratings (window and staff)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    bold = book.add_format({"bold": True})

    def sheet(name: str, headers: list[str], rows: Iterable[Iterable[object]]) -> None:
        page = book.add_worksheet(name)
        page.write_row(0, 0, headers, bold)
        for number, row in enumerate(rows, 1):
            page.write_row(number, 0, [_safe(v) for v in row])
        page.set_column(0, len(headers) - 1, 16)
        page.freeze_panes(1, 0)

    sheet("取号明细 Tickets", [h for h, _ in TICKET_COLUMNS],
          ([row[k] for _, k in TICKET_COLUMNS] for row in ticket_rows(tickets, zone)))
    sheet("主题 Themes", ["主题 / Theme", "取号 / Issued", "等候 / Waiting", "办结 / Served",
                          "过号 / No-show", "平均等候(分) / Mean wait (min)",
                          "平均办理(分) / Mean service (min)"],
          ([p, s["issued"], s["waiting"], s["served"], s["no_show"],
            _per_min(s["mean_wait_s"]), _per_min(s["mean_service_s"])]
           for p, s in stats["themes"].items()))
    sheet("窗口 Windows", ["窗口 / Window", "状态 / Status", "工号 / Staff", "办结 / Served",
                           "平均办理(分) / Mean service (min)"],
          ([w["number"], w["status"], w["staff_id"] or "", w["served_today"],
            _per_min(w["mean_service_s"])] for w in windows))
    sheet("窗口评价 Ratings by window", ["窗口 / Window", *RATING_HEADERS[1:]],
          _rating_table(ratings.by_window))
    sheet("人员评价 Ratings by staff", ["工号 / Staff", *RATING_HEADERS[1:]],
          _rating_table(ratings.by_staff))
    book.set_properties({"title": f"hallq {day}"})
    book.close()
    return out.getvalue()


def _per_min(seconds: float | None) -> float | str:
    return "" if seconds is None else round(seconds / 60, 1)
