"""Steps the calling console's tests take through its view-model, as staff would."""

from __future__ import annotations

from caller.viewmodel import CallerModel


def sign_in(model: CallerModel) -> None:
    """Sign in as S001 with PIN 1234 on the on-screen keypad."""
    for key in "S001":
        model.keypad(key)
    model.select_field("pin")
    for key in "1234":
        model.keypad(key)
    model.sign_in_pin()
