"""The apps' subcommands of ``hallq``: ``display``, ``kiosk``, ``caller`` and ``screenshot``.

Each app is a thin client of a hall node found on the LAN by zeroconf or given by ``--url``;
its token comes from ``hallq pair`` (``--token`` or ``$HALLQ_TOKEN``). Qt is imported only
when an app starts, so ``hallq --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("hallq.apps")

ROLES = ("display", "kiosk", "caller")
#: Qt objects that must live as long as the app (Python would collect them otherwise).
_KEEP: list[Any] = []
#: Where each role's scenarios are rendered: module, and whether it takes ``elderly``.
APP_HELP = {"kiosk": "the citizen self-service kiosk (取号机)",
            "caller": "the staff calling console of one window (叫号终端)"}
SCENARIO_MODULES = {"display": "hallq.display_scenarios", "kiosk": "kiosk.screens",
                    "caller": "caller.screens"}


# ---------------------------------------------------------------------- shared
def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="the hall node's URL (default: find it on the LAN)")
    parser.add_argument("--token", default=os.environ.get("HALLQ_TOKEN"),
                        help="this device's token from `hallq pair` (default: $HALLQ_TOKEN)")
    parser.add_argument("--token-file", default=os.environ.get("HALLQ_TOKEN_FILE"),
                        help="a file (mode 0600) holding the token, kept off the command line "
                             "(default: $HALLQ_TOKEN_FILE)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="first language")
    parser.add_argument("--portrait", action="store_true", help="a portrait screen (1080x1920)")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to look for a hall")
    parser.add_argument("--exit-after-first-paint", action="store_true",
                        help="quit after the first paint with content (start-up measurement)")
    parser.add_argument("--report-first-paint", action="store_true",
                        help="print start-up time and memory at the first paint")
    _config_option(parser)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="this box's config from `hallq provision` (/etc/hallq/ROLE.toml): "
                             "the hall, token, window and devices; options given win")


def hall_url(args: argparse.Namespace) -> str | None:
    """``--url``, or the first hall found on the LAN."""
    if args.url:
        return str(args.url)
    from hall.discovery import find_hall

    found = find_hall(timeout=args.timeout)
    return found.url if found is not None else None


def _prepare(args: argparse.Namespace, command: str) -> tuple[Any, str] | int:
    """The QApplication and the hall URL, or an exit status after saying what is missing."""
    from hallq.startup import display_available, exit_code_for_missing_display
    from ui.app_config import apply_config

    if not apply_config(args, command):
        return 2
    if not display_available():
        return exit_code_for_missing_display(command)
    if not args.token and args.token_file:
        from ui.service import read_token_file

        args.token = read_token_file(args.token_file, command)
        if args.token is None:
            return 2
    if not args.token:
        print(f"{command}: give this device's token with --token (from `hallq pair`)",
              file=sys.stderr)
        return 2
    url = hall_url(args)
    if url is None:
        print(f"{command}: no hall found on the LAN; give --url", file=sys.stderr)
        return 1
    from hallq.startup import quit_on_sigint
    from ui.qt import ensure_app

    app = ensure_app()
    _KEEP.append(quit_on_sigint(app))
    return app, url


def show(window: Any, args: argparse.Namespace, windowed_size: tuple[int, int]) -> None:
    """Full screen, or a window of ``windowed_size`` (portrait swaps it)."""
    width, height = windowed_size
    if args.portrait:
        width, height = height, width
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.resize(width, height)
        window.show()


# ---------------------------------------------------------------------- display
def cmd_display(args: argparse.Namespace) -> int:
    """Run the wall display."""
    prepared = _prepare(args, "hallq display")
    if isinstance(prepared, int):
        return prepared
    app, url = prepared
    from display.app import WallDisplay
    from display.viewmodel import DisplayModel
    from display.wall import DisplayWindow
    from hall.client import HallClient
    from hallq.startup import FirstPaint
    from ui.heartbeat import Heartbeat

    client = HallClient(url, args.token)
    model = DisplayModel()
    window = DisplayWindow(model, lang=args.lang, notice_zh=args.notice_zh,
                           notice_en=args.notice_en, alternate_s=args.alternate)
    announcer = None
    if args.audio != "off":
        from display.announcer import Announcer
        from display.audio import choose_player

        announcer = Announcer(args.voice, choose_player(args.audio, args.audio_out),
                              out_dir=args.audio_out)
    wall = WallDisplay(client, window=window, announcer=announcer).start()
    heartbeat = Heartbeat(client).start()
    if args.exit_after_first_paint or args.report_first_paint:
        _KEEP.append(FirstPaint(window, ready=lambda: model.loaded,
                                exit_after=args.exit_after_first_paint))
    show(window, args, (1280, 720))
    from ui.service import tell_systemd

    _KEEP.append(tell_systemd(app))
    try:
        return int(app.exec())
    finally:
        heartbeat.stop()
        wall.stop()
        if announcer is not None:
            announcer.stop(timeout=2)
        client.close()


# ---------------------------------------------------------------------- kiosk, caller
def app_module(role: str) -> Any:
    """``kiosk.app`` or ``caller.app`` when it offers ``add_arguments`` and ``run``, else None."""
    try:
        module = importlib.import_module(f"{role}.app")
    except ImportError as err:
        log.debug("%s.app not available: %s", role, err)
        return None
    return module if hasattr(module, "add_arguments") and hasattr(module, "run") else None


def app_parser(role: str, module: Any) -> argparse.ArgumentParser:
    """The options of ``hallq kiosk|caller``: the app's own, and the first-paint report."""
    parser = argparse.ArgumentParser(prog=f"hallq {role}", description=APP_HELP[role])
    module.add_arguments(parser)
    for flag, text in (("--exit-after-first-paint",
                        "quit after the first paint (start-up measurement)"),
                       ("--report-first-paint",
                        "print start-up time and memory at the first paint")):
        try:
            parser.add_argument(flag, action="store_true", help=text)
        except argparse.ArgumentError:
            pass
    _config_option(parser)
    return parser


