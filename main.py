"""Flet's entry point (`flet build` and `flet run` look for it). The app lives in `app`."""

from app.main import run

if __name__ == "__main__":
    run()
