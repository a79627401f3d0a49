"""The web roles a member of staff may hold (``roles`` of ``[[staff]]`` in the hall's TOML)
and the page each one starts on."""

from __future__ import annotations

DESK = "desk"              # 服务台: find a ticket, re-check-in, green channel, cancel, reprint
SUPERVISOR = "supervisor"  # 大厅管理: the hall now, the day so far, windows, quotas
BACKOFFICE = "backoffice"  # 后台受理: central's self-service submissions
ROLES = (DESK, SUPERVISOR, BACKOFFICE)

#: Each role's Chinese and English name, as pages and refusals say it.
ROLE_NAMES = {DESK: ("服务台", "Service desk"), SUPERVISOR: ("大厅管理", "Hall supervisor"),
              BACKOFFICE: ("后台受理", "Back office")}
