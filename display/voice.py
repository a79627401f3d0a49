"""Voices for the announcer: what a call says, as a list of clip names, and the default voice.

A voice is a folder of WAV clips, one per word: ``0.wav`` … ``9.wav`` (digits, 零 … 九),
``A.wav`` … ``Z.wav`` (letters, read by their English names as halls do), and the words
``qing`` 请, ``hao`` 号, ``dao`` 到, ``chuangkou`` 窗口, ``banli`` 办理, ``shi`` 十, ``bai`` 百,
``shipinfuwuqu`` 视频服务区 (the video booth, for a ticket served by another hall's window).
A hall may drop in a recorded voice with the same file names (any sample rate, mono or stereo,
16-bit PCM) and start the display with ``--voice FOLDER``; a ``chime.wav`` there replaces the
generated two-tone chime. The default voice is made on this machine by espeak-ng (its
``cmn-latn-pinyin`` voice, fed pinyin: the plain ``cmn`` voice reads some characters with
English phonemes).

A call reads the ticket number digit by digit ("A 零 零 一 号") and the window number as a
number ("十四 号窗口"): "请 A001 号 到 14 号窗口办理"; a call to the video booth (云叫号) says
"请 B012 号 到 视频服务区 办理". A voice without the booth clip (a hall's recorded voice made
before it existed) speaks that sentence with espeak-ng instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger("hallq.voice")

#: The espeak-ng voice that reads pinyin with Mandarin tones.
PINYIN_VOICE = "cmn-latn-pinyin"
#: Letters are read by their English names.
LETTER_VOICE = "en"
DIGIT_PINYIN = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
#: Word clips: file name -> pinyin.
WORD_PINYIN = {"qing": "qing3", "hao": "hao4", "dao": "dao4", "chuangkou": "chuang1 kou3",
               "banli": "ban4 li3", "shi": "shi2", "bai": "bai3",
               "shipinfuwuqu": "shi4 pin2 fu2 wu4 qu1"}
LETTERS = tuple(chr(c) for c in range(ord("A"), ord("Z") + 1))
#: Every clip a complete voice has.
CLIP_NAMES = (tuple(str(d) for d in range(10)) + LETTERS + tuple(WORD_PINYIN))


def default_voice_dir() -> Path:
    """Where the default voice lives: ``$HALLQ_VOICE_DIR`` or ~/.local/share/hallq/voice/default."""
    configured = os.environ.get("HALLQ_VOICE_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".local" / "share" / "hallq" / "voice" / "default"


def number_clips(text: str) -> list[str]:
    """A window number read as a Chinese number: "3" → 三, "14" → 十四, "20" → 二十,
    "105" → 一百零五. Anything else (letters, 1000 and more) is read one character at a time."""
    if not text.isdigit() or not 0 < int(text) < 1000:
        return spell_clips(text)
    value = int(text)
    hundreds, tens, ones = value // 100, value // 10 % 10, value % 10
    clips: list[str] = []
    if hundreds:
        clips += [str(hundreds), "bai"]
        if tens == 0 and ones:
            clips.append("0")
    if tens:
        if tens > 1 or hundreds:
            clips.append(str(tens))
        clips.append("shi")
    if ones:
        clips.append(str(ones))
    return clips


def spell_clips(text: str) -> list[str]:
    """Read character by character (digits and letters); other characters are skipped."""
    return [c.upper() for c in text if c.isascii() and c.isalnum()]


def call_clips(number: str, window: str) -> list[str]:
    """The clips of one call: 请 A001 号 到 3 号窗口 办理."""
    return (["qing"] + spell_clips(number) + ["hao", "dao"] + number_clips(window)
            + ["hao", "chuangkou", "banli"])


def call_text(number: str, window: str) -> str:
    """The sentence as written, for logs and records: "请 A001 号到 3 号窗口办理"."""
    return f"请 {number} 号到 {window} 号窗口办理"


def booth_number(booth_id: str) -> str:
    """The number of a video booth as its sign shows it: "V1" → "1" ("" when it has none)."""
    return "".join(c for c in booth_id if c.isdigit()).lstrip("0")


def booth_clips(number: str, booth: str = "") -> list[str]:
    """The clips of a call to the video booth: 请 B012 号 到 视频服务区 1 号 办理 (without
    the booth's number when ``booth`` is empty)."""
    place = number_clips(booth) + ["hao"] if booth else []
    return ["qing"] + spell_clips(number) + ["hao", "dao", "shipinfuwuqu"] + place + ["banli"]


def booth_text(number: str, booth: str = "") -> str:
    """A call to the video booth as written: "请 B012 号到视频服务区1号办理"."""
    return f"请 {number} 号到视频服务区{booth + '号' if booth else ''}办理"


def call_pinyin(number: str, window: str) -> str:
    """The sentence in pinyin for espeak-ng's pinyin voice (the fallback without clips)."""
    return clips_pinyin(call_clips(number, window))


def booth_pinyin(number: str, booth: str = "") -> str:
    """A call to the video booth in pinyin (the fallback without clips)."""
    return clips_pinyin(booth_clips(number, booth))


def clips_pinyin(clips: list[str]) -> str:
    """Clips as pinyin for espeak-ng's pinyin voice. Letters stay letters (that voice reads
    them close to their English names)."""
    words = []
    for clip in clips:
        if clip.isdigit():
            words.append(DIGIT_PINYIN[int(clip)])
        elif clip in WORD_PINYIN:
            words.append(WORD_PINYIN[clip])
        else:
            words.append(clip)
    return " ".join(words)


class VoiceError(Exception):
    """The default voice could not be made (espeak-ng missing or failing)."""


def espeak_path() -> str | None:
    """The espeak-ng program, or None when it is not installed."""
    return shutil.which("espeak-ng")


def espeak_wav(text: str, voice: str = PINYIN_VOICE, speed: int = 185) -> bytes:
    """Speak ``text`` with espeak-ng into WAV bytes."""
    program = espeak_path()
    if program is None:
        raise VoiceError("espeak-ng is not installed (apt-get install espeak-ng)")
    try:
        done = subprocess.run([program, "-v", voice, "-s", str(speed), "--stdout", text],
                              capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        raise VoiceError(f"espeak-ng failed on {text!r}: {err}") from None
    return done.stdout


def clip_source(name: str) -> tuple[str, str]:
    """What espeak-ng says for a clip of the default voice: (voice, text)."""
    if name.isdigit():
        return PINYIN_VOICE, DIGIT_PINYIN[int(name)]
    if name in WORD_PINYIN:
        return PINYIN_VOICE, WORD_PINYIN[name]
    return LETTER_VOICE, name


def make_default_voice(target: Path | str, force: bool = False) -> list[Path]:
    """Write every clip of the default voice into ``target`` (kept when already there)."""
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CLIP_NAMES:
        path = folder / f"{name}.wav"
        if path.exists() and not force:
            continue
        voice, text = clip_source(name)
        partial = path.with_suffix(".part")
        partial.write_bytes(espeak_wav(text, voice))
        partial.replace(path)
        written.append(path)
    if written:
        log.info("default voice: wrote %d clips to %s", len(written), folder)
    return written


def missing_clips(folder: Path | str, names: list[str] | tuple[str, ...] = CLIP_NAMES
                  ) -> list[str]:
    """The clip names a voice folder lacks."""
    base = Path(folder)
    return [n for n in names if not (base / f"{n}.wav").is_file()]
