"""The submission's screens as a citizen sees them (Qt offscreen): the card's details masked
everywhere on the form, the sentence under a wrong field, the form keyboard typing into the
touched field, a refused photo's reason, "submit" only once the consent is ticked, and the
receipt code big with "ask staff" when the printer is out of paper."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.screens import scenario_model
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel
from ui.qt import LANDSCAPE, ensure_app


def view_of(qtbot, model: KioskModel) -> KioskView:
    ensure_app()
    view = KioskView(model)
    qtbot.addWidget(view)
    view.resize(QSize(LANDSCAPE))
    view.show()
    view.rebuild()
    return view


def named(view: QWidget, name: str) -> QWidget:
    found = [w for w in view.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"nothing visible called {name!r}"
    return found[0]


def touch(qtbot, view: KioskView, name: str) -> None:
    qtbot.mouseClick(named(view, name), Qt.MouseButton.LeftButton)
    view.rebuild()


def every_text(view: QWidget) -> str:
    return "\n".join([w.text() for w in view.findChildren(QLabel) if w.isVisible()] +
                     [w.text() for w in view.findChildren(QAbstractButton) if w.isVisible()])


def test_the_form_shows_the_cards_details_masked_only(qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_form"))
    shown = every_text(view)
    assert "张*" in shown and "4403**********1230" in shown
    assert "张三" not in shown and "440304199003071230" not in shown
    assert "样例路" not in shown


def test_keys_type_into_the_touched_field(qtbot) -> None:
    model = scenario_model("sub_form")
    view = view_of(qtbot, model)
    touch(qtbot, view, "field-amount")
    for key in ("fkey-8", "fkey-6", "fkey-0", "fkey-0", "fkey-0"):
        touch(qtbot, view, key)
    touch(qtbot, view, "ferase")
    assert model.submission is not None
    assert model.submission.form.values["amount"] == "8600"
    assert named(view, "field-amount").text() == "8600"  # type: ignore[attr-defined]


def test_a_wrong_field_has_its_sentence_under_it(qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_form_error", "en"))
    sentence = named(view, "field_error-amount")
    assert sentence.text() == "Amount (yuan): between 1 and 2000000"  # type: ignore[attr-defined]
    assert named(view, "field_error-phone").text().startswith(  # type: ignore[attr-defined]
        "Mobile phone: an 11-digit mobile number")


def test_a_refused_photo_says_why_and_offers_to_take_it_again(qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_photo_refused"))
    assert named(view, "refusal").text() == "照片模糊，请将材料放平并保持不动后重拍"  # type: ignore[attr-defined]
    assert named(view, "take_photo").text() == "重拍"  # type: ignore[attr-defined]
    assert not view.findChildren(QWidget, "keep_photo")


def test_submit_is_enabled_by_the_consent_box(qtbot) -> None:
    model = scenario_model("sub_consent")
    view = view_of(qtbot, model)
    assert not named(view, "submit").isEnabled()
    assert "保存：本机不保存" in named(view, "notice-how_long").text()  # type: ignore[attr-defined]
    touch(qtbot, view, "consent")
    assert named(view, "submit").isEnabled()
    assert model.submission is not None and model.submission.consent


def test_paper_out_leaves_the_code_big_and_says_to_ask_staff(qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_receipt_queued"))
    assert named(view, "receipt_code").text() == "K7P2QX9M4D"  # type: ignore[attr-defined]
    status = named(view, "print_status").text()  # type: ignore[attr-defined]
    assert status == "回执未能打印：请拍下或记下上方的回执编号，或向工作人员索取纸质回执"
    assert "将在网络恢复后自动上传" in named(view, "queued").text()  # type: ignore[attr-defined]
    assert named(view, "receipt_qr").isVisible()


def test_with_central_not_asked_the_photo_step_says_why_a_reusable_page_is_photographed(
        qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_photo_no_reuse"))
    assert "购房合同" in named(view, "shot_title").text()  # type: ignore[attr-defined]
    assert named(view, "reuse_unavailable").text() == (  # type: ignore[attr-defined]
        "暂时无法查询您以前提交过的材料，本项请拍摄")
    # asked in time, the same step says nothing of it
    asked = view_of(qtbot, scenario_model("sub_photo"))
    assert not [w for w in asked.findChildren(QWidget, "reuse_unavailable") if w.isVisible()]


def test_with_an_appointment_code_the_card_fields_are_typed_and_shown_masked(qtbot) -> None:
    view = view_of(qtbot, scenario_model("sub_form_typed"))
    assert named(view, "field-name").text().strip() == "张**"  # type: ignore[attr-defined]
    assert "已从身份证读取" not in every_text(view), "typed, not read from a card"
    assert named(view, "filling_in").text() == \
        "正在填写：身份证号码（预约时登记的号码）"  # type: ignore[attr-defined]
    assert named(view, "fkey-X").isVisible() and not view.findChildren(QWidget, "fkey-Q")
    touch(qtbot, view, "fkey-1")
    assert named(view, "field-id_number").text().strip() == \
        "44030419901"  # type: ignore[attr-defined]


def test_pinyin_typed_by_touch_offers_the_characters_and_one_touched_is_written(qtbot
                                                                                ) -> None:
    model = scenario_model("sub_form_pinyin", "en")
    view = view_of(qtbot, model)
    assert named(view, "pinyin").text() == "xiao"  # type: ignore[attr-defined]
    assert named(view, "hanzi-1").text() == "小"  # type: ignore[attr-defined]
    touch(qtbot, view, "hanzi_next")
    assert named(view, "hanzi-0").text() == "霄"  # type: ignore[attr-defined]
    touch(qtbot, view, "hanzi_prev")
    touch(qtbot, view, "hanzi-7")
    assert model.submission is not None and model.submission.form.values["name"] == "张晓"
    assert named(view, "pinyin").text() == "Type the pinyin, touch a character"  # type: ignore[attr-defined]
