"""The self-service form being filled in at the kiosk: the values typed or chosen, the field
being typed into, and the sentence under each field that is not right.

Plain Python. Fields the ID card gives (``from_card``) are filled from the card and locked;
they are shown masked (:func:`~kiosk.submission_fields.masked_card_value`). Typing goes to the
active field through the form keyboard (:mod:`kiosk.form_keyboard`): a key's text is appended
(a date gets its dashes by itself), "删除" takes back the last character, "清空" empties it.
A field is checked when the citizen leaves it and all are checked before the review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hall.field_rules import Message, field_problem
from hall.guide import FormField
from kiosk.citizen import Citizen
from kiosk.submission_fields import masked_card_value, typed_date

#: Fields per page of the form, in normal and in elderly mode.
FIELDS_PER_PAGE = 7
ELDERLY_FIELDS_PER_PAGE = 4


class SubmissionForm:
    """The values of one item's form, the active field and each field's complaint."""

    def __init__(self, fields: tuple[FormField, ...], today: Callable[[], date]) -> None:
        self.fields = fields
        self._today = today
        self.values: dict[str, str] = {f.key: "" for f in fields}
        self.locked: dict[str, str] = {}  # key -> the card's source ("name" …)
        self.errors: dict[str, Message] = {}
        self.active: str | None = None
        self.page = 0
        self.activate_first()

    def fill_from_card(self, citizen: Citizen) -> None:
        """Fill and lock the fields the card gives."""
        card = {"name": citizen.name, "id_number": citizen.id_number,
                "address": citizen.address}
        for field in self.fields:
            if field.from_card and card.get(field.from_card):
                self.values[field.key] = card[field.from_card]
                self.locked[field.key] = field.from_card
                self.errors.pop(field.key, None)
        if self.active in self.locked:
            self.activate_first()

    def field(self, key: str | None) -> FormField | None:
        """The field of ``key``."""
        return next((f for f in self.fields if f.key == key), None)

    def editable(self) -> list[FormField]:
        """The fields the citizen fills in (not the card's)."""
        return [f for f in self.fields if f.key not in self.locked]

    def shown(self, key: str) -> str:
        """A field's value as the screen shows it (the card's masked)."""
        source = self.locked.get(key)
        return masked_card_value(source, self.values[key]) if source else self.values[key]

    def activate_first(self) -> None:
        """Make the first editable field active (none when the card filled them all)."""
        editable = self.editable()
        self.active = editable[0].key if editable else None

    def activate(self, key: str) -> None:
        """Type into ``key`` next (not a card field); the field left is checked."""
        if key in self.locked or self.field(key) is None or key == self.active:
            return
        self._check_active()
        self.active = key

    def next_field(self) -> bool:
        """Check the active field and move to the next editable one; False at the last."""
        self._check_active()
        keys = [f.key for f in self.editable()]
        if self.active not in keys or keys.index(self.active) + 1 >= len(keys):
            return False
        self.active = keys[keys.index(self.active) + 1]
        return True

    def prev_field(self) -> bool:
        """Move to the editable field before the active one; False at the first."""
        keys = [f.key for f in self.editable()]
        if self.active not in keys or keys.index(self.active) == 0:
            return False
        self._check_active()
        self.active = keys[keys.index(self.active) - 1]
        return True

    def type(self, text: str) -> None:
        """A key of the form keyboard: its text added to the active field."""
        field = self.field(self.active)
        if field is None or field.kind == "choice":
            return
        value = self.values[field.key]
        if field.kind == "date":
            new = value
            for digit in text:
                new = typed_date(new, digit) if digit.isdigit() else new
        else:
            new = value + text
        limit = field.max_length if field.kind in ("text", "address") else 20
        self.values[field.key] = new[:limit]
        self.errors.pop(field.key, None)

    def erase(self) -> None:
        """"删除": take back the last character of the active field."""
        if self.active is not None:
            self.values[self.active] = self.values[self.active][:-1].rstrip("-")
            self.errors.pop(self.active, None)

    def clear(self) -> None:
        """"清空": empty the active field."""
        if self.active is not None:
            self.values[self.active] = ""
            self.errors.pop(self.active, None)

    def set_value(self, text: str) -> None:
        """Replace the active field's value (a choice, or the card's address to start from)."""
        field = self.field(self.active)
        if field is not None:
            self.values[field.key] = text[:field.max_length]
            self.errors.pop(field.key, None)

    def check_all(self) -> bool:
        """Check every field; True when all are right (else the first wrong one is active)."""
        today = self._today()
        self.errors = {}
        for field in self.fields:
            problem = field_problem(field, self.values[field.key], today)
            if problem is not None:
                self.errors[field.key] = problem
        wrong = [f.key for f in self.fields if f.key in self.errors and f.key not in self.locked]
        if wrong:
            self.active = wrong[0]
        return not self.errors

    def _check_active(self) -> None:
        field = self.field(self.active)
        if field is None:
            return
        problem = field_problem(field, self.values[field.key], self._today())
        if problem is None:
            self.errors.pop(field.key, None)
        else:
            self.errors[field.key] = problem

    def submitted_values(self) -> dict[str, str]:
        """The values as sent to the hall (trimmed; optional fields left empty are left out)."""
        return {key: value.strip() for key, value in self.values.items() if value.strip()}

    def page_of(self, key: str | None, per_page: int) -> int:
        """The page of the form that shows ``key``."""
        keys = [f.key for f in self.fields]
        return keys.index(key) // per_page if key in keys else 0
