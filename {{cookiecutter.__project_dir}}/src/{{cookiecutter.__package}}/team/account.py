"""A structured step: the caller's account number, keyed on the phone keypad or spoken, read
back and confirmed before billing helps.

livekit's `GetDtmfTask` collects the digits: keyed digits are gathered until # (or a pause)
and answered with one reply, not one per key, and spoken digits go through the same task.
"""

from __future__ import annotations

from livekit.agents import ToolError, llm
from livekit.agents.beta.workflows import GetDtmfTask

ACCOUNT_DIGITS = 8
ATTEMPTS = 2
# Seconds of keypad silence after which the digits keyed so far are taken as the answer.
DIGIT_TIMEOUT = 4.0
ASK = (
    f"Ask the caller for their {ACCOUNT_DIGITS}-digit account number; they can key it on the "
    "phone keypad followed by the pound key, or say it."
)


async def ask_for_account_number(
    chat_ctx: llm.ChatContext, *, digit_timeout: float = DIGIT_TIMEOUT
) -> str | None:
    """The confirmed account number, or None when the caller could not give a valid one in
    ATTEMPTS tries (too few digits keyed, the wrong count spoken, or the call ended)."""
    for _ in range(ATTEMPTS):
        try:
            result = await GetDtmfTask(
                num_digits=ACCOUNT_DIGITS,
                ask_for_confirmation=True,
                dtmf_input_timeout=digit_timeout,
                chat_ctx=chat_ctx,
                extra_instructions=ASK,
            )
        except ToolError:
            continue  # keyed too few digits before # or a pause, or the task was cancelled
        digits = result.user_input.replace(" ", "")
        # isascii() too: isdigit() alone accepts other scripts' digits and superscripts.
        if len(digits) == ACCOUNT_DIGITS and digits.isascii() and digits.isdigit():
            return digits
    return None