def cmd_app(args: argparse.Namespace) -> int:
    """Run the kiosk or the calling console: its package's own ``run(args)`` (its options are
    parsed only now, so that ``hallq`` does not load Qt and OpenCV for every command), with
    the first-paint report installed on the application when asked for."""
    role = args.command
    module = app_module(role)
    if module is None:
        print(f"hallq {role}: the {role} app is not available yet", file=sys.stderr)
        return 1
    options = app_parser(role, module).parse_args(args.app_args)
    from hallq.startup import display_available, exit_code_for_missing_display
    from ui.app_config import apply_config

    if not apply_config(options, f"hallq {role}"):
        return 2

    if not display_available():
        return exit_code_for_missing_display(f"hallq {role}")
    if options.exit_after_first_paint or options.report_first_paint:
        from hallq.startup import FirstPaint
        from ui.qt import ensure_app

        _KEEP.append(FirstPaint(ensure_app(), exit_after=options.exit_after_first_paint))
    return int(module.run(options))


# ---------------------------------------------------------------------- screenshots
def scenario_module(role: str) -> Any:
    """The module that renders a role's scenarios, or None when it is not built yet."""
    try:
        module = importlib.import_module(SCENARIO_MODULES[role])
    except ImportError as err:
        log.debug("%s not available: %s", SCENARIO_MODULES[role], err)
        return None
    return module if hasattr(module, "render_scenario") else None


def render(role: str, state: str, lang: str, portrait: bool, elderly: bool) -> Any:
    """The widget of one screen in one state, not shown."""
    from ui.qt import LANDSCAPE, PORTRAIT

    module = scenario_module(role)
    if module is None:
        raise LookupError(f"the {role} screens are not available yet")
    size = PORTRAIT if portrait else LANDSCAPE
    if role == "kiosk":
        return module.render_scenario(state, lang, elderly, size), size
    return module.render_scenario(state, lang, size), size


def shoot(role: str, state: str, out: Path, lang: str = "zh", portrait: bool = False,
          elderly: bool = False) -> Path:
    """Render one screen offscreen into a PNG."""
    from ui.qt import screenshot

    widget, size = render(role, state, lang, portrait, elderly)
    try:
        return screenshot(widget, out, size)
    finally:
        widget.close()
        widget.deleteLater()


