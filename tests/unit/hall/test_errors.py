"""Error codes: every code the hall node and central raise is an ErrorCode member, documented
with the status it is raised with; device codes are DeviceErrorCode members."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import devices
from central.errors import CentralError, bad_request
from devices.base import DeviceError
from devices.codes import DeviceErrorCode
from hall.client import HallApiError
from hall.errors import ErrorCode, QueueError, error_responses, not_found

ROOT = Path(__file__).resolve().parents[3]
#: Calls that raise or build an error body, and the index of their code argument (and of
#: their status argument, None when the call has none).
ERROR_CALLS = {"QueueError": (0, 3), "not_found": (0, None), "CentralError": (1, 0),
               "_error": (1, 0), "error": (0, None), "HallApiError": (1, 0)}

#: The status of a call that gives none.
DEFAULT_STATUS = {"QueueError": QueueError.status, "not_found": 404}


def _literal(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _referral_error(call: ast.Call) -> bool:
    """``error(...)`` or ``referrals.error(...)`` (a referral's error body), not ``log.error``."""
    func = call.func
    return isinstance(func, ast.Name) or getattr(func.value, "id", "") == "referrals"


def _code_of(node: ast.expr | None) -> tuple[object, bool]:
    """The code a node names and whether as a literal string: ``"bad_state"``,
    ``ErrorCode.BAD_STATE`` or ``str(ErrorCode.BAD_STATE)``; (None, True) for anything else."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "ErrorCode":
        return ErrorCode[node.attr].value, False
    return _literal(node), True


def _error_body_codes(node: ast.Dict) -> Iterator[tuple[object, bool]]:
    """The code of a dict written as an error body (``{"code": …, "message_zh": …}``)."""
    keys = [_literal(key) for key in node.keys]
    if "code" in keys and "message_zh" in keys:
        yield _code_of(node.values[keys.index("code")])


def error_calls() -> Iterator[tuple[str, str, object, bool]]:
    """(place, code, status when known, whether the code is a literal string) of every error
    call in hall/ and central/, and of every error body written as a dict, whose code is a
    literal or an ``ErrorCode`` member."""
    for package in ("hall", "central"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                place = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Dict):
                    for code, literal in _error_body_codes(node):
                        if isinstance(code, str):
                            yield place, code, None, literal
                    continue
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name not in ERROR_CALLS or name == "error" and not _referral_error(node):
                    continue
                if package == "central" and name == "not_found":    # (what_zh, what_en)
                    continue
                code_at, status_at = ERROR_CALLS[name]
                code, literal = _code_of(node.args[code_at] if len(node.args) > code_at
                                         else None)
                status = None
                if status_at is not None and len(node.args) > status_at:
                    status = _literal(node.args[status_at])
                for keyword in node.keywords:
                    if keyword.arg == "status":
                        status = _literal(keyword.value)
                if status is None and name in DEFAULT_STATUS:
                    status = DEFAULT_STATUS[name]
                if isinstance(code, str):
                    yield place, code, status, literal


def test_every_literal_code_the_servers_raise_is_a_member() -> None:
    calls = list(error_calls())
    assert calls, "the scan found no error call at all"
    unknown = [(place, code) for place, code, _, _ in calls if code not in set(ErrorCode)]
    assert unknown == []


def test_the_servers_name_codes_by_member() -> None:
    """The engine, leasing, both APIs and the rest of central name every code they raise or
    answer by its ``ErrorCode`` member, never as a string."""
    calls = list(error_calls())
    scanned = {place.partition(":")[0] for place, _, _, _ in calls}
    assert {"hall/api/dependencies.py", "hall/api/cloud.py", "central/api/phone.py",
            "central/city.py", "central/phone.py"} <= scanned
    assert [place for place, _, _, literal in calls if literal] == []


def test_codes_documented_with_the_status_they_are_raised_with() -> None:
    wrong = [(place, code, status) for place, code, status, _ in error_calls()
             if isinstance(status, int) and ErrorCode(code).status != status]
    assert wrong == []


def test_error_base_and_its_body() -> None:
    error = QueueError("bad_state", "不行", "No")
    assert error.code is ErrorCode.BAD_STATE and error.status == 409
    assert error.to_dict() == {"code": "bad_state", "message_zh": "不行", "message_en": "No"}
    assert not_found(ErrorCode.UNKNOWN_TICKET, "票号", "Ticket").status == 404
    central = bad_request("Bad")
    assert isinstance(central, CentralError) and central.code is ErrorCode.BAD_REQUEST
    assert central.status == 422 and str(central) == "422 bad_request: Bad"
    with pytest.raises(ValueError):
        QueueError("no_such_code", "", "")


def test_clients_expose_known_codes_as_members() -> None:
    assert HallApiError(409, "window_busy", "", "").code is ErrorCode.WINDOW_BUSY
    assert HallApiError(409, "from_a_newer_node", "", "").code == "from_a_newer_node"


def test_error_responses_for_openapi() -> None:
    responses = error_responses([ErrorCode.UNKNOWN_TICKET, ErrorCode.UNKNOWN_WINDOW,
                                 ErrorCode.WINDOW_BUSY])
    assert sorted(responses) == [404, 409]
    schema = responses[404]["content"]["application/json"]["schema"]
    assert schema["properties"]["code"]["enum"] == ["unknown_ticket", "unknown_window"]
    assert "`window_busy`: the window still has a current ticket" in responses[409]["description"]
    every = error_responses()
    assert 0 not in every       # the clients' own codes are never sent by a server
    assert sum(len(r["content"]["application/json"]["schema"]["properties"]["code"]["enum"])
               for r in every.values()) == len([c for c in ErrorCode if c.status])


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_device_error_code_is_a_member() -> None:
    for module in pkgutil.walk_packages(devices.__path__, "devices."):
        if module.name.endswith((".errors", ".protocol", ".parse", ".busframe", ".cli")):
            importlib.import_module(module.name)
    classes = [DeviceError, *_subclasses(DeviceError)]
    assert len(classes) > 50
    assert [c.__name__ for c in classes if not isinstance(c.code, DeviceErrorCode)] == []
    warnings = {DeviceErrorCode.PRINTER_PAPER_LOW}
    assert {c.code for c in classes} | warnings == set(DeviceErrorCode)
