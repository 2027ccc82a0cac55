"""`paketpilot detect`, run as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from app.commands.detect import run_detect

ROOT = Path(__file__).resolve().parents[2]


def paketpilot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_detect_json_prints_one_object_per_input_best_first() -> None:
    done = paketpilot("detect", "1Z 999 AA1 01 2345 6784", "01234567890123", "--json")

    assert done.returncode == 0, done.stderr
    ups, fourteen = json.loads(done.stdout)
    assert ups == {
        "input": "1Z 999 AA1 01 2345 6784",
        "normalized": "1Z999AA10123456784",
        "candidates": [{"carrier": "ups", "format": "ups", "checksum": "valid"}],
        "error": None,
    }
    assert fourteen["normalized"] == "01234567890123"
    assert fourteen["error"] is None
    assert [c["carrier"] for c in fourteen["candidates"]][:3] == ["dpd", "hermes", "dhl"]
    assert {c["checksum"] for c in fourteen["candidates"]} == {"none"}


def test_detect_json_exits_1_when_an_input_has_no_candidate() -> None:
    done = paketpilot("detect", "--json", "00340434123456789012", "+49 30 1234567")

    assert done.returncode == 1
    dhl, phone = json.loads(done.stdout)
    assert dhl["candidates"][0] == {
        "carrier": "dhl",
        "format": "dhl_paket_sscc",
        "checksum": "valid",
    }
    assert phone["candidates"] == []
    assert phone["error"] == "looks like a phone number"


def test_detect_without_json_prints_a_table() -> None:
    done = paketpilot("detect", "RR123456785DE", "١٢٣٤٥٦٧٨٩٠١٢")

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["INPUT", "CARRIER", "FORMAT", "CHECK", "DIGIT"]
    assert lines[1].split() == ["RR123456785DE", "dhl", "S10", "valid"]
    assert "no candidate: contains the non-ASCII digit" in lines[2]


def test_run_detect_writes_to_the_given_stream() -> None:
    out = io.StringIO()

    assert run_detect(["TBA123456789012"], as_json=True, out=out) == 0
    (only,) = json.loads(out.getvalue())
    assert only["candidates"] == [
        {"carrier": "amazon", "format": "amazon_logistics", "checksum": "none"}
    ]
