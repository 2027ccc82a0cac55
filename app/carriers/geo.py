"""Places: country codes, the zone a place's local times are in, and locales.

Carriers send local scan times without an offset. When no offset travels with the time, the
zone is derived from the scan location: only single-zone countries and (for the US) single-zone
states are listed, so a guess is never wrong by an hour for most of a country. Countries with
several zones map to None and their zone-less times are read as UTC by the callers.

`likely_zone` goes one step further for callers that would otherwise read a US time as UTC
(hours off): a state split between two zones gets the zone most of its people live in, so the
guess is at most an hour off in the state's minority part (e.g. Memphis and Nashville are
Central, Knoxville is Eastern: TN reads as Central).
"""

from __future__ import annotations

from typing import Any

from app.carriers.parsing import text

__all__ = [
    "COUNTRY_ZONES",
    "ISO3_TO_ISO2",
    "US_STATE_MAIN_ZONES",
    "US_STATE_ZONES",
    "from_iso3",
    "iso2",
    "likely_zone",
    "locale_for",
    "us_state",
    "zone_for",
]

# ISO 3166 alpha-3, alpha-2 and the zone when the country has exactly one ("-": several;
# overseas territories have their own codes).
_COUNTRY_TABLE = """
DEU DE Europe/Berlin; AUT AT Europe/Vienna; CHE CH Europe/Zurich; NLD NL Europe/Amsterdam
BEL BE Europe/Brussels; LUX LU Europe/Luxembourg; FRA FR Europe/Paris; ITA IT Europe/Rome
POL PL Europe/Warsaw; CZE CZ Europe/Prague; SVK SK Europe/Bratislava; HUN HU Europe/Budapest
SVN SI Europe/Ljubljana; HRV HR Europe/Zagreb; ROU RO Europe/Bucharest; BGR BG Europe/Sofia
GRC GR Europe/Athens; DNK DK Europe/Copenhagen; SWE SE Europe/Stockholm; NOR NO Europe/Oslo
FIN FI Europe/Helsinki; EST EE Europe/Tallinn; LVA LV Europe/Riga; LTU LT Europe/Vilnius
GBR GB Europe/London; IRL IE Europe/Dublin; ISL IS Atlantic/Reykjavik; TUR TR Europe/Istanbul
ISR IL Asia/Jerusalem; ARE AE Asia/Dubai; SAU SA Asia/Riyadh; IND IN Asia/Kolkata
CHN CN Asia/Shanghai; HKG HK Asia/Hong_Kong; TWN TW Asia/Taipei; JPN JP Asia/Tokyo
KOR KR Asia/Seoul; SGP SG Asia/Singapore; THA TH Asia/Bangkok; VNM VN Asia/Ho_Chi_Minh
PHL PH Asia/Manila; ZAF ZA Africa/Johannesburg; EGY EG Africa/Cairo; UKR UA Europe/Kyiv
USA US -; CAN CA -; MEX MX -; BRA BR -; RUS RU -; AUS AU -; ESP ES -; PRT PT -; IDN ID -
NZL NZ -; CHL CL -; KAZ KZ -
"""
_ROWS = [row.split() for row in _COUNTRY_TABLE.replace("\n", ";").split(";") if row.strip()]

ISO3_TO_ISO2: dict[str, str] = {iso3: code for iso3, code, _ in _ROWS}

# Countries with exactly one civil time zone, by alpha-2 code.
COUNTRY_ZONES: dict[str, str] = {code: zone for _, code, zone in _ROWS if zone != "-"} | {
    "LI": "Europe/Vaduz",
    "MT": "Europe/Malta",
    "PR": "America/Puerto_Rico",
}

# US states wholly (or all but a sliver) in one zone; split states are left out on purpose.
_EASTERN = "CT DE DC GA ME MD MA NH NJ NY NC OH PA RI SC VT VA WV"
_CENTRAL = "AL AR IL IA LA MN MS MO OK WI"
_MOUNTAIN = "CO MT NM UT WY"
US_STATE_ZONES: dict[str, str] = {
    **dict.fromkeys(_EASTERN.split(), "America/New_York"),
    **dict.fromkeys(_CENTRAL.split(), "America/Chicago"),
    **dict.fromkeys(_MOUNTAIN.split(), "America/Denver"),
    "AZ": "America/Phoenix",
    "CA": "America/Los_Angeles",
    "WA": "America/Los_Angeles",
    "NV": "America/Los_Angeles",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}

