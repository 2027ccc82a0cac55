"""Conversions between table rows and the frozen domain dataclasses.

`*_values` give the column dict to write; `*_from_row` read a row mapping back. A round trip is
exact (the merge compares stored and fetched events field by field), except that an empty
`Location` on a parcel is stored as no location.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from app.domain.models import (
    DeliveryEstimate,
    Location,
    Order,
    Parcel,
    ProblemKind,
    ProofOfDelivery,
    Source,
    TrackingEvent,
)
from app.domain.status import Status, SubStatus, parse_status, parse_sub_status
from app.store.columns import dump_json, load_json, parse_utc

__all__ = [
    "event_from_row",
    "event_values",
    "order_from_row",
    "order_values",
    "parcel_from_row",
    "parcel_values",
    "state_values",
]

Row = Mapping[Any, Any]  # a RowMapping, or a dict of the same keys


def _location_values(location: Location | None) -> dict[str, str | None]:
    location = location or Location()
    return {
        "loc_city": location.city,
        "loc_postal_code": location.postal_code,
        "loc_country": location.country,
    }


def _location(row: Row) -> Location:
    return Location(
        city=row["loc_city"], postal_code=row["loc_postal_code"], country=row["loc_country"]
    )


def _estimate_values(estimate: DeliveryEstimate | None) -> dict[str, Any]:
    if estimate is None:
        return dict.fromkeys(
            ("est_day", "est_latest_day", "est_window_start", "est_window_end", "est_source")
        )
    return {
        "est_day": estimate.day,
        "est_latest_day": estimate.latest_day,
        "est_window_start": estimate.window_start,
        "est_window_end": estimate.window_end,
        "est_source": estimate.source.value,
    }


def _estimate(row: Row) -> DeliveryEstimate | None:
    day: date | None = row["est_day"]
    if day is None:
        return None
    return DeliveryEstimate(
        day=day,
        latest_day=row["est_latest_day"],
        window_start=row["est_window_start"],
        window_end=row["est_window_end"],
        source=Source(row["est_source"] or Source.CARRIER.value),
    )


def _pod_json(pod: ProofOfDelivery | None) -> str | None:
    if pod is None:
        return None
    return dump_json(
        {
            "delivered_at": pod.delivered_at,
            "signed_by": pod.signed_by,
            "place": pod.place,
            "signature_url": pod.signature_url,
            "photo_url": pod.photo_url,
        }
    )


def _pod(text: str | None) -> ProofOfDelivery | None:
    if text is None:
        return None
    data = load_json(text)
    delivered = data.get("delivered_at")
    return ProofOfDelivery(
        delivered_at=parse_utc(delivered) if delivered else None,
        signed_by=data.get("signed_by"),
        place=data.get("place"),
        signature_url=data.get("signature_url"),
        photo_url=data.get("photo_url"),
    )


def state_values(
    *,
    status: Status,
    sub_status: SubStatus | None,
    carrier_status_code: str | None,
    estimate: DeliveryEstimate | None,
    location: Location | None,
    last_event_at: datetime | None,
    last_event_text: str | None,
    problem: ProblemKind | None,
    problem_detail: str | None,
    proof_of_delivery: ProofOfDelivery | None,
) -> dict[str, Any]:
    """The columns the sync engine owns (what a fetch can change), in stored form."""
    return {
        "status": status.value,
        "sub_status": sub_status.value if sub_status else None,
        "carrier_status_code": carrier_status_code,
        **_estimate_values(estimate),
        **_location_values(location),
        "last_event_at": last_event_at,
        "last_event_text": last_event_text,
        "problem": problem.value if problem else None,
        "problem_detail": problem_detail,
        "proof_of_delivery": _pod_json(proof_of_delivery),
    }


def parcel_values(parcel: Parcel) -> dict[str, Any]:
    return {
        "id": parcel.id,
        "order_id": parcel.order_id,
        "tracking_number": parcel.tracking_number,
        "carrier": parcel.carrier,
        "label": parcel.label,
        **state_values(
            status=parcel.status,
            sub_status=parcel.sub_status,
            carrier_status_code=parcel.carrier_status_code,
            estimate=parcel.estimate,
            location=parcel.location,
            last_event_at=parcel.last_event_at,
            last_event_text=parcel.last_event_text,
            problem=parcel.problem,
            problem_detail=parcel.problem_detail,
            proof_of_delivery=parcel.proof_of_delivery,
        ),
        "last_checked_at": parcel.last_checked_at,
        "last_changed_at": parcel.last_changed_at,
        "source": parcel.source.value,
        "archived": parcel.archived,
        "created_at": parcel.created_at,
    }


def parcel_from_row(row: Row) -> Parcel:
    location = _location(row)
    return Parcel(
        id=row["id"],
        tracking_number=row["tracking_number"],
        carrier=row["carrier"],
        order_id=row["order_id"],
        label=row["label"],
        status=parse_status(row["status"]),
        sub_status=parse_sub_status(row["sub_status"]),
        carrier_status_code=row["carrier_status_code"],
        estimate=_estimate(row),
        location=None if location.is_empty else location,
        last_event_at=row["last_event_at"],
        last_event_text=row["last_event_text"],
        last_checked_at=row["last_checked_at"],
        last_changed_at=row["last_changed_at"],
        source=Source(row["source"]),
        archived=bool(row["archived"]),
        problem=ProblemKind(row["problem"]) if row["problem"] else None,
        problem_detail=row["problem_detail"],
        proof_of_delivery=_pod(row["proof_of_delivery"]),
        created_at=row["created_at"],
    )


def event_values(parcel_id: str, event: TrackingEvent) -> dict[str, Any]:
    return {
        "parcel_id": parcel_id,
        "identity": event.identity,
        "occurred_at": event.occurred_at,
        "status": event.status.value,
        "sub_status": event.sub_status.value if event.sub_status else None,
        "description": event.description,
        "carrier_code": event.carrier_code,
        "local_time_text": event.local_time_text,
        **_location_values(event.location),
        "source": event.source.value,
        "source_name": event.source_name,
        "observed_at": event.observed_at,
    }


def event_from_row(row: Row) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=row["occurred_at"],
        status=parse_status(row["status"]),
        description=row["description"],
        sub_status=parse_sub_status(row["sub_status"]),
        carrier_code=row["carrier_code"],
        local_time_text=row["local_time_text"],
        location=_location(row),
        source=Source(row["source"]),
        source_name=row["source_name"],
        observed_at=row["observed_at"],
    )


def order_values(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "shop": order.shop,
        "order_number": order.order_number,
        "title": order.title,
        "placed_at": order.placed_at,
        "items_summary": order.items_summary,
        "created_at": order.created_at,
    }


def order_from_row(row: Row) -> Order:
    return Order(
        id=row["id"],
        shop=row["shop"],
        order_number=row["order_number"],
        title=row["title"],
        placed_at=row["placed_at"],
        items_summary=row["items_summary"],
        created_at=row["created_at"],
    )
