"""Errors of the central platform, each with a stable code and a message in Chinese first.

The API answers them as ``{"code", "message_zh", "message_en"}`` with the error's HTTP status,
the same shape as the hall node's API: :class:`CentralError` is a
:class:`hall.errors.BilingualError`, and its codes are members of :class:`hall.errors.ErrorCode`
(those central sends: unauthorized, forbidden, not_found, bad_request, conflict, bad_offset,
checksum_mismatch, bad_state, catalog_invalid, database_unavailable, phone_unavailable,
unknown_service, invalid_id_number, bad_rating, already_rated).
"""

from __future__ import annotations

from hall.errors import BilingualError, ErrorCode


class CentralError(BilingualError):
    """A refusal of the central platform; nothing was changed."""

    def __init__(self, status: int, code: ErrorCode | str, message_zh: str,
                 message_en: str) -> None:
        super().__init__(code, message_zh, message_en, status)

    def summary(self) -> str:
        """One line for a log: the HTTP status, the code and the English message."""
        return f"{self.status} {self.code}: {self.message_en}"


def unauthorized() -> CentralError:
    """No credential, or an unknown or revoked one."""
    return CentralError(401, ErrorCode.UNAUTHORIZED, "凭证无效或缺失",
                        "A valid credential is required")


def forbidden(en: str = "This credential may not see or change this hall's data") -> CentralError:
    """A credential tried to touch what is not its own."""
    return CentralError(403, ErrorCode.FORBIDDEN, "无权访问其他大厅或全市的数据", en)


def not_found(what_zh: str, what_en: str) -> CentralError:
    """Something that does not exist."""
    return CentralError(404, ErrorCode.NOT_FOUND, f"{what_zh}不存在", f"{what_en} not found")


def bad_request(en: str, zh: str = "请求内容有误") -> CentralError:
    """A malformed request."""
    return CentralError(422, ErrorCode.BAD_REQUEST, zh, en)
