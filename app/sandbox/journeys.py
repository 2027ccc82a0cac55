"""Scripted parcel journeys the sandbox plays back, carrier-agnostic.

A journey is a list of steps at offsets from its start. What a carrier API shows at a moment is
the steps whose offset has passed on the sandbox clock; each carrier module renders those steps
in its own wire format. Offsets are in journey time: `--speed` compresses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.domain.status import Status, SubStatus

__all__ = ["Journey", "Place", "Scenario", "Step", "script"]


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    zone: str  # IANA zone, for carriers that send local times
    state: str = ""  # US state code, where addresses carry one


BERLIN = Place("Berlin", "10115", "DE", "Europe/Berlin")
HAMBURG = Place("Hamburg", "20095", "DE", "Europe/Berlin")
LEIPZIG = Place("Leipzig", "04109", "DE", "Europe/Berlin")
KASSEL = Place("Kassel", "34117", "DE", "Europe/Berlin")
MUNICH = Place("München", "80331", "DE", "Europe/Berlin")
LONDON = Place("London", "EC1A 1BB", "GB", "Europe/London")
AMSTERDAM = Place("Amsterdam", "1012 AB", "NL", "Europe/Amsterdam")
LOUISVILLE = Place("Louisville", "40201", "US", "America/New_York", "KY")
MEMPHIS = Place("Memphis", "38101", "US", "America/Chicago", "TN")
FRANKFURT_CUSTOMS = Place("Frankfurt am Main", "60549", "DE", "Europe/Berlin")


class Scenario(StrEnum):
    DELIVERED = "delivered"
    INTERNATIONAL = "international"
    FAILED_ATTEMPT = "failed_attempt"
    PICKUP_POINT = "pickup_point"
    DELAYED = "delayed"
    ADDRESS_PROBLEM = "address_problem"
    RETURN_TO_SENDER = "return_to_sender"
    LOST = "lost"
    NEVER_HANDED_OVER = "never_handed_over"


@dataclass(frozen=True, slots=True)
class Step:
    after: timedelta
    status: Status
    text_en: str
    text_de: str
    place: Place | None
    sub_status: SubStatus | None = None
    eta_days: int | None = None  # the ETA from here on: journey days after the journey's start
    signed_by: str | None = None

    def text(self, language: str) -> str:
        return self.text_de if language.lower().startswith("de") else self.text_en


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _start(origin: Place) -> list[Step]:
    return [
        Step(
            _h(0),
            Status.INFO_RECEIVED,
            "Shipment information received",
            "Die Sendung wurde elektronisch angekündigt",
            None,
            eta_days=2,
        ),
        Step(
            _h(5),
            Status.IN_TRANSIT,
            "Picked up by the carrier",
            "Die Sendung wurde abgeholt",
            origin,
        ),
        Step(
            _h(9),
            Status.IN_TRANSIT,
            "Processed at the parcel centre of origin",
            "Die Sendung wurde im Start-Paketzentrum bearbeitet",
            origin,
        ),
    ]


def _last_mile(hub: Place, destination: Place, *, first_day: float) -> list[Step]:
    return [
        Step(
            _h(first_day - 10),
            Status.IN_TRANSIT,
            "Arrived at the destination parcel centre",
            "Die Sendung ist im Ziel-Paketzentrum eingetroffen",
            hub,
        ),
        Step(
            _h(first_day),
            Status.OUT_FOR_DELIVERY,
            "Out for delivery",
            "Die Sendung wurde in das Zustellfahrzeug geladen",
            destination,
        ),
    ]


def _delivered(at: float, destination: Place, *, signed_by: str = "M. Muster") -> Step:
    return Step(
        _h(at),
        Status.DELIVERED,
        "Delivered",
        "Die Sendung wurde zugestellt",
        destination,
        sub_status=SubStatus.SIGNED,
        signed_by=signed_by,
    )


def script(scenario: Scenario, origin: Place, destination: Place) -> tuple[Step, ...]:
    """The steps of one scenario, from `origin` to `destination`."""
    hub = KASSEL if destination.country == "DE" else destination
    if scenario is Scenario.NEVER_HANDED_OVER:
        return tuple(_start(origin)[:1])
    steps = _start(origin)
    if scenario is Scenario.INTERNATIONAL:
        steps += [
            Step(
                _h(20),
                Status.IN_TRANSIT,
                "Departed the origin country",
                "Die Sendung hat das Absenderland verlassen",
                origin,
            ),
            Step(
                _h(30),
                Status.IN_TRANSIT,
                "Customs clearance in progress",
                "Die Sendung wird beim Zoll abgefertigt",
                FRANKFURT_CUSTOMS,
                sub_status=SubStatus.CUSTOMS,
                eta_days=3,
            ),
            Step(
                _h(40),
                Status.IN_TRANSIT,
                "Cleared by customs",
                "Die Sendung wurde vom Zoll freigegeben",
                FRANKFURT_CUSTOMS,
            ),
        ]
        steps += _last_mile(hub, destination, first_day=60)
        steps.append(_delivered(64, destination))
    elif scenario is Scenario.DELAYED:
        steps.append(
            Step(
                _h(20),
                Status.IN_TRANSIT,
                "Delayed: the shipment will arrive later",
                "Verzögerung: Die Sendung kommt später an",
                hub,
                sub_status=SubStatus.DELAYED,
                eta_days=4,
            )
        )
        steps += _last_mile(hub, destination, first_day=80)
        steps.append(_delivered(84, destination))
    elif scenario is Scenario.FAILED_ATTEMPT:
        steps += _last_mile(hub, destination, first_day=30)
        steps += [
            Step(
                _h(34),
                Status.FAILED_ATTEMPT,
                "Delivery attempt failed: recipient not at home",
                "Zustellversuch erfolglos: Empfänger nicht angetroffen",
                destination,
                sub_status=SubStatus.RECIPIENT_ABSENT,
                eta_days=3,
            ),
            Step(
                _h(54),
                Status.OUT_FOR_DELIVERY,
                "Out for delivery (second attempt)",
                "Die Sendung wird erneut zugestellt",
                destination,
            ),
            _delivered(58, destination, signed_by="Nachbar (Hausnr. 12)"),
        ]
    elif scenario is Scenario.PICKUP_POINT:
        steps += _last_mile(hub, destination, first_day=30)[:1]
        steps += [
            Step(
                _h(32),
                Status.AVAILABLE_FOR_PICKUP,
                "Ready for pickup at the parcel shop",
                "Die Sendung liegt im Paketshop zur Abholung bereit",
                destination,
                sub_status=SubStatus.PICKUP_POINT,
            ),
            Step(
                _h(50),
                Status.DELIVERED,
                "Picked up by the recipient at the parcel shop",
                "Die Sendung wurde im Paketshop abgeholt",
                destination,
                sub_status=SubStatus.PICKED_UP,
                signed_by="M. Muster",
            ),
        ]
    elif scenario is Scenario.ADDRESS_PROBLEM:
        steps += _last_mile(hub, destination, first_day=30)
        steps += [
            Step(
                _h(33),
                Status.EXCEPTION,
                "Address problem: the recipient could not be found",
                "Adressproblem: Der Empfänger konnte nicht ermittelt werden",
                destination,
                sub_status=SubStatus.ADDRESS_PROBLEM,
            ),
            Step(
                _h(50), Status.RETURNING, "Returning to sender", "Rücksendung an den Absender", hub
            ),
            Step(
                _h(80),
                Status.RETURNED,
                "Returned to sender",
                "Die Sendung wurde an den Absender zurückgegeben",
                origin,
            ),
        ]
    elif scenario is Scenario.RETURN_TO_SENDER:
        steps += _last_mile(hub, destination, first_day=30)
        steps += [
            Step(
                _h(33),
                Status.EXCEPTION,
                "Delivery refused by the recipient",
                "Die Annahme wurde verweigert",
                destination,
                sub_status=SubStatus.REFUSED,
            ),
            Step(
                _h(40), Status.RETURNING, "Returning to sender", "Rücksendung an den Absender", hub
            ),
            Step(
                _h(70),
                Status.RETURNED,
                "Returned to sender",
                "Die Sendung wurde an den Absender zurückgegeben",
                origin,
            ),
        ]
    elif scenario is Scenario.LOST:
        steps.append(
            Step(
                _h(20),
                Status.IN_TRANSIT,
                "Arrived at the parcel centre",
                "Die Sendung ist im Paketzentrum eingetroffen",
                hub,
            )
        )
        steps.append(
            Step(
                _h(140),
                Status.EXCEPTION,
                "The shipment could not be located",
                "Die Sendung konnte nicht gefunden werden",
                hub,
                sub_status=SubStatus.LOST,
            )
        )
    else:
        steps += _last_mile(hub, destination, first_day=30)
        steps.append(_delivered(34, destination))
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Journey:
    """One parcel's scripted life at one carrier."""

    tracking_number: str
    carrier: str
    scenario: Scenario
    started_at: datetime  # sandbox-clock time of step 0 (UTC)
    steps: tuple[Step, ...]
    speed: float = 1.0  # journey hours per real hour
    destination: Place | None = None  # the recipient's address, as APIs that send it show it

    def step_time(self, step: Step) -> datetime:
        return self.started_at + step.after / self.speed

    def visible_steps(self, now: datetime) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if self.step_time(s) <= now)

    def estimate_day(self, now: datetime) -> date | None:
        """The expected delivery day a carrier shows at `now`: a calendar day where the parcel
        is delivered (the destination's zone; Berlin without one), as carriers send it.

        The script is a story on its own clock, `speed` times faster than real time, but its days
        are not compressed: the ETA is as many days after the latest scan's real day as the
        story's ETA day is after that scan's story day. So a demo at 240x still says "tomorrow",
        a delay moves the date later, and between scans the date stays put, as a carrier's does.
        At speed 1 both clocks agree: the scripted day itself.
        """
        visible = self.visible_steps(now)
        if not visible:
            return None
        scan = visible[-1]
        if scan.status is Status.OUT_FOR_DELIVERY:
            story_day = self._day(self.started_at + scan.after)  # on the van: that day
        else:
            days = next((s.eta_days for s in reversed(visible) if s.eta_days is not None), None)
            if days is None:
                return None
            story_day = self._day(self.started_at + timedelta(days=days))
        scan_story_day = self._day(self.started_at + scan.after)
        return self._day(self.step_time(scan)) + (story_day - scan_story_day)

    def _day(self, moment: datetime) -> date:
        # A UTC date would be the day before for a van out after midnight in Berlin.
        zone = self.destination.zone if self.destination is not None else "Europe/Berlin"
        return moment.astimezone(ZoneInfo(zone)).date()

    def finished(self, now: datetime) -> bool:
        return all(self.step_time(s) <= now for s in self.steps)
