"""Errors of the central platform, each with a stable code and a message in Chinese first.

The API answers them as ``{"code", "message_zh", "message_en"}`` with the error's HTTP status,
the same shape as the hall node's API. Codes: unauthorized, forbidden, not_found, bad_request,
bad_offset, checksum_mismatch, bad_state, catalog_invalid, database_unavailable.
"""

from __future__ import annotations


class CentralError(Exception):
    """A refusal of the central platform; nothing was changed."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{status} {code}: {message_en}")
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def to_dict(self) -> dict[str, str]:
        """The JSON body of the error."""
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


def unauthorized() -> CentralError:
    """No credential, or an unknown or revoked one."""
    return CentralError(401, "unauthorized", "凭证无效或缺失", "A valid credential is required")


def forbidden(en: str = "This credential may not see or change this hall's data") -> CentralError:
    """A credential tried to touch what is not its own."""
    return CentralError(403, "forbidden", "无权访问其他大厅或全市的数据", en)


def not_found(what_zh: str, what_en: str) -> CentralError:
    """Something that does not exist."""
    return CentralError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found")


def bad_request(en: str, zh: str = "请求内容有误") -> CentralError:
    """A malformed request."""
    return CentralError(422, "bad_request", zh, en)
