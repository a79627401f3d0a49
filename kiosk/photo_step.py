"""The photo step of a self-service submission: each page of each material to photograph, the
shot just taken (kept or taken again) and the pages kept.

Plain Python, except :func:`take_document_photo`, the blocking job run on a worker thread: it
reads the frame the document camera sees now and hands it to
:func:`devices.camera.document.capture_document`, which finds the page, straightens it and
refuses it when it is too dark or blurred to read (the refusal's sentence is shown as the
reason, and the citizen takes it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.camera.document import DocumentPhoto, capture_document
from hall.client import SubmissionPhoto
from hall.guide import Material
from kiosk.submission_fields import Message

#: One kept page, as sent to the hall.
KioskPhoto = SubmissionPhoto


@dataclass(frozen=True)
class Shot:
    """One page to photograph: which material, which of its pages."""

    material: Material
    page: int


def take_document_photo(camera: Any) -> DocumentPhoto:
    """The page the camera sees now, found, straightened and checked (blocking).

    Raises a camera error: no page, too dark, blurred, or the camera failing."""
    read = getattr(camera, "read_fresh", None) or camera.read
    return capture_document(read(), check=True)


class PhotoStep:
    """The pages still to photograph and those kept, in the guide's order."""

    def __init__(self, materials: tuple[Material, ...]) -> None:
        self.shots = [Shot(m, page) for m in materials for page in range(1, m.count + 1)]
        self.index = 0
        self.kept: list[KioskPhoto] = []
        #: The page shown for keep or retake: just taken, or kept before and gone back to.
        self.current: DocumentPhoto | KioskPhoto | None = None
        self.refusal: Message | None = None
        self.taking = False

    @property
    def done(self) -> bool:
        """Every page kept."""
        return self.index >= len(self.shots)

    @property
    def shot(self) -> Shot | None:
        """The page to photograph now (None when done)."""
        return None if self.done else self.shots[self.index]

    def taken(self, photo: DocumentPhoto) -> None:
        """The camera gave a readable page: show it for keep or retake."""
        self.taking = False
        self.current = photo
        self.refusal = None

    def refused(self, reason: Message) -> None:
        """No readable page: say why; the citizen takes it again."""
        self.taking = False
        self.current = None
        self.refusal = reason

    def keep(self) -> None:
        """"保留": keep the page shown and go to the next one."""
        shot = self.shot
        if self.current is None or shot is None:
            return
        self.kept.append(KioskPhoto(shot.material.id, shot.page, self.current.jpeg))
        self.current = None
        self.index += 1

    def retake(self) -> None:
        """"重拍": drop the page shown."""
        self.current = None
        self.refusal = None

    def back(self) -> bool:
        """Drop the shot just taken (or refused); else go back to the page before, its kept
        photo shown again for keep or retake. False at the first page."""
        if self.refusal is not None or isinstance(self.current, DocumentPhoto):
            self.retake()
            return True
        if self.index == 0:
            return False
        self.index -= 1
        self.current = self.kept.pop()
        return True

    def pages_of(self, material_id: str) -> int:
        """Pages kept of a material."""
        return sum(1 for photo in self.kept if photo.material_id == material_id)
