"""``hallq voice``: check a hall's recorded clip set, and render a call to listen to.

    hallq voice check DIR                          list missing and bad clips; exit 1 if incomplete
    hallq voice say A018 --window 3 --out x.wav    the call as the wall display speaks it

The clip-set format is in :mod:`display.clipset` (a sample set is made by
packaging/voice/make_default_voice.py); the synthesised sentence in :mod:`display.sentence`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# The display modules (and numpy) load only when a voice command runs, not for every `hallq`.


class _NoPlayer:
    """The announcer's player for ``say``: nothing plays, the WAV is written by the command."""

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Do nothing."""
        return "none"


def cmd_check(args: argparse.Namespace) -> int:
    """Print each problem of a clip set; exit 1 when it is incomplete, 2 when no folder."""
    from display import clipset

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"hallq voice check: 没有这个文件夹 / no such folder: {folder}", file=sys.stderr)
        return 2
    report = clipset.check(folder)
    for problem in report.problems:
        print(problem.line())
    for name in report.absent_optional:
        print(f"{name}.wav: 可选，未提供 / optional, not given")
    if report.complete:
        print(f"片段齐全（{report.checked} 个文件）/ clip set complete ({report.checked} files)")
        return 0
    print(f"{len(report.problems)} 个问题，片段不全 / {len(report.problems)} problems: "
          "clip set incomplete")
    return 1


def cmd_say(args: argparse.Namespace) -> int:
    """Render one call (chime, sentence twice) into a WAV file."""
    from display import audio
    from display.announcer import Announcer

    number = args.number.strip().upper()
    if not number or not number.isascii() or not number.isalnum():
        print("hallq voice say: 号码只能是字母和数字 / the number must be letters and digits",
              file=sys.stderr)
        return 2
    if args.voice is not None and not Path(args.voice).is_dir():
        print(f"hallq voice say: 没有这个文件夹 / no such folder: {args.voice}", file=sys.stderr)
        return 2
    announcer = Announcer(args.voice, player=_NoPlayer(), cache_dir=args.cache_dir)
    try:
        wav, source = announcer.compose(number, args.window, booth=args.booth)
        Path(args.out).write_bytes(wav)
    except OSError as err:
        print(f"hallq voice say: 无法写入 / cannot write {args.out}: {err}", file=sys.stderr)
        return 1
    print(f"{args.out}: {audio.duration_s(wav):.2f} s ({source})")
    return 0 if source != "chime" else 1


def register(sub: Any) -> None:
    """Add ``hallq voice`` to the command line."""
    parser = sub.add_parser("voice", help="the announcer's voice: check a clip set, say a call",
                            description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="voice_command", required=True)
    check = commands.add_parser("check", help="check a recorded clip set (exit 1 if incomplete)")
    check.add_argument("dir", help="the clip set's folder")
    check.set_defaults(func=cmd_check)
    say = commands.add_parser("say", help="render a call into a WAV file for listening")
    say.add_argument("number", help="the ticket number, e.g. A018")
    say.add_argument("--window", default="1", help="the window (or with --booth the booth)")
    say.add_argument("--booth", action="store_true", help="a call to the video booth")
    say.add_argument("--voice", type=Path, default=None,
                     help="a recorded clip set (default: the synthesised sentence)")
    say.add_argument("--cache-dir", type=Path, default=None,
                     help="where synthesised sentences are cached")
    say.add_argument("--out", default="call.wav", help="the WAV file to write")
    say.set_defaults(func=cmd_say)
