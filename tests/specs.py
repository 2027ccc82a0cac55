"""The carriers' published OpenAPI descriptions, turned into JSON-schema validators for tests.

The spec files under tests/fixtures/specs/ are kept verbatim (see SOURCE.md there); this module
makes them usable by `jsonschema`:

* OpenAPI 3.0 schema objects are a dialect of JSON Schema draft 4: `$ref` siblings are ignored,
  `nullable` becomes a `null` type, and the OpenAPI-only keywords (`example`, `xml`,
  `discriminator`, `readOnly`, `deprecated`...) are dropped. None of the four files is Swagger 2.
* Every `$ref` is resolved within its own document, through a `referencing` registry that holds
  the converted `components/schemas` under one URI per carrier.
* `date` and `date-time` formats are checked (RFC 3339, as OpenAPI defines them); jsonschema
  would otherwise treat them as annotations, or skip them silently without an extra package.
* With `closed=True` (the default), an object schema that lists its properties and says nothing
  about others gets `additionalProperties: false`. The vendors leave that open, but a key they do
  not document is almost always a misspelt one in our sandbox or fixtures, which an open schema
  would let through. An explicit `additionalProperties` in the spec (USPS) is kept as written.

A documented real-world quirk is admitted only through a named `Allowance` that widens exactly
one property of one schema; callers choose per response whether it applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).parent / "fixtures" / "specs"

# OpenAPI keywords that are not JSON Schema (or carry no constraint) and are dropped.
_OPENAPI_ONLY = frozenset(
    {
        "example",
        "examples",
        "xml",
        "discriminator",
        "readOnly",
        "writeOnly",
        "deprecated",
        "externalDocs",
        "nullable",
        "title",
        "description",
    }
)
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Operation:
    """The tracking call our adapter makes, in one carrier's spec."""

    file: str
    path: str
    method: str


OPERATIONS: dict[str, Operation] = {
    "ups": Operation("ups-tracking.yaml", "/track/v1/details/{inquiryNumber}", "get"),
    "fedex": Operation("fedex-track.json", "/track/v1/trackingnumbers", "post"),
    "usps": Operation("usps-tracking.yaml", "/tracking/{trackingNumber}", "get"),
    "gls": Operation("gls-track-and-trace.yaml", "/tracking/simple/trackids/{unitnos}", "get"),
}


@dataclass(frozen=True, eq=False)  # hashed by identity: allowances are module constants
class Allowance:
    """One documented real-world deviation from the spec, admitted for exactly one property.

    `also` is the JSON schema of what the carrier really sends there; the spec's own schema for
    the property stays valid too. `reference` quotes REFERENCE.md, which confirms the quirk.
    """

    name: str
    schema: str  # a name under components/schemas
    prop: str
    also: Mapping[str, Any]
    reference: str


