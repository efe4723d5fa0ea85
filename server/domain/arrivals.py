"""Visitors expected to arrive later today, as ``prediction.Stream``s for the expected wait.

Two sources: walk-ins, at the hourly rates seen on the same weekday of the last few weeks, per
kind of ticket (topic, segment, out-of-turn category), so the replay knows that an
out-of-turn visitor or a VIP will come and go ahead; and bookings not checked in yet, each
expected at its slot, when dispatch serves it ahead of walk-ins. Booked tickets are left out
of the walk-in history, so a booking is not counted twice. A new office, with no history,
expects no walk-ins.

Pure: the store hands in past arrivals and today's bookings; no clock, no storage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server.domain import prediction
from server.domain.booking import Booking, BookingStatus
from server.domain.office import Office
from server.domain.tickets import Ticket, TicketStatus

HISTORY_WEEKS = 4  # the same weekday this many weeks back
HOUR = 3600.0


@dataclass(frozen=True)
class PastArrival:
    """A walk-in ticket of a past day: when it was issued, and its kind."""

    at: float
    service: str
    segment: str
    category: str | None = None


def history_days(office: Office, today: date, weeks: int = HISTORY_WEEKS) -> list[date]:
    """The same weekday in each of the last ``weeks`` weeks, where the office was open."""
    days = [today - timedelta(weeks=k) for k in range(1, weeks + 1)]
    return [day for day in days if office.schedule.opening(day) is not None]


def prototype(office: Office, service: str, segment: str, category: str | None,
              appointment_at: float | None = None) -> Ticket | None:
    """A waiting ticket such a visitor would get (targets as the server sets them); None if
    the topic or segment is no longer in the office file."""
    svc, seg = office.service(service), office.segment(segment)
    if svc is None or seg is None or (category is not None and office.category(category) is None):
        return None
    wait_target = office.wait_target(svc, seg)
    if appointment_at is not None:
        wait_target = min(wait_target, 60.0 * office.dispatch.appointment_wait_min)
    at = appointment_at or 0.0
    return Ticket(day="", number=0, label="", service=svc.code, segment=seg.code, issued_at=at,
                  wait_target=wait_target, service_target=office.service_target(svc, seg),
                  public_id="", category=category, priority=svc.priority,
                  appointment_at=appointment_at, status=TicketStatus.WAITING, queue_since=at)


Profile = list[tuple[Ticket, list[tuple[float, float, float]]]]


def walk_in_profile(office: Office, past: Iterable[PastArrival], today: date) -> Profile:
    """Walk-ins expected today: per kind, a prototype ticket and, per hour of today's
    opening hours, the mean count over the past days that had any walk-in, as ``(start,
    end, rate per second)``; the first and last hours are cut at opening and closing, and
    visitors who came outside today's hours are not expected. Computed once a day;
    ``walk_in_streams`` cuts it at the moment."""
    opening = office.schedule.opening(today)
    if opening is None:
        return []
    opens = datetime.combine(today, opening[0], office.zone).timestamp()
    closes = datetime.combine(today, opening[1], office.zone).timestamp()
    counts: Counter[tuple[str, str, str | None, int]] = Counter()
    days: set[date] = set()
    for arrival in past:
        local = datetime.fromtimestamp(arrival.at, office.zone)
        days.add(local.date())
        if opening[0] <= local.time() < opening[1]:
            counts[(arrival.service, arrival.segment, arrival.category, local.hour)] += 1
    kinds: dict[tuple[str, str, str | None], list[tuple[float, float, float]]] = {}
    for (service, segment, category, hour), count in counts.items():
        # The hour as far as the office is open in it today (opening at 08:30: half an
        # hour), its past visitors spread over that part only: past days are taken to
        # have had today's hours.
        hour_starts = datetime.combine(today, time(hour), office.zone).timestamp()
        start, end = max(hour_starts, opens), min(hour_starts + HOUR, closes)
        if end > start:
            kinds.setdefault((service, segment, category), []).append(
                (start, end, count / len(days) / (end - start)))
    profile = []
    for (service, segment, category), rates in sorted(kinds.items(), key=str):
        proto = prototype(office, service, segment, category)
        if proto is not None:
            profile.append((proto, sorted(rates)))
    return profile


def walk_in_streams(profile: Profile, now: float) -> list[prediction.Stream]:
    """The walk-ins of ``profile`` still to come from ``now`` to closing."""
    return [stream for proto, rates in profile
            for stream in prediction.hourly_streams(proto, rates, now)]


def booking_streams(office: Office, bookings: Sequence[Booking],
                    now: float) -> list[prediction.Stream]:
    """Each booking not checked in yet whose slot is still ahead, as a stream of one at its
    slot. (A visitor whose slot has begun may still come within the late window, or not at
    all; the replay does not guess which.)"""
    streams = []
    for booking in bookings:
        if booking.status is not BookingStatus.BOOKED or booking.slot_at < now:
            continue
        service = office.service(booking.service)
        segment = service.segment if service and service.segment else office.default_segment
        proto = prototype(office, booking.service, segment, None, booking.slot_at)
        if proto is not None:
            streams.append(prediction.Stream(proto, at=booking.slot_at))
    return streams
