"""Routes resolve to view stacks with home at the bottom."""

from __future__ import annotations

import pytest

from app.ui.routing import HOME, Screen, ScreenKind, resolve


@pytest.mark.parametrize(
    ("route", "top"),
    [
        ("/parcels/p-1", Screen(ScreenKind.PARCEL, "/parcels/p-1", "p-1")),
        ("/orders/42", Screen(ScreenKind.ORDER, "/orders/42", "42")),
        ("/add", Screen(ScreenKind.ADD, "/add")),
        ("/settings/", Screen(ScreenKind.SETTINGS, "/settings")),
        ("/add?number=123", Screen(ScreenKind.ADD, "/add")),
        (
            "/settings/accounts/gls",
            Screen(ScreenKind.SETTINGS, "/settings/accounts/gls", "gls"),
        ),
    ],
)
def test_deep_routes_sit_on_top_of_home(route: str, top: Screen) -> None:
    assert resolve(route) == [HOME, top]


@pytest.mark.parametrize(
    "route", ["/", "", None, "/nowhere", "/parcels/", "/parcels/a/b", "/settings/accounts/"]
)
def test_anything_else_is_home(route: str | None) -> None:
    assert resolve(route) == [HOME]
