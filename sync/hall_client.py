"""The hall node as the sync agent sees it: the hall client plus the calls only the agent makes
(its lag, the lease outbox and messages of cloud calling, referrals in and out, the city's
recommendations)."""

from __future__ import annotations

from typing import Any

from hall.client import HallClient


class SyncHallClient(HallClient):
    """The hall client plus the one call only the sync agent makes."""

    def report_sync_status(self, status: dict[str, Any]) -> None:
        """Tell the hall node the agent's lag (``POST /api/v1/sync/status``)."""
        self._call("POST", "/sync/status", status)

    def phone_key(self) -> str:
        """The hall's public link key (hex), for central's public phone pages."""
        return str(self._call("GET", "/sync/phone-key")["key"])

    def phone_action(self, action: dict[str, Any]) -> dict:
        """Do a citizen's cancel or rating from central's public phone page
        (``{"token", "action", "level"}``); the page's new state."""
        body = {key: action[key] for key in ("token", "action", "level") if key in action}
        return self._call("POST", "/sync/phone-actions", body)

    def issue_referred(self, referral: str, item: str, from_hall: str,
                       person: dict | None = None) -> dict:
        """Issue the ticket of a citizen another hall referred here."""
        body: dict[str, Any] = {"referral": referral, "item": item, "from_hall": from_hall}
        if person:
            body["person"] = person
        return self._call("POST", "/referrals/incoming", body)

    def rate_referred(self, referral_id: str, ticket_id: str, level: int) -> dict:
        """Record the rating a referred citizen gave on the phone."""
        return self._call("POST", "/referrals/incoming/rating",
                          {"referral": referral_id, "ticket": ticket_id, "level": level})

    def referral_withdrawn(self, referral_id: str) -> dict:
        """Central has this hall's withdrawal of a referral."""
        return self._call("POST", f"/referrals/{referral_id}/withdrawn")

    def cancel_referred(self, referral_id: str, ticket_id: str | None) -> dict:
        """Cancel the ticket issued here for a referral its hall withdrew (if it waits; with
        no ticket id, whichever the node issued for the referral, if any)."""
        return self._call("POST", "/referrals/incoming/cancel",
                          {"referral": referral_id, "ticket": ticket_id})

    def lease_outbox(self) -> dict[str, list]:
        """What to send now: ``{"choose", "messages", "referrals", "withdrawals"}`` (drives
        the retries)."""
        return self._call("GET", "/leases/outbox")

    def lease_choice(self, request: str, window: str, choice: dict | None) -> dict:
        """Central's choice (or None) for a window's request; the window's remote state."""
        return self._call("POST", "/leases/choices",
                          {"request": request, "window": window, "choice": choice})

    def lease_messages(self, messages: list[dict]) -> list[dict]:
        """Lease messages for this hall; the answers to send back."""
        return self._call("POST", "/leases/messages", {"messages": messages})["answers"]

    def put_recommendations(self, at: float, items: dict[str, list[dict]]) -> dict:
        """The city's best halls for this hall's 通办 items."""
        return self._call("PUT", "/sync/recommendations", {"at": at, "items": items})

    def reuse_questions(self, wait: float) -> list[dict]:
        """Kiosks' questions for documents given before (waiting up to ``wait`` s)."""
        return self._call("GET", "/sync/reuse-questions", params={"wait": wait},
                          timeout=wait + 10)["questions"]

    def reuse_answer(self, question_id: str, documents: list[dict]) -> bool:
        """Central's answer to a question; False when the kiosk stopped waiting."""
        return self._call("POST", "/sync/reuse-answers",
                          {"id": question_id, "documents": documents})["taken"]

    def put_submission_progress(self, updates: list[dict]) -> int:
        """The progress of the hall's submissions as central has it; how many were known."""
        return self._call("PUT", "/sync/submissions/progress", {"updates": updates})["updated"]

    def referral_result(self, referral_id: str, ticket: dict | None = None,
                        error: dict | None = None) -> dict:
        """The other hall's ticket for a referral of this hall's kiosk (or its refusal)."""
        body = {"ticket": ticket} if ticket is not None else {"error": error}
        return self._call("POST", f"/referrals/{referral_id}/result", body)
