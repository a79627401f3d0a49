#!/usr/bin/env python3
"""Make the default announcer voice: one WAV clip per word, spoken by espeak-ng.

    python packaging/voice/make_default_voice.py [DIR] [--force]

DIR defaults to $HALLQ_VOICE_DIR or ~/.local/share/hallq/voice/default. `make setup` (and so
`make demo`) runs it; the announcer also runs it on first use when the clips are missing.
A hall replaces the voice by dropping recorded clips with the same names into a folder and
starting the display with --voice FOLDER (see display/voice.py for the clip names).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from display.voice import CLIP_NAMES, VoiceError, default_voice_dir, make_default_voice


def main(argv: list[str] | None = None) -> int:
    """Write the clips; exit 1 when espeak-ng is missing or fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=None,
                        help="target folder (default: the default voice folder)")
    parser.add_argument("--force", action="store_true", help="write the clips again")
    args = parser.parse_args(argv)
    target = args.dir or default_voice_dir()
    try:
        written = make_default_voice(target, force=args.force)
    except VoiceError as err:
        print(f"make_default_voice: {err}", file=sys.stderr)
        return 1
    print(f"default voice in {target}: {len(written)} clips written, "
          f"{len(CLIP_NAMES) - len(written)} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
