"""Tracking-number detection: which carriers a number may belong to, and finding numbers in text.

`detect` ranks the candidates for one typed number, `extract` finds every number in a pasted
text, `apply_correction` / `apply_remembered` put the carrier the user chose first.
"""

from app.domain.tracking_numbers.detect import (
    DetectionResult,
    apply_correction,
    apply_remembered,
    detect,
    normalize,
)
from app.domain.tracking_numbers.extract import Found, extract
from app.domain.tracking_numbers.formats import Candidate, Checksum

__all__ = [
    "Candidate",
    "Checksum",
    "DetectionResult",
    "Found",
    "apply_correction",
    "apply_remembered",
    "detect",
    "extract",
    "normalize",
]
