"""Typed errors of the camera.

Codes:
    camera.not_found     no such camera device or video file
    camera.disconnected  the camera cannot be opened or stopped giving frames (unplugged)
    camera.no_frame      no frame within the time limit, or the video ended
    camera.bad_image     an image that is empty or not a picture
    camera.no_document   no page found in the picture
    camera.blurred       the page was found but is too blurred to read (it moved, or out of focus)
    camera.dark          the page was found but is too dark to read
    camera.save_failed   the document photo could not be encoded or written
"""

from __future__ import annotations

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode


class CameraError(DeviceError):
    """Base of every camera failure."""

    code = DeviceErrorCode.CAMERA_ERROR
    message_zh = "摄像头故障"
    message_en = "Camera failure"


class CameraNotFound(CameraError, DeviceDisconnected):
    """The camera device or the video file does not exist."""

    code = DeviceErrorCode.CAMERA_NOT_FOUND
    message_zh = "未找到摄像头或视频文件"
    message_en = "No such camera or video file"


class CameraDisconnected(CameraError, DeviceDisconnected):
    """The camera cannot be opened, or stopped answering (unplugged)."""

    code = DeviceErrorCode.CAMERA_DISCONNECTED
    message_zh = "摄像头未连接"
    message_en = "The camera is not connected"


class NoFrame(CameraError, DeviceTimeout):
    """No frame came within the time limit (or the video has no more frames)."""

    code = DeviceErrorCode.CAMERA_NO_FRAME
    message_zh = "摄像头没有画面"
    message_en = "The camera gave no picture"


class BadImage(CameraError):
    """An image that is empty or not a picture at all."""

    code = DeviceErrorCode.CAMERA_BAD_IMAGE
    message_zh = "图像无效"
    message_en = "Invalid image"


class NoDocument(CameraError):
    """No page (a large four-cornered shape) was found in the picture."""

    code = DeviceErrorCode.CAMERA_NO_DOCUMENT
    message_zh = "未识别到材料，请将材料平放在拍摄区域内"
    message_en = "No document page found in the picture"


class BlurredPhoto(CameraError):
    """The page is in the picture but its writing is not sharp enough to read."""

    code = DeviceErrorCode.CAMERA_BLURRED
    message_zh = "照片模糊，请将材料放平并保持不动后重拍"
    message_en = "The photo is blurred: keep the page flat and still, then retake"


class DarkPhoto(CameraError):
    """The page is in the picture but too dark to read."""

    code = DeviceErrorCode.CAMERA_DARK
    message_zh = "照片太暗，请勿遮挡拍摄区的灯光后重拍"
    message_en = "The photo is too dark: do not block the light over the tray, then retake"


class SaveFailed(CameraError):
    """The document photo could not be encoded within its size limit or written."""

    code = DeviceErrorCode.CAMERA_SAVE_FAILED
    message_zh = "材料照片保存失败"
    message_en = "The document photo could not be saved"
