"""Structured output: a task that ends with a typed value instead of free text."""

from __future__ import annotations

from dataclasses import dataclass

from livekit.agents import AgentTask, RunContext, ToolError, function_tool


@dataclass
class Callback:
    name: str
    phone: str


class ScheduleCallback(AgentTask[Callback]):
    """Collects a name and phone number; `await ScheduleCallback()` returns a `Callback`."""

    def __init__(self) -> None:
        super().__init__(
            instructions="Ask for the caller's name and phone number, then record them."
        )

    @function_tool
    async def record_callback(self, context: RunContext, name: str, phone: str) -> None:
        """Record who to call back.

        Args:
            name: The caller's name.
            phone: The phone number, digits only, with country code.
        """
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 8:
            raise ToolError("That phone number is too short; ask the caller to repeat it.")
        self.complete(Callback(name=name.strip(), phone=f"+{digits}"))
