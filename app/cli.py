"""The `paketpilot` command: the app (desktop or --web, demo by default) and its subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

DEFAULT_PORT = 8550


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paketpilot",
        description="All your orders and parcels, every carrier, one calm timeline.",
    )
    parser.add_argument("--web", action="store_true", help="serve the app to a browser")
    parser.add_argument("--host", default="127.0.0.1", help="web mode: address to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="web mode: port")
    parser.add_argument("--demo", action="store_true", help="start with the demo data")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    detect = commands.add_parser("detect", help="detect the carrier of tracking numbers")
    detect.add_argument("numbers", nargs="+", metavar="NUMBER")
    detect.add_argument("--json", action="store_true", help="print a JSON array")

    track = commands.add_parser("track", help="fetch one parcel and print its timeline")
    track.add_argument("number", metavar="NUMBER")
    track.add_argument("--carrier", help="carrier id (default: detected from the number)")
    track.add_argument("--json", action="store_true", help="print JSON")
    track.add_argument("--sandbox", metavar="URL", help="ask the local sandbox at URL")
    track.add_argument("--lang", choices=("de", "en"), default="de")

    sandbox = commands.add_parser("sandbox", help="run the local carrier API simulator")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8600)
    sandbox.add_argument("--latency-ms", type=float, default=0.0)
    sandbox.add_argument("--fault-rate", type=float, default=0.0)
    sandbox.add_argument("--seed", type=int, default=None)
    sandbox.add_argument("--speed", type=float, default=60.0, help="journey hours per real hour")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(build_parser().parse_args(argv))
    except BrokenPipeError:  # `paketpilot detect ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "detect":
        from app.commands.detect import run_detect

        return run_detect(args.numbers, as_json=args.json)

    if args.command == "track":
        from app.commands.track import run_track

        return run_track(
            args.number,
            carrier=args.carrier,
            as_json=args.json,
            sandbox=args.sandbox,
            language=args.lang,
        )

    if args.command == "sandbox":
        from app.commands.sandbox import run_sandbox

        return run_sandbox(
            host=args.host,
            port=args.port,
            latency_ms=args.latency_ms,
            fault_rate=args.fault_rate,
            seed=args.seed,
            speed=args.speed,
        )

    from app.main import run

    run(web=args.web, host=args.host, port=args.port, demo=args.demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
