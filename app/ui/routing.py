"""Routes to view stacks. Deep screens sit on top of home, so Android back returns there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ScreenKind(StrEnum):
    HOME = "home"
    PARCEL = "parcel"
    ORDER = "order"
    ADD = "add"
    SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class Screen:
    kind: ScreenKind
    route: str
    item_id: str | None = None


HOME = Screen(ScreenKind.HOME, "/")
_ITEM = re.compile(r"^/(parcels|orders)/([A-Za-z0-9_.~-]+)$")
_FIXED = {"/add": ScreenKind.ADD, "/settings": ScreenKind.SETTINGS}
_ACCOUNT = re.compile(r"^/settings/accounts/([a-z0-9_]+)$")
_ADD_TO_ORDER = re.compile(r"^/orders/([A-Za-z0-9_.~-]+)/add$")


def account_route(carrier: str) -> str:
    """Settings, opened at this carrier's account."""
    return f"/settings/accounts/{carrier}"


def add_to_order_route(order_id: str) -> str:
    """Add, with the parcel filed under this order; back returns to the order."""
    return f"/orders/{order_id}/add"


def resolve(route: str | None) -> list[Screen]:
    """The view stack for a route, bottom first. Unknown routes fall back to home."""
    path = (route or "/").split("?", 1)[0].split("#", 1)[0].rstrip("/") or "/"
    if path in _FIXED:
        return [HOME, Screen(_FIXED[path], path)]
    account = _ACCOUNT.match(path)
    if account:
        return [HOME, Screen(ScreenKind.SETTINGS, path, account.group(1))]
    add_to = _ADD_TO_ORDER.match(path)
    if add_to:
        order_id = add_to.group(1)
        order = Screen(ScreenKind.ORDER, f"/orders/{order_id}", order_id)
        return [HOME, order, Screen(ScreenKind.ADD, path, order_id)]
    match = _ITEM.match(path)
    if match:
        kind = ScreenKind.PARCEL if match.group(1) == "parcels" else ScreenKind.ORDER
        return [HOME, Screen(kind, path, match.group(2))]
    return [HOME]
