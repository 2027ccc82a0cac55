"""A store filled through app.store functions, as the screens' tests (unit and e2e) use it.

`seed_store(engine, now)` writes orders and parcels relative to `now` that cover what the
screens must show: a split order with a parcel awaiting handover, a failed attempt, a conflict
between sources, a shop's claim, a delivery with proof, a pickup point and an archived parcel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from app.domain.models import (
    DeliveryEstimate,
    Location,
    ParcelUpdate,
    ProofOfDelivery,
    Source,
    TrackingEvent,
)
from app.domain.state import derive_state
from app.domain.status import Status, SubStatus
from app.store import (
    add_order,
    add_parcel,
    apply_update,
    my_orders,
    new_session,
    open_store,
    set_archived,
    touch_checked,
)

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 13, 8, 30, tzinfo=UTC)  # a Friday, 09:30 in Berlin


@dataclass(frozen=True, slots=True)
class Seeded:
    books: str  # order: Bücherwelt, split in two parcels
    tech: str  # order: Technikhaus
    garden: str  # order: Gartenmarkt
    on_way: str  # parcel 1 of 2 of books: in transit, today 10–12
    waiting: str  # parcel 2 of 2 of books: label only, not handed over
    failed: str  # Technikhaus: failed attempt, conflict, shop claim
    delivered: str  # Gartenmarkt: delivered with proof
    pickup: str  # no order: at a pickup point
    archived: str  # archived, delivered long ago
    delivered_at: datetime  # when `delivered` was delivered: 50 minutes before the seed's now


def event(
    at: datetime,
    status: Status,
    text: str,
    *,
    city: str | None = None,
    postal: str | None = None,
    source: Source = Source.CARRIER,
    source_name: str = "",
    code: str | None = None,
    sub: SubStatus | None = None,
) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=at,
        status=status,
        description=text,
        sub_status=sub,
        carrier_code=code,
        location=Location(city=city, postal_code=postal, country="DE" if city else None),
        source=source,
        source_name=source_name,
    )


def track(
    engine: Engine,
    parcel_id: str,
    number: str,
    carrier: str,
    events: Sequence[TrackingEvent],
    *,
    now: datetime,
    estimate: DeliveryEstimate | None = None,
    pod: ProofOfDelivery | None = None,
    status_hint: Status | None = None,
    checked: datetime | None = None,
) -> None:
    """Store a fetch's result the way the sync engine does: events plus the derived state."""
    state = derive_state(events, now=now, carrier=carrier, status_hint=status_hint)
    last = state.last_event
    with new_session(engine, write=True) as session:
        apply_update(
            session,
            parcel_id=parcel_id,
            update=ParcelUpdate(
                tracking_number=number, carrier=carrier, fetched_at=now, events=tuple(events)
            ),
            status=state.status,
            sub_status=state.sub_status,
            estimate=estimate,
            location=state.location,
            last_event_at=last.occurred_at if last else None,
            last_event_text=last.description if last else None,
            proof_of_delivery=pod,
        )
        touch_checked(session, parcel_id=parcel_id, at=checked or now - timedelta(minutes=3))


