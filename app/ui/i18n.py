"""German and English UI strings. Plain data: no flet import, so it is testable anywhere."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Literal

from app.domain.labels import status_label
from app.domain.status import Status
from app.ui.strings_parcels import STRINGS as parcel_strings
from app.ui.strings_settings import STRINGS as settings_strings

Lang = Literal["de", "en"]
LANGUAGES: tuple[Lang, ...] = ("de", "en")
# A locale we do not speak gets English: more people read it than German.
DEFAULT_LANG: Lang = "en"

# key -> (Deutsch, English). Tone: short, friendly, no exclamation marks (UX.md).
_STRINGS: dict[str, tuple[str, str]] = {
    "app.name": ("Paketpilot", "Paketpilot"),
    "home.title": ("Meine Bestellungen", "My orders"),
    "home.search": ("Suchen: Shop oder Nummer", "Search shop or number"),
    "section.active": ("Aktiv", "Active"),
    "section.delivered": ("Zugestellt", "Delivered"),
    "section.archive": ("Archiv", "Archive"),
    "sync.never": ("Noch nicht aktualisiert", "Not updated yet"),
    "action.refresh": ("Aktualisieren", "Refresh"),
    "action.settings": ("Einstellungen", "Settings"),
    "action.add": ("Sendung hinzufügen", "Add parcel"),
    "action.demo": ("Demo ansehen", "Try the demo"),
    "action.back": ("Zurück", "Back"),
    "empty.title": ("Noch keine Sendungen", "No parcels yet"),
    "empty.body": (
        "Füge eine Sendungsnummer oder eine Versandbestätigung ein. Paketpilot erkennt den "
        "Versanddienst und zeigt dir, wann dein Paket kommt.",
        "Paste a tracking number or a shipping confirmation. Paketpilot detects the carrier "
        "and shows you when your parcel arrives.",
    ),
    "empty.section": ("Hier ist noch nichts.", "Nothing here yet."),
    "empty.search": ("Keine Treffer für „{query}“.", "No matches for “{query}”."),
    "detail.none": ("Wähle eine Sendung", "Select a parcel"),
    "detail.none_hint": (
        "Der Verlauf der Sendung erscheint hier.",
        "Its tracking timeline appears here.",
    ),
    "order.parcels": ("{count} Sendungen", "{count} parcels"),
    "order.parcel_of": ("Paket {n} von {total}", "Parcel {n} of {total}"),
    "screen.parcel": ("Sendung", "Parcel"),
    "screen.order": ("Bestellung", "Order"),
    "screen.add": ("Sendung hinzufügen", "Add parcel"),
    "screen.settings": ("Einstellungen", "Settings"),
    "screen.failed": (
        "Dieser Bereich ließ sich nicht öffnen. Geh zurück und versuch es noch einmal.",
        "This screen could not be opened. Go back and try again.",
    ),
}


# Each area keeps its strings in its own module so screens can grow without colliding.
for _area in (parcel_strings, settings_strings):
    _overlap = _STRINGS.keys() & _area.keys()
    if _overlap:
        raise RuntimeError(f"duplicate UI string keys: {sorted(_overlap)}")
    _STRINGS.update(_area)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "de" else pair[1]


def t(lang: Lang, key: str, **values: object) -> str:
    """The text for `key`; a missing key raises so gaps show up in tests, not on screen."""
    text = _pick(_STRINGS[key], lang)
    return text.format(**values) if values else text


def status_word(lang: Lang, status: Status) -> str:
    return status_label(status, lang)


def keys() -> frozenset[str]:
    return frozenset(_STRINGS)


def pick_language(candidates: Iterable[str | None]) -> Lang:
    """The first supported language among locale tags like "de-DE", "en_US" or "de"."""
    for tag in candidates:
        if not tag:
            continue
        code = tag.replace("_", "-").split("-")[0].strip().lower()
        if code == "de":
            return "de"
        if code == "en":
            return "en"
    return DEFAULT_LANG


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
_HEADER_LIMIT = 1_000  # characters of an Accept-Language header worth reading


def accept_language_tags(header: str) -> list[str]:
    """The language tags of an HTTP Accept-Language header, most preferred first (by q, then
    by position). "*", malformed parts and q=0 are left out; a broken header gives []."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:_HEADER_LIMIT].split(",")):
        tag, _, params = part.partition(";")
        tag = tag.strip()
        if not _LANGUAGE_TAG.fullmatch(tag):
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if math.isfinite(weight) and 0 < weight <= 1:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
