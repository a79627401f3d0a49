"""Closed forms the simulator is checked against, and the pooled lower bound.

* Erlang C: the mean wait in an M/M/c queue;
* the power-of-two-choices fixed point (Mitzenmacher; Vvedenskaya, Dobrushin, Karpelevich):
  with many single-server queues, exponential service of mean 1 and arrival rate λ per queue,
  JSQ(d) leaves a share ``λ^((d^i − 1)/(d − 1))`` of the queues with at least i customers; the
  mean time in system is their sum over i ≥ 1, divided by λ (2.6135 at λ = 0.9, d = 2).
"""

from __future__ import annotations

import math


def erlang_c(servers: int, offered: float) -> float:
    """Probability of waiting in M/M/c with ``offered`` = λ/μ Erlangs (1 when unstable)."""
    if offered >= servers:
        return 1.0
    blocking = 1.0            # Erlang B by its recursion, stable for hundreds of servers
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return servers * blocking / (servers - offered * (1.0 - blocking))


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (same unit as ``mean_service``; inf when unstable)."""
    offered = arrival_rate * mean_service
    if offered >= servers:
        return math.inf
    return erlang_c(servers, offered) * mean_service / (servers - offered)


def jsq_d_mean_time(load: float, d: int = 2, terms: int = 64) -> float:
    """Mean time in system, in service times, of JSQ(d) in the many-queue limit."""
    total = 0.0
    for i in range(1, terms + 1):
        exponent = (d ** i - 1) / (d - 1)
        share = load ** exponent
        total += share
        if share < 1e-15:
            break
    return total / load
