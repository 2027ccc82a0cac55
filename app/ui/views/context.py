"""What a screen needs from the shell, so builders stay free of the page and its session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.ui.i18n import Lang, t
from app.ui.services import AppServices


@dataclass(frozen=True, slots=True)
class ViewContext:
    lang: Lang
    navigate: Callable[[str], None]  # push a route; the route change builds the views
    back: Callable[[], None]  # pop the top view, as Android back does
    notify: Callable[[str], None]  # a short snackbar message
    services: AppServices = field(default_factory=AppServices)

    def t(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)


def noop_context(lang: Lang) -> ViewContext:
    """A context whose actions do nothing: for previews and tests."""
    return ViewContext(
        lang=lang, navigate=lambda _route: None, back=lambda: None, notify=lambda _text: None
    )
