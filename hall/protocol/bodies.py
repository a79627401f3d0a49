"""The bodies of cloud calling between a hall and central, checked with pydantic: the ticket of
another hall central chose for a window (:class:`RemoteChoice`), recommendations of other halls
for an item (:class:`Recommendation`), who a referred citizen is (:class:`ReferredPerson`), the
ticket the chosen hall issued (:class:`ReferredTicket`) or why it refused
(:class:`ReferralError`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hall.bounds import WholeNumber

# ---------------------------------------------------------------------- fields
#: A hall's id, as central names halls (``central/api/cloud.py``).
HallId = Annotated[str, Field(min_length=1, max_length=64,
                              pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
#: A ticket's id (``20240312-A031``).
TicketId = Annotated[str, Field(min_length=1, max_length=64)]
#: An item's code in a catalog.
ItemCode = Annotated[str, Field(min_length=1, max_length=32)]
#: A hall's name (or another short text shown to people).
Name = Annotated[str, Field(max_length=200)]
#: A duration or a time: a real, finite number ≥ 0 (not true / false, NaN or Infinity).
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]


class _Exact(BaseModel):
    """What a hall node sends in the shape it was asked for: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class _FromCentral(BaseModel):
    """Something central made and the agent passes on as it is (a newer central may add
    fields: they are ignored, the known ones checked)."""

    model_config = ConfigDict(extra="ignore")


# ---------------------------------------------------------------------- choices, recommendations
class RemoteChoice(_FromCentral):
    """A ticket of another hall central chose for a window (``CityService.choose``)."""

    hall: HallId
    ticket: TicketId
    theme: str = Field("", max_length=16)
    number: str = Field("", max_length=32)
    wait_s: Seconds | None = None
    item: ItemCode | None = None
    name_zh: Name = ""
    name_en: Name = ""


class Recommendation(_FromCentral):
    """One hall offered for an item, with its figures."""

    hall: HallId
    name_zh: Name = ""
    name_en: Name = ""
    expected_total_s: Seconds
    wait_s: Seconds
    travel_s: Seconds


# ---------------------------------------------------------------------- referrals
class ReferredPerson(_Exact):
    """Who a referred citizen is, as the referring hall identified them (``hall.state.Person``:
    the keyed hash of the ID number under the city's key, the masked number, the age — never
    the number). Central's referral API takes the same shape."""

    id_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    id_masked: str = Field(pattern=r"^[0-9A-Za-z*]{8,32}$")
    age: WholeNumber = Field(ge=0, le=150)


class ReferredTicket(_FromCentral):
    """The ticket the chosen hall issued for a referral (as its agent tells central, which
    checks it the same way: what central relays is taken here)."""

    id: TicketId
    number: str = Field(min_length=1, max_length=32)
    hall: HallId | None = None
    name_zh: Name | None = None
    name_en: Name | None = None
    ahead: Annotated[WholeNumber, Field(ge=0, le=1_000_000)] | None = None
    expected_wait_s: Seconds | None = None
    url: str | None = Field(None, max_length=2048)
    id_masked: str | None = Field(None, max_length=64)
    elderly: Annotated[bool, Field(strict=True)] | None = None


class ReferralError(_FromCentral):
    """Why the chosen hall (or central) refused a referral, as the kiosk shows it."""

    code: str = Field(min_length=1, max_length=64)
    message_zh: str = Field(max_length=2000)
    message_en: str = Field(max_length=2000)
