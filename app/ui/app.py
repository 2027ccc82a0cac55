"""Placeholder until the UI lands: serve() starts the Flet app."""

from __future__ import annotations


def serve(*, web: bool, host: str, port: int, demo: bool) -> None:
    raise NotImplementedError("the UI is being built")
