"""Settings: language and theme, carrier accounts, notifications, e-mail, data, about.

Everything non-secret is a setting in the store; keys and the SMTP password go to
`services.secrets`. Names read by other parts of the app (the notification dispatcher):

- "notify.kind.<kind>" = "on" | "off" for each of NOTIFY_KINDS (missing means "on");
- "notify.quiet_hours" = "HH:MM-HH:MM" (e.g. "22:00-06:00"; "" = none);
- "email.enabled" = "on" | "off", "email.host", "email.port", "email.security" = "starttls" |
  "tls", "email.username", "email.from", "email.to"; the password under account "email",
  field "password" in the secret store.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import flet as ft

from app.carriers.registry import REGISTRY
from app.ui.state import LANG_SETTING, SYSTEM, THEME_SETTING, ThemeChoice
from app.ui.theme import apply_theme
from app.ui.views.context import ViewContext
from app.ui.views.settings_accounts import account_tiles
from app.ui.views.settings_data import about_section, data_section
from app.ui.views.widgets import current_page, hidden_note, icon_button, own, update_only

log = logging.getLogger(__name__)

SETTINGS_ROUTE = "/settings"
REVEAL_AFTER_S = 0.3  # the client builds the new view first; scrolling to a key needs it built
NOTIFY_KINDS = (
    "shipped",
    "out_for_delivery",
    "ready_for_pickup",
    "delivered",
    "problem",
    "eta_moved",
    "stalled",
)
NOTIFY_KIND_KEY = "notify.kind.{kind}"
QUIET_HOURS_KEY = "notify.quiet_hours"
DEFAULT_QUIET_HOURS = "22:00-06:00"
EMAIL_KEYS = ("host", "port", "security", "username", "from", "to")
EMAIL_SECRET_ACCOUNT = "email"  # noqa: S105  (an account id)
EMAIL_SECRET_FIELD = "password"  # noqa: S105  (a field name)
RADIO_WIDTH = 190  # three choices side by side on a wide window, one per line on a phone
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def read_settings(store: Any) -> dict[str, str]:
    if store is None:
        return {}
    from app.store import all_settings, new_session

    with new_session(store) as session:
        return all_settings(session)


def write_settings(store: Any, values: dict[str, str]) -> None:
    if store is None:
        return
    from app.store import new_session, upsert_settings

    with new_session(store) as session:
        upsert_settings(session, values=values)


def parse_quiet_hours(value: str) -> tuple[str, str] | None:
    """("22:00", "06:00") from "22:00-06:00"; None when empty or malformed."""
    first, _, second = value.partition("-")
    start, end = normal_time(first), normal_time(second)
    return (start, end) if start and end else None


def normal_time(text: str) -> str | None:
    match = _HHMM.match(text.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


class SettingsScreen:
    def __init__(self, ctx: ViewContext, focus: str | None = None) -> None:
        """`focus`: a carrier whose account tile opens, scrolled into view (from a parcel's
        "Zugang einrichten")."""
        self.ctx = ctx
        self.focus = focus if focus in REGISTRY else None
        self.services = ctx.services
        self.values = read_settings(self.services.store)

    def view(self) -> ft.View:
        ctx = self.ctx
        back = icon_button(ft.Icons.ARROW_BACK, ctx.t("action.back"), ctx.back)
        sections: list[ft.Control] = []
        if self.services.demo_mode:
            sections.append(
                ft.Container(
                    padding=12,
                    border_radius=12,
                    bgcolor=ft.Colors.TERTIARY_CONTAINER,
                    content=ft.Row(
                        controls=[
                            ft.Icon(
                                ft.Icons.SCIENCE_OUTLINED, color=ft.Colors.ON_TERTIARY_CONTAINER
                            ),
                            own(
                                ft.Text(
                                    ctx.t("settings.demo_running"),
                                    color=ft.Colors.ON_TERTIARY_CONTAINER,
                                ),
                                expand=True,
                            ),
                        ]
                    ),
                )
            )
        sections += [
            self._appearance(),
            _section(
                ctx.t("settings.accounts"),
                ctx.t("settings.accounts_hint"),
                account_tiles(ctx, aggregators=False, focus=self.focus),
            ),
            _section(
                ctx.t("settings.aggregators"),
                ctx.t("settings.aggregators_hint"),
                account_tiles(ctx, aggregators=True),
            ),
            self._notifications(),
            self._email(),
            data_section(ctx),
            about_section(ctx),
        ]
        self.list = ft.ListView(
            expand=True,
            padding=ft.Padding.only(left=16, right=16, top=8, bottom=32),
            controls=[
                ft.Container(
                    alignment=ft.Alignment.TOP_CENTER,
                    content=ft.Column(width=720, spacing=24, controls=sections),
                )
            ],
        )
        page = current_page()
        if self.focus is not None and page is not None:
            page.run_task(self._reveal_focus)
        return ft.View(
            route=SETTINGS_ROUTE,
            appbar=ft.AppBar(title=ft.Text(ctx.t("screen.settings")), leading=back),
            padding=0,
            controls=[self.list],
        )

    async def _reveal_focus(self) -> None:
        """Scroll the focused account into view once the browser has built the screen."""
        await asyncio.sleep(REVEAL_AFTER_S)
        try:
            await self.list.scroll_to(scroll_key=self.focus, duration=300)
        except Exception:  # the user left already, or the client could not scroll: no harm
            log.debug("could not scroll to the %s account", self.focus, exc_info=True)

    # ------------------------------------------------------------------ language, theme ---

    def _appearance(self) -> ft.Control:
        ctx = self.ctx
        lang = ft.RadioGroup(
            value=self.values.get(LANG_SETTING, SYSTEM),
            on_change=lambda e: self._set_language(e.control.value),
            content=ft.Row(
                wrap=True,
                controls=[
                    ft.Radio(value=SYSTEM, label=ctx.t("settings.system"), width=RADIO_WIDTH),
                    ft.Radio(value="de", label=ctx.t("settings.lang_de"), width=RADIO_WIDTH),
                    ft.Radio(value="en", label=ctx.t("settings.lang_en"), width=RADIO_WIDTH),
                ],
            ),
        )
        theme = ft.RadioGroup(
            value=self.values.get(THEME_SETTING, SYSTEM),
            on_change=lambda e: self._set_theme(e.control.value),
            content=ft.Row(
                wrap=True,
                controls=[
                    ft.Radio(value=SYSTEM, label=ctx.t("settings.system"), width=RADIO_WIDTH),
                    ft.Radio(
                        value=ThemeChoice.LIGHT.value,
                        label=ctx.t("settings.theme_light"),
                        width=RADIO_WIDTH,
                    ),
                    ft.Radio(
                        value=ThemeChoice.DARK.value,
                        label=ctx.t("settings.theme_dark"),
                        width=RADIO_WIDTH,
                    ),
                ],
            ),
        )
        return ft.Column(
            spacing=8,
            controls=[
                _heading(ctx.t("settings.language")),
                lang,
                _heading(ctx.t("settings.theme")),
                theme,
            ],
        )

    def set_language(self, value: str) -> None:
        self._set_language(value)

    def _set_language(self, value: str | None) -> None:
        value = value if value in ("de", "en") else SYSTEM
        write_settings(self.services.store, {LANG_SETTING: value})
        self.services.ui_settings_changed()  # every session rebuilds in the new language

    def _set_theme(self, value: str | None) -> None:
        try:
            choice = ThemeChoice(value or SYSTEM)
        except ValueError:
            choice = ThemeChoice.SYSTEM
        write_settings(self.services.store, {THEME_SETTING: choice.value})
        try:
            page = ft.context.page
        except Exception:  # outside a session (tests): the listeners apply it
            page = None
        if page is not None:
            apply_theme(page, choice)  # at once here; the auto-update after the handler sends it
        self.services.ui_settings_changed()

    # ------------------------------------------------------------------ notifications -----

    def _notifications(self) -> ft.Control:
        ctx = self.ctx
        switches: list[ft.Control] = []
        for kind in NOTIFY_KINDS:
            key = NOTIFY_KIND_KEY.format(kind=kind)
            switches.append(
                ft.Switch(
                    label=ctx.t(key),
                    value=self.values.get(key, "on") != "off",
                    on_change=lambda e, key=key: self._store(
                        {key: "on" if e.control.value else "off"}
                    ),
                )
            )
        quiet = parse_quiet_hours(self.values.get(QUIET_HOURS_KEY, DEFAULT_QUIET_HOURS))
        self.quiet_from = ft.TextField(
            label=ctx.t("settings.quiet_from"),
            value=quiet[0] if quiet else "",
            width=150,
            on_blur=self._save_quiet,
            on_submit=self._save_quiet,
        )
        self.quiet_to = ft.TextField(
            label=ctx.t("settings.quiet_to"),
            value=quiet[1] if quiet else "",
            width=150,
            on_blur=self._save_quiet,
            on_submit=self._save_quiet,
        )
        self.quiet_error = hidden_note(ft.Text(ctx.t("settings.quiet_bad"), color=ft.Colors.ERROR))
        return _section(
            ctx.t("settings.notifications"),
            ctx.t("settings.notifications_hint"),
            [
                *switches,
                _heading(ctx.t("settings.quiet")),
                own(ft.Text(ctx.t("settings.quiet_hint"), color=ft.Colors.ON_SURFACE_VARIANT)),
                ft.Row(wrap=True, spacing=12, controls=[self.quiet_from, self.quiet_to]),
                self.quiet_error,
            ],
        )

    def _save_quiet(self) -> None:
        start = normal_time(self.quiet_from.value or "")
        end = normal_time(self.quiet_to.value or "")
        empty = (
            not (self.quiet_from.value or "").strip() and not (self.quiet_to.value or "").strip()
        )
        ok = empty or bool(start and end)
        self.quiet_error.visible = not ok
        if ok:
            self._store({QUIET_HOURS_KEY: "" if empty else f"{start}-{end}"})
        update_only(self.quiet_error)

    def _store(self, values: dict[str, str]) -> None:
        write_settings(self.services.store, values)
        self.values.update(values)

    # ------------------------------------------------------------------ e-mail ------------

    def _email(self) -> ft.Control:
        ctx = self.ctx
        values = self.values

        def text(key: str, label: str, **kwargs: Any) -> ft.TextField:
            return ft.TextField(label=ctx.t(label), value=values.get(f"email.{key}", ""), **kwargs)

        self.email_fields = {
            "host": text("host", "settings.email_host"),
            "port": text("port", "settings.email_port", width=120),
            "username": text("username", "settings.email_user"),
            "from": text("from", "settings.email_from"),
            "to": text("to", "settings.email_to"),
        }
        if not self.email_fields["port"].value:
            self.email_fields["port"].value = "587"
        self.email_password = ft.TextField(
            label=ctx.t("settings.email_password"), password=True, can_reveal_password=True
        )
        self.email_security = ft.RadioGroup(
            value=values.get("email.security", "starttls"),
            content=ft.Row(
                controls=[
                    ft.Radio(value="starttls", label="STARTTLS"),
                    ft.Radio(value="tls", label="TLS"),
                ]
            ),
        )
        self.email_on = ft.Switch(
            label=ctx.t("settings.email_on"),
            value=values.get("email.enabled") == "on",
            on_change=self._toggle_email,
        )
        self.email_outcome = ft.Text("")
        self.email_outcome_box = hidden_note(self.email_outcome)
        self.email_box = ft.Column(
            spacing=8,
            visible=bool(self.email_on.value),
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                ft.Row(
                    spacing=12,
                    controls=[
                        ft.Container(expand=True, content=self.email_fields["host"]),
                        self.email_fields["port"],
                    ],
                ),
                _heading(ctx.t("settings.email_security")),
                self.email_security,
                self.email_fields["username"],
                self.email_password,
                ft.Row(
                    spacing=6,
                    controls=[
                        ft.Icon(ft.Icons.LOCK_OUTLINE, size=16, color=ft.Colors.PRIMARY),
                        own(
                            ft.Text(
                                ctx.t("settings.keychain"), theme_style=ft.TextThemeStyle.BODY_SMALL
                            ),
                            expand=True,
                        ),
                    ],
                ),
                self.email_fields["from"],
                self.email_fields["to"],
                ft.Row(
                    controls=[
                        ft.FilledButton(
                            content=ctx.t("settings.save"),
                            icon=ft.Icons.SAVE,
                            on_click=self._save_email,
                        )
                    ]
                ),
                self.email_outcome_box,
            ],
        )
        return _section(ctx.t("settings.email"), None, [self.email_on, self.email_box])

    def _toggle_email(self) -> None:
        enabled = bool(self.email_on.value)
        self.email_box.visible = enabled
        self._store({"email.enabled": "on" if enabled else "off"})
        update_only(self.email_box)

    async def _save_email(self) -> None:
        from app.native.secrets import SecretStoreError

        values = {f"email.{k}": (f.value or "").strip() for k, f in self.email_fields.items()}
        values["email.security"] = str(self.email_security.value or "starttls")
        values["email.enabled"] = "on" if self.email_on.value else "off"
        password = self.email_password.value or ""
        try:
            if password:
                await self.services.secrets.set(EMAIL_SECRET_ACCOUNT, EMAIL_SECRET_FIELD, password)
        except SecretStoreError as error:
            self._email_result(self.ctx.t("settings.keychain_error", detail=str(error)), True)
            return
        self._store(values)
        self.email_password.value = ""
        self.email_password.hint_text = self.ctx.t("settings.secret_kept")
        self._email_result(self.ctx.t("settings.saved"), False)
        update_only(self.email_password)

    def _email_result(self, text: str, error: bool) -> None:
        self.email_outcome.value = text
        self.email_outcome.color = ft.Colors.ERROR if error else ft.Colors.PRIMARY
        self.email_outcome_box.visible = True
        update_only(self.email_outcome_box)


def _heading(text: str) -> ft.Control:
    return own(ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600))


def _section(title: str, hint: str | None, controls: list[ft.Control]) -> ft.Control:
    head: list[ft.Control] = [
        own(ft.Text(title, theme_style=ft.TextThemeStyle.TITLE_LARGE, color=ft.Colors.PRIMARY))
    ]
    if hint:
        head.append(own(ft.Text(hint, color=ft.Colors.ON_SURFACE_VARIANT)))
    return ft.Column(
        spacing=8,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        controls=[*head, *controls],
    )


def build_settings_view(ctx: ViewContext, focus: str | None = None) -> ft.View:
    return SettingsScreen(ctx, focus).view()