# US states split between two zones -> the zone of most of the state's population.
US_STATE_MAIN_ZONES: dict[str, str] = {
    "AK": "America/Anchorage",  # the Aleutians west of 169.5° W are on Hawaii time
    "FL": "America/New_York",  # the western panhandle is Central
    "ID": "America/Boise",  # the northern panhandle is Pacific
    "IN": "America/Indiana/Indianapolis",  # a few counties near Chicago and Evansville: Central
    "KS": "America/Chicago",  # four western counties are Mountain
    "KY": "America/New_York",  # the western half is Central
    "MI": "America/Detroit",  # four Upper Peninsula counties are Central
    "ND": "America/Chicago",  # the south-west is Mountain
    "NE": "America/Chicago",  # the western panhandle is Mountain
    "OR": "America/Los_Angeles",  # most of Malheur County is Mountain
    "SD": "America/Chicago",  # the western half is Mountain
    "TN": "America/Chicago",  # East Tennessee (Knoxville, Chattanooga) is Eastern
    "TX": "America/Chicago",  # El Paso and Hudspeth are Mountain
}
# Every US state, DC and the territories by postal code (whatever their zone).
_US_STATES = """
AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP
"""
_US_CODES = frozenset(_US_STATES.split())
_US_NAMES = """
Alabama AL; Alaska AK; Arizona AZ; Arkansas AR; California CA; Colorado CO; Connecticut CT
Delaware DE; District of Columbia DC; Florida FL; Georgia GA; Hawaii HI; Idaho ID; Illinois IL
Indiana IN; Iowa IA; Kansas KS; Kentucky KY; Louisiana LA; Maine ME; Maryland MD
Massachusetts MA; Michigan MI; Minnesota MN; Mississippi MS; Missouri MO; Montana MT
Nebraska NE; Nevada NV; New Hampshire NH; New Jersey NJ; New Mexico NM; New York NY
North Carolina NC; North Dakota ND; Ohio OH; Oklahoma OK; Oregon OR; Pennsylvania PA
Rhode Island RI; South Carolina SC; South Dakota SD; Tennessee TN; Texas TX; Utah UT
Vermont VT; Virginia VA; Washington WA; West Virginia WV; Wisconsin WI; Wyoming WY
Puerto Rico PR; Guam GU
"""
_US_BY_NAME: dict[str, str] = {
    " ".join(name.split()[:-1]).upper(): name.split()[-1]
    for name in _US_NAMES.replace("\n", ";").split(";")
    if name.strip()
}

_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "it": "it_IT", "es": "es_ES"}
_LOCALES |= {"nl": "nl_NL", "pl": "pl_PL", "cs": "cs_CZ", "da": "da_DK", "sv": "sv_SE"}


def zone_for(country: str | None, state: str | None = None) -> str | None:
    """The IANA zone of a scan location, or None when the place does not fix one zone."""
    country = (country or "").strip().upper()
    state = (state or "").strip().upper()
    if country in ("US", "USA", "") and state in US_STATE_ZONES:
        return US_STATE_ZONES[state]
    return COUNTRY_ZONES.get(country)


def us_state(value: Any) -> str | None:
    """A US state's two-letter code, from the code ("tn", " TN ") or the name ("Tennessee")."""
    code = " ".join((text(value) or "").upper().split())
    return code if code in _US_CODES else _US_BY_NAME.get(code)


def likely_zone(country: str | None, state: str | None = None) -> str | None:
    """`zone_for`, and for a US state split between zones the zone most of it uses; `state`
    may be the state's code or its name.

    Only for times that would otherwise be read as UTC: in the state's minority part the
    guess is an hour off, where UTC would be five to ten.
    """
    code = us_state(state)
    found = zone_for(country, code or state)
    if found is not None:
        return found
    country = (country or "").strip().upper()
    if country in ("US", "USA", "") and code is not None:
        return US_STATE_MAIN_ZONES.get(code)
    return None


def iso2(value: Any) -> str | None:
    """An alpha-2 country code as sent, upper-cased; anything else is None."""
    code = (text(value) or "").upper()
    return code if len(code) == 2 and code.isalpha() else None


def from_iso3(value: Any) -> tuple[str | None, str | None]:
    """(country code for a Location, zone) from an alpha-3 code; an unknown code is kept."""
    code = (text(value) or "").upper()
    if code not in ISO3_TO_ISO2:
        return code or None, None
    found = ISO3_TO_ISO2[code]
    return found, COUNTRY_ZONES.get(found)


def locale_for(language: str) -> str:
    """'de' -> 'de_DE', 'de-AT' -> 'de_AT'; unknown languages fall back to US English."""
    tag = (language or "").replace("-", "_")
    if len(tag) == 5 and tag[2] == "_":
        return f"{tag[:2].lower()}_{tag[3:].upper()}"
    return _LOCALES.get(tag[:2].lower(), "en_US")
