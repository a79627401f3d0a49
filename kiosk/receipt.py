"""What the kiosk prints after a self-service submission: a
:class:`~devices.printer.receipt.ReceiptContent` from the hall's answer to
``POST /api/v1/submissions`` (its ``SubmissionReceiptBody``): receipt code, item, the materials
received (reused ones marked), the time in the hall's zone, the progress page's QR, and, when
the hall could not send it on yet, that it will be sent when the network is back.
No personal data: the receipt names no one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devices.printer.receipt import ReceiptContent, ReceiptMaterial


def submitted_at(receipt: Mapping[str, Any], zone: ZoneInfo | None) -> datetime:
    """When the hall took the submission, in the hall's time zone (``zone``)."""
    when = datetime.fromisoformat(str(receipt["submitted_at"]))
    if when.tzinfo is None:
        return when  # the hall's local time already
    return when.astimezone(zone) if zone is not None else when


def receipt_content(receipt: Mapping[str, Any], hall_name: str, zone: ZoneInfo | None
                    ) -> ReceiptContent:
    """The printed receipt of the hall's answer."""
    materials = tuple(ReceiptMaterial(str(m.get("name_zh", "")), str(m.get("name_en", "")),
                                      int(m.get("pages") or 0), bool(m.get("reused")))
                      for m in receipt.get("materials", ()))
    return ReceiptContent(
        hall_name=hall_name or "政务服务中心",
        item_name_zh=str(receipt.get("item_name_zh") or receipt.get("item", "")),
        item_name_en=str(receipt.get("item_name_en") or ""),
        receipt_code=str(receipt["receipt_code"]),
        submitted_at=submitted_at(receipt, zone),
        progress_url=str(receipt["progress_url"]),
        materials=materials,
        queued=bool(receipt.get("queued")))
