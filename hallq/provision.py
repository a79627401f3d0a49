"""``hallq provision``: turn a box into a hall node, a kiosk, a console, a wall display or a
window controller, asking only what it cannot find out.

For an app's box: find the hall (zeroconf, or ``--url``), test the attached devices (saying
each result), claim this box's token with the 6-digit code the hall shows (``hallq pair
--code``; typed unseen, or ``--code-stdin``: never on a command line), write ONE config
``<config-dir>/<role>.toml`` (mode 0600, ``ui/app_config.py``) the app starts from, and enable
the role's units. For the hall's server: write ``hall.toml`` (the example, or the answer
file's ``hall_config``), check it and enable the node. Flags or a TOML answer file
(``--answers``, the same for 50 boxes: role, url, name, window, ``[devices]``) answer the
questions; in a terminal what is still missing is asked. A second run changes nothing: a
config whose token the hall still takes is "already provisioned" (``--force`` pairs again).

Exit codes: 0 done or already provisioned, 1 the hall cannot be found or refused the code,
2 a usage error or a bad answer file, 3 a device given failed its test (nothing written).
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hall.config import EXAMPLE_HALL, ConfigError, load_config
from hallq.provision_devices import AUTO, KIND_NAMES, ROLE_DEVICES, Tested, find_device
from ui.app_config import AppConfig, AppConfigError, AttachedDevices, load_app_config, to_toml

ROLES = ("hall", "kiosk", "console", "display", "window-controller", "all-in-one")
#: The roles bound to one window.
WINDOW_ROLES = ("console", "window-controller")
#: The pairing role (``hallq pair --role``) a box of each role claims a code of.
PAIR_ROLE = {"kiosk": "kiosk", "console": "caller", "display": "display",
             "window-controller": "caller"}
#: The units each role runs (``packaging/systemd/``); ``{window}`` filled in.
UNITS = {"hall": ("hallq-hall.service",), "kiosk": ("hallq-kiosk.service",),
         "console": ("hallq-console@{window}.service",), "display": ("hallq-display.service",),
         "window-controller": ("hallq-window-controller@{window}.service",)}
#: The env file each role's unit reads, and the variable of the app's options in it.
UNIT_ENV = {"kiosk": ("kiosk.env", "HALLQ_KIOSK_ARGS"),
            "console": ("console-{window}.env", "HALLQ_CONSOLE_ARGS"),
            "display": ("display.env", "HALLQ_DISPLAY_ARGS"),
            "window-controller": ("window-{window}.env", "HALLQ_WINDOW_ARGS")}
#: The account the units run as; it must read the config.
SERVICE_USER = "hallq"
#: What all-in-one is: the hall and a kiosk and a wall display, each provisioned in turn.
ALL_IN_ONE = ("hall", "kiosk", "display")
DEFAULT_URL = "http://127.0.0.1:8470"


class Answers(BaseModel):
    """An answer file (TOML): what would otherwise be flags or questions."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["hall", "kiosk", "console", "display", "window-controller",
                  "all-in-one"] | None = None
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    name: str | None = Field(default=None, min_length=1, max_length=64)
    window: str | None = Field(default=None, min_length=1, max_length=16)
    config_dir: str | None = None
    hall_config: str | None = None
    devices: AttachedDevices = Field(default_factory=AttachedDevices)
    """Each kind's URL, ``auto`` (find one) or ``none``."""


