"""Which phone numbers the agent may dial: E.164 only, and only those the allow-list matches."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from fnmatch import fnmatchcase

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class NumberRefusedError(ValueError):
    pass


def allowed_patterns(environ: Mapping[str, str] = os.environ) -> list[str]:
    """SIP_ALLOWED_NUMBERS: comma-separated patterns such as `+1415*,+4420*`; empty allows none."""
    return [p.strip() for p in environ.get("SIP_ALLOWED_NUMBERS", "").split(",") if p.strip()]


def check_destination(number: str, patterns: list[str]) -> str:
    """The number, normalised, or NumberRefusedError saying why it may not be dialled."""
    normalised = re.sub(r"[\s().-]", "", number)
    if not E164.match(normalised):
        raise NumberRefusedError(
            f"{number!r} is not an E.164 phone number (for example +14155550123)."
        )
    if not patterns:
        raise NumberRefusedError(
            "SIP_ALLOWED_NUMBERS is empty, so no number may be dialled. Set it to the patterns "
            "you call, for example SIP_ALLOWED_NUMBERS=+1415*"
        )
    if not any(fnmatchcase(normalised, pattern) for pattern in patterns):
        raise NumberRefusedError(
            f"{normalised} is not in SIP_ALLOWED_NUMBERS ({', '.join(patterns)})."
        )
    return normalised
