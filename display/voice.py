"""What a call says: the words of a call, how numbers are read, and espeak-ng.

A call is "请 A018 号到 3 号窗口办理" (or, for a ticket served by video from another hall,
"请 B012 号到视频服务区1号办理"). How the hall says the numbers:

- the ticket number digit by digit, its letter by its English name: A018 → "A 零 一 八"
  (一, not the 幺 of phone numbers and radio: hall calling systems say 一, and the printed
  ticket and the wall show the same digits; a hall that prefers 幺 records its ``1.wav`` so);
- the window number as a Chinese number: 3 → 三, 14 → 十四, 20 → 二十, 105 → 一百零五
  (1000 and more, or with letters, one character at a time).

The words are named by clip names (``qing``, ``A``, ``0`` …, see :mod:`display.clipset` for
the recorded-clip format a hall drops in). Without recorded clips the announcer speaks the
whole sentence with espeak-ng (:mod:`display.sentence`), fed pinyin through its
``cmn-latn-pinyin`` voice: espeak-ng 1.51's plain ``cmn`` voice looks Chinese characters up
as pinyin and then reads that pinyin with English phonemes ("请" comes out as "qing three"),
while the pinyin voice uses the same Mandarin phonemes and tones. A comma after the ticket
number gives the sentence its natural phrase break: "请 A零一八号，到三号窗口办理".
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
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


def voice_data_dir() -> Path:
    """Where the voice's files live: ``$HALLQ_VOICE_DIR`` or ~/.local/share/hallq/voice
    (the sentence cache in ``sentences/``, the sample clip set in ``sample/``)."""
    configured = os.environ.get("HALLQ_VOICE_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".local" / "share" / "hallq" / "voice"


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
    """The sentence in pinyin for espeak-ng's pinyin voice."""
    return clips_pinyin(call_clips(number, window))


def booth_pinyin(number: str, booth: str = "") -> str:
    """A call to the video booth in pinyin."""
    return clips_pinyin(booth_clips(number, booth))


def clips_pinyin(clips: list[str]) -> str:
    """Clips as one pinyin sentence for espeak-ng's pinyin voice, with a comma after the
    ticket number (the first 号). Letters stay letters (that voice reads them close to their
    English names)."""
    words = []
    pause_done = False
    for clip in clips:
        if clip.isdigit():
            words.append(DIGIT_PINYIN[int(clip)])
        elif clip in WORD_PINYIN:
            words.append(WORD_PINYIN[clip])
        else:
            words.append(clip)
        if clip == "hao" and not pause_done:
            words[-1] += ","
            pause_done = True
    return " ".join(words)


class VoiceError(Exception):
    """Speech could not be made (espeak-ng or sox missing or failing)."""


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


def sox_path() -> str | None:
    """The sox program, or None when it is not installed."""
    return shutil.which("sox")


def sox_process(wav_bytes: bytes, effects: list[str], rate: int = 22050) -> bytes:
    """Run WAV bytes through sox ``effects`` into 16-bit mono WAV bytes at ``rate`` (through
    files: a WAV written to a pipe has no length in its header)."""
    program = sox_path()
    if program is None:
        raise VoiceError("sox is not installed (apt-get install sox)")
    with tempfile.TemporaryDirectory(prefix="hallq-sox-") as tmp:
        source, target = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        source.write_bytes(wav_bytes)
        command = [program, str(source), "-b", "16", "-c", "1", "-r", str(rate), str(target),
                   *effects]
        try:
            subprocess.run(command, capture_output=True, timeout=20, check=True)
            return target.read_bytes()
        except (OSError, subprocess.SubprocessError) as err:
            raise VoiceError(f"sox failed ({' '.join(effects)}): {err}") from None
