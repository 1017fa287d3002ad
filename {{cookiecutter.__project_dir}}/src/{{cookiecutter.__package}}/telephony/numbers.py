"""Which phone numbers the agent may dial: E.164 written in ASCII digits, matched by the
allow-list, and not premium-rate unless `SIP_ALLOW_PREMIUM_RATE` says so. Also how a number
appears in logs (masked)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from fnmatch import fnmatchcase

# `[0-9]`, not `\d`: in Python `\d` also matches other scripts' digits (fullwidth, Arabic-Indic),
# which a carrier would reject or dial as something other than what the allow-list checked.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SEPARATORS = re.compile(r"[ ().-]")

# Ranges where a call costs the caller (us) a premium or is shared-cost, by E.164 prefix. Not
# exhaustive: a broad allow-list such as `+1*` or `+44*` would otherwise reach them, so they
# are refused unless SIP_ALLOW_PREMIUM_RATE=true; your carrier's fraud limits stay the backstop.
PREMIUM_RATE_PREFIXES = (
    "+1900",  # North America: premium-rate 900 numbers
    "+1976",  # North America: pay-per-call 976 exchanges
    "+449",  # United Kingdom: 09 premium rate
    "+4487",  # United Kingdom: 087 service numbers
    "+3389",  # France: 089 premium rate
    "+49900",  # Germany: 0900 premium rate
    "+49137",  # Germany: 0137 televoting
    "+3190",  # Netherlands: 0900/0906/0909
    "+3290",  # Belgium: 090x
    "+4190",  # Switzerland: 090x
    "+4390",  # Austria: 0900
    "+3480",  # Spain: 80x premium rate
    "+39899",  # Italy: 899 premium rate
    "+6119",  # Australia: 19xx premium rate
    "+979",  # ITU international premium-rate service
)


class NumberRefusedError(ValueError):
    pass


def mask(number: str | None) -> str:
    """A phone number as it may appear in logs: only the last four digits."""
    digits = re.sub(r"[^0-9]", "", number or "")
    return f"***{digits[-4:]}" if digits else "(no number)"


def allowed_patterns(environ: Mapping[str, str] = os.environ) -> list[str]:
    """SIP_ALLOWED_NUMBERS: comma-separated patterns such as `+1415*,+4420*`; empty allows none."""
    return [p.strip() for p in environ.get("SIP_ALLOWED_NUMBERS", "").split(",") if p.strip()]


def check_destination(number: object, patterns: list[str], *, allow_premium_rate: bool) -> str:
    """The number, normalised, or NumberRefusedError saying why it may not be dialled.

    The messages end up in the worker's logs, so they show the number masked.
    """
    if not isinstance(number, str):
        raise NumberRefusedError(
            f"the phone number must be a string such as "
            f'"+14155550123", not {type(number).__name__}.'
        )
    normalised = SEPARATORS.sub("", number)
    if not E164.fullmatch(normalised):
        raise NumberRefusedError(
            "the phone number is not E.164 in ASCII digits (for example +14155550123)."
        )
    if not patterns:
        raise NumberRefusedError(
            "SIP_ALLOWED_NUMBERS is empty, so no number may be dialled. Set it to the patterns "
            "you call, for example SIP_ALLOWED_NUMBERS=+1415*"
        )
    if not any(fnmatchcase(normalised, pattern) for pattern in patterns):
        raise NumberRefusedError(
            f"{mask(normalised)} is not in SIP_ALLOWED_NUMBERS ({', '.join(patterns)})."
        )
    premium = next((p for p in PREMIUM_RATE_PREFIXES if normalised.startswith(p)), None)
    if premium and not allow_premium_rate:
        raise NumberRefusedError(
            f"{mask(normalised)} is a premium-rate or shared-cost number ({premium}...). Set "
            "SIP_ALLOW_PREMIUM_RATE=true if the agent really must call such numbers."
        )
    return normalised
