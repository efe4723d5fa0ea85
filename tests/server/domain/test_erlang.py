"""Erlang C against hand-computed and independently computed values.

The formula (Erlang 1917; e.g. Gross & Harris, Fundamentals of Queueing Theory, M/M/c):
C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), and the service level
SL(t) = 1 − C(N, A) · exp(−(N − A) t / s).
"""

from __future__ import annotations

import math

import pytest

from server.domain import erlang


def erlang_c_via_erlang_b(traffic: float, agents: int) -> float:
    """An independent route: the Erlang B recursion B(n) = A·B(n−1) / (n + A·B(n−1)), then
    C = N·B / (N − A·(1 − B))."""
    b = 1.0
    for n in range(1, agents + 1):
        b = traffic * b / (n + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def test_two_erlangs_on_three_windows_by_hand() -> None:
    # A = 2, N = 3: A^3/3! · 3/(3−2) = 8/6 · 3 = 4; Σ_{k<3} 2^k/k! = 1 + 2 + 2 = 5.
    # C = 4 / (5 + 4) = 4/9.
    assert erlang.wait_probability(2.0, 3) == pytest.approx(4 / 9, rel=1e-12)


def test_one_erlang_on_two_windows_by_hand() -> None:
    # A = 1, N = 2: 1/2 · 2/1 = 1; 1 + 1 = 2; C = 1/3. Mean wait = C·s/(N−A) = s/3.
    assert erlang.wait_probability(1.0, 2) == pytest.approx(1 / 3, rel=1e-12)
    assert erlang.mean_wait(1.0, 2, 600.0) == pytest.approx(200.0)
    # SL(t = s) = 1 − 1/3 · e^(−1)
    assert erlang.service_level(1.0, 2, 600.0, 600.0) == pytest.approx(1 - math.exp(-1) / 3)


def test_single_window_is_the_m_m_1_queue() -> None:
    # With one window, C = ρ (the M/M/1 queue: P(wait) is the utilisation).
    for rho in (0.1, 0.5, 0.9):
        assert erlang.wait_probability(rho, 1) == pytest.approx(rho)


def test_the_classic_call_centre_example() -> None:
    # 100 calls in 30 minutes, 180 s handling time: A = 100/1800 × 180 = 10 erlangs.
    # Widely published worked example: 11 agents → P(wait) ≈ 68.2 %, 20 s service level
    # ≈ 39 %; 14 agents are the fewest for 80 % answered within 20 s.
    traffic = 100 / 1800 * 180
    assert erlang.wait_probability(traffic, 11) == pytest.approx(0.682, abs=1e-3)
    assert erlang.service_level(traffic, 11, 20, 180) == pytest.approx(0.39, abs=2e-3)
    for agents in (13, 14):  # the same service level from the Erlang B route
        independent = 1 - erlang_c_via_erlang_b(traffic, agents) * math.exp(
            -(agents - traffic) * 20 / 180)
        assert erlang.service_level(traffic, agents, 20, 180) == pytest.approx(independent)
    assert erlang.service_level(traffic, 13, 20, 180) < 0.8 < erlang.service_level(
        traffic, 14, 20, 180)
    assert erlang.agents_needed(traffic, 20, 0.8, 180) == 14


@pytest.mark.parametrize(
    ("traffic", "agents"), [(0.5, 1), (2.0, 3), (4.2, 6), (10.0, 11), (25.0, 30), (80.0, 90)]
)
def test_agrees_with_the_erlang_b_recursion(traffic: float, agents: int) -> None:
    assert erlang.wait_probability(traffic, agents) == pytest.approx(
        erlang_c_via_erlang_b(traffic, agents), rel=1e-9)


def test_overloaded_and_idle_offices() -> None:
    assert erlang.wait_probability(3.0, 3) == 1.0
    assert erlang.service_level(3.0, 2, 1200, 600) == 0.0
    assert erlang.mean_wait(3.0, 3, 600) == math.inf
    assert erlang.wait_probability(0.0, 2) == 0.0
    assert erlang.agents_needed(0.0, 1200, 0.8, 600) == 0


def test_more_windows_never_lower_the_service_level() -> None:
    levels = [erlang.service_level(4.0, n, 1200, 600) for n in range(5, 12)]
    assert levels == sorted(levels)
    needed = erlang.agents_needed(4.0, 1200, 0.8, 600)
    assert erlang.service_level(4.0, needed, 1200, 600) >= 0.8
    assert erlang.service_level(4.0, needed - 1, 1200, 600) < 0.8
