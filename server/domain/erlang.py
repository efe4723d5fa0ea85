"""Erlang C: the M/M/N queue behind staffing advice.

With ``traffic`` A = arrivals per second × mean service time (in erlangs) offered to N windows,
the probability that a visitor has to wait at all is

    C(N, A) = (A^N / N! · N / (N − A)) / (Σ_{k=0}^{N−1} A^k / k! + A^N / N! · N / (N − A))

for A < N (1 otherwise: the queue grows without bound), and the share who wait at most t is

    SL(t) = 1 − C(N, A) · exp(−(N − A) · t / s)

with s the mean service time. Computed term by term (A^k / k! as a running product), so
large N does not overflow. Pure: stdlib only; durations in seconds.
"""

from __future__ import annotations

import math


def wait_probability(traffic: float, agents: int) -> float:
    """C(N, A): the probability that an arriving visitor waits (Erlang C formula)."""
    if traffic < 0 or agents < 0:
        raise ValueError("traffic and agents must not be negative")
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    term, total = 1.0, 0.0  # term = A^k / k!
    for k in range(agents):
        total += term
        term *= traffic / (k + 1)
    top = term * agents / (agents - traffic)
    return top / (total + top)


def service_level(traffic: float, agents: int, target: float, mean_service: float) -> float:
    """Share of visitors called within ``target`` seconds."""
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = wait_probability(traffic, agents)
    return 1.0 - waits * math.exp(-(agents - traffic) * target / mean_service)


def mean_wait(traffic: float, agents: int, mean_service: float) -> float:
    """Average wait in seconds (infinite when the windows cannot keep up)."""
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return wait_probability(traffic, agents) * mean_service / (agents - traffic)


def agents_needed(
    traffic: float, target: float, share: float, mean_service: float, most: int = 1000
) -> int:
    """The fewest windows that call at least ``share`` of visitors within ``target``."""
    if traffic <= 0:
        return 0
    agents = max(1, math.floor(traffic) + 1)
    while agents < most and service_level(traffic, agents, target, mean_service) < share:
        agents += 1
    return agents
