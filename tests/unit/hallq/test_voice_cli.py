"""``hallq voice check`` and ``hallq voice say``, run as a technician would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from display import audio, clipset
from hallq.cli import main
from tests.helpers.voices import needs_espeak, tone_voice

pytestmark = needs_espeak


def test_check_a_complete_set_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clipset.make_sample(tmp_path / "set")
    assert main(["voice", "check", str(tmp_path / "set")]) == 0
    assert "clip set complete (45 files)" in capsys.readouterr().out


def test_check_a_broken_set_lists_each_problem_and_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "set"
    clipset.make_sample(folder)
    (folder / "9.wav").unlink()
    (folder / "chime.wav").unlink()
    shutil.move(folder / "Q.wav", tmp_path / "Q.wav")
    subprocess.run(["sox", tmp_path / "Q.wav", "-r", "8000", folder / "Q.wav"], check=True)
    assert main(["voice", "check", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "9.wav: 缺少此文件 / file missing" in out
    assert any(line.startswith("Q.wav: 采样率 8000 Hz") for line in out)
    assert "chime.wav: 可选，未提供 / optional, not given" in out
    assert out[-1] == "2 个问题，片段不全 / 2 problems: clip set incomplete"


def test_check_no_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voice", "check", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_say_renders_a_call_to_listen_to(tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    done = subprocess.run([sys.executable, "-m", "hallq", "voice", "say", "A018", "--window",
                           "3", "--out", str(out), "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("(sentence)")
    assert 5.0 < audio.duration_s(out.read_bytes()) < 9.5


def test_say_with_a_clip_set_and_bad_numbers(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tone_voice(tmp_path / "set")
    out = tmp_path / "y.wav"
    assert main(["voice", "say", "b012", "--window", "14", "--voice", str(folder),
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith("(clips)") and out.is_file()
    assert main(["voice", "say", "A-18", "--out", str(out)]) == 2
    assert "letters and digits" in capsys.readouterr().err