class Refused(Exception):
    """Provisioning stops: the message (bilingual) and the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def say(text: str) -> None:
    """Tell the technician (stdout, at once)."""
    print(text, flush=True)


def cmd_provision(args: argparse.Namespace) -> int:
    """Provision this box as ``--role``; the exit code."""
    try:
        answers = _answers(args.answers)
        _merge(args, answers)
        roles = ALL_IN_ONE if args.role == "all-in-one" else (args.role,)
        for role in roles:
            if role == "hall":
                _provision_hall(args, answers)
            else:
                _provision_app(args, role, answers)
    except Refused as refused:
        print(f"hallq provision: {refused}", file=sys.stderr)
        return refused.code
    return 0


def _answers(path: str | None) -> Answers:
    if path is None:
        return Answers()
    try:
        return Answers.model_validate(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as err:
        raise Refused(f"无法读取应答文件 / cannot read the answer file {path}: {err.strerror}",
                      2) from None
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        raise Refused(f"应答文件有误 / the answer file {path} is wrong: {err}", 2) from None


def _merge(args: argparse.Namespace, answers: Answers) -> None:
    """Flags win over the answer file; a role still missing is asked in a terminal."""
    for key in ("role", "url", "name", "window", "config_dir"):
        if getattr(args, key) is None:
            setattr(args, key, getattr(answers, key))
    args.config_dir = args.config_dir or "/etc/hallq"
    if args.role == "all-in-one":
        args.url = args.url or DEFAULT_URL
    if args.role is None:
        args.role = _ask(f"角色 / role ({'|'.join(ROLES)})")
    if args.role not in ROLES:
        raise Refused(f"没有这个角色 / no such role {args.role!r}: one of {', '.join(ROLES)}", 2)
    if args.role in WINDOW_ROLES and not args.window:
        args.window = _ask("窗口号 / window number")


def _ask(question: str, secret: bool = False) -> str:
    """An answer typed in the terminal; a usage error when there is none to ask."""
    if not sys.stdin.isatty():
        raise Refused(f"缺少 / missing: {question} (give it as a flag or in --answers)", 2)
    answer = (getpass.getpass if secret else input)(f"{question}: ").strip()
    if not answer:
        raise Refused(f"缺少 / missing: {question}", 2)
    return answer


# ---------------------------------------------------------------------- the hall's server
def _provision_hall(args: argparse.Namespace, answers: Answers) -> None:
    """Write and check ``<config-dir>/hall.toml``, enable the node."""
    target = Path(args.config_dir) / "hall.toml"
    if target.exists() and not args.force:
        _check_hall_config(target)
        say(f"大厅配置已存在 / already provisioned: {target} (--force writes it again)")
        return
    source = Path(answers.hall_config) if answers.hall_config else EXAMPLE_HALL
    _check_hall_config(source)
    text = source.read_text(encoding="utf-8")
    if args.dry_run:
        say(f"[dry run] 将写入 / would write {target} from {source}")
        return
    _write(target, text, 0o644)
    say(f"已写入并检查大厅配置 / wrote and checked the hall config {target} (from {source}); "
        "after editing it, run this again to check it")
    _enable(args, "hall")
    say("下一步，为每台设备生成配对码 / next, a pairing code for each device: "
        "hallq pair --role kiosk --code --data-dir /var/lib/hallq")


def _check_hall_config(path: Path) -> None:
    try:
        load_config(path)
    except ConfigError as err:
        raise Refused(f"大厅配置有误 / the hall config {path} is wrong: {err.bilingual()}",
                      2) from None
    except OSError as err:
        raise Refused(f"无法读取大厅配置 / cannot read the hall config {path}: "
                      f"{err.strerror}", 2) from None


# ---------------------------------------------------------------------- an app's box
def _provision_app(args: argparse.Namespace, role: str, answers: Answers) -> None:
    """Find the hall, test the devices, claim the token, write the config, enable units."""
    target = Path(args.config_dir) / f"{role}.toml"
    if target.exists() and not args.force and _still_paired(target, args):
        say(f"已完成配置 / already provisioned: {target} (its token still works; --force "
            "pairs again)")
        return
    url, hall_id = _find_hall(args)
    say(f"大厅 / hall: {hall_id} at {url}")
    devices = _test_devices(args, role, answers)
    name = args.name or _default_name(role, args.window)
    if args.dry_run:
        say(f"[dry run] 将以 {name} 配对并写入 / would pair as {name} and write {target}")
        return
    code = _local_code(args, role, name) if args.role == "all-in-one" else _code(args)
    claimed = _claim(url, code, name)
    if claimed["role"] != PAIR_ROLE[role]:
        raise Refused(f"该配对码是 {claimed['role']} 角色的，未写入配置；请注销并换一个码 / the "
                      f"code was for a {claimed['role']}, not a {role}: nothing written; run "
                      f"hallq revoke {claimed['name']} on the hall and make a "
                      f"{PAIR_ROLE[role]} code", 2)
    config = AppConfig(role=role, hall_id=claimed["hall_id"],  # type: ignore[arg-type]
                       url=args.url, name=claimed["name"], token=claimed["token"],
                       window=claimed.get("window") or args.window, devices=devices)
    _write(target, to_toml(config), 0o600)
    say(f"已配对为 {config.name}，配置已写入 / paired as {config.name} "
        f"({claimed['role']}); config written to {target} (0600, holds the token)")
    _unit_env(target, role, config.window)
    _enable(args, role, config.window)


def _still_paired(target: Path, args: argparse.Namespace) -> bool:
    """Whether the config in ``target`` is valid and the hall still takes its token; a hall
    that cannot be reached stops here (pairing again would waste a code)."""
    try:
        config = load_app_config(target)
    except AppConfigError as err:
        say(f"现有配置不可用，将重新配对 / the config there cannot be used, pairing again: {err}")
        return False
    url = args.url or config.url or _find_hall(args)[0]
    try:
        answer = httpx.get(f"{url}/api/v1/hall", timeout=5,
                           headers={"Authorization": f"Bearer {config.token}"})
    except httpx.HTTPError as err:
        raise Refused(f"无法连接大厅，未作改动 / the hall at {url} does not answer; nothing "
                      f"changed: {err}", 1) from None
    if answer.status_code == 401:
        say("大厅不再接受该设备令牌，将重新配对 / the hall no longer takes this box's token "
            "(revoked?): pairing again")
        return False
    return answer.is_success


def _find_hall(args: argparse.Namespace) -> tuple[str, str]:
    """The hall's URL and id: ``--url``, or the first hall advertised on the LAN."""
    if args.url:
        try:
            hall = httpx.get(f"{args.url.rstrip('/')}/api/v1/health", timeout=5).json()
        except (httpx.HTTPError, ValueError) as err:
            raise Refused(f"大厅无应答 / the hall at {args.url} does not answer: {err}",
                          1) from None
        return args.url.rstrip("/"), str(hall.get("hall_id", "?"))
    from hall.discovery import find_hall

    say("正在局域网中查找大厅 / looking for the hall on the LAN …")
    found = find_hall(timeout=args.timeout)
    if found is None:
        raise Refused("局域网中未找到大厅：请确认大厅节点已启动，或用 --url 指定 / no hall "
                      "found on the LAN: is the hall node running? give --url", 1)
    return found.url, found.hall_id


