"""Carrier parser tests; their shared harness lives in fixture_table and mutations."""

import pytest

# The helpers assert on behalf of the tests: give their failures pytest's full explanation.
pytest.register_assert_rewrite("tests.unit.carriers.fixture_table", "tests.unit.carriers.mutations")
