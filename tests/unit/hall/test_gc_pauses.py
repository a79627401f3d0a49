"""The node's process freezes what survived a full collection, so that later collections do
not walk a city centre's line again, and the nightly collection still frees cycles."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import gc, weakref
    from hall.gc_pauses import collect_in_full, keep_collections_short

    class Ticket:
        pass

    assert collect_in_full() == 0          # not installed: nothing done
    keep_collections_short()
    before = gc.get_freeze_count()
    line = [[number] for number in range(50_000)]    # the day's long-lived objects
    gc.collect()
    assert gc.get_freeze_count() >= before + 50_000, (before, gc.get_freeze_count())

    ticket = Ticket()
    ticket.me = ticket                     # a cycle, alive while `ticket` names it
    gone = weakref.ref(ticket)
    gc.collect()                           # frozen now
    del ticket
    gc.collect()
    assert gone() is not None              # a frozen cycle waits for the night
    assert collect_in_full() >= 1
    assert gone() is None
    assert gc.get_freeze_count() >= 50_000   # frozen again after the night's walk
    print("ok")
""")


def test_full_collections_freeze_survivors_and_the_night_frees_cycles() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
