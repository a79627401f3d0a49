"""The day so far as plots for the supervisor's page, drawn on the server as SVG with pygal:
tickets issued per hour, people waiting at the end of each hour, the mean wait per theme by
hour, and the ratings of today. No JavaScript is fetched (``js=[]``: the page shows each plot
as an ``<img>``, where no script runs) and the text is set in a font with Chinese glyphs.
Hours are the hall's local hours (:func:`hall.day_report.hours_of_day`)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pygal
from pygal.style import Style

from hall.ratings import LABELS
from hall.web.supervisor_reads import DaySoFar
from hall.webkit.i18n import Language, pick

# pygal puts a finder for its map plug-ins (``pygal.maps.*``, not used here) on
# ``sys.meta_path`` that lacks ``find_spec``: Python would warn (ImportWarning) at every later
# import that reaches it. Taken off again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

#: Fonts with Chinese glyphs first (Debian's fonts-noto-cjk), as the pages' own sheet.
FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif"
STYLE = Style(font_family=FONTS, background="#ffffff", plot_background="#ffffff",
              foreground="#1d2733", foreground_strong="#1d2733", foreground_subtle="#98a2b3",
              colors=("#1f5fae", "#b3262b", "#1e7a3c", "#c77c02", "#6a3d9a", "#2a9d8f"),
              title_font_size=24, label_font_size=16, major_label_font_size=16,
              legend_font_size=17, value_font_size=16)
SIZE = {"width": 640, "height": 360}


def _chart(kind: type[pygal.graph.graph.Graph], title: str, lang: Language,
           **options: object) -> pygal.graph.graph.Graph:
    settings: dict[str, object] = {"legend_at_bottom": True, "print_values": False,
                                   "explicit_size": True, "include_x_axis": True, **options}
    return kind(style=STYLE, js=[], title=title,
                no_data_text=pick(lang, "暂无数据", "No data yet"), **SIZE, **settings)


def _hour_labels(day: DaySoFar) -> list[str]:
    return [f"{row.hour:02d}:00" for row in day.hours]


def _theme_name(day: DaySoFar, prefix: str, lang: Language) -> str:
    zh, en = day.themes[prefix]
    return f"{prefix} {pick(lang, zh, en)}"


def issued_by_hour(day: DaySoFar, lang: Language) -> bytes:
    """Tickets issued in each hour, stacked by theme."""
    chart = _chart(pygal.StackedBar, pick(lang, *TITLES["issued"]), lang)
    chart.x_labels = _hour_labels(day)
    for prefix in day.themes:
        chart.add(_theme_name(day, prefix, lang), [row.issued.get(prefix, 0) for row in day.hours])
    return chart.render()


def waiting_by_hour(day: DaySoFar, lang: Language) -> bytes:
    """People waiting at the end of each hour (now, for the current one), per theme."""
    chart = _chart(pygal.Line, pick(lang, *TITLES["waiting"]),
                   lang, fill=False, dots_size=3)
    chart.x_labels = _hour_labels(day)
    for prefix in day.themes:
        chart.add(_theme_name(day, prefix, lang),
                  [row.waiting_at_end.get(prefix, 0) for row in day.hours])
    return chart.render()


def waits_by_hour(day: DaySoFar, lang: Language) -> bytes:
    """The mean wait (minutes, issue to call) of the tickets called in each hour, per theme."""
    chart = _chart(pygal.Line, pick(lang, *TITLES["waits"]), lang, dots_size=3)
    chart.x_labels = _hour_labels(day)
    for prefix in day.themes:
        waits = [row.mean_wait_s.get(prefix) for row in day.hours]
        chart.add(_theme_name(day, prefix, lang),
                  [None if w is None else round(w / 60, 1) for w in waits])
    return chart.render()


def ratings_today(day: DaySoFar, lang: Language) -> bytes:
    """How many citizens gave each level today (非常满意 … 非常不满意)."""
    chart = _chart(pygal.Bar, pick(lang, *TITLES["ratings"]), lang,
                   show_legend=False, print_values=True, truncate_label=-1)
    levels = sorted(LABELS, reverse=True)
    chart.x_labels = [pick(lang, *LABELS[level]) for level in levels]
    chart.add(pick(lang, "评价数", "Ratings"),
              [day.stats["ratings"][str(level)] for level in levels])
    return chart.render()


#: Each plot's title, by the name in its address (the page's ``alt`` text).
TITLES: dict[str, tuple[str, str]] = {
    "issued": ("每小时取号", "Tickets issued per hour"),
    "waiting": ("整点等候人数", "People waiting at each hour's end"),
    "waits": ("各主题平均等候（分钟）", "Mean wait per theme (minutes)"),
    "ratings": ("今日评价", "Today's ratings")}
#: Each plot by the name in its address (``/supervisor/plots/<name>.svg``).
PLOTS: dict[str, Callable[[DaySoFar, Language], bytes]] = {
    "issued": issued_by_hour, "waiting": waiting_by_hour, "waits": waits_by_hour,
    "ratings": ratings_today}