def local(now: datetime, hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    day = now.astimezone(ZONE).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def seed_store(engine: Engine, now: datetime = NOW) -> Seeded:
    today = now.astimezone(ZONE).date()
    with new_session(engine) as session:
        books = add_order(
            session,
            shop="Bücherwelt",
            order_number="BW-1001",
            title="Zwei Romane",
            items_summary="Der Zauberberg, Effi Briest",
            placed_at=now - timedelta(days=6),
            created_at=now - timedelta(days=6),
        )
        tech = add_order(
            session,
            shop="Technikhaus",
            order_number="T-77",
            title="Kopfhörer",
            placed_at=now - timedelta(days=4),
            created_at=now - timedelta(days=4),
        )
        garden = add_order(
            session,
            shop="Gartenmarkt",
            order_number="G-5",
            title="Gießkanne",
            created_at=now - timedelta(days=3),
        )
        on_way = add_parcel(
            session,
            tracking_number="00340434161234567890",
            carrier="dhl",
            order_id=books.id,
            created_at=now - timedelta(days=6),
        )
        waiting = add_parcel(
            session,
            tracking_number="00340434161234567906",
            carrier="dhl",
            order_id=books.id,
            created_at=now - timedelta(days=6) + timedelta(seconds=1),
        )
        failed = add_parcel(
            session,
            tracking_number="01234567890123",
            carrier="dpd",
            order_id=tech.id,
            label="Kopfhörer",
            created_at=now - timedelta(days=4),
        )
        delivered = add_parcel(
            session,
            tracking_number="12345678901",
            carrier="gls",
            order_id=garden.id,
            created_at=now - timedelta(days=3),
        )
        pickup = add_parcel(
            session,
            tracking_number="H1001234567890123456",
            carrier="hermes",
            label="Schuhe",
            created_at=now - timedelta(days=2),
        )
        archived = add_parcel(
            session,
            tracking_number="1Z999AA10123456784",
            carrier="ups",
            label="Alte Lampe",
            created_at=now - timedelta(days=20),
        )

    track(
        engine,
        on_way.id,
        on_way.tracking_number,
        "dhl",
        [
            event(now - timedelta(days=5), Status.INFO_RECEIVED, "Elektronisch angekündigt"),
            event(
                now - timedelta(days=1),
                Status.IN_TRANSIT,
                "Die Sendung wurde im Start-Paketzentrum bearbeitet.",
                city="Leipzig",
                postal="04158",
                code="ES",
            ),
            event(
                now - timedelta(hours=5),
                Status.IN_TRANSIT,
                "Die Sendung wurde im Ziel-Paketzentrum bearbeitet.",
                city="Berlin",
                postal="12529",
                code="PO",
            ),
        ],
        now=now,
        estimate=DeliveryEstimate(
            day=today, window_start=local(now, 10), window_end=local(now, 12)
        ),
    )
    track(
        engine,
        waiting.id,
        waiting.tracking_number,
        "dhl",
        [event(now - timedelta(days=6), Status.INFO_RECEIVED, "Elektronisch angekündigt")],
        now=now,
    )
    conflict_at = (now - timedelta(days=2)).replace(second=0, microsecond=0)
    track(
        engine,
        failed.id,
        failed.tracking_number,
        "dpd",
        [
            event(
                now - timedelta(days=3),
                Status.IN_TRANSIT,
                "Versandt",
                source=Source.MERCHANT,
                source_name="Technikhaus",
            ),
            event(conflict_at, Status.IN_TRANSIT, "Im Depot", city="Hamburg", code="DEPOT"),
            event(
                conflict_at,
                Status.EXCEPTION,
                "Exception at depot",
                city="Hamburg",
                source=Source.AGGREGATOR,
                source_name="aftership",
            ),
            event(
                now - timedelta(hours=26),
                Status.IN_TRANSIT,
                "Verspätung im Betriebsablauf",
                city="Hamburg",
                sub=SubStatus.DELAYED,
                code="DELAY",
            ),
            event(
                now - timedelta(hours=3),
                Status.FAILED_ATTEMPT,
                "Empfänger nicht angetroffen",
                city="Berlin",
                code="NOT_HOME",
                sub=SubStatus.RECIPIENT_ABSENT,
            ),
        ],
        now=now,
        estimate=DeliveryEstimate(day=today + timedelta(days=1)),
    )
    delivered_at = now - timedelta(minutes=50)
    track(
        engine,
        delivered.id,
        delivered.tracking_number,
        "gls",
        [
            event(now - timedelta(days=2), Status.IN_TRANSIT, "Im Paketzentrum", city="Köln"),
            event(now - timedelta(hours=4), Status.OUT_FOR_DELIVERY, "In Zustellung", city="Köln"),
            event(delivered_at, Status.DELIVERED, "Zugestellt beim Nachbarn", city="Köln"),
        ],
        now=now,
        pod=ProofOfDelivery(
            delivered_at=delivered_at,
            signed_by="Müller",
            place="Nachbar (Hausnr. 12)",
            photo_url="https://example.invalid/photo.jpg",
        ),
    )
    track(
        engine,
        pickup.id,
        pickup.tracking_number,
        "hermes",
        [
            event(now - timedelta(days=1), Status.IN_TRANSIT, "Sendung im Verteilzentrum"),
            event(
                now - timedelta(hours=2),
                Status.AVAILABLE_FOR_PICKUP,
                "Abholbereit im Paketshop Kiosk am Markt, Marktstr. 3",
                city="Berlin",
                postal="10115",
                sub=SubStatus.PICKUP_POINT,
            ),
        ],
        now=now,
    )
    track(
        engine,
        archived.id,
        archived.tracking_number,
        "ups",
        [event(now - timedelta(days=10), Status.DELIVERED, "Delivered", city="Berlin")],
        now=now,
    )
    with new_session(engine) as session:
        set_archived(session, parcel_id=archived.id, archived=True)
    return Seeded(
        books=books.id,
        tech=tech.id,
        garden=garden.id,
        on_way=on_way.id,
        waiting=waiting.id,
        failed=failed.id,
        delivered=delivered.id,
        pickup=pickup.id,
        archived=archived.id,
        delivered_at=delivered_at,
    )


def seed_file(path: Path, now: datetime) -> Seeded:
    """Create the SQLite file at `path` (the app's data dir layout) and fill it."""
    engine = open_store(path)
    try:
        return seed_store(engine, now)
    finally:
        engine.dispose()


def test_the_seed_fills_every_section(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "paketpilot.sqlite")
    seeded = seed_store(engine)
    with new_session(engine) as session:
        result = my_orders(session)
    active = [p.id for group in result.active for p in group.parcels]
    assert set(active) == {seeded.on_way, seeded.waiting, seeded.failed, seeded.pickup}
    assert [p.id for g in result.delivered for p in g.parcels] == [seeded.delivered]
    assert [p.id for g in result.archived for p in g.parcels] == [seeded.archived]
