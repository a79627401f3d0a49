"""Today's changes a supervisor makes during the day (当日调整), over the hall's TOML: a theme's
quota (放号量), cutoff (停号) and hours for today, a notice to the wall displays and kiosks
(通知), and which staff member is put at which window (排班).

Plain data and the rules of what is in force today; the operations that change it are
:mod:`hall.supervision`'s. The engine's state holds today's :class:`DayPlan`; the store
keeps it with the day (so a restart keeps it) and a new day starts without one: tomorrow is
the TOML again. Each change is an event (``theme.adjusted``, ``notice.posted``,
``notice.cleared``, ``window.assigned``) naming who made it, so the wall, the kiosks and the
consoles follow at once and central sees it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import time

from hall.config import Rules, Theme

#: The longest a notice stays up (a day), and the longest text (two lines of a wall).
NOTICE_LONGEST_MIN = 24 * 60
NOTICE_MAX_CHARS = 120


@dataclass
class ThemeToday:
    """A theme's settings for today only; ``None`` keeps the TOML's."""

    daily_quota: int | None = None
    cutoff_min: int | None = None
    open_time: str | None = None      # "HH:MM"
    close_time: str | None = None


@dataclass
class Notice:
    """A notice shown on the wall displays and kiosks until ``until`` (POSIX time)."""

    text_zh: str
    text_en: str
    posted_at: float
    until: float
    by: str


@dataclass
class DayPlan:
    """Today's changes over the TOML: per theme, the notice, window assignments."""

    themes: dict[str, ThemeToday] = field(default_factory=dict)
    notice: Notice | None = None
    assignments: dict[str, str] = field(default_factory=dict)     # window -> staff id

    def to_json(self) -> str:
        """The plan as the store keeps it."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> DayPlan:
        """A plan the store kept."""
        data = json.loads(text)
        notice = data.get("notice")
        return cls(themes={k: ThemeToday(**v) for k, v in data.get("themes", {}).items()},
                   notice=Notice(**notice) if notice else None,
                   assignments=dict(data.get("assignments", {})))

    def live_notice(self, now_ts: float) -> Notice | None:
        """The notice still up at ``now_ts``, if any."""
        if self.notice is not None and self.notice.until > now_ts:
            return self.notice
        return None


def hhmm(text: str) -> time:
    return time.fromisoformat(text)


def effective_theme(theme: Theme, plan: DayPlan) -> Theme:
    """The theme as it stands today: its quota and cutoff changed for today, if they were."""
    today = plan.themes.get(theme.prefix)
    if today is None:
        return theme
    return replace(theme,
                   daily_quota=theme.daily_quota if today.daily_quota is None
                   else today.daily_quota,
                   cutoff_min=theme.cutoff_min if today.cutoff_min is None else today.cutoff_min)


def effective_rules(rules: Rules, theme: str, plan: DayPlan) -> Rules:
    """The hall's rules for issuing one theme today: its hours changed for today, if they were
    (a theme given hours today is no longer "open all day")."""
    today = plan.themes.get(theme)
    if today is None or (today.open_time is None and today.close_time is None):
        return rules
    return replace(rules, open_all_day=False,
                   open_time=hhmm(today.open_time) if today.open_time else rules.open_time,
                   close_time=hhmm(today.close_time) if today.close_time else rules.close_time)
