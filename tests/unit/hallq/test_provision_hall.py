"""``hallq provision`` on the hall's server, and what it refuses before touching anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import EXAMPLE_HALL
from hallq.cli import main


def test_the_hall_gets_its_config_once(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    etc = tmp_path / "etc"
    assert main(["provision", "--role", "hall", "--config-dir", str(etc)]) == 0
    out = capsys.readouterr().out
    assert (etc / "hall.toml").read_bytes() == EXAMPLE_HALL.read_bytes()
    assert "systemctl enable --now hallq-hall.service" in out
    assert "hallq pair --role kiosk --code --data-dir /var/lib/hallq" in out
    (etc / "hall.toml").write_text((etc / "hall.toml").read_text() + "\n# edited\n")
    assert main(["provision", "--role", "hall", "--config-dir", str(etc)]) == 0
    assert "already provisioned" in capsys.readouterr().out
    assert (etc / "hall.toml").read_text().endswith("# edited\n")     # kept


def test_a_wrong_hall_config_is_refused(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "hall.toml"
    broken.write_text("[hall]\nid = 3\n")
    answers = tmp_path / "answers.toml"
    answers.write_text(f'role = "hall"\nhall_config = "{broken}"\n')
    assert main(["provision", "--answers", str(answers),
                 "--config-dir", str(tmp_path / "etc")]) == 2
    assert "大厅配置有误 / the hall config" in capsys.readouterr().err
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("answers, says", [
    ('role = "kiosk"\ncolour = "red"\n', "the answer file"),
    ('role = "kiosk"\n[devices]\nscanner = "sim://camera"\n', "devices.scanner"),
])
def test_a_wrong_answer_file_is_refused(tmp_path: Path, answers: str, says: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(answers)
    assert main(["provision", "--answers", str(path), "--config-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "应答文件有误" in err and says in err


def test_without_a_terminal_what_is_missing_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provision", "--role", "console", "--url", "http://127.0.0.1:9",
                 "--config-dir", str(tmp_path)]) == 2
    assert "缺少 / missing: 窗口号 / window number" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
