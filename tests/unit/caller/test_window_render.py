"""What the window controller puts on the keypad's display, and how presets are read."""

from __future__ import annotations

import pytest

from caller.window_controller import Preset, parse_presets, render
from hallq.cli import build_parser


def window(status: str, current: str | None = None, current_status: str | None = None) -> dict:
    return {"number": "3", "status": status, "current": current,
            "current_status": current_status}


@pytest.mark.parametrize(("info", "waiting", "shown"), [
    (None, 0, ("连接大厅中…", "Connecting...", 0)),
    (window("closed"), 0, ("3号窗口 未开放", "Closed: sign in", 0)),
    (window("paused"), 2, ("暂停服务", "Paused", 0x02)),
    (window("open"), 3, ("空闲 等候3人", "Idle, 3 waiting", 0x01)),
    (window("open", "A012", "called"), 3, ("A012 已叫号", "A012 called", 0x05)),
    (window("open", "A012", "serving"), 3, ("A012 办理中", "A012 serving", 0x05)),
])
def test_render(info: dict | None, waiting: int, shown: tuple[str, str, int]) -> None:
    assert render("3", info, waiting) == shown  # type: ignore[arg-type]


def test_a_note_replaces_the_lines_cut_to_16_columns() -> None:
    note = ("过号前请至少重呼一次", "Recall at least once before a no-show")
    assert render("3", window("open", "A012", "called"), 0, note) == \
        ("过号前请至少重呼", "Recall at least ", 0x05)  # type: ignore[arg-type]


def test_presets() -> None:
    assert parse_presets(["1=B", "2=window:14"]) == {1: Preset(to_service="B"),
                                                     2: Preset(to_window="14")}
    for bad in ("x=B", "12=B", "1=", "B"):
        with pytest.raises(ValueError, match="preset"):
            parse_presets([bad])


def test_command_line() -> None:
    args = build_parser().parse_args(["window-controller", "--window", "3", "--keypad",
                                      "sim://keypad?addr=4", "--preset", "1=B"])
    assert (args.window, args.keypad, args.preset) == ("3", "sim://keypad?addr=4", ["1=B"])


def test_bad_preset_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["window-controller", "--keypad", "sim://keypad",
                                      "--preset", "B"])
    assert args.func(args) == 2
    assert "preset 'B'" in capsys.readouterr().err


def test_no_hall_exits_1_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["window-controller", "--url", "http://127.0.0.1:9",
                                      "--token", "t", "--window", "3",
                                      "--keypad", "sim://keypad?addr=4"])
    assert args.func(args) == 1
    assert "无法连接大厅服务器 / Cannot reach the hall node" in capsys.readouterr().err