# The USPS quirks that live responses have shown. The sandbox sends them for about half of its
# parcels (app.sandbox.carriers.usps.live_quirks) and the spec's shape for the others, so clients
# meet both; only quirky answers (and the USPS fixtures, recorded from live ones) are validated
# with these allowances, each widening one property.
_USPS_OBS = (
    'REFERENCE §4: live responses have sent booleans as strings ("true"), mailClass with HTML '
    '<SUP> entities, mailType: "DM" instead of the documented enum [obs]'
)
USPS_LIVE_QUIRKS = (
    Allowance(
        "usps-boolean-as-string",
        "TrackingDetails",
        "proofOfDeliveryEnabled",
        {"enum": ["true", "false"]},
        _USPS_OBS,
    ),
    Allowance(
        "usps-mailclass-html",
        "TrackingDetails",
        "mailClass",
        {"type": "string", "pattern": "<SUP>"},
        _USPS_OBS,
    ),
    Allowance("usps-mailtype-dm", "TrackingDetails", "mailType", {"enum": ["DM"]}, _USPS_OBS),
    # the same "booleans as strings", seen in recorded answers for two more flags
    Allowance(
        "usps-tracking-pod-flag-as-string",
        "TrackingDetails",
        "trackingProofOfDeliveryEnabled",
        {"enum": ["true", "false"]},
        _USPS_OBS,
    ),
    Allowance(
        "usps-authorized-agent-as-string",
        "TrackingEvent",
        "authorizedAgent",
        {"enum": ["true", "false"]},
        _USPS_OBS,
    ),
    Allowance(
        "usps-intake-date-with-space",
        "TrackingDetails",
        "mailPieceIntakeDate",
        {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"},
        "REFERENCE §4: live responses have sent ... `mailPieceIntakeDate` as "
        '"2024-11-15 11:09:19.000000" [obs]',
    ),
    Allowance(
        "usps-local-event-timestamp",
        "TrackingEvent",
        "eventTimestamp",
        {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"},
        "REFERENCE §4: Time quirk: `eventTimestamp` is local time with no offset",
    ),
)

# REFERENCE §4 says GMTOffset is typed "as a number like -420" (an older spec; our copy, 3.2.6,
# types it as a string): only the fixture that pins the adapter's minutes/hours reading uses it.
USPS_NUMERIC_GMT_OFFSET = Allowance(
    "usps-gmtoffset-as-number",
    "TrackingEvent",
    "GMTOffset",
    {"type": "number"},
    "REFERENCE §4: `GMTOffset`, which the spec types as a number like `-420`",
)


# ---------------------------------------------------------------- loading -----------------


def load_document(file: str) -> dict[str, Any]:
    """A spec file as data. Tabs become spaces first: ups-tracking.yaml holds some (SOURCE.md)."""
    text = (SPEC_DIR / file).read_text(encoding="utf-8")
    if file.endswith(".json"):
        document: dict[str, Any] = json.loads(text)
    else:
        document = yaml.safe_load(text.replace("\t", "  "))
    if "swagger" in document:  # Swagger 2 keeps its schemas elsewhere; none of ours is one
        raise ValueError(f"{file} is Swagger 2, which this loader does not convert")
    return document


def _uri(carrier: str) -> str:
    return f"urn:paketpilot:spec:{carrier}"


def convert(node: Any, uri: str, *, closed: bool) -> Any:
    """One OpenAPI 3.0 schema object as a draft-4 JSON schema (see the module docstring)."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # OpenAPI 3.0: a $ref's siblings are ignored
        ref = str(node["$ref"])
        if not ref.startswith("#/components/schemas/"):
            raise ValueError(f"unexpected $ref {ref!r}")
        return {"$ref": uri + ref}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key == "properties":
            out[key] = {name: convert(sub, uri, closed=closed) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            out[key] = [convert(sub, uri, closed=closed) for sub in value]
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = convert(value, uri, closed=closed)
        else:
            out[key] = value
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if closed and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `#/components/...` reference to a non-schema object (a response)."""
    while "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_schema(document: dict[str, Any], operation: Operation, status: int) -> Any:
    """The raw (OpenAPI) JSON body schema of one documented status code, or None."""
    responses = document["paths"][operation.path][operation.method]["responses"]
    response = responses.get(str(status))
    if response is None:
        return None
    content: dict[str, Any] = _resolve(document, response).get("content") or {}
    media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema")


def documented_statuses(carrier: str) -> list[int]:
    operation = OPERATIONS[carrier]
    responses = load_document(operation.file)["paths"][operation.path][operation.method]
    return sorted(int(code) for code in responses["responses"] if code.isdigit())


# ---------------------------------------------------------------- formats -----------------


def _format_checker() -> FormatChecker:
    def is_date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(_DATE.match(value)) and date.fromisoformat(value) is not None

    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return bool(_RFC3339.match(value)) and datetime.fromisoformat(value) is not None

    # Registered by a call rather than as decorators: jsonschema has no type hints, and its
    # untyped decorator would leave the two checks untyped.
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(is_date)
    checker.checks("date-time", raises=ValueError)(is_date_time)
    return checker


# ---------------------------------------------------------------- validators --------------


@cache
def _components(carrier: str, closed: bool, allowances: tuple[Allowance, ...]) -> Registry[Any]:
    document = load_document(OPERATIONS[carrier].file)
    uri = _uri(carrier)
    schemas = {
        name: convert(schema, uri, closed=closed)
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    }
    for allowance in allowances:
        properties = schemas[allowance.schema]["properties"]
        properties[allowance.prop] = {"anyOf": [properties[allowance.prop], dict(allowance.also)]}
    contents = {"components": {"schemas": schemas}}
    resource: Resource[Any] = Resource.from_contents(contents, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    return registry


@cache
def validator(
    carrier: str, status: int, *, closed: bool = True, allowances: tuple[Allowance, ...] = ()
) -> Draft4Validator | None:
    """A validator for the JSON body of `status` from the carrier's tracking call (None if the
    spec documents no body for that status)."""
    document = load_document(OPERATIONS[carrier].file)
    raw = response_schema(document, OPERATIONS[carrier], status)
    if raw is None:
        return None
    schema = convert(raw, _uri(carrier), closed=closed)
    registry = _components(carrier, closed, allowances)
    return Draft4Validator(schema, registry=registry, format_checker=_format_checker())


def problems(
    carrier: str,
    status: int,
    body: Any,
    *,
    closed: bool = True,
    allowances: Iterable[Allowance] = (),
) -> list[str]:
    """Why `body` does not have the spec's shape for `status`; empty when it does.

    A status the spec does not document is itself a problem: the caller decides which of
    those it expects (e.g. a 429 where the spec lists none).
    """
    checker = validator(carrier, status, closed=closed, allowances=tuple(allowances))
    if checker is None:
        return [f"{carrier}: the spec documents no body for HTTP {status}"]
    return [_describe(e) for e in sorted(checker.iter_errors(body), key=lambda e: e.path)]


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    text = f"{where}: {error.message[:300]}"
    if error.context:  # oneOf/anyOf: say why each branch failed
        branches = sorted(
            {f"{'/'.join(map(str, c.absolute_path))}: {c.message[:120]}" for c in error.context}
        )
        text += " [" + "; ".join(branches[:8]) + "]"
    return text
