"""Screens. Each builder returns a plain `ft.View`, so tests can assert on its control tree."""
