"""Non-secret settings as key/value text (language, theme, quiet hours, chosen carrier ...)."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session

from app.store.guard import refuse_secret_name
from app.store.session import total_changes, transaction
from app.store.tables import SETTINGS

__all__ = ["all_settings", "delete_setting", "get_setting", "set_setting", "upsert_settings"]


def upsert_settings(session: Session, *, values: dict[str, str]) -> int:
    """Write the given keys (others stay); returns rows written, 0 when all were equal."""
    for key in values:
        refuse_secret_name(key)
    if not values:
        return 0
    statement = insert(SETTINGS)
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"value": statement.excluded.value},
        where=SETTINGS.c.value.is_not(statement.excluded.value),
    )
    with transaction(session) as connection:
        before = total_changes(connection)
        connection.execute(statement, [{"key": k, "value": v} for k, v in values.items()])
        return total_changes(connection) - before


def set_setting(session: Session, *, key: str, value: str) -> int:
    return upsert_settings(session, values={key: value})


# Built once: a parcel's panel reads its mute flag on every click.
_VALUE = select(SETTINGS.c.value).where(SETTINGS.c.key == bindparam("key"))


def get_setting(session: Session, *, key: str, default: str | None = None) -> str | None:
    value = session.connection().execute(_VALUE, {"key": key}).scalar_one_or_none()
    return default if value is None else str(value)


def all_settings(session: Session) -> dict[str, str]:
    rows = session.connection().execute(select(SETTINGS).order_by(SETTINGS.c.key))
    return {row.key: row.value for row in rows}


def delete_setting(session: Session, *, key: str) -> None:
    with transaction(session) as connection:
        connection.execute(delete(SETTINGS).where(SETTINGS.c.key == key))
