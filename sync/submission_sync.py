"""The sync agent's submissions thread and its reuse thread (自助申报, 一证通办).

- :class:`SubmissionSync` uploads the node's encrypted outbox to central (resumably,
  :class:`~sync.outbox.Uploader`; the outbox is looked at every ``poll_s``) and, every
  ``progress_every_s``, brings the progress the
  back office gave the hall's submissions to the node (the kiosk reads it there): central's
  changes since the last one handed over, the cursor kept in the agent's state.
- :class:`ReuseRelay` long-polls the node for its kiosks' questions "which documents did this
  citizen give before?" and answers each from central (``central/documents.py``). A question
  names the citizen only by the keyed ID hash; the answer holds names and dates, no image.

Both back off while central or the node is unreachable and never stop on an error.
"""

from __future__ import annotations

import logging
import time

from hall.client import HallApiError
from hall.submission_outbox import OutboxError, SubmissionOutbox
from sync.agent_link import AgentLink, Backoff
from sync.central_client import CentralApiError
from sync.outbox import Uploader

log = logging.getLogger("hallq.sync.agent")

#: Central's changes are asked for from this many seconds before the last one seen (changes
#: committed in the same instant by other workers are not missed; handing one over twice is
#: harmless).
PROGRESS_OVERLAP_S = 5.0


class SubmissionSync:
    """Uploads the outbox and brings the submissions' progress to the node."""

    def __init__(self, link: AgentLink) -> None:
        self.link = link
        data_dir = link.config.hall_data_dir
        self.outbox = SubmissionOutbox(data_dir) if data_dir is not None else None

    def pending(self) -> int:
        """Submissions waiting in the outbox."""
        return len(self.outbox.pending()) if self.outbox is not None else 0

    def upload_all(self) -> int:
        """Send the outbox; the number of submissions sent."""
        if self.outbox is None:
            return 0
        link = self.link
        link.prepare()
        uploader = Uploader(link.central, link.hall_id, self.outbox, link.config.state_dir)
        return len(uploader.upload_all())

    def pull_progress(self) -> int:
        """Hand central's changes of the hall's submissions to the node; how many."""
        link = self.link
        link.prepare()
        after = max(0.0, link.state.progress_after - PROGRESS_OVERLAP_S)
        changed = link.central.hall_submissions(link.hall_id, updated_after=after)
        if not changed:
            return 0
        link.hall.put_submission_progress([
            {"receipt": s["receipt"], "status": s["status"], "reason_zh": s["reason_zh"],
             "reason_en": s["reason_en"], "updated_at": s["updated_at"]} for s in changed])
        with link.lock:
            link.state.progress_after = max(link.state.progress_after,
                                            max(s["updated_at"] for s in changed))
            link.save()
        return len(changed)

    def run(self) -> None:
        """The thread: look at the outbox every ``poll_s`` and upload what waits there; pull
        the progress every ``progress_every_s``."""
        config, stopping = self.link.config, self.link.stopping
        backoff = Backoff(config.min_backoff_s, config.max_backoff_s)
        next_progress = 0.0
        while not stopping.is_set():
            try:
                if self.pending():
                    self.upload_all()
                if time.monotonic() >= next_progress:
                    self.pull_progress()
                    next_progress = time.monotonic() + config.progress_every_s
                backoff.reset()
                stopping.wait(min(config.poll_s, config.progress_every_s))
            except (HallApiError, CentralApiError) as err:
                log.info("sync submissions: %s", err)
                stopping.wait(backoff.next())
            except OutboxError as err:
                log.error("sync submissions: %s", err)
                stopping.wait(config.max_backoff_s)
            except Exception:
                log.exception("sync submissions failed")
                stopping.wait(backoff.next())


class ReuseRelay:
    """Answers the node's reuse questions from central."""

    def __init__(self, link: AgentLink) -> None:
        self.link = link

    def answer_once(self, wait: float | None = None) -> int:
        """Take the questions waiting (up to ``wait`` s for one, by default the agent's
        ``reuse_wait_s``) and answer them; how many."""
        link = self.link
        link.prepare()
        questions = link.hall.reuse_questions(link.config.reuse_wait_s if wait is None
                                              else wait)
        for question in questions:
            found = link.central.reusable(link.hall_id, question["id_hash"],
                                          question["materials"], question["today"])
            link.hall.reuse_answer(question["id"], found)
        return len(questions)

    def run(self) -> None:
        """The thread: long-poll the node, answer, again."""
        config, stopping = self.link.config, self.link.stopping
        backoff = Backoff(config.min_backoff_s, config.relay_max_backoff_s)
        while not stopping.is_set():
            try:
                self.answer_once()
                backoff.reset()
            except (HallApiError, CentralApiError) as err:
                log.info("sync reuse: %s", err)
                stopping.wait(backoff.next())
            except Exception:
                log.exception("sync reuse failed")
                stopping.wait(backoff.next())
