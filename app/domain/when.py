"""Expected delivery and event times in words, as UX.md asks: the answer first.

"Heute, 10–12 Uhr" / "Today, 10–12", "Morgen" / "Tomorrow", "Fr., 14. Nov." / "Fri 14 Nov".
Pure: the caller passes now and the user's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.models import DeliveryEstimate

__all__ = [
    "date_in_words",
    "day_in_sentence",
    "day_in_words",
    "estimate_in_sentence",
    "estimate_in_words",
    "relative_age",
]

_WEEKDAYS = {
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "de": (
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sept.",
        "Okt.",
        "Nov.",
        "Dez.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


_RELATIVE_DAYS = {-1: ("Gestern", "Yesterday"), 0: ("Heute", "Today"), 1: ("Morgen", "Tomorrow")}


def _lang(language: str) -> str:
    return "de" if language.lower().startswith("de") else "en"


def day_in_words(day: date, today: date, language: str) -> str:
    """A day at the start of a line: "Gestern", "Heute", "Morgen", else "Fr., 14. Nov."."""
    lang = _lang(language)
    relative = _RELATIVE_DAYS.get((day - today).days)
    if relative is not None:
        return relative[0 if lang == "de" else 1]
    return date_in_words(day, lang)


def day_in_sentence(day: date, today: date, language: str) -> str:
    """A day inside a sentence: "gestern", "heute", "morgen", else the date with its
    preposition, "am Fr., 14. Nov." / "on Fri 14 Nov" ("Bestellt am Fr., 14. Nov.")."""
    lang = _lang(language)
    relative = _RELATIVE_DAYS.get((day - today).days)
    if relative is not None:
        return relative[0 if lang == "de" else 1].lower()
    return _on(date_in_words(day, lang), lang)


def _on(date_text: str, lang: str) -> str:
    """A date with its preposition inside a sentence: "am Fr., 14. Nov." / "on Fri 14 Nov"."""
    return f"{'am' if lang == 'de' else 'on'} {date_text}"


def date_in_words(day: date, language: str) -> str:
    """The date itself, never "Heute": "Fr., 14. Nov." / "Fri 14 Nov"."""
    lang = _lang(language)
    weekday = _WEEKDAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    if lang == "de":
        return f"{weekday}, {day.day}. {month}"
    return f"{weekday} {day.day} {month}"


def _hour(moment: datetime) -> str:
    return f"{moment.hour}" if moment.minute == 0 else f"{moment.hour}:{moment.minute:02d}"


def estimate_in_words(
    estimate: DeliveryEstimate, *, now: datetime, zone: str, language: str
) -> str:
    """ "Heute, 10–12 Uhr", "Morgen", "Mo., 1. Dez. – Mi., 3. Dez." and their English twins."""
    lang = _lang(language)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    text = day_in_words(estimate.day, today, lang)
    if estimate.latest_day and estimate.latest_day != estimate.day:
        return f"{text} – {day_in_words(estimate.latest_day, today, lang)}"
    if estimate.window_start and estimate.window_end:
        start = estimate.window_start.astimezone(tz)
        end = estimate.window_end.astimezone(tz)
        span = f"{_hour(start)}–{_hour(end)}"
        return f"{text}, {span} Uhr" if lang == "de" else f"{text}, {span}"
    return text


def estimate_in_sentence(
    estimate: DeliveryEstimate, *, now: datetime, zone: str, language: str, on: bool = True
) -> str:
    """The estimate inside a sentence: "voraussichtlich morgen", "… am Fr., 14. Nov., 10–12 Uhr"
    ("on Fri 14 Nov"). With on=False, after a colon, a date goes without its preposition."""
    text = estimate_in_words(estimate, now=now, zone=zone, language=language)
    today = now.astimezone(ZoneInfo(zone)).date()
    if (estimate.day - today).days in _RELATIVE_DAYS:
        return text[0].lower() + text[1:]
    if not on or (estimate.latest_day and estimate.latest_day != estimate.day):
        return text
    return _on(text, _lang(language))


def relative_age(moment: datetime, *, now: datetime, language: str) -> str:
    """ "vor 3 Min." / "3 min ago", "vor 5 Std." / "5 h ago", "vor 2 Tagen" / "2 days ago"."""
    lang = _lang(language)
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return "gerade eben" if lang == "de" else "just now"
    if seconds < 3600:
        n = int(seconds // 60)
        return f"vor {n} Min." if lang == "de" else f"{n} min ago"
    if seconds < 86400:
        n = int(seconds // 3600)
        return f"vor {n} Std." if lang == "de" else f"{n} h ago"
    n = int(seconds // timedelta(days=1).total_seconds())
    if lang == "de":
        return "vor 1 Tag" if n == 1 else f"vor {n} Tagen"
    return "1 day ago" if n == 1 else f"{n} days ago"
