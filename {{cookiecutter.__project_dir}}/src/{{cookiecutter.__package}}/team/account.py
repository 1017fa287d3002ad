"""A structured step: collect and confirm the caller's account number before billing helps."""

from __future__ import annotations

from livekit.agents import AgentTask, RunContext, ToolError, function_tool

ACCOUNT_DIGITS = 8


class CollectAccountNumber(AgentTask[str]):
    """Asks for the 8-digit account number, reads it back, and completes with it once confirmed."""

    def __init__(self) -> None:
        super().__init__(
            instructions=(
                f"Ask the caller for their {ACCOUNT_DIGITS}-digit account number. Read it back "
                "digit by digit and record it only after they confirm it."
            )
        )

    async def on_enter(self) -> None:
        self.session.generate_reply(instructions="Ask for the account number.")

    @function_tool
    async def record_account_number(self, context: RunContext, account_number: str) -> None:
        """Record the account number the caller confirmed.

        Args:
            account_number: The digits, without spaces or dashes.
        """
        digits = "".join(ch for ch in account_number if ch.isdigit())
        if len(digits) != ACCOUNT_DIGITS:
            raise ToolError(
                f"An account number has {ACCOUNT_DIGITS} digits; ask the caller to repeat it."
            )
        self.complete(digits)
