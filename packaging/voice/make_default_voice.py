#!/usr/bin/env python3
"""Make the sample recorded-clip set with espeak-ng and sox (nothing is downloaded).

    python packaging/voice/make_default_voice.py [DIR] [--force]

DIR defaults to $HALLQ_VOICE_DIR/sample or ~/.local/share/hallq/voice/sample. `make setup` (and
so `make demo`) runs it. The announcer does not need it: without a clip set it speaks whole
sentences with espeak-ng (display/sentence.py). The sample shows a hall the clip-set format
(display/clipset.py: file names, WAV 16-bit mono, rates, lengths, loudness) with every file in
place; a hall records its own clips with the same names, checks them with
`hallq voice check DIR` and starts the display with `--voice DIR`. About 0.7 MB, made on the
machine, never committed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from display.clipset import OPTIONAL, REQUIRED, make_sample
from display.voice import VoiceError, voice_data_dir


def main(argv: list[str] | None = None) -> int:
    """Write the clips; exit 1 when espeak-ng or sox is missing or fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=None,
                        help="target folder (default: the voice data folder's sample/)")
    parser.add_argument("--force", action="store_true", help="write the clips again")
    args = parser.parse_args(argv)
    target = args.dir or voice_data_dir() / "sample"
    try:
        written = make_sample(target, force=args.force)
    except (VoiceError, OSError) as err:
        print(f"make_default_voice: {err}", file=sys.stderr)
        return 1
    total = len(REQUIRED) + len(OPTIONAL)
    print(f"sample clip set in {target}: {len(written)} clips written, "
          f"{total - len(written)} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
