"""The visible part of a journey at the sandbox's now, ready for a carrier to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.sandbox.context import SandboxContext
from app.sandbox.faults import Fault
from app.sandbox.journeys import Journey, Place, Step

EDITED_SUFFIX = {"de": " (Angaben aktualisiert)", "en": " (details updated)"}


@dataclass(frozen=True, slots=True)
class ShownEvent:
    at: datetime  # UTC
    step: Step
    text: str
    place: Place | None

    def local(self, fallback_zone: str = "Europe/Berlin") -> datetime:
        """The scan's wall-clock time where it happened, as carriers without zones send it."""
        zone = self.place.zone if self.place else fallback_zone
        return self.at.astimezone(ZoneInfo(zone))


def language_of(raw: str | None) -> str:
    return "de" if (raw or "").lower().startswith("de") else "en"


def shown_events(
    ctx: SandboxContext, journey: Journey, language: str, body_fault: Fault | None = None
) -> list[ShownEvent]:
    """Visible events, oldest first. A CHANGED_TEXT fault rewords the first event for good."""
    if body_fault is Fault.CHANGED_TEXT:
        ctx.edit_text(journey.carrier, journey.tracking_number)
    edits = ctx.text_edits(journey.carrier, journey.tracking_number)
    now = ctx.clock.now()
    events = []
    for index, step in enumerate(journey.visible_steps(now)):
        text = step.text(language)
        if index == 0 and edits:
            text += EDITED_SUFFIX[language]
        events.append(ShownEvent(journey.step_time(step), step, text, step.place))
    return events
