"""``hallq display|kiosk|caller|screenshot|demo``: options, and what happens without a screen."""

import argparse

import pytest

from hallq import apps as appcli
from hallq.cli import build_parser, main
from hallq.startup import display_available, process_age_s, rss_mb


def without_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)


def test_the_app_commands_are_mounted() -> None:
    parser = build_parser()
    args = parser.parse_args(["display", "--url", "http://h:1", "--token", "t", "--portrait",
                              "--audio", "files"])
    assert args.func is appcli.cmd_display and args.portrait and args.audio == "files"
    args = parser.parse_args(["kiosk", "--url", "http://h:1", "--elderly-typo"])
    assert args.func is appcli.cmd_app and args.app_args == ["--url", "http://h:1",
                                                             "--elderly-typo"]
    args = parser.parse_args(["screenshot", "--role", "display", "--state", "calls",
                              "--out", "x.png", "--lang", "en"])
    assert args.func is appcli.cmd_screenshot


def test_kiosk_and_caller_options_come_from_their_packages() -> None:
    for role in ("kiosk", "caller"):
        module = appcli.app_module(role)
        assert module is not None
        options = appcli.app_parser(role, module).parse_args(
            ["--url", "http://h:1", "--token", "t", "--report-first-paint"])
        assert options.url == "http://h:1" and options.report_first_paint
    with pytest.raises(SystemExit):
        appcli.app_parser("caller", appcli.app_module("caller")).parse_args(["--bogus"])


def test_without_a_screen_the_apps_say_how_to_run_offscreen(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    without_screen(monkeypatch)
    assert not display_available()
    for argv in (["display", "--url", "http://127.0.0.1:9", "--token", "t"],
                 ["kiosk", "--url", "http://127.0.0.1:9", "--token", "t"],
                 ["demo", "--data-dir", "unused", "--port", "9"]):
        assert main(argv) == 3
        err = capsys.readouterr().err
        assert "QT_QPA_PLATFORM=offscreen" in err and "xvfb-run" in err


def test_offscreen_counts_as_a_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    without_screen(monkeypatch)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_available()


def test_screenshot_needs_role_state_and_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screenshot", "--role", "display"]) == 2
    assert "--all DIR" in capsys.readouterr().err


def test_an_unknown_display_scenario_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screenshot", "--role", "display", "--state", "nope", "--out", "x.png"]) == 2
    assert "unknown display scenario" in capsys.readouterr().err


def test_display_needs_a_token(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HALLQ_TOKEN", raising=False)
    args = build_parser().parse_args(["display", "--url", "http://127.0.0.1:9"])
    assert isinstance(args, argparse.Namespace) and args.token is None
    assert appcli.cmd_display(args) == 2
    assert "--token" in capsys.readouterr().err


def test_process_figures_for_the_benchmark() -> None:
    assert process_age_s() > 0
    assert 10 < rss_mb() < 4000
