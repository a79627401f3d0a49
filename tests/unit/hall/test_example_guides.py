"""The example hall (Futian) gives every item a service guide a citizen can use at the kiosk, in
Chinese and English, and central's catalog of the hall (its TOML as JSON) carries the same."""

from __future__ import annotations

from central.catalog import parse_hall_catalog, toml_to_catalog
from hall.config import EXAMPLE_HALL, load_config
from hall.guide import MATERIAL_FORMS


def test_every_item_has_a_guide_in_both_languages() -> None:
    config = load_config(EXAMPLE_HALL)
    assert len(config.items) == 36
    for code, item in config.items.items():
        guide = item.guide
        assert guide.summary_zh and guide.summary_en, code
        assert guide.conditions_zh and len(guide.conditions_zh) == len(guide.conditions_en), code
        assert guide.fee_zh and guide.fee_en, code
        assert len(guide.materials) >= 2, code
        for material in guide.materials:
            assert material.name_zh and material.name_en, (code, material.id)
            assert material.form in MATERIAL_FORMS and material.count >= 1
            assert bool(material.note_zh) == bool(material.note_en), (code, material.id)


def test_the_self_service_items_have_a_form_and_a_photo_each() -> None:
    config = load_config(EXAMPLE_HALL)
    self_service = sorted(code for code, item in config.items.items()
                          if item.guide.self_service)
    assert self_service == ["C04", "C07", "C10", "C13"]
    for code in self_service:
        guide = config.items[code].guide
        assert guide.photographed, code
        assert {f.from_card for f in guide.fields} >= {"name", "id_number"}, code
        assert any(f.kind == "phone" for f in guide.fields), code


def test_central_publishes_the_same_guides() -> None:
    here = load_config(EXAMPLE_HALL)
    published = parse_hall_catalog(here.hall_id, toml_to_catalog(EXAMPLE_HALL))
    assert {c: i.guide for c, i in published.items.items()} == \
        {c: i.guide for c, i in here.items.items()}
