"""The service guide (办事指南) of an item and, for items a citizen can hand in at a kiosk
(自助申报), its form and the materials to photograph: the contract the kiosk, the hall node,
the sync agent and central share.

It comes from the hall's TOML (``[themes.items.guide]``, ``[[themes.items.materials]]``,
``[[themes.items.fields]]``, checked by :mod:`hall.config_schema`), and so from the catalog
central publishes for the hall. A form field's ``kind`` says how the kiosk asks for it and how
the hall node checks it; ``from_card`` names what the ID card already gives (filled in and
masked on screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a form field is asked for and checked.
FieldKind = Literal["text", "number", "date", "choice", "phone", "address"]
FIELD_KINDS: tuple[FieldKind, ...] = ("text", "number", "date", "choice", "phone", "address")
#: What the ID card gives a field: the holder's name, ID number or address ("" for nothing).
CardSource = Literal["", "name", "id_number", "address"]
CARD_SOURCES: tuple[CardSource, ...] = ("", "name", "id_number", "address")
#: How a material is handed in: the original, a copy, or both.
MaterialForm = Literal["original", "copy", "original_and_copy"]
MATERIAL_FORMS: tuple[MaterialForm, ...] = ("original", "copy", "original_and_copy")
MATERIAL_FORM_TEXT: dict[str, tuple[str, str]] = {
    "original": ("原件", "original"), "copy": ("复印件", "copy"),
    "original_and_copy": ("原件及复印件", "original and copy")}


@dataclass(frozen=True)
class Material:
    """A document an item needs (申请材料): how many, original or copy, whether the kiosk
    photographs it, and for how many days one given before may be reused (一证通办; 0: never)."""

    id: str
    name_zh: str
    name_en: str = ""
    form: MaterialForm = "original"
    count: int = 1
    photo: bool = True
    required: bool = True
    reusable_days: int = 0
    note_zh: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class FormField:
    """One field of an item's self-service form: its label, kind and checks."""

    key: str
    label_zh: str
    label_en: str = ""
    kind: FieldKind = "text"
    required: bool = True
    from_card: CardSource = ""
    choices_zh: tuple[str, ...] = ()     # kind "choice": the options, in Chinese
    choices_en: tuple[str, ...] = ()     # and in English (same order; empty: Chinese only)
    max_length: int = 100                # kinds "text" and "address"
    min_value: float | None = None       # kind "number"
    max_value: float | None = None
    hint_zh: str = ""                    # shown under the field ("与营业执照一致")
    hint_en: str = ""


@dataclass(frozen=True)
class Guide:
    """What the guide says of an item: what it is, who may apply, fees, the legal time limit,
    where it is served, and the materials and form for self-service."""

    summary_zh: str = ""
    summary_en: str = ""
    conditions_zh: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()
    fee_zh: str = "免费"
    fee_en: str = "Free"
    time_limit_days: int = 0             # legal time limit in working days; 0: on the spot
    self_service: bool = False           # can be handed in at a kiosk (自助申报)
    materials: tuple[Material, ...] = ()
    fields: tuple[FormField, ...] = ()

    @property
    def photographed(self) -> tuple[Material, ...]:
        """The materials the kiosk photographs, in the guide's order."""
        return tuple(m for m in self.materials if m.photo)