#: The devices a role cannot work without (a window controller is its keypad's driver).
REQUIRED: dict[str, tuple[str, ...]] = {"window-controller": ("keypad",)}


def _test_devices(args: argparse.Namespace, role: str, answers: Answers) -> AttachedDevices:
    """Each device kind of ``role`` found and tested; a given one that fails stops here."""
    kinds = ROLE_DEVICES[role]
    if kinds:
        say("设备检测 / testing the devices:")
    tested: list[Tested] = []
    for kind in kinds:
        choice = getattr(args, kind, None) or getattr(answers.devices, kind) or AUTO
        result = find_device(kind, choice, say)
        if not result.ok:
            raise Refused(f"设备未通过测试，未作改动 / a device failed its test, nothing "
                          f"changed: {kind} {result.url} (fix it, or give {kind} = \"none\")", 3)
        if result.url is None and kind in REQUIRED.get(role, ()):
            raise Refused(f"没有找到{KIND_NAMES[kind]}，未作改动：请接好后再运行 / no "
                          f"{KIND_NAMES[kind].split(' / ')[1]} answered, nothing changed: plug "
                          f"it in and run this again (or give --{kind} URL)", 3)
        tested.append(result)
    return AttachedDevices(**{t.kind: t.url for t in tested if t.url})


def _local_code(args: argparse.Namespace, role: str, name: str) -> str:
    """A code made in this box's own hall database (all-in-one: the hall runs here)."""
    from hall.store import DatabaseUnusable, Store

    path = Path(args.data_dir) / "hall.sqlite3"
    if not path.exists():
        raise Refused(f"本机大厅尚未启动（{path} 不存在）：请先启动再运行一次 / the hall on this "
                      f"box has not started ({path} missing): start it (systemctl start "
                      "hallq-hall), then run this again", 1)
    try:
        store = Store(path)
    except DatabaseUnusable as err:
        raise Refused(err.bilingual(), 1) from None
    try:
        return store.add_pairing_code(PAIR_ROLE[role], args.window, name, time.time())
    finally:
        store.close()


def _default_name(role: str, window: str | None) -> str:
    return f"{role}-{window}" if window else f"{role}-{socket.gethostname()}"


