"""The service guide, materials and self-service form of an item in the hall's TOML: read into
:class:`hall.guide.Guide`, and a wrong one refused naming the item, the table and the key."""

from __future__ import annotations

import tomllib

import pytest

from hall.config import EXAMPLE_HALL, ConfigError, load_config, parse_config

HALL = """\
[hall]
id = "T-1"
name_zh = "测试大厅"
timezone = "Asia/Shanghai"

[[themes]]
prefix = "C"
name_zh = "综合服务"

[[themes.items]]
code = "C07"
name_zh = "住房公积金提取"

[themes.items.guide]
self_service = true
time_limit_days = 3

[[themes.items.materials]]
id = "contract"
name_zh = "购房合同"
reusable_days = 365

[[themes.items.fields]]
key = "reason"
label_zh = "提取原因"
kind = "choice"
choices_zh = ["购房", "还贷"]

[[windows]]
number = "1"
name_zh = "1号窗口"
skills = ["C"]
"""


def _item(text: str):
    return parse_config(tomllib.loads(text)).themes["C"].items[0]


def test_an_items_guide_materials_and_form_are_read() -> None:
    guide = _item(HALL).guide
    assert guide.self_service and guide.time_limit_days == 3
    assert [m.id for m in guide.photographed] == ["contract"]
    assert guide.materials[0].reusable_days == 365
    assert guide.fields[0].kind == "choice" and guide.fields[0].choices_zh == ("购房", "还贷")


def test_the_example_hall_has_a_self_service_item_with_three_photos() -> None:
    guide = load_config(EXAMPLE_HALL).items["C07"].guide
    assert guide.self_service and len(guide.photographed) == 3


@pytest.mark.parametrize(("old", "new", "key"), [
    ('choices_zh = ["购房", "还贷"]', "", "choices_zh"),
    ('kind = "choice"', 'kind = "colour"', "kind"),
    ('key = "reason"', 'key = "Reason!"', "key"),
    ('reusable_days = 365', 'reusable_days = -1', "reusable_days"),
    ('choices_zh = ["购房", "还贷"]', 'choices_zh = ["购房", "还贷"]\nchoices_en = ["Buy"]',
     "choices_en"),
    ('[[windows]]', '[[themes.items.fields]]\nkey = "reason"\nlabel_zh = "再次"\n\n[[windows]]',
     "key"),
    ('time_limit_days = 3', 'time_limit_days = 3\nfees = "0"', "fees"),
])
def test_a_wrong_guide_is_refused_naming_the_item_and_key(old: str, new: str, key: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(tomllib.loads(HALL.replace(old, new)))
    assert key in refused.value.where or key in refused.value.message_en
    assert "C07" in refused.value.where or "themes" in refused.value.where
    assert refused.value.message_zh != refused.value.message_en


def test_a_self_service_item_with_nothing_to_hand_in_is_refused() -> None:
    form = HALL[HALL.index("[[themes.items.fields]]"):HALL.index("[[windows]]")]
    text = HALL.replace(form, "").replace('id = "contract"\n', 'id = "contract"\nphoto = false\n')
    with pytest.raises(ConfigError) as refused:
        parse_config(tomllib.loads(text))
    assert refused.value.where.endswith("guide · self_service")
    assert "C07" in refused.value.where and "自助申报" in refused.value.message_zh
