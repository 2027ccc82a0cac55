"""The harness the carrier parser tests share: fixture files in, comparable plain data out.

A fixture under tests/fixtures/carriers/<folder>/ is either a recorded answer body as the
carrier sends it (the aggregators: `FixtureTable.body`, `FixtureTable.recorded`) or one JSON
case holding an HTTP answer and the projection its parse must give:

    {"status": 200, "headers": {...}, "requested": [...], "body" | "body_json" | "body_text": ...,
     "expected": {"parcels": [...], "errors": [...]}}

Two projection layouts exist because two sets of fixture files were written against them and
the fixture files are not to be rewritten (see `project`):

* "lines" (DHL, UPS, FedEx, USPS; cases carry `body`): compact event lines keep the table
  readable while still pinning UTC time (to the minute), the carrier's own time text, status,
  sub-status, code, place and text; also the estimate's latest day and the proof-of-delivery
  signature and photo URLs.
* "rows" (DPD, Hermes, GLS, PostNL, Royal Mail; cases carry `body_json`): one list per event,
  to the second, read back through JSON so enums compare as their values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pytest

from app.carriers.base import ParseResult, TrackingError
from app.domain.models import ParcelUpdate, Source

FIXTURE_ROOT = Path(__file__).parents[2] / "fixtures" / "carriers"
JSON_HEADERS = {"Content-Type": "application/json"}

Layout = Literal["lines", "rows"]


# ------------------------------------------------------------------------ loading -------


def fixture_paths(folder: str) -> list[Path]:
    """Every JSON fixture of one carrier folder, in a stable order."""
    return sorted((FIXTURE_ROOT / folder).glob("*.json"))


def read_case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def cases(folder: str) -> list[dict[str, Any]]:
    """Every fixture case of one carrier folder, read as written (no `raw` added)."""
    return [read_case(path) for path in fixture_paths(folder)]


def documents(folder: str) -> list[Any]:
    """Every fixture of a folder that is valid JSON; the truncated and empty ones are left out."""
    found = []
    for path in fixture_paths(folder):
        try:
            found.append(json.loads(path.read_bytes()))
        except ValueError:
            continue
    return found


def answer_bytes(case: dict[str, Any]) -> bytes:
    """The HTTP body a case stands for: `body_json` or `body` re-encoded, or `body_text` as is."""
    if "body_json" in case:
        return json.dumps(case["body_json"]).encode()
    text: str | None = case.get("body_text")
    if text is not None:
        return text.encode()
    return json.dumps(case["body"]).encode() if "body" in case else b""


@dataclass(frozen=True)
class FixtureTable:
    """One carrier module, its fixture folder and the moment its answers were fetched."""

    module: ModuleType
    folder: str
    now: datetime
    layout: Layout = "lines"

    @property
    def directory(self) -> Path:
        return FIXTURE_ROOT / self.folder

    def paths(self) -> list[Path]:
        return fixture_paths(self.folder)

    def names(self) -> list[str]:
        return [path.name for path in self.paths()]

    def load(self, name: str) -> dict[str, Any]:
        """A case by file name ("x.json") or stem ("x"), with the answer bytes under `raw`."""
        case = read_case(self.directory / (name if name.endswith(".json") else f"{name}.json"))
        case["raw"] = answer_bytes(case)
        return case

    def parse(self, case: dict[str, Any]) -> ParseResult:
        """Parse a loaded case; tests may change `requested` or `raw` before calling this."""
        result: ParseResult = self.module.parse_response(
            case["status"],
            case["headers"],
            case["raw"],
            requested=case["requested"],
            fetched_at=self.now,
        )
        return result

    def case(self, name: str) -> ParseResult:
        return self.parse(self.load(name))

    def project(self, result: ParseResult) -> dict[str, Any]:
        return project(result, self.layout)

    def body(self, name: str) -> bytes:
        """A recorded answer body, byte for byte."""
        return (self.directory / name).read_bytes()

    def recorded(
        self,
        name: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        requested: Sequence[str] = (),
    ) -> ParseResult:
        """Parse a recorded answer body; JSON content type unless headers are given."""
        result: ParseResult = self.module.parse_response(
            status,
            JSON_HEADERS if headers is None else headers,
            self.body(name),
            requested=requested,
            fetched_at=self.now,
        )
        return result


# ------------------------------------------------------------------------ parametrising --


def over_names(table: FixtureTable) -> pytest.MarkDecorator:
    """Parametrise `name` over the table's fixture file names (test ids are the file names)."""
    return pytest.mark.parametrize("name", table.names())


def over_paths(table: FixtureTable) -> pytest.MarkDecorator:
    """Parametrise `path` over the table's fixture files (test ids are the stems)."""
    return pytest.mark.parametrize("path", table.paths(), ids=lambda path: path.stem)


# ------------------------------------------------------------------------ projection ----


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


