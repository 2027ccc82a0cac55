"""What Flet would send for an update, computed in-process as its session does: the diff of a
control against what the client was last sent (ObjectPatch), packed with Flet's own encoder."""

from __future__ import annotations

import flet as ft
from flet.controls.base_control import BaseControl
from flet.controls.object_patch import ObjectPatch
from flet.messaging.protocol import configure_encode_object_for_msgpack
from msgpack import packb

from app.ui.views.parcel import ParcelPanel

# Flet's own encoder, as its session uses it; Flet leaves it unannotated. Packing is what
# records the snapshots the next diff compares against.
_encode = configure_encode_object_for_msgpack(BaseControl)  # type: ignore[no-untyped-call]


class Sent:
    """One update's patch: the controls it adds, its size and the operations it holds."""

    def __init__(self, patch: ObjectPatch, added: list[BaseControl]) -> None:
        self.message = patch.to_message()
        self.size = len(packb(self.message, default=_encode))
        self.added = added

    def says(self, words: str) -> bool:
        """Whether the patch carries `words` as a property's new value (or inside an added
        control)."""
        return words in repr(self.message)


def send(root: ft.Control, *, first: bool = False) -> Sent:
    before = None if first else root  # as the session: the page first, then its updates
    patch, added, _removed = ObjectPatch.from_diff(before, root, control_cls=BaseControl)
    return Sent(patch, added)


def send_shown(root: ft.Control, panel: ParcelPanel) -> list[Sent]:
    """As the app after a panel's `show()` or `refresh()`: `root`, then the panel's isolated
    parts that changed, one message each."""
    top, below = panel.changed_parts()
    return [send(root), *(send(part) for part in [*top, *below])]
