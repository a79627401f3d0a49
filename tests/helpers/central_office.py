"""The back office at central for the web pages' tests: central on PostgreSQL serving
``/office`` with the example hall's catalog published, a hall's credential, a member of the
back office (S9001, PIN 2468), and submissions made through central's API as a hall's sync
agent makes them (three photos of documents, uploaded and verified)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image, ImageDraw

from central import catalog, office_staff
from central.auth import create_credential
from central.data_key import DataKey
from central.db import Database, open_database
from central.server import CentralServer
from central.web.site import OfficeSite
from hall.config import EXAMPLE_HALL
from tests.helpers.browser import Page

HALL = "GD-SZ-FT-001"
ID_HASH = "cd" * 32


@dataclass
class Office:
    """Central serving the back office, a hall's credential, and the database."""

    server: CentralServer
    db: Database
    hall_headers: dict[str, str]
    db_url: str

    @property
    def url(self) -> str:
        """Central's address."""
        return self.server.url

    @property
    def data_key(self) -> DataKey:
        """Central's data key (the submissions' personal parts are sealed with it)."""
        assert self.server.app is not None
        return self.server.app.state.data_key

    @property
    def site(self) -> OfficeSite:
        """The back office's pages as central serves them."""
        assert self.server.app is not None
        return self.server.app.state.office


@pytest.fixture
def office(pg_url: str, tmp_path: Path) -> Iterator[Office]:
    """Central on PostgreSQL with a hall's credential and one member of the back office
    (S9001, PIN 2468)."""
    db = open_database(pg_url)
    hall_token = create_credential(db, "hall", HALL)
    catalog.put_catalog(db, HALL, catalog.toml_to_catalog(EXAMPLE_HALL))
    office_staff.add(db, "S9001", "陈静", "Chen Jing", "2468")
    server = CentralServer(pg_url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        yield Office(server, db, {"Authorization": f"Bearer {hall_token}"}, pg_url)
    finally:
        server.stop()
        db.close()


def hall_now() -> str:
    """Now in the hall's time zone (Shanghai), ISO, as a kiosk says when it was handed in."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")


def document_photo(title: str, shade: int) -> bytes:
    """A JPEG of a document page: a white sheet with a title bar and lines of text."""
    image = Image.new("RGB", (900, 1200), (shade, shade, shade - 20))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 840, 1140), fill=(252, 252, 250), outline=(120, 120, 120))
    draw.rectangle((120, 120, 780, 190), fill=(178, 38, 43))
    draw.text((140, 140), title, fill=(255, 255, 255))
    for row in range(14):
        draw.rectangle((120, 240 + row * 60, 120 + 660 - (row % 3) * 120, 260 + row * 60),
                       fill=(90, 96, 110))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def hand_in(office: Office, receipt: str, client_id: str, name: str = "张晓明") -> dict:
    """A kiosk's submission with three photos, as the hall's sync agent sends it: created,
    then each photo uploaded and verified."""
    photos = {"purchase_contract-1.jpg": document_photo("CONTRACT 1", 200),
              "purchase_contract-2.jpg": document_photo("CONTRACT 2", 190),
              "bank_card-1.jpg": document_photo("BANK CARD", 180)}
    with httpx.Client(base_url=office.url, headers=office.hall_headers, timeout=10) as api:
        made = api.post(f"/api/v1/halls/{HALL}/submissions", json={
            "client_id": client_id, "form": "C07",
            "fields": {"name": name, "id_number": "4403**********1234",
                       "phone": "13812345678", "reason": "偿还购房贷款", "amount": "50000",
                       "contract_date": "2023-11-02", "address": "深圳市福田区福中三路 1 号"},
            "files": [{"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                      for n, b in photos.items()],
            "receipt": receipt, "item_name_zh": "住房公积金提取",
            "item_name_en": "Housing fund withdrawal", "id_hash": ID_HASH,
            "id_masked": "4403**********1234", "submitted_at": hall_now(),
            "materials": [{"id": "purchase_contract", "name_zh": "购房合同",
                           "name_en": "Purchase contract", "pages": 2,
                           "reusable_days": 365},
                          {"id": "bank_card", "name_zh": "银行卡", "name_en": "Bank card",
                           "pages": 1}]})
        assert made.status_code == 201, made.text
        sub = made.json()
        for name_, data in photos.items():
            put = api.put(f"/api/v1/submissions/{sub['id']}/files/{name_}?offset=0",
                          content=data)
            assert put.json()["complete"], put.text
    return sub


def sign_in(page: Page, office: Office, staff: str = "S9001", pin: str = "2468") -> Page:
    """Sign in on the back office's sign-in page."""
    page.open(f"{office.url}/staff/sign-in")
    return page.fill("staff_id", staff).fill("pin", pin).press("sign-in")
