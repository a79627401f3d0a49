"""A device's one config file, written by ``hallq provision`` (``/etc/hallq/<role>.toml``, mode
0600): which hall, this device's token and name, its window and its devices' URLs. The apps
start from it with ``--config FILE``; an option given on the command line wins over the file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The roles a config is written for (``hallq provision --role``; a hall's is its own TOML).
AppRole = Literal["kiosk", "console", "display", "window-controller"]
DeviceURL = Field(default=None, min_length=1, max_length=300)


class AttachedDevices(BaseModel):
    """The URL of each device attached to this box (``devices/registry.py``), tested when
    provisioned; absent: none of that kind."""

    model_config = ConfigDict(extra="forbid")

    idcard: str | None = DeviceURL
    printer: str | None = DeviceURL
    camera: str | None = DeviceURL
    led: str | None = DeviceURL
    rating: str | None = DeviceURL
    keypad: str | None = DeviceURL
    badge_reader: str | None = DeviceURL


class AppConfig(BaseModel):
    """What an app of one box needs to start: the hall (``url``, or found on the LAN by its
    ``hall_id``), the token claimed with a pairing code, the window, the devices."""

    model_config = ConfigDict(extra="forbid")

    role: AppRole
    hall_id: str = Field(min_length=1, max_length=64)
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$", max_length=200)
    name: str = Field(min_length=1, max_length=64)
    token: str = Field(min_length=16, max_length=200)
    window: str | None = Field(default=None, min_length=1, max_length=16)
    devices: AttachedDevices = Field(default_factory=AttachedDevices)


class AppConfigError(ValueError):
    """The config file cannot be read or is not a valid config: says where, bilingual."""


def load_app_config(path: Path | str) -> AppConfig:
    """The config in ``path``; :class:`AppConfigError` when it is missing or invalid."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return AppConfig.model_validate(data)
    except OSError as err:
        raise AppConfigError(f"无法读取配置文件 / cannot read the config {path}: "
                             f"{err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise AppConfigError(f"配置文件不是有效的 TOML / the config {path} is no valid TOML: "
                             f"{err}") from None
    except ValidationError as err:
        where = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in err.errors())
        raise AppConfigError(f"配置文件有误 / the config {path} is wrong: {where}") from None


def to_toml(config: AppConfig) -> str:
    """The config as TOML text (the same config gives the same bytes)."""
    def value(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)     # a JSON string is a TOML basic string

    lines = ["# hallq: this box's config, written by `hallq provision` (keep it secret: it",
             "# holds the device's token). Start the app with --config THIS_FILE."]
    for key in ("role", "hall_id", "url", "name", "token", "window"):
        if getattr(config, key) is not None:
            lines.append(f"{key} = {value(getattr(config, key))}")
    lines += ["", "[devices]"]
    lines += [f"{kind} = {value(url)}"
              for kind, url in config.devices.model_dump(exclude_none=True).items()]
    return "\n".join(lines) + "\n"


def apply_config(args: argparse.Namespace, program: str) -> bool:
    """Fill the options left out (``None`` or empty) of ``args`` from ``args.config`` when
    given: the URL, token, window and device URLs. False after saying why the file cannot be
    used."""
    path = getattr(args, "config", None)
    if not path:
        return True
    try:
        config = load_app_config(path)
    except AppConfigError as err:
        print(f"{program}: {err}", file=sys.stderr)
        return False
    given = {"url": config.url, "token": config.token, "window": config.window,
             **config.devices.model_dump()}
    for key, value in given.items():
        if hasattr(args, key) and getattr(args, key) in (None, ""):
            setattr(args, key, value)
    return True
