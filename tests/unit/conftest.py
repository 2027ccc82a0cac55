"""Fixtures the UI unit tests share: a filled SQLite store (tests.unit.test_ui_seed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.store import open_store
from app.ui.services import AppServices
from tests.unit.test_ui_seed import NOW, Seeded, seed_store


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(tmp_path / "paketpilot.sqlite")
    yield store
    store.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed_store(engine, NOW)


@pytest.fixture
def services(engine: Engine) -> AppServices:
    """The app's services on that store (a module may give its own, as test_ui_settings)."""
    return AppServices(store=engine)
