"""Settings: export and import of the data (JSON), and the About section.

Export shows the backup in a read-only text field (copy button) and offers it as a file: in web
mode FilePicker.save_file() hands the bytes to the browser as a download. Import takes a pasted
backup or a picked file (FilePicker.pick_files(with_data=True) works in web mode too).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import flet as ft

from app.ui.views.context import ViewContext
from app.ui.views.widgets import hidden_note, own, update_only

log = logging.getLogger(__name__)


def export_text(store: Any) -> str:
    from app.store import export_json, new_session

    with new_session(store) as session:
        return export_json(session)


def import_text(store: Any, text: str) -> tuple[int, int]:
    """Import a backup; (orders, parcels) in it. Raises app.store.BackupError when invalid."""
    from app.store import import_json, new_session

    with new_session(store) as session:
        result = import_json(session, text)
    return result.counts.get("orders", 0), result.counts.get("parcels", 0)


class DataSection:
    def __init__(self, ctx: ViewContext) -> None:
        self.ctx = ctx
        self.exported = ft.TextField(
            label=ctx.t("settings.export_text"),
            multiline=True,
            read_only=True,
            min_lines=3,
            max_lines=8,
            visible=False,
        )
        self.copy = ft.TextButton(
            content=ctx.t("settings.copy"), icon=ft.Icons.COPY, visible=False, on_click=self._copy
        )
        self.pasted = ft.TextField(
            label=ctx.t("settings.import_text"), multiline=True, min_lines=2, max_lines=6
        )
        self.outcome = ft.Text("")
        self.outcome_box = hidden_note(self.outcome)

    def control(self) -> ft.Control:
        ctx = self.ctx
        return ft.Column(
            spacing=8,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                own(
                    ft.Text(
                        ctx.t("settings.data"),
                        theme_style=ft.TextThemeStyle.TITLE_LARGE,
                        color=ft.Colors.PRIMARY,
                    )
                ),
                own(ft.Text(ctx.t("settings.data_hint"), color=ft.Colors.ON_SURFACE_VARIANT)),
                ft.Row(
                    wrap=True,
                    spacing=8,
                    run_spacing=8,
                    controls=[
                        ft.OutlinedButton(
                            content=ctx.t("settings.export"),
                            icon=ft.Icons.UPLOAD_FILE,
                            on_click=self._export,
                        ),
                        ft.OutlinedButton(
                            content=ctx.t("settings.export_file"),
                            icon=ft.Icons.DOWNLOAD,
                            on_click=self._save_file,
                        ),
                    ],
                ),
                self.exported,
                ft.Row(controls=[self.copy]),
                self.pasted,
                ft.Row(
                    wrap=True,
                    spacing=8,
                    run_spacing=8,
                    controls=[
                        ft.FilledTonalButton(
                            content=ctx.t("settings.import"),
                            icon=ft.Icons.DOWNLOAD_DONE,
                            on_click=self._import_pasted,
                        ),
                        ft.OutlinedButton(
                            content=ctx.t("settings.import_file"),
                            icon=ft.Icons.FOLDER_OPEN,
                            on_click=self._import_file,
                        ),
                    ],
                ),
                self.outcome_box,
            ],
        )

    def _export(self) -> None:
        store = self.ctx.services.store
        if store is None:
            return
        self.exported.value = export_text(store)
        self.exported.visible = True
        self.copy.visible = True
        update_only(self.exported, self.copy)

    async def _copy(self) -> None:
        await ft.Clipboard().set(self.exported.value or "")
        self.ctx.notify(self.ctx.t("settings.copied"))

    async def _save_file(self) -> None:
        store = self.ctx.services.store
        if store is None:
            return
        data = export_text(store).encode()
        name = f"paketpilot-{date.today().isoformat()}.json"
        try:
            await ft.FilePicker().save_file(file_name=name, src_bytes=data)
        except Exception as error:  # e.g. no file dialog on this platform
            log.warning("save_file failed", exc_info=True)
            self._show(str(error), error=True)
            self._export()

    def _import(self, text: str) -> None:
        from app.store import BackupError

        store = self.ctx.services.store
        if store is None or not text.strip():
            return
        try:
            orders, parcels = import_text(store, text)
        except (BackupError, ValueError) as error:
            self._show(self.ctx.t("settings.import_failed", detail=str(error)), error=True)
            return
        self.ctx.services.parcels_changed(frozenset())
        self._show(self.ctx.t("settings.import_done", orders=orders, parcels=parcels), error=False)

    def _import_pasted(self) -> None:
        self._import(self.pasted.value or "")

    async def _import_file(self) -> None:
        try:
            files = await ft.FilePicker().pick_files(
                allowed_extensions=["json"], file_type=ft.FilePickerFileType.CUSTOM, with_data=True
            )
        except Exception as error:
            log.warning("pick_files failed", exc_info=True)
            self._show(str(error), error=True)
            return
        if files and files[0].bytes:
            self._import(files[0].bytes.decode("utf-8", errors="replace"))

    def _show(self, text: str, *, error: bool) -> None:
        self.outcome.value = text
        self.outcome.color = ft.Colors.ERROR if error else ft.Colors.PRIMARY
        self.outcome_box.visible = True
        update_only(self.outcome_box)


def data_section(ctx: ViewContext) -> ft.Control:
    return DataSection(ctx).control()


def about_section(ctx: ViewContext) -> ft.Control:
    return ft.Column(
        spacing=8,
        controls=[
            own(
                ft.Text(
                    ctx.t("settings.about"),
                    theme_style=ft.TextThemeStyle.TITLE_LARGE,
                    color=ft.Colors.PRIMARY,
                )
            ),
            own(ft.Text(ctx.t("settings.version", version=ctx.services.version))),
            ft.Row(
                spacing=6,
                controls=[
                    ft.Icon(ft.Icons.PHONELINK_LOCK, size=18, color=ft.Colors.PRIMARY),
                    own(ft.Text(ctx.t("settings.local_first")), expand=True),
                ],
            ),
            own(ft.Text(ctx.t("settings.licences"), theme_style=ft.TextThemeStyle.TITLE_SMALL)),
            own(ft.Text(ctx.t("settings.licence_data"), color=ft.Colors.ON_SURFACE_VARIANT)),
            own(ft.Text(ctx.t("settings.licence_libs"), color=ft.Colors.ON_SURFACE_VARIANT)),
        ],
    )
