"""State shared by every agent and tool during one call (`RunContext[UserData].userdata`)."""

from __future__ import annotations

from dataclasses import dataclass{% if cookiecutter.use_tool_calling or cookiecutter.use_multi_agent %}, field{% endif %}
{%- if cookiecutter.use_multi_agent %}
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from livekit.agents import Agent
{%- endif %}


@dataclass
class UserData:
{%- if cookiecutter.use_tool_calling %}
    # Preferences the caller stated during the call, e.g. {"units": "metric"}.
    preferences: dict[str, str] = field(default_factory=dict)
{%- endif %}
{%- if cookiecutter.use_multi_agent %}
    caller_name: str | None = None
    account_id: str | None = None
    # Agents created so far in this call, by name, so a handoff back reuses the same instance.
    agents: dict[str, Agent] = field(default_factory=dict)
    previous_agent: Agent | None = None
{%- endif %}
{%- if cookiecutter.use_sip %}
    # Set for phone calls: the caller's (inbound) or callee's (outbound) number and identity.
    phone_number: str | None = None
    caller_identity: str | None = None
    # An outbound call is known from the job before the session starts; `answered` turns true
    # once a person (not a machine) has picked up.
    outbound: bool = False
    answered: bool = False

    def waiting_for_callee(self) -> bool:
        """True while an outbound call rings: the agent must not speak to an empty line."""
        return self.outbound and not self.answered
{%- endif %}
