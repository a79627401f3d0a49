"""The floor's oracle (bench/estimate_oracle.py): the hall's futures it plays give the waits a
citizen would check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bench.cloudsim.scenario import HallSpec, Scenario, ThemeSpec
from bench.estimate_oracle import FIRST, NORMAL, Snapshot, oracle_waits

DAY = 1_709_485_200.0          # a midnight; the hall opens at 9:00


def city(distribution: str, elderly_share: float = 0.0) -> Scenario:
    return Scenario(name="one window", themes=(ThemeSpec("A", "A", 600.0,
                                                         distribution=distribution),),
                    halls=(HallSpec("H", "H", (("A",),)),), load=0.9,
                    elderly_share=elderly_share)


def state(ahead: int, elapsed: float, rank: int = NORMAL, first_waiting: int = 0) -> Snapshot:
    counts = ((first_waiting + (rank == FIRST), ahead + 1 if rank == NORMAL else 0),)
    return Snapshot(now=DAY + 10 * 3600, day_start=DAY, hall=0, theme=0, rank=rank,
                    ahead_in_line=ahead, counts=counts, skills=((0,),),
                    busy=((0, 0, elapsed),), idle=(), opens_later=())


def test_fixed_services_give_the_one_wait_there_is() -> None:
    # a 10-minute service 4 minutes in, then two before the citizen: 6 + 20 minutes
    waits = oracle_waits(state(2, 240.0), city("fixed"), 8, np.random.default_rng(1))
    assert np.all(waits == 360.0 + 1200.0)


def test_exponential_services_give_k_plus_one_means_whatever_has_passed() -> None:
    waits = oracle_waits(state(2, 500.0), city("exp"), 4000, np.random.default_rng(2))
    assert waits.mean() == pytest.approx(3 * 600.0, rel=0.05)


def test_the_elderly_who_come_during_the_wait_go_first() -> None:
    calm = oracle_waits(state(2, 240.0), city("fixed"), 200, np.random.default_rng(3))
    busy = oracle_waits(state(2, 240.0), city("fixed", elderly_share=0.5), 200,
                        np.random.default_rng(3))
    first = oracle_waits(state(0, 240.0, rank=FIRST), city("fixed", elderly_share=0.5), 20,
                         np.random.default_rng(4))
    assert busy.mean() > calm.mean() + 300            # some of them came and went first
    assert np.all(first == 360.0)                     # called first: the window's next slot
