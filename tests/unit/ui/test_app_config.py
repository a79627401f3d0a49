"""The config a provisioned box starts from: written and read back the same, refused with a
bilingual line when wrong, and filling only the options the command line left out."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ui.app_config import AppConfig, AttachedDevices, apply_config, load_app_config, to_toml

CONFIG = AppConfig(role="console", hall_id="HA", url=None, name="console-3",
                   token="t" * 32, window="3",
                   devices=AttachedDevices(led='led:///dev/ttyUSB1?addr=3&x="q"'))


def test_a_config_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text(to_toml(CONFIG))
    assert load_app_config(path) == CONFIG
    assert to_toml(load_app_config(path)) == to_toml(CONFIG)
    assert "url" not in path.read_text()              # found on the LAN when absent


@pytest.mark.parametrize("text, says", [
    ("role = 'kiosk'\n", "hall_id: Field required"),
    ("not toml = = 1", "is no valid TOML"),
    (to_toml(CONFIG).replace('role = "console"', 'role = "janitor"'), "role: Input should be"),
])
def test_a_wrong_config_is_refused_saying_where(tmp_path: Path, text: str, says: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert not apply_config(argparse.Namespace(config=str(path)), "hallq caller")
    err = capsys.readouterr().err
    assert err.startswith("hallq caller: 配置文件") and says in err


def test_options_given_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text(to_toml(CONFIG))
    args = argparse.Namespace(config=str(path), url="http://h:1", token="", window=None,
                              led=None, rating="sim://rating")
    assert apply_config(args, "hallq caller")
    assert (args.url, args.token, args.window) == ("http://h:1", "t" * 32, "3")
    assert (args.led, args.rating) == (CONFIG.devices.led, "sim://rating")
    assert not hasattr(args, "keypad")