def _event_line(e: Any) -> str:
    sub = f"/{e.sub_status}" if e.sub_status else ""
    when = f"{e.occurred_at:%Y-%m-%d %H:%M}Z"
    head = f"{when} {e.status}{sub} [{e.carrier_code}] {e.location.label()}"
    return f"{head} ({e.local_time_text}) {e.description}"


def _event_row(e: Any) -> list[Any]:
    return [_iso(e.occurred_at), e.local_time_text, e.status, e.sub_status,
            e.carrier_code, e.description, e.location.label()]  # fmt: skip


# "rows" fixtures name these parcel fields after the ParcelUpdate attributes
_ROW_KEYS = {
    "status": "status_hint",
    "sub_status": "sub_status_hint",
    "code": "carrier_status_code",
}


def _parcel(p: ParcelUpdate, layout: Layout) -> dict[str, Any]:
    est, pod = p.estimate, p.proof_of_delivery
    common = {
        "number": p.tracking_number,
        "status": p.status_hint,
        "sub_status": p.sub_status_hint,
        "code": p.carrier_status_code,
        "pieces": list(p.pieces),
    }
    if layout == "rows":
        return {
            **{_ROW_KEYS.get(key, key): value for key, value in common.items()},
            "estimate": est and [_iso(est.day), _iso(est.window_start), _iso(est.window_end)],
            "proof": pod and [_iso(pod.delivered_at), pod.signed_by, pod.place],
            "events": [_event_row(e) for e in p.events],
        }
    return {
        **common,
        "events": [_event_line(e) for e in p.events],
        "estimate": est
        and {
            "day": est.day.isoformat(),
            "latest_day": est.latest_day and est.latest_day.isoformat(),
            "window": [_iso(est.window_start), _iso(est.window_end)],
        },
        "pod": pod
        and {
            "at": _iso(pod.delivered_at),
            "signed_by": pod.signed_by,
            "place": pod.place,
            "signature": pod.signature_url,
            "photo": pod.photo_url,
        },
    }


def _error(e: TrackingError, layout: Layout) -> dict[str, Any] | list[Any]:
    fields = {
        "kind": e.kind,
        "number": e.tracking_number,
        "retry_after": e.retry_after,
        "code": e.carrier_code,
    }
    return list(fields.values()) if layout == "rows" else fields


def project(result: ParseResult, layout: Layout = "lines") -> dict[str, Any]:
    """The comparable essence of a parse, as plain values (error texts may change; kinds may not).

    Both layouts pin number, status, sub-status, carrier code, pieces, estimate day and window,
    delivery time, signer and place, and per event the UTC time, the carrier's own time text,
    status, sub-status, code, place and text; per error kind, number, retry-after and code.
    Only "lines" pins the estimate's latest day and the signature and photo URLs; only "rows"
    pins event times to the second. Each layout matches the fixture files written for it.
    """
    plain: dict[str, Any] = {
        "parcels": [_parcel(p, layout) for p in result.parcels],
        "errors": [_error(e, layout) for e in result.errors],
    }
    if layout == "rows":  # read back through JSON: enums become their values, tuples lists
        plain = json.loads(json.dumps(plain))
    return plain


# ------------------------------------------------------------------------ checks --------


def assert_requested_covered(result: ParseResult, requested: Sequence[str]) -> None:
    """Every requested number has a parcel or an error, unless one error answers for all."""
    whole = any(e.tracking_number is None for e in result.errors)
    covered: set[str | None] = {p.tracking_number for p in result.parcels}
    covered |= {e.tracking_number for e in result.errors}
    assert whole or set(requested) <= covered


def assert_oldest_first(parcel: ParcelUpdate, message: str | None = None) -> None:
    times = [e.occurred_at for e in parcel.events]
    assert times == sorted(times), message


def assert_well_formed(result: ParseResult, carrier: str, now: datetime, display_name: str) -> None:
    """Errors explain themselves; parcels and events are stamped with carrier and fetch time."""
    for error in result.errors:
        assert error.message.strip()
        assert error.carrier_code != "parser_error"
    for parcel in result.parcels:
        assert parcel.carrier == carrier
        assert parcel.source is Source.CARRIER
        assert parcel.source_name == carrier
        assert parcel.fetched_at == now
        assert_oldest_first(parcel, f"events come oldest first whatever {display_name}'s order")
        assert all(e.observed_at == now and e.source_name == carrier for e in parcel.events)


def assert_invariants(result: ParseResult, requested: Sequence[str], carrier: str) -> None:
    """Numbers covered, parcels and events from the carrier oldest first, the guard silent."""
    assert_requested_covered(result, requested)
    for parcel in result.parcels:
        assert (parcel.carrier, parcel.source, parcel.source_name) == (
            carrier,
            Source.CARRIER,
            carrier,
        )
        assert all(e.source_name == carrier for e in parcel.events)
        assert_oldest_first(parcel)
    assert all(e.carrier_code != "parser_error" for e in result.errors)
