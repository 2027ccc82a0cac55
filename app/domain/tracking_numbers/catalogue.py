"""Every known format: the packaged data set (loaded once, lazily) plus German carriers' own.

The data set (jkeen/tracking_number_data, MIT, see data/tracking_number_data/LICENSE) writes
its patterns for raw text, with `\\s*` between characters and Ruby's `(?<name>...)` groups.
We match normalised numbers, so those spaces go, and the groups become Python's.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from app.domain.tracking_numbers.formats import Format, Lookup

__all__ = [
    "CARRIER_ORDER",
    "S10_OPERATORS",
    "data_formats",
    "extra_formats",
    "formats",
    "formats_of_length",
]

# Ties between equally good candidates go to the carriers our (German) users meet most.
CARRIER_ORDER: tuple[str, ...] = (
    "dhl", "dpd", "hermes", "gls", "ups", "amazon", "postnl", "royalmail", "fedex", "usps",
)  # fmt: skip

# An S10 number's country suffix names the postal operator we track it with.
S10_OPERATORS: Mapping[str, str] = {"DE": "dhl", "GB": "royalmail", "NL": "postnl", "US": "usps"}

# Data-set formats identified by nothing but their digit count (and maybe a check digit).
_GENERIC: frozenset[str] = frozenset(
    {
        "dhl_express", "dhl_ecommerce_14", "fedex_12", "fedex_34", "fedex_astra_32",
        "fedex_ground", "fedex_ground_sscc_18", "usps_20", "usps_legacy", "canada_post",
        "purolator_numeric", "dpd", "dpd_14",
    }
)  # fmt: skip
# Data-set formats German carriers print on domestic parcels.
_HOME: frozenset[str] = frozenset({"dpd", "dpd_14"})
_ALGORITHMS = frozenset(
    {"mod7", "mod10", "s10", "sum_product_with_weightings_and_modulo", "mod_37_36", "luhn"}
)
_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _drop_literal_dashes(pattern: str) -> str:
    """Normalised numbers have no dashes, so a literal `-` outside a class must not be needed."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "-" and not in_class:
            continue
        out.append(char)
    return "".join(out)


def translate(pattern: str | list[str]) -> re.Pattern[str]:
    """The data set's pattern as a Python regex for normalised numbers."""
    text = "".join(pattern) if isinstance(pattern, list) else pattern
    text = _NAMED_GROUP.sub("(?P<", text.replace("\\s*", ""))
    return re.compile(_drop_literal_dashes(text), re.ASCII)


def _s10_carrier(found: re.Match[str], looked_up: Mapping[str, Mapping[str, Any]]) -> str:
    return S10_OPERATORS.get(found.group("CountryCode") or "", "s10")


def _format(courier_code: str, spec: Mapping[str, Any]) -> Format:
    format_id = spec.get("id") or _slug(spec["name"])
    validation: Mapping[str, Any] = spec.get("validation") or {}
    checksum = validation.get("checksum")
    if checksum is not None and checksum["name"] not in _ALGORITHMS:
        raise ValueError(f"{format_id}: unknown checksum {checksum['name']}")
    prepend = (validation.get("serial_number_format") or {}).get("prepend_if")
    lookups = tuple(
        Lookup(item["name"], item["regex_group_name"], tuple(item["lookup"]))
        for item in spec.get("additional") or ()
    )
    required = frozenset((validation.get("additional") or {}).get("exists") or ())
    return Format(
        id=format_id,
        name=spec["name"],
        carrier=courier_code,
        pattern=translate(spec["regex"]),
        checksum=checksum,
        prepend_if=(re.compile(prepend["matches_regex"], re.ASCII), prepend["content"])
        if prepend
        else None,
        lookups=lookups,
        required_lookups=required,
        specific=format_id not in _GENERIC,
        home=format_id in _HOME,
        carrier_of=_s10_carrier if courier_code == "s10" else None,
    )


def _couriers() -> list[Mapping[str, Any]]:
    folder = resources.files("app.domain") / "data" / "tracking_number_data" / "couriers"
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    return [json.loads(entry.read_text(encoding="utf-8")) for entry in entries]


@cache
def data_formats() -> tuple[Format, ...]:
    return tuple(
        _format(courier["courier_code"], spec)
        for courier in _couriers()
        for spec in courier["tracking_numbers"]
    )


def _own(
    format_id: str,
    name: str,
    carrier: str,
    pattern: str,
    *,
    check: bool = False,
    specific: bool = True,
    home: bool = True,
) -> Format:
    return Format(
        id=format_id,
        name=name,
        carrier=carrier,
        pattern=re.compile(pattern, re.ASCII),
        checksum={"name": "gs1"} if check else None,
        specific=specific,
        home=home,
    )


@cache
def extra_formats() -> tuple[Format, ...]:
    """Formats the data set lacks, mostly German (facts: carriers/REFERENCE.md §7). Several
    are unconfirmed by the carriers, hence no check digit where none is documented."""
    serial_and_check = r"(?P<SerialNumber>{})(?P<CheckDigit>[0-9])"
    return (
        _own(
            "dhl_paket_sscc", "DHL Paket (SSCC)", "dhl",
            serial_and_check.format("00340434[0-9]{11}"), check=True,
        ),
        _own("dhl_paket_12", "DHL Paket (12)", "dhl", "[0-9]{12}", specific=False),
        _own("dhl_jjd", "DHL Paket (JJD)", "dhl", "JJD[0-9]{9,21}"),
        _own("dhl_jvgl", "DHL (JVGL)", "dhl", "JVGL[0-9]{6,20}"),
        _own("dpd_14_no_check", "DPD (14, no check character)", "dpd", "[0-9]{14}",
             specific=False),
        _own("hermes_14", "Hermes (14)", "hermes", "[0-9]{14}", specific=False),
        _own("hermes_16", "Hermes (16)", "hermes", "[0-9]{16}", specific=False),
        _own("hermes_h", "Hermes (H)", "hermes", "H(?=[A-Z]*[0-9])[0-9A-Z]{19}"),
        _own("gls_11", "GLS (11)", "gls", "[0-9]{11}", specific=False),
        _own("gls_12", "GLS (12)", "gls", serial_and_check.format("[0-9]{11}"), check=True,
             specific=False),
        _own("postnl_3s", "PostNL (3S)", "postnl", "3S[A-Z]{4}[0-9]{7,11}", home=False),
        _own(
            "fedex_sscc_20", "FedEx (00 + SSCC)", "fedex",
            serial_and_check.format("00[0-9]{17}"), check=True, home=False,
        ),
    )  # fmt: skip


@cache
def formats() -> tuple[Format, ...]:
    return extra_formats() + data_formats()


def _width(pattern: re.Pattern[str]) -> tuple[int, int]:
    """The shortest and longest text a pattern can match.

    Read from the regex parser, which is private: without it every length is allowed, which
    is slower but still correct.
    """
    parser: Any = getattr(re, "_parser", None)
    try:
        low, high = parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # any change of the private API only disables the filter
        return 0, sys.maxsize
    return int(low), int(high)


@cache
def _widths() -> tuple[tuple[int, int], ...]:
    return tuple(_width(fmt.pattern) for fmt in formats())


@cache
def formats_of_length(length: int) -> tuple[Format, ...]:
    """The formats that can match a normalised number of this length, in catalogue order.

    Extracting from long texts tries many strings; most formats are ruled out by length alone.
    """
    return tuple(
        fmt for fmt, (low, high) in zip(formats(), _widths(), strict=True) if low <= length <= high
    )
