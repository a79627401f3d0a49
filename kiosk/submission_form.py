"""The self-service form being filled in at the kiosk: the values typed or chosen, the field
being typed into, and the sentence under each field that is not right.

Plain Python. Fields the ID card gives (``from_card``) are filled from the card and locked;
they are shown masked (:func:`~kiosk.submission_fields.masked_card_value`). Without the card
(an appointment QR code) the citizen types them, and once typed they are shown masked too: the
ID number on digit keys with X, checked by its check digit; a name or an address by pinyin,
the letters typed offering the characters read so (:mod:`kiosk.hanzi_input`). Typing goes to the
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
from kiosk.hanzi_input import MAX_LETTERS, candidates
from kiosk.submission_fields import masked_card_value, typed_date

#: Fields per page of the form, in normal and in elderly mode.
FIELDS_PER_PAGE = 7
ELDERLY_FIELDS_PER_PAGE = 4
#: The card's fields typed by pinyin when there is no card.
COMPOSED = ("name", "address")
#: The length of an ID number.
ID_LENGTH = 18


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
        self.composing = ""      # the pinyin letters typed, not yet a character
        self.offer_page = 0      # which characters of those read so are shown
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

    def shown(self, key: str, typing: bool = True) -> str:
        """A field's value as the screen shows it: the card's masked, and a card's field the
        citizen typed masked too, unless it is being typed (``typing``: on the form)."""
        field = self.field(key)
        being_typed = typing and key == self.active
        source = self.locked.get(key) or (field.from_card if field and not being_typed
                                          else "")
        return masked_card_value(source, self.values[key]) if source else self.values[key]

    def composes(self, field: FormField | None) -> bool:
        """Whether ``field`` is typed by pinyin (a card's name or address, typed)."""
        return field is not None and field.from_card in COMPOSED and \
            field.key not in self.locked

    def offered(self) -> list[str]:
        """The characters the pinyin typed reads as, and the letters themselves last (a name
        in Latin letters)."""
        if not self.composing:
            return []
        return candidates(self.composing) + [self.composing.upper()]

    def pick(self, text: str) -> None:
        """A character offered (or the letters) written into the active field."""
        field = self.field(self.active)
        if field is not None:
            self.values[field.key] = (self.values[field.key] + text)[:field.max_length]
            self.errors.pop(field.key, None)
        self.composing, self.offer_page = "", 0

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
        self.composing, self.offer_page = "", 0

    def next_field(self) -> bool:
        """Check the active field and move to the next editable one; False at the last."""
        self._check_active()
        keys = [f.key for f in self.editable()]
        if self.active not in keys or keys.index(self.active) + 1 >= len(keys):
            return False
        self.active = keys[keys.index(self.active) + 1]
        self.composing, self.offer_page = "", 0
        return True

    def prev_field(self) -> bool:
        """Move to the editable field before the active one; False at the first."""
        keys = [f.key for f in self.editable()]
        if self.active not in keys or keys.index(self.active) == 0:
            return False
        self._check_active()
        self.active = keys[keys.index(self.active) - 1]
        self.composing, self.offer_page = "", 0
        return True

    def type(self, text: str) -> None:
        """A key of the form keyboard: its text added to the active field."""
        field = self.field(self.active)
        if field is None or field.kind == "choice":
            return
        if self.composes(field) and text.isascii() and text.isalpha() and len(text) == 1:
            self.composing = (self.composing + text.lower())[:MAX_LETTERS]
            self.offer_page = 0
            return
        value = self.values[field.key]
        if field.kind == "date":
            new = value
            for digit in text:
                new = typed_date(new, digit) if digit.isdigit() else new
        else:
            new = value + text
        limit = ID_LENGTH if field.from_card == "id_number" else \
            field.max_length if field.kind in ("text", "address") else 20
        self.values[field.key] = new[:limit]
        self.errors.pop(field.key, None)

    def erase(self) -> None:
        """"删除": take back the last character of the active field."""
        if self.composing:
            self.composing, self.offer_page = self.composing[:-1], 0
        elif self.active is not None:
            self.values[self.active] = self.values[self.active][:-1].rstrip("-")
            self.errors.pop(self.active, None)

    def clear(self) -> None:
        """"清空": empty the active field."""
        self.composing, self.offer_page = "", 0
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
        for field in self.editable():   # the card's values are the card's (the hall checks)
            problem = field_problem(field, self.values[field.key], today)
            if problem is not None:
                self.errors[field.key] = problem
        self.composing = ""
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
