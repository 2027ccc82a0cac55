"""Hypothesis strategies the carrier fuzz tests share: odd inputs and damaged fixtures.

Random JSON values, HTTP statuses and header maps are factories because each fuzz module
draws from its own ranges. Damage is a table of named operations on one value; each fuzz
module picks its vocabulary (`STRUCTURAL` or `TYPED`) and `damaged` applies a few of them at
random places of a real fixture body. `scrambled` is the aggregators' lighter touch: values
swapped for odd ones and keys dropped all over a recorded answer.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------ odd inputs ----


def json_values(
    integers: st.SearchStrategy[int],
    floats: st.SearchStrategy[float],
    *,
    text_size: int,
    key_size: int,
    max_size: int,
    max_leaves: int,
) -> st.SearchStrategy[Any]:
    """Arbitrary JSON: null, booleans, the given numbers and short texts, nested."""
    scalars = st.one_of(st.none(), st.booleans(), integers, floats, st.text(max_size=text_size))
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=max_size)
            | st.dictionaries(st.text(max_size=key_size), inner, max_size=max_size)
        ),
        max_leaves=max_leaves,
    )


def http_statuses(common: Sequence[int], *, any_other: bool) -> st.SearchStrategy[int]:
    """Mostly the statuses carriers answer with; with `any_other`, any status 100-599 too."""
    strategy = st.sampled_from(list(common))
    return strategy | st.integers(100, 599) if any_other else strategy


def header_maps(
    names: Sequence[str], values: Sequence[str], *, text_size: int
) -> st.SearchStrategy[dict[str, str]]:
    """Up to three headers of the given names, with telling values or any short text."""
    return st.dictionaries(
        st.sampled_from(list(names)),
        st.sampled_from(list(values)) | st.text(max_size=text_size),
        max_size=3,
    )


# ------------------------------------------------------------------------ damage --------


def _unwrap_into_values(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else {}
    return list(value.values()) if isinstance(value, dict) else value


def _unwrap_first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else {}
    return next(iter(value.values()), None) if isinstance(value, dict) else value


# name -> (value, replacement) -> damaged value; "drop" (delete the key or item) is `damaged`'s
DAMAGE: dict[str, Callable[[Any, Any], Any]] = {
    "null": lambda value, _: None,
    "string": lambda value, _: value if isinstance(value, str) else json.dumps(value),
    "string_nul": lambda value, _: (
        value + "\u0000x" if isinstance(value, str) else json.dumps(value)
    ),
    "number": lambda _, replacement: replacement if isinstance(replacement, int | float) else 7,
    "number_guess": lambda value, _: 3500 if isinstance(value, str) else -1,
    "huge": lambda value, _: 10**30,
    "wrap": lambda value, _: [value],
    "object": lambda value, _: {"value": value},
    "unwrap": lambda value, _: _unwrap_into_values(value),
    "unwrap_first": lambda value, _: _unwrap_first(value),
    "empty": lambda value, _: type(value)() if isinstance(value, dict | list | str) else "",
    "swap": lambda _, replacement: replacement,
    "bool": lambda value, _: True,
}

# What carriers really produce, or worse: keys dropped, types swapped, objects for arrays ...
STRUCTURAL = ("drop", "null", "string", "number", "wrap", "unwrap", "empty", "swap")
# ... and values of the wrong type or size: NUL in strings, guessed numbers, 10**30, booleans.
TYPED = (
    "drop", "null", "string_nul", "number_guess", "huge", "wrap", "object", "unwrap_first",
    "empty", "bool",
)  # fmt: skip


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, the root first, parents before their children."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def mutate(
    document: Any, path: tuple[Any, ...], operation: str, replacement: Any, *, dropped_root: Any
) -> Any:
    """Apply one named damage at `path` (in place below the root); dropping the root gives
    `dropped_root`."""
    if not path:
        if operation == "drop":
            return copy.deepcopy(dropped_root)
        return DAMAGE[operation](document, replacement)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if operation == "drop":
        del parent[last]
    else:
        parent[last] = DAMAGE[operation](parent[last], replacement)
    return document


@st.composite
def damaged(
    draw: st.DrawFn,
    document: Any,
    *,
    operations: Sequence[str],
    max_mutations: int,
    dropped_root: Any,
    replacements: st.SearchStrategy[Any] | None = None,
) -> Any:
    """A copy of `document` with 1..max_mutations damages at random places.

    With `replacements`, a replacement value is drawn for every damage (used by "number" and
    "swap"); without, operations get None.
    """
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(paths(document)))
        operation = draw(st.sampled_from(list(operations)))
        replacement = None if replacements is None else draw(replacements)
        document = mutate(document, path, operation, replacement, dropped_root=dropped_root)
    return document


@st.composite
def scrambled(
    draw: st.DrawFn, doc: Any, *, junk: st.SearchStrategy[Any], texts: st.SearchStrategy[Any]
) -> Any:
    """A real answer with some values swapped for odd ones and some keys dropped.

    One value in 25 becomes `junk`, one text in 25 becomes one of `texts`; one key in 16 goes.
    """
    roll = draw(st.integers(0, 24))
    if roll == 0:
        return draw(junk)
    if roll == 1 and isinstance(doc, str):
        return draw(texts)
    if isinstance(doc, dict):
        return {
            k: draw(scrambled(v, junk=junk, texts=texts))
            for k, v in doc.items()
            if draw(st.integers(0, 15))
        }
    if isinstance(doc, list):
        return [draw(scrambled(v, junk=junk, texts=texts)) for v in doc]
    return doc