def _code(args: argparse.Namespace) -> str:
    """The pairing code: ``--code``, one line of stdin, or typed unseen in a terminal."""
    if args.code:
        return str(args.code).strip()
    if args.code_stdin:
        return sys.stdin.readline().strip()
    return _ask("大厅显示的 6 位配对码 / the 6-digit pairing code the hall shows", secret=True)


def _claim(url: str, code: str, name: str) -> dict:
    """Claim the token with ``code``; the hall's answer, or Refused saying why not."""
    try:
        answer = httpx.post(f"{url}/api/v1/pairing/claim", json={"code": code, "name": name},
                            timeout=10)
    except httpx.HTTPError as err:
        raise Refused(f"大厅无应答 / the hall at {url} does not answer: {err}", 1) from None
    if answer.is_success:
        return dict(answer.json())
    try:
        body = answer.json()
        reason = f"{body['message_zh']} / {body['message_en']}"
    except (ValueError, KeyError, TypeError):
        reason = f"HTTP {answer.status_code}"
    raise Refused(f"配对失败，未作改动 / pairing refused, nothing written: {reason}",
                  2 if answer.status_code in (409, 422) else 1)


# ---------------------------------------------------------------------- files and units
def _write(target: Path, text: str, mode: int) -> None:
    """Write ``text`` to ``target`` with ``mode`` from the first byte (never readable by
    others meanwhile), replacing it at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(partial, mode)      # whatever the umask took away
    owner = _service_owner()
    if owner is not None:
        os.chown(partial, *owner)
    os.replace(partial, target)


def _service_owner() -> tuple[int, int] | None:
    """The units' account (uid, gid) when run as root and it exists, else None (keep ours)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return None
    return user.pw_uid, user.pw_gid


def _unit_env(target: Path, role: str, window: str | None) -> None:
    """Point the role's unit at the config (its env file, written when there is none)."""
    name, variable = UNIT_ENV[role]
    env = target.with_name(name.format(window=window))
    if not env.exists():
        _write(env, f"# written by hallq provision: the app starts from its config\n"
                    f"{variable}=--config {target}\n", 0o640)
    elif f"--config {target}" not in env.read_text(encoding="utf-8"):
        say(f"注意 / note: {env} exists; add --config {target} to its {variable}")


def _enable(args: argparse.Namespace, role: str, window: str | None = None) -> None:
    """``systemctl enable --now`` the role's units when systemd runs; else say the command."""
    units = [unit.format(window=window) for unit in UNITS[role]]
    command = ["systemctl", "enable", "--now", *units]
    if args.no_enable or not Path("/run/systemd/system").is_dir():
        say(f"启动服务请运行 / to start it, run: {' '.join(command)}")
        return
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Refused(f"无法启用服务 / could not enable {' '.join(units)}: "
                      f"{done.stderr.strip()}", 1)
    say(f"已启用 / enabled: {' '.join(units)}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``provision`` to ``hallq``."""
    parser = sub.add_parser(
        "provision", help="make this box a hall, kiosk, console, display or window controller",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--role", choices=ROLES, help="what this box is (asked if missing)")
    parser.add_argument("--window", help="the window of a console or window controller")
    parser.add_argument("--url", help="the hall node's URL (default: find it on the LAN)")
    parser.add_argument("--name", help="this device's name (default: ROLE-WINDOW or "
                                       "ROLE-HOSTNAME)")
    code = parser.add_mutually_exclusive_group()
    code.add_argument("--code", help="the 6-digit pairing code (better: --code-stdin, or "
                                     "typed when asked, so it is not in the shell history)")
    code.add_argument("--code-stdin", action="store_true", help="read the code from stdin")
    parser.add_argument("--answers", metavar="FILE", help="a TOML answer file (for many boxes)")
    parser.add_argument("--config-dir", help="where configs go (default /etc/hallq)")
    parser.add_argument("--data-dir", default="/var/lib/hallq",
                        help="all-in-one: the hall's data directory on this box")
    for kind in ("idcard", "printer", "camera", "led", "rating", "keypad", "badge-reader"):
        parser.add_argument(f"--{kind}", metavar="URL",
                            help=f"the {kind} device's URL, auto (default) or none")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to look for a hall")
    parser.add_argument("--force", action="store_true", help="pair and write again")
    parser.add_argument("--no-enable", action="store_true", help="do not enable the units")
    parser.add_argument("--dry-run", action="store_true",
                        help="find and test, but claim, write and enable nothing")
    parser.set_defaults(func=cmd_provision)
