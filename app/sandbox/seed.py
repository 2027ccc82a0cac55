"""New journeys with tracking numbers in each carrier's real format and valid check digits.

Numbers are drawn at random in the carrier's shape and the check character is found by asking
the domain's own detector, so the sandbox never carries a second copy of the check-digit rules.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from app.sandbox.context import SandboxContext
from app.sandbox.journeys import (
    AMSTERDAM,
    BERLIN,
    HAMBURG,
    LEIPZIG,
    LONDON,
    MEMPHIS,
    Journey,
    Place,
    Scenario,
    script,
)

_DIGITS = string.digits
_ALNUM = string.ascii_uppercase + string.digits


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_DIGITS) for _ in range(n))


# carrier -> (body maker, alphabet of the check character or "" when the format has none)
_SHAPES: dict[str, tuple[Callable[[random.Random], str], str]] = {
    "dhl": (lambda r: "00340434" + _digits(r, 11), _DIGITS),
    "ups": (
        lambda r: "1Z" + "".join(r.choice(_ALNUM) for _ in range(6)) + "01" + _digits(r, 7),
        _DIGITS,
    ),
    "fedex": (lambda r: "7" + _digits(r, 10), _DIGITS),
    "usps": (lambda r: "9400" + _digits(r, 17), _DIGITS),
    "dpd": (lambda r: "0" + _digits(r, 13), ""),
    "hermes": (lambda r: "H" + _digits(r, 19), ""),
    "gls": (lambda r: "9" + _digits(r, 10), _DIGITS),
    "postnl": (
        lambda r: (
            "3S" + "".join(r.choice(string.ascii_uppercase) for _ in range(4)) + _digits(r, 9)
        ),
        "",
    ),
    "royalmail": (
        lambda r: "".join(r.choice(string.ascii_uppercase) for _ in range(2)) + _digits(r, 8),
        _DIGITS,
    ),
}
_SUFFIX = {"royalmail": "GB"}
SIMULATED_CARRIERS: tuple[str, ...] = tuple(_SHAPES)

ROUTES: dict[str, tuple[Place, Place]] = {
    "royalmail": (LONDON, LONDON),
    "postnl": (AMSTERDAM, AMSTERDAM),
    "usps": (MEMPHIS, MEMPHIS),
    "ups": (MEMPHIS, BERLIN),
    "fedex": (MEMPHIS, BERLIN),
}


def new_number(carrier: str, rng: random.Random) -> str:
    """A fresh number the detector accepts for `carrier` with a valid (or no) check digit."""
    from app.domain.tracking_numbers import detect

    make, alphabet = _SHAPES[carrier]
    for _ in range(1000):
        body = make(rng)
        for check in alphabet or [""]:
            number = body + check + _SUFFIX.get(carrier, "")
            wanted = "valid" if alphabet else "none"
            if any(
                c.carrier == carrier and c.checksum == wanted for c in detect(number).candidates
            ):
                return number
    raise ValueError(f"cannot make a {carrier} number the detector accepts")


def new_journey(
    ctx: SandboxContext,
    *,
    carrier: str,
    scenario: Scenario,
    number: str | None = None,
    rng: random.Random | None = None,
) -> Journey:
    if carrier not in _SHAPES:
        raise ValueError(f"the sandbox has no carrier {carrier!r}")
    origin, destination = ROUTES.get(carrier, (LEIPZIG, BERLIN if carrier != "hermes" else HAMBURG))
    if scenario is Scenario.INTERNATIONAL:
        origin = LONDON if carrier != "royalmail" else BERLIN
    journey = Journey(
        tracking_number=(number or new_number(carrier, rng or random.Random())).upper(),  # noqa: S311
        carrier=carrier,
        scenario=scenario,
        started_at=ctx.clock.now(),
        steps=script(scenario, origin, destination),
        speed=ctx.speed,
        destination=destination,
    )
    ctx.add_journey(journey)
    return journey
