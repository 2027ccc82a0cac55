"""What the UI reads. The store will implement `OrdersSource`; until then the list is empty."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.domain.status import Status


class Section(StrEnum):
    """The filter chips above the list."""

    ACTIVE = "active"
    DELIVERED = "delivered"
    ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class ParcelView:
    id: str
    name: str  # label or tracking number
    carrier: str
    status: Status
    eta_text: str | None = None  # already in words, e.g. "Morgen"


@dataclass(frozen=True, slots=True)
class OrderView:
    id: str
    shop: str
    title: str | None = None
    parcels: tuple[ParcelView, ...] = ()


class OrdersSource(Protocol):
    def list_orders(self, section: Section, query: str) -> list[OrderView]: ...


class EmptyOrdersSource:
    """Stands in for the store until it lands."""

    def list_orders(self, section: Section, query: str) -> list[OrderView]:
        return []


class InMemoryOrdersSource:
    """A fixed list, for tests and the demo: filters by section and a case-free substring."""

    def __init__(self, orders: dict[Section, list[OrderView]]) -> None:
        self._orders = orders

    def list_orders(self, section: Section, query: str) -> list[OrderView]:
        needle = query.strip().casefold()
        return [
            order
            for order in self._orders.get(section, [])
            if not needle or needle in _haystack(order)
        ]


def _haystack(order: OrderView) -> str:
    parts = [order.shop, order.title or ""]
    parts += [f"{parcel.name} {parcel.carrier}" for parcel in order.parcels]
    return " ".join(parts).casefold()
