"""The service guide reaches the kiosk the way its items do: ``GET /services?guide=true`` of a
real hall node gives each item's guide as the hall's TOML says it (and so as central's catalog
publishes it); the plain ``GET /services`` that every app polls stays as small as before."""

from __future__ import annotations

from pydantic import TypeAdapter

from hall.config import EXAMPLE_HALL, load_config
from hall.schemas import ServiceBody


def test_the_kiosk_gets_every_items_guide_from_the_node(hall) -> None:
    kiosk = hall.client("kiosk")
    services = kiosk.services(guide=True)
    assert TypeAdapter(list[ServiceBody]).validate_python(services, strict=True) == services
    items = {i["code"]: i for t in services for i in t["items"]}
    config = load_config(EXAMPLE_HALL)
    assert set(items) == set(config.items)
    c07 = items["C07"]["guide"]
    assert c07["self_service"] is True and c07["time_limit_days"] == 3
    assert [m["id"] for m in c07["materials"]] == ["purchase_contract", "bank_card",
                                                   "marriage_certificate"]
    assert c07["materials"][2]["form"] == "copy"
    assert [f["key"] for f in c07["fields"]][:3] == ["name", "id_number", "phone"]
    assert c07["fields"][3]["choices_zh"] == ["购买自住住房", "偿还购房贷款",
                                              "建造翻建大修自住住房"]
    a05 = items["A05"]["guide"]
    assert (a05["fee_zh"], a05["time_limit_days"], a05["self_service"]) == ("免费", 10, False)
    general = next(t for t in services if t["prefix"] == "C")
    assert general["waiting_area_zh"] == "C 区"
    assert general["windows"][:2] == ["12", "13"]


def test_the_plain_item_list_carries_no_guide(hall) -> None:
    services = hall.client("display").services()
    assert all("guide" not in item for theme in services for item in theme["items"])
    assert hall.http("kiosk").get("/api/v1/services?guide=maybe").status_code == 422
