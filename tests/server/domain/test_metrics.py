"""The day rollup on a hand-computed day: every figure checked."""

from __future__ import annotations

import json

import pytest

from server.domain import metrics

START = 1_000_000_000.0 - (1_000_000_000.0 % 86400)  # a midnight (UTC)
H = 3600.0


def hour_of(at: float) -> int:
    return int((at % 86400) // 3600)


def ticket(**values: object) -> dict[str, object]:
    base = {"issued_at": START + 9 * H, "first_called_at": None, "called_at": None,
            "started_at": None, "finished_at": None, "status": "waiting", "service": "pay",
            "segment": "person", "category": None, "window": None, "user": None,
            "wait_target": 600.0, "service_target": 300.0, "recalls": 0, "postponements": 0,
            "transfers": 0, "rating": None}
    return {**base, **values}


T9 = START + 9 * H
TICKETS = [
    # A: waited 5 min, walked 30 s, served 4 min at window 1 by anna, rated 5.
    ticket(first_called_at=T9 + 300, called_at=T9 + 300, started_at=T9 + 330,
           finished_at=T9 + 570, status="done", window=1, user="anna", rating=5),
    # B: waited 15 min (over its 10 min target), served 6 min (over 5), postponed once.
    ticket(issued_at=T9 + 60, first_called_at=T9 + 960, called_at=T9 + 1500,
           started_at=T9 + 1560, finished_at=T9 + 1920, status="done", window=1, user="anna",
           postponements=1, service="docs"),
    # C: out of turn, waited 1 min, did not come (no-show).
    ticket(issued_at=T9 + 120, first_called_at=T9 + 180, called_at=T9 + 180,
           finished_at=T9 + 300, status="no_show", window=2, user="boris",
           category="disabled"),
    # D: still waiting when the day closed: cancelled.
    ticket(issued_at=T9 + 3 * H, service="docs"),
]
EVENTS = [
    {"at": T9 - 600, "kind": "window.changed", "window": 1, "user": "anna",
     "data": {"state": "open"}},
    {"at": T9 - 600, "kind": "window.changed", "window": 2, "user": "boris",
     "data": {"state": "open"}},
    {"at": T9, "kind": "ticket.issued", "window": None, "user": "k", "data": {}},
    {"at": T9 + 60, "kind": "ticket.issued", "window": None, "user": "k", "data": {}},
    {"at": T9 + 120, "kind": "ticket.issued", "window": None, "user": "k", "data": {}},
    {"at": T9 + 180, "kind": "ticket.called", "window": 2, "user": "boris", "data": {}},
    {"at": T9 + 300, "kind": "ticket.called", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 300, "kind": "ticket.no_show", "window": 2, "user": "boris", "data": {}},
    {"at": T9 + 330, "kind": "ticket.started", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 570, "kind": "ticket.finished", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 600, "kind": "window.changed", "window": 2, "user": "boris",
     "data": {"state": "paused", "pause_reason": "lunch"}},
    {"at": T9 + 960, "kind": "ticket.called", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 1000, "kind": "ticket.started", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 1200, "kind": "ticket.postponed", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 1500, "kind": "ticket.called", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 1560, "kind": "ticket.started", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 1800, "kind": "window.changed", "window": 2, "user": "boris",
     "data": {"state": "open"}},
    {"at": T9 + 1920, "kind": "ticket.finished", "window": 1, "user": "anna", "data": {}},
    {"at": T9 + 2400, "kind": "window.changed", "window": 1, "user": "anna",
     "data": {"state": "closed"}},
    {"at": T9 + 2400, "kind": "window.changed", "window": 2, "user": "boris",
     "data": {"state": "closed"}},
    {"at": T9 + 2500, "kind": "alert.raised", "window": None, "user": "k",
     "data": {"kind": "staff_call"}},
    {"at": T9 + 2590, "kind": "alert.acked", "window": None, "user": "hall",
     "data": {"kind": "staff_call", "response_time": 90.0}},
    {"at": T9 + 3 * H, "kind": "ticket.issued", "window": None, "user": "k", "data": {}},
]


@pytest.fixture
def report() -> dict:
    rollup = metrics.build_day("2001-09-09", TICKETS, EVENTS, start=START, end=START + 86400,
                               weekday=6, hour_of=hour_of, closed=True)
    return metrics.summarise(rollup)


def test_totals(report: dict) -> None:
    assert report["totals"] == {"issued": 4, "served": 2, "no_show": 1, "cancelled": 1,
                                "transferred": 0, "postponed": 1, "recalled": 0}


def test_waits_count_from_issue_to_the_first_call(report: dict) -> None:
    wait = report["wait"]
    assert wait["count"] == 3  # D was never called
    assert wait["mean"] == pytest.approx((300 + 900 + 60) / 3)
    assert wait["max"] == 900
    assert wait["within_target"] == 2 and wait["within_share"] == pytest.approx(2 / 3)
    assert 295 <= wait["median"] <= 305  # inside A's 10 s bucket
    assert 840 <= wait["p90"] <= 900


def test_walk_and_service_are_of_the_visit_that_ended_in_finish(report: dict) -> None:
    assert report["walk"]["count"] == 2
    assert report["walk"]["mean"] == pytest.approx((30 + 60) / 2)
    service = report["service"]
    assert service["count"] == 2
    assert service["mean"] == pytest.approx((240 + 360) / 2)
    assert service["max"] == 360
    assert service["within_target"] == 1 and service["within_share"] == 0.5


def test_breakdowns(report: dict) -> None:
    b = report["breakdowns"]
    assert set(b["service"]) == {"pay", "docs"}
    assert b["service"]["docs"]["issued"] == 2 and b["service"]["docs"]["served"] == 1
    assert b["service"]["docs"]["cancelled"] == 1
    assert b["window"]["1"]["served"] == 2 and b["window"]["2"]["no_show"] == 1
    assert b["consultant"]["anna"]["service"]["mean"] == pytest.approx(300)
    assert b["category"] == {"disabled": b["category"]["disabled"]}
    assert b["category"]["disabled"]["wait"]["mean"] == 60
    assert set(b["hour"]) == {"09", "12"}
    assert b["hour"]["09"]["issued"] == 3
    assert b["segment"]["person"]["issued"] == 4


def test_windows_and_consultants(report: dict) -> None:
    w1, w2 = report["windows"]["1"], report["windows"]["2"]
    assert w1["open"] == 3000  # 08:50 → 09:40
    assert w1["serving"] == (570 - 330) + (1200 - 1000) + (1920 - 1560)
    assert w1["paused"] == 0
    assert w2["open"] == 3000 and w2["paused"] == 1200
    assert w2["paused_by_reason"] == {"lunch": 1200} and w2["pauses_by_reason"] == {"lunch": 1}
    assert w1["utilisation"] == pytest.approx(800 / 3000)
    # Window 2 idle while somebody waited: 09:00-09:03 (A waiting), 09:05-09:10 (B waiting),
    # then paused; from 09:30 B is being served at window 1 and nobody waits → 180 + 300.
    assert w2["idle_while_waiting"] == 480
    # Window 1: 09:00-09:05 (A, B, C waiting), 09:09:30-09:16 (B waiting after A left),
    # 09:20-09:25 (B postponed, waiting again).
    assert w1["idle_while_waiting"] == 300 + 390 + 300
    anna = report["consultants"]["anna"]
    assert anna["served"] == 2 and anna["mean_service"] == pytest.approx(300)
    assert report["consultants"]["boris"]["served"] == 0


def test_queue_staff_calls_ratings_heat_and_trend(report: dict) -> None:
    assert report["queue_by_hour"]["09"]["peak"] == 3
    assert report["staff_calls"]["presses"] == 1
    assert report["staff_calls"]["response"]["mean"] == 90
    assert report["ratings"] == {"count": 1, "mean": 5.0,
                                 "by_stars": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    assert report["heat_map"]["6:09"] == {"arrivals": 3, "mean_wait": pytest.approx(420)}
    assert report["trend"] == [{
        "day": "2001-09-09", "issued": 4, "served": 2, "no_show": 1,
        "mean_wait": pytest.approx(420), "wait_within_share": pytest.approx(2 / 3),
        "mean_service": 300, "service_within_share": 0.5}]
    assert sum(report["wait_histogram"]) == 3 and report["wait_histogram"][15] == 1


def test_a_day_with_no_visitors_has_no_figures() -> None:
    report = metrics.summarise(metrics.build_day("2001-09-09", [], [], start=START,
                                                 end=START + 86400, weekday=6,
                                                 hour_of=hour_of, closed=True))
    assert report["totals"]["issued"] == 0
    assert report["wait"]["mean"] is None and report["wait"]["median"] is None
    assert report["windows"] == {} and report["trend"][0]["mean_wait"] is None


def test_today_keeps_waiting_tickets_out_of_cancelled() -> None:
    rollup = metrics.build_day("d", [TICKETS[3]], [], start=START, end=START + 86400,
                               weekday=6, hour_of=hour_of, closed=False)
    assert rollup.all.counts["cancelled"] == 0 and rollup.all.counts["issued"] == 1


def test_rollups_survive_json_and_merge_by_addition() -> None:
    day = metrics.build_day("d", TICKETS, EVENTS, start=START, end=START + 86400, weekday=6,
                            hour_of=hour_of, closed=True)
    again = metrics.Rollup.from_json(json.loads(json.dumps(day.to_json())))
    merged = metrics.merge([day, again])
    report = metrics.summarise(merged)
    assert report["days"] == 2 and report["totals"]["served"] == 4
    assert report["wait"]["mean"] == pytest.approx(420)
    assert report["windows"]["1"]["open"] == 6000
    assert report["queue_by_hour"]["09"]["peak"] == 3
    with pytest.raises(ValueError):
        metrics.Rollup.from_json({**day.to_json(), "version": 0})


@pytest.mark.parametrize("seconds", [0, 9.99, 10, 599, 600, 7199, 7200, 28799, 28800, 1e6])
def test_buckets_contain_their_values(seconds: float) -> None:
    low, high = metrics.bucket_bounds(metrics.bucket_of(seconds))
    assert low <= seconds < high


def test_percentiles_are_within_half_a_bucket() -> None:
    dist = metrics.Dist()
    values = [float(v) for v in range(0, 1200, 7)]
    for v in values:
        dist.add(v)
    exact = sorted(values)[int(0.9 * len(values)) - 1]
    assert abs(dist.percentile(90) - exact) <= 60  # 1 min buckets above 10 min
    assert dist.percentile(100) == max(values)


def test_a_visit_being_served_at_midnight_is_in_progress_not_cancelled() -> None:
    """Called 23:50, started 23:51: the closed day counts it issued, with its wait, but
    neither served nor cancelled until it finishes (the server cancels only waiting
    tickets); one still waiting at midnight is cancelled."""
    late = START + 23 * H
    serving = ticket(issued_at=late, first_called_at=late + 3000, called_at=late + 3000,
                     started_at=late + 3060, status="serving", window=1, user="anna")
    waiting = ticket(issued_at=late)
    rollup = metrics.build_day("d", [serving, waiting], [], start=START, end=START + 86400,
                               weekday=6, hour_of=hour_of, closed=True)
    counts = rollup.all.counts
    assert (counts["issued"], counts["served"], counts["cancelled"]) == (2, 0, 1)
    assert rollup.all.wait.n == 1 and rollup.all.wait.total == 3000
    assert rollup.all.service.n == 0


def test_a_window_busy_at_midnight_counts_from_midnight_on_the_next_day() -> None:
    """The next day's log opens with the finish at window 1 (00:10) of a visit started before
    midnight: window 1 and anna were open and serving since midnight; window 2, whose first
    event is opening at 08:00, counts from then."""
    events = [
        {"at": START + 600, "kind": "ticket.finished", "window": 1, "user": "anna",
         "data": {}},
        {"at": START + 1200, "kind": "window.changed", "window": 1, "user": "anna",
         "data": {"state": "closed"}},
        {"at": START + 8 * H, "kind": "window.changed", "window": 2, "user": "boris",
         "data": {"state": "open"}},
        {"at": START + 9 * H, "kind": "window.changed", "window": 2, "user": "boris",
         "data": {"state": "closed"}},
    ]
    report = metrics.summarise(metrics.build_day("d", [], events, start=START,
                                                 end=START + 86400, weekday=0,
                                                 hour_of=hour_of, closed=True))
    assert report["windows"]["1"]["open"] == 1200 and report["windows"]["1"]["serving"] == 600
    assert report["consultants"]["anna"]["serving"] == 600
    assert report["windows"]["2"]["open"] == H and report["windows"]["2"]["serving"] == 0
    assert report["totals"]["issued"] == 0 and report["consultants"]["anna"]["served"] == 0


def test_the_queue_peak_of_an_hour_counts_visitors_waiting_from_earlier() -> None:
    events = [{"at": T9 + 3000, "kind": "ticket.issued", "window": None, "user": "k",
               "data": {}},
              {"at": T9 + H + 600, "kind": "ticket.called", "window": 1, "user": "anna",
               "data": {}}]
    report = metrics.summarise(metrics.build_day("d", [], events, start=START,
                                                 end=START + 86400, weekday=6,
                                                 hour_of=hour_of, closed=True))
    assert report["queue_by_hour"] == {"09": {"peak": 1, "mean": 600 / H},
                                       "10": {"peak": 1, "mean": 600 / H}}
