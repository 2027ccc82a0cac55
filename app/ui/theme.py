"""Material 3 themes from one seed colour, and the icon and colour role of each status."""

from __future__ import annotations

import flet as ft

from app.domain.status import Status, SubStatus
from app.ui.state import ThemeChoice

# A calm teal: reads as "logistics" without the alarm of red or the noise of orange.
SEED_COLOR = "#00696B"

_MODES = {
    ThemeChoice.SYSTEM: ft.ThemeMode.SYSTEM,
    ThemeChoice.LIGHT: ft.ThemeMode.LIGHT,
    ThemeChoice.DARK: ft.ThemeMode.DARK,
}


def apply_theme(page: ft.Page, choice: ThemeChoice) -> None:
    """Both themes derive from the seed; Flutter builds the dark scheme for `dark_theme`.

    With SYSTEM, the web client follows the browser's prefers-color-scheme.
    """
    page.theme = ft.Theme(color_scheme_seed=SEED_COLOR, use_material3=True)
    page.dark_theme = ft.Theme(color_scheme_seed=SEED_COLOR, use_material3=True)
    page.theme_mode = _MODES[choice]


# Scheme roles, not fixed colours, so every status keeps its contrast in light and dark.
_CALM = ft.Colors.ON_SURFACE_VARIANT
STATUS_LOOK: dict[Status, tuple[ft.IconData, str]] = {
    Status.PENDING: (ft.Icons.HOURGLASS_EMPTY, _CALM),
    Status.INFO_RECEIVED: (ft.Icons.LABEL_OUTLINE, _CALM),
    Status.IN_TRANSIT: (ft.Icons.LOCAL_SHIPPING_OUTLINED, ft.Colors.PRIMARY),
    Status.OUT_FOR_DELIVERY: (ft.Icons.DIRECTIONS_RUN, ft.Colors.TERTIARY),
    Status.AVAILABLE_FOR_PICKUP: (ft.Icons.STOREFRONT_OUTLINED, ft.Colors.SECONDARY),
    Status.DELIVERED: (ft.Icons.CHECK_CIRCLE_OUTLINE, ft.Colors.PRIMARY),
    Status.FAILED_ATTEMPT: (ft.Icons.REPORT_GMAILERRORRED, ft.Colors.ERROR),
    Status.EXCEPTION: (ft.Icons.ERROR_OUTLINE, ft.Colors.ERROR),
    Status.RETURNING: (ft.Icons.UNDO, ft.Colors.ERROR),
    Status.RETURNED: (ft.Icons.ASSIGNMENT_RETURN_OUTLINED, ft.Colors.ERROR),
    Status.EXPIRED: (ft.Icons.HISTORY_TOGGLE_OFF, _CALM),
    Status.UNKNOWN: (ft.Icons.HELP_OUTLINE, _CALM),
}

# The icon beside a carrier's reason ("Verspätung"); its colour follows is_problem().
REASON_ICONS: dict[SubStatus, ft.IconData] = {
    SubStatus.DELAYED: ft.Icons.SCHEDULE,
    SubStatus.CUSTOMS: ft.Icons.GAVEL,
    SubStatus.ADDRESS_PROBLEM: ft.Icons.WRONG_LOCATION_OUTLINED,
    SubStatus.DAMAGED: ft.Icons.BROKEN_IMAGE_OUTLINED,
    SubStatus.LOST: ft.Icons.SEARCH_OFF,
    SubStatus.REFUSED: ft.Icons.BLOCK,
    SubStatus.RECIPIENT_ABSENT: ft.Icons.PERSON_OFF_OUTLINED,
    SubStatus.PAYMENT_DUE: ft.Icons.PAYMENTS_OUTLINED,
}
