"""Pre-booking use cases: free slots, book, look up and cancel by code, check in, and the
periodic sweep (no-shows, reminders, purge of personal data).

Each change runs in one store write transaction (``BEGIN IMMEDIATE``): counting the places
taken in a slot and inserting the booking happen under the database write lock, so two
concurrent requests can never both take the last place. Check-in issues its ticket through
``QueueService.issue`` with an idempotency key derived from the booking, so a repeated
check-in returns the same ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from server.domain import access
from server.domain import booking as rules
from server.domain.access import Actor
from server.domain.booking import Arrival, Booking, BookingStatus
from server.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QueueError,
    UnknownService,
)
from server.domain.office import Office
from server.ports import BookingStore
from server.queue import Issued, QueueService
from server.reminders import Reminder, ReminderNotifier

log = logging.getLogger(__name__)


class UnknownBooking(NotFound):
    code = "unknown_booking"


@dataclass(frozen=True)
class CheckedIn:
    booking: Booking
    issued: Issued
    late: bool


@dataclass(frozen=True)
class Swept:
    no_shows: int
    reminded: int
    purged: int


class BookingService:
    def __init__(self, office: Office, store: BookingStore, queue: QueueService,
                 reminders: ReminderNotifier, clock: Callable[[], float]) -> None:
        self.office = office
        self.store = store
        self.queue = queue
        self.reminders = reminders
        self.clock = clock

    # Reading ------------------------------------------------------------------------------

    def _bookable(self, service: str) -> None:
        if self.office.service(service) is None:
            raise UnknownService(f"unknown service {service!r}", service=service)
        if not self.office.bookings or self.office.booking.service(service) is None:
            raise InvalidInput(f"service {service!r} takes no bookings", service=service)

    def slots(self, service: str, day: date) -> list[dict[str, object]]:
        """The slots of ``service`` on ``day`` with their free places; past ones left out."""
        self._bookable(service)
        now = self.clock()
        rules.bookable_day(self.office, day, now)
        with self.store.read() as tx:
            taken = tx.places_taken(service, day.isoformat())
        return [
            {"start": s.start, "end": s.end, "time": self._local(s.start).strftime("%H:%M"),
             "free": rules.free_places(s, taken.get(s.start, 0))}
            for s in rules.slots_for(self.office, service, day) if s.start > now
        ]

    def find(self, code: str) -> Booking:
        canonical = rules.normalize_code(code)
        if canonical is None:
            raise InvalidInput("a booking code has 8 letters and digits", field="code")
        with self.store.read() as tx:
            found = tx.booking_by_code(canonical)
        if found is None:
            raise UnknownBooking("no booking with this code")
        return found

    def day(self, actor: Actor, day: date, service: str | None = None) -> list[Booking]:
        """A day's bookings with personal data, for contact-centre operators."""
        actor.require(access.BOOKING_MANAGE)
        with self.store.read() as tx:
            return tx.bookings_on(day.isoformat(), service)

    # Changing -----------------------------------------------------------------------------

    def book(self, actor: Actor | None, service: str, day: date, at: time, name: str,
             phone: str, *, consent: bool) -> Booking:
        """Book a place; ``actor`` is None on the public page. Every check runs before
        anything is written."""
        if actor is not None:
            actor.require(access.BOOKING_MANAGE)
        if consent is not True:
            raise InvalidInput("consent to the processing of personal data is required",
                               field="consent")
        self._bookable(service)
        clean_name = rules.clean_name(name)
        clean_phone = rules.normalize_phone(phone)
        now = self.clock()
        rules.bookable_day(self.office, day, now)
        slot = rules.find_slot(self.office, service, day, at)
        if slot is None:
            raise InvalidInput(f"no slot of {service!r} at {at.strftime('%H:%M')} on {day}",
                               field="time")
        if slot.start <= now:
            raise InvalidInput("this slot has already started", field="time")
        with self.store.write() as tx:
            if tx.active_bookings_of(clean_phone, now) >= self.office.booking.max_per_phone:
                raise Conflict("this phone number holds as many bookings as allowed",
                               limit=self.office.booking.max_per_phone)
            taken = tx.places_taken(service, day.isoformat()).get(slot.start, 0)
            if rules.free_places(slot, taken) <= 0:
                raise Conflict("this slot is fully booked", reason="slot_full")
            booking = Booking(
                code=self._fresh_code(tx), service=service, day=day.isoformat(),
                slot_at=slot.start, slot_end=slot.end, status=BookingStatus.BOOKED,
                name=clean_name, phone=clean_phone,
                channel=f"staff:{actor.name}" if actor is not None else "web",
                created_at=now,
            )
            booking.id = tx.insert_booking(booking)
        return booking

    def _fresh_code(self, tx: object) -> str:
        for _ in range(20):
            code = rules.new_code()
            if tx.booking_by_code(code) is None:  # type: ignore[attr-defined]
                return code
        raise Conflict("could not draw a free booking code")  # 22**8 codes: never in practice

    def cancel(self, code: str) -> Booking:
        found = self.find(code)
        with self.store.write() as tx:
            booking = tx.booking_by_code(found.code)
            if booking is None:  # purged between the lookup and now
                raise UnknownBooking("no booking with this code")
            if booking.status is not BookingStatus.BOOKED:
                raise InvalidTransition(f"a {booking.status.value} booking cannot be cancelled",
                                        status=booking.status.value)
            booking.status, booking.closed_at = BookingStatus.CANCELLED, self.clock()
            tx.update_booking(booking)
        return booking

    def check_in(self, actor: Actor, code: str) -> CheckedIn:
        """Check a visitor in at a kiosk: a ticket served at the slot time if within the
        window, an ordinary walk-in ticket (and the booking marked late) past it."""
        actor.require(access.BOOKING_CHECK_IN)
        found = self.find(code)
        with self.store.write() as tx:
            booking = tx.booking_by_code(found.code)
            if booking is None:  # purged between the lookup and now
                raise UnknownBooking("no booking with this code")
            before = replace(booking)
            if booking.ticket_id is not None:  # checked in already: the same ticket again
                ticket = tx.ticket(booking.ticket_id)
                if ticket is not None:
                    return CheckedIn(booking, Issued(ticket, 0, 0.0, replayed=True),
                                     late=booking.status is BookingStatus.LATE)
            if booking.status is BookingStatus.CANCELLED:
                raise InvalidTransition("this booking was cancelled", status="cancelled",
                                        reason="cancelled")
            now = self.clock()
            if booking.day != self.office.day_of(now):
                raise InvalidTransition("this booking is for another day", day=booking.day,
                                        reason="other_day")
            verdict = rules.arrival(booking, now, self.office.booking.early_min,
                                    self.office.booking.late_min)
            if verdict is Arrival.TOO_EARLY:
                opens = booking.slot_at - self.office.booking.early_min * rules.MINUTE
                raise InvalidTransition(
                    f"check-in opens at {self._local(opens).strftime('%H:%M')}",
                    reason="too_early", opens_at=opens,
                )
            late = verdict is Arrival.LATE or booking.status is BookingStatus.NO_SHOW
            booking.status = BookingStatus.LATE if late else BookingStatus.CHECKED_IN
            booking.checked_in_at = now
            tx.update_booking(booking)
        try:
            issued = self.queue.issue(
                actor, booking.service, idempotency_key=f"booking-{booking.code}",
                appointment_at=None if late else booking.slot_at,
                # Shared by every caller: the kiosk and the hall checking the same visitor
                # in at once get one ticket.
                key_scope="booking",
            )
        except QueueError:
            with self.store.write() as tx:
                tx.update_booking(before)  # the office is closed now, say: not checked in
            raise
        with self.store.write() as tx:
            booking.ticket_id = issued.ticket.id
            tx.update_booking(booking)
        return CheckedIn(booking, issued, late=late)

    # The periodic sweep -------------------------------------------------------------------

    def sweep(self) -> Swept:
        """Mark no-shows, send due reminders once, purge expired personal data."""
        now = self.clock()
        with self.store.write() as tx:
            no_shows = tx.bookings_booked_before(now - rules.no_show_after(self.office))
            for booking in no_shows:
                booking.status, booking.closed_at = BookingStatus.NO_SHOW, now
                tx.update_booking(booking)
            purged = tx.purge_bookings(rules.purge_before(self.office, now), now)
        return Swept(len(no_shows), self.send_reminders(now), purged)

    def send_reminders(self, now: float) -> int:
        """Claim each due reminder in a transaction, then send it; a failed one is
        unclaimed, to be retried by the next sweep. Never sent twice once delivered."""
        window = rules.reminder_window(self.office, now)
        if window is None:
            return 0
        with self.store.write() as tx:
            due = tx.bookings_to_remind(*window)
            for booking in due:
                booking.reminded_at = now
                tx.update_booking(booking)
        sent = 0
        for booking in due:
            try:
                self.reminders.remind(self._reminder(booking))
                sent += 1
            except Exception:  # a notifier may fail in any way; the booking stays remindable
                log.exception("reminder %s not sent", booking.code)
                with self.store.write() as tx:
                    booking.reminded_at = None
                    tx.update_booking(booking)
        return sent

    def _reminder(self, booking: Booking) -> Reminder:
        service = self.office.service(booking.service)
        return Reminder(
            code=rules.format_code(booking.code), name=booking.name or "",
            phone=booking.phone or "", service=booking.service,
            service_name=service.name if service else booking.service,
            local_time=self._local(booking.slot_at).strftime("%Y-%m-%d %H:%M"),
            slot_at=booking.slot_at,
        )

    def _local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.office.zone)


def public_booking(booking: Booking, office: Office) -> dict[str, object]:
    """What anyone holding the code may see: never the name or phone."""
    service = office.service(booking.service)
    local = datetime.fromtimestamp(booking.slot_at, office.zone)
    return {
        "code": rules.format_code(booking.code),
        "service": booking.service,
        "service_name": service.name if service else booking.service,
        "service_name_en": service.name_en if service else "",
        "date": booking.day,
        "time": local.strftime("%H:%M"),
        "start": booking.slot_at,
        "end": booking.slot_end,
        "status": booking.status.value,
    }


def staff_booking(booking: Booking, office: Office) -> dict[str, object]:
    """A booking for contact-centre operators, personal data included (until purged)."""
    return public_booking(booking, office) | {
        "name": booking.name, "phone": booking.phone, "channel": booking.channel,
        "created_at": booking.created_at, "checked_in_at": booking.checked_in_at,
        "reminded": booking.reminded_at is not None, "ticket_id": booking.ticket_id,
    }