def all_shots(folder: Path, roles: tuple[str, ...] = ROLES) -> list[Path]:
    """Every screen of every role in both languages, landscape, as
    ``{role}-{state}-{lang}-{orientation}[-elderly].png``; the wall display also in portrait,
    the kiosk also in its elderly mode."""
    written = []
    for role in roles:
        module = scenario_module(role)
        if module is None:
            print(f"hallq screenshot: the {role} screens are not available yet", file=sys.stderr)
            continue
        for state in module.SCENARIOS:
            for lang in ("zh", "en"):
                variants = [(False, False)]
                if role == "display":
                    variants.append((True, False))
                if role == "kiosk" and state != "elderly":
                    variants.append((False, True))
                for portrait, elderly in variants:
                    name = (f"{role}-{state}-{lang}-{'portrait' if portrait else 'landscape'}"
                            f"{'-elderly' if elderly else ''}.png")
                    written.append(shoot(role, state, folder / name, lang, portrait, elderly))
                    print(f"  {folder / name}", flush=True)
    return written


def cmd_screenshot(args: argparse.Namespace) -> int:
    """Render screens offscreen into PNG files."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.qt import ensure_app

    ensure_app()
    if args.all:
        roles = (args.role,) if args.role else ROLES
        written = all_shots(Path(args.all), roles)
        print(f"hallq screenshot: {len(written)} screenshots in {args.all}")
        return 0 if written else 1
    if not (args.role and args.state and args.out):
        print("hallq screenshot: give --role, --state and --out (or --all DIR)", file=sys.stderr)
        return 2
    try:
        path = shoot(args.role, args.state, Path(args.out), args.lang, args.portrait,
                     args.elderly)
    except LookupError as err:
        print(f"hallq screenshot: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"hallq screenshot: {err}", file=sys.stderr)
        return 2
    print(path)
    return 0


# ---------------------------------------------------------------------- parser
def register(sub: argparse._SubParsersAction) -> None:
    """Add ``display``, ``kiosk``, ``caller`` and ``screenshot`` to ``hallq``."""
    display = sub.add_parser("display", help="the wall display (综合屏) with announcements")
    _common(display)
    display.add_argument("--voice", type=Path, default=None,
                         help="a folder of recorded clips (default: the espeak-ng voice)")
    display.add_argument("--audio", choices=["auto", "device", "files", "off"], default="auto",
                         help="play on the audio device, write WAV files, or stay silent "
                              "(auto: the device when there is one)")
    display.add_argument("--audio-out", type=Path, default=Path("var/announcements"),
                         help="where WAV files go when there is no audio device")
    display.add_argument("--notice-zh", help="the scrolling notice in Chinese")
    display.add_argument("--notice-en", help="the scrolling notice in English")
    display.add_argument("--alternate", type=float, default=20.0, metavar="SECONDS",
                         help="Chinese and English take turns this often, --lang first "
                              "(default 20; 0: stay in --lang)")
    display.set_defaults(func=cmd_display)

    for role, text in APP_HELP.items():
        # the app's own options are parsed by cmd_app ("+" keeps argparse off the "-" ones)
        app = sub.add_parser(role, help=text, add_help=False, prefix_chars="+")
        app.add_argument("app_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        app.set_defaults(func=cmd_app)

    shot = sub.add_parser("screenshot", help="render a screen offscreen into a PNG")
    shot.add_argument("--role", choices=list(ROLES))
    shot.add_argument("--state", help="the scenario, e.g. calls (display), attract (kiosk), "
                                      "serving (caller)")
    shot.add_argument("--out", type=Path, help="the PNG file to write")
    shot.add_argument("--lang", choices=["zh", "en"], default="zh")
    shot.add_argument("--portrait", action="store_true", help="1080x1920 instead of 1920x1080")
    shot.add_argument("--elderly", action="store_true", help="kiosk: elderly mode")
    shot.add_argument("--all", type=Path, metavar="DIR",
                      help="every screen (of --role, or all roles) into DIR")
    shot.set_defaults(func=cmd_screenshot)
