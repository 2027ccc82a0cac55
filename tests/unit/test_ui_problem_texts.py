"""Every reason a fetch can fail has words in both languages (never a raw English code)."""

from __future__ import annotations

import pytest

from app.domain.models import ProblemKind
from app.ui.i18n import t


@pytest.mark.parametrize("kind", list(ProblemKind))
def test_each_problem_kind_reads_in_german_and_english(kind: ProblemKind) -> None:
    german, english = t("de", f"problem.{kind.value}"), t("en", f"problem.{kind.value}")
    assert german
    assert english
    assert german != english
    assert kind.value not in german
