"""A citizen's self-service submission of C07 (住房公积金提取, the example hall's self-service
item) for tests and benchmarks: the card's name and ID number, the form's other fields, and
real JPEG photos of its three materials."""

from __future__ import annotations

import io
import random

from PIL import Image

from hall.client import HallClient, SubmissionPhoto
from hall.idnumber import check_char

CITIZEN = "44030419900101123" + check_char("44030419900101123")
NAME = "张晓明"
PHONE = "13812345678"
FIELDS = {"phone": PHONE, "reason": "购买自住住房", "amount": "120000",
          "contract_date": "2024-02-20", "address": "深圳市福田区福华路1号"}
#: The materials of C07 the kiosk photographs.
MATERIALS = ("purchase_contract", "bank_card", "marriage_certificate")
#: What must never be seen in a log or in clear on a disk.
SECRETS = (CITIZEN, NAME, PHONE, "福华路")


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48), noise: bool = False) -> bytes:
    """A real JPEG (with ``noise``, one of a photo's size: about 1 MB at 1600×1200)."""
    out = io.BytesIO()
    if noise:
        rng = random.Random(seed)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (seed % 255, 80, 120))
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def three_photos(seed: int = 0) -> list[SubmissionPhoto]:
    """A page of each of C07's materials."""
    return [SubmissionPhoto(m, 1, jpeg(seed + i)) for i, m in enumerate(MATERIALS)]


def submit(kiosk: HallClient, client_id: str, **changes: object) -> dict:
    """Hand in C07 as the citizen (``changes`` replace the arguments)."""
    args: dict = {"item": "C07", "fields": dict(FIELDS), "photos": three_photos(), "reuse": [],
                  "id_number": CITIZEN, "name": NAME, "client_id": client_id,
                  "consent_version": "2024-01"}
    args.update(changes)
    return dict(kiosk.submit_submission(**args))
