"""Store benchmark: ingest, identical re-ingest, and the 'My orders' list query.

Run: .venv/bin/python tests/bench/store.py [--parcels 10000] [--events 100000]

Ingests 100,000 events across 10,000 parcels (about 3,000 orders, several carriers and
statuses) through `apply_update`, one transaction per parcel as the sync engine does, then
re-ingests the same fetches (must write 0 rows), then times the list query. Because the machine
is shared and noisy, each figure comes with a baseline measured in the same run: a plain insert
of the same event rows without merge or diff, and a trivial SELECT over the parcels table.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Engine, insert, text

from app.domain.models import (
    DeliveryEstimate,
    Location,
    Order,
    Parcel,
    ParcelUpdate,
    TrackingEvent,
)
from app.domain.status import Status
from app.store import OutboxEntry, Section, apply_update, my_orders, new_session
from app.store.engine import open_store
from app.store.mapping import event_values, order_values, parcel_values
from app.store.tables import EVENTS, ORDERS, PARCELS

START = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
CARRIERS = ["dhl"] * 40 + ["hermes"] * 15 + ["dpd"] * 12 + ["gls"] * 8 + ["ups"] * 10
CARRIERS += ["fedex"] * 5 + ["postnl"] * 5 + ["royalmail"] * 5
SHOPS = ["Zalando", "Otto", "Müller", "MediaMarkt", "Thomann", "Amazon", "IKEA", "Tchibo"]
SHOPS += ["About You", "Lidl", "Douglas", "Cyberport", "Bonprix", "Galaxus", "Etsy"]
CITIES = ["Leipzig", "Hamburg", "Köln", "München", "Berlin", "Kassel", "Hannover", "Nürnberg"]
# Where each parcel's story ends (share of parcels), like a household's mix over a few months.
ENDINGS = [Status.DELIVERED] * 55 + [Status.IN_TRANSIT] * 20 + [Status.OUT_FOR_DELIVERY] * 6
ENDINGS += [Status.FAILED_ATTEMPT] * 5 + [Status.EXCEPTION] * 3
ENDINGS += [Status.AVAILABLE_FOR_PICKUP] * 6 + [Status.INFO_RECEIVED] * 3 + [Status.RETURNED] * 2


def _story(rng: random.Random, n: int, ending: Status) -> list[Status]:
    middle = [Status.IN_TRANSIT] * max(0, n - 2)
    if ending in (Status.DELIVERED, Status.FAILED_ATTEMPT) and n > 3:
        middle[-1] = Status.OUT_FOR_DELIVERY
    return [Status.INFO_RECEIVED, *middle, ending][:n] if n > 1 else [ending]


def build(
    parcels: int, events: int, seed: int = 7
) -> tuple[list[Order], list[Parcel], list[ParcelUpdate]]:
    rng = random.Random(seed)
    orders = [
        Order(
            id=f"o{i:05d}",
            shop=rng.choice(SHOPS),
            order_number=f"{rng.randint(100000, 999999)}-{i}",
            title=rng.choice(["Schuhe", "Lampe", "Kabel", "Bücher", "Jacke", None]),
            created_at=START,
        )
        for i in range(parcels * 3 // 10)
    ]
    per_parcel = [events // parcels] * parcels
    for i in range(events - sum(per_parcel)):
        per_parcel[i] += 1
    # Vary the story length (4 to 16 scans) while keeping the total exact.
    for i in range(0, parcels - 1, 2):
        shift = rng.randint(0, 6)
        if per_parcel[i] - shift >= 4:
            per_parcel[i] -= shift
            per_parcel[i + 1] += shift
    result_parcels: list[Parcel] = []
    updates: list[ParcelUpdate] = []
    for i in range(parcels):
        carrier = rng.choice(CARRIERS)
        number = f"{carrier[:2].upper()}{rng.randint(10**11, 10**12 - 1)}{i}"
        order_id = orders[i % len(orders)].id if rng.random() < 0.85 else None
        created = START + timedelta(hours=rng.randint(0, 24 * 50))
        result_parcels.append(
            Parcel(
                id=f"p{i:06d}",
                tracking_number=number,
                carrier=carrier,
                order_id=order_id,
                label=rng.choice([None, None, "Geschenk", "Ersatzteil"]),
                created_at=created,
            )
        )
        statuses = _story(rng, per_parcel[i], rng.choice(ENDINGS))
        scans = tuple(
            TrackingEvent(
                occurred_at=created + timedelta(hours=5 * k, minutes=rng.randint(0, 59)),
                status=status,
                description=f"{status.value.replace('_', ' ').capitalize()} ({k})",
                carrier_code=f"{carrier.upper()}-{k}",
                location=Location(city=rng.choice(CITIES), country="DE"),
                source_name=carrier,
                observed_at=created + timedelta(days=3),
            )
            for k, status in enumerate(statuses)
        )
        updates.append(
            ParcelUpdate(
                tracking_number=number,
                carrier=carrier,
                fetched_at=created + timedelta(days=3),
                source_name=carrier,
                events=scans,
                estimate=DeliveryEstimate(
                    day=date(2026, 11, 1) + timedelta(days=rng.randint(0, 60))
                ),
            )
        )
    return orders, result_parcels, updates


def seed(engine: Engine, orders: list[Order], parcels: list[Parcel]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(ORDERS), [order_values(o) for o in orders])
        connection.execute(insert(PARCELS), [parcel_values(p) for p in parcels])


def ingest(engine: Engine, parcels: list[Parcel], updates: list[ParcelUpdate]) -> tuple[float, int]:
    """One apply_update (one transaction) per parcel; returns seconds and rows written."""
    written = 0
    started = time.perf_counter()
    with new_session(engine, write=True) as session:
        for parcel, update in zip(parcels, updates, strict=True):
            last = max(update.events, key=lambda e: e.occurred_at)
            result = apply_update(
                session,
                parcel_id=parcel.id,
                update=update,
                status=last.status,
                estimate=update.estimate,
                location=last.location,
                last_event_at=last.occurred_at,
                last_event_text=last.description,
                changes=[OutboxEntry(f"{parcel.id}:status:{last.status.value}", "status")],
            )
            written += result.rows_written
    return time.perf_counter() - started, written


def plain_insert(engine: Engine, parcels: list[Parcel], updates: list[ParcelUpdate]) -> float:
    """Baseline: the same event rows inserted without merge or diff, same transactions."""
    rows = [
        [event_values(p.id, e) for e in u.events] for p, u in zip(parcels, updates, strict=True)
    ]
    started = time.perf_counter()
    for batch in rows:
        with engine.begin() as connection:
            connection.execute(insert(EVENTS), batch)
    return time.perf_counter() - started


def median_ms(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    orders, parcels, updates = build(args.parcels, args.events)
    n_events = sum(len(u.events) for u in updates)
    print(f"data: {len(orders)} orders, {len(parcels)} parcels, {n_events} events")

    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(Path(folder) / "bench.sqlite")
        seed(engine, orders, parcels)
        seconds, rows = ingest(engine, parcels, updates)
        events_per_s = n_events / seconds
        print(
            f"ingest (merge + diff + outbox, 1 tx/parcel): {seconds:.2f} s, "
            f"{events_per_s:,.0f} events/s, {rows} rows written"
        )

        baseline = open_store(Path(folder) / "baseline.sqlite")
        seed(baseline, orders, parcels)
        plain = plain_insert(baseline, parcels, updates)
        plain_per_s = n_events / plain
        print(
            f"baseline plain insert (no merge, same tx): {plain:.2f} s, "
            f"{plain_per_s:,.0f} events/s; ingest costs {plain_per_s / events_per_s:.2f}x"
        )
        baseline.dispose()

        re_seconds, re_rows = ingest(engine, parcels, updates)
        print(f"re-ingest identical: {re_seconds:.2f} s, rows written {re_rows} (must be 0)")

        with new_session(engine) as session:
            counts = {
                row[0]: row[1]
                for row in session.connection().execute(
                    text("SELECT section, count(*) FROM parcels GROUP BY section")
                )
            }
            print(f"sections: {counts}")

            def full() -> object:
                result = my_orders(session)
                assert sum(len(g.parcels) for s in Section for g in result.section(s)) == len(
                    parcels
                )
                return result

            full_ms = median_ms(full, args.runs)
            page_ms = median_ms(lambda: my_orders(session, limit=50), args.runs)
            search_ms = median_ms(lambda: my_orders(session, search="müller"), args.runs)
            trivial_ms = median_ms(
                lambda: session.connection().execute(text("SELECT * FROM parcels")).all(),
                args.runs,
            )
        print(
            f"list query, median of {args.runs}: full {full_ms:.1f} ms, first page (50 groups "
            f"per section) {page_ms:.1f} ms, search 'müller' {search_ms:.1f} ms"
        )
        print(
            f"baseline SELECT * FROM parcels (all rows, no mapping): {trivial_ms:.1f} ms; "
            f"full list costs {full_ms / trivial_ms:.1f}x, first page {page_ms / trivial_ms:.2f}x"
        )
        engine.dispose()

    print(
        json.dumps(
            {
                "events": n_events,
                "parcels": len(parcels),
                "events_per_s": round(events_per_s),
                "plain_insert_events_per_s": round(plain_per_s),
                "ingest_vs_plain_insert": round(plain_per_s / events_per_s, 2),
                "reingest_rows": re_rows,
                "reingest_s": round(re_seconds, 2),
                "list_query_ms": round(full_ms, 1),
                "list_first_page_ms": round(page_ms, 1),
                "list_search_ms": round(search_ms, 1),
                "trivial_select_ms": round(trivial_ms, 1),
                "list_vs_trivial_select": round(full_ms / trivial_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
