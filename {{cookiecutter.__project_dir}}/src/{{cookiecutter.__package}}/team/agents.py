"""The team: a greeter that routes callers to support, sales or billing, and back.

A handoff is a tool that returns the next agent. Every agent shares the call's `UserData`;
the agent handed to starts with the last few turns of the conversation (no tool traffic), so
the caller never has to repeat themselves and the prompt stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

from livekit.agents import Agent, RunContext, function_tool, llm
{% if cookiecutter.use_rag %}
from ..knowledge.tool import search_knowledge_base
{%- endif %}
from ..prompts import load_prompt
{%- if cookiecutter.use_sip %}
from ..telephony import CALL_CONTROL_TOOLS
{%- endif %}
{%- if cookiecutter.use_tool_calling %}
from ..tools import TOOLS
{%- endif %}
from ..userdata import UserData
from .account import ask_for_account_number

TEAM_PROMPTS = Path(__file__).parent / "prompts"
CARRIED_TURNS = 6
NO_ACCOUNT = (
    "The account number could not be confirmed. Say so, and offer help that needs no account "
    "or to hand the caller back to the front desk."
)


def instructions_for(role: str) -> str:
    return f"{load_prompt('assistant')}\n\n{load_prompt(role, TEAM_PROMPTS)}"


def recent_turns(chat_ctx: llm.ChatContext) -> llm.ChatContext:
    """The last few user/agent messages, without instructions or tool calls."""
    messages = chat_ctx.copy(
        exclude_function_call=True, exclude_instructions=True, exclude_handoff=True
    )
    return messages.truncate(max_items=CARRIED_TURNS)


class TeamAgent(Agent):
    role = ""
{%- set shared = [] %}
{%- if cookiecutter.use_tool_calling %}{% set _ = shared.append("*TOOLS") %}{% endif %}
{%- if cookiecutter.use_sip %}{% set _ = shared.append("*CALL_CONTROL_TOOLS") %}{% endif %}
    shared_tools: ClassVar[Sequence[llm.Tool | llm.Toolset]] = ({{ shared | join(", ") }}{% if shared | length == 1 %},{% endif %})

    def __init__(self, chat_ctx: llm.ChatContext | None = None) -> None:
        super().__init__(
            instructions=instructions_for(self.role),
            chat_ctx=chat_ctx,
            tools=list(self.shared_tools),
        )

    async def on_enter(self) -> None:
{%- if cookiecutter.use_sip %}
        userdata: UserData = self.session.userdata
        if userdata.waiting_for_callee():
            return  # on an outbound call the greeting waits until someone answers
{%- endif %}
        self.session.generate_reply()

    async def hand_off(self, context: RunContext[UserData], role: type[TeamAgent]) -> Agent:
        """The colleague for `role`: the same instance all call long, created on first use.

        Every handoff gives the colleague the recent turns (a returning one too, replacing the
        history it had when it left), so it knows what was said while it was away.
        """
        userdata = context.userdata
        userdata.previous_agent = self
        userdata.agents.setdefault(self.role, self)  # the starting greeter registers here
        carried = recent_turns(self.chat_ctx)
        agent = userdata.agents.get(role.role)
        if agent is None:
            agent = userdata.agents[role.role] = role(chat_ctx=carried)
        else:
            await agent.update_chat_ctx(carried)
        return agent


class Greeter(TeamAgent):
    role = "greeter"

    @function_tool
    async def transfer_to_department(
        self,
        context: RunContext[UserData],
        department: Literal["support", "sales", "billing"],
        caller_name: str | None = None,
    ) -> Agent:
        """Hand the caller to a colleague: support for product problems, sales for plans and
        prices, billing for invoices, payments and refunds.

        Args:
            department: Who should take the call.
            caller_name: The caller's name, if they gave it.
        """
        context.userdata.caller_name = caller_name or context.userdata.caller_name
        return await self.hand_off(context, DEPARTMENTS[department])


class Specialist(TeamAgent):
    @function_tool
    async def transfer_to_front_desk(self, context: RunContext[UserData]) -> Agent:
        """Hand the caller back to the front desk for a different kind of request."""
        return await self.hand_off(context, Greeter)


class Support(Specialist):
    role = "support"
{%- if cookiecutter.use_rag %}
    shared_tools = (*TeamAgent.shared_tools, search_knowledge_base)
{%- endif %}


class Sales(Specialist):
    role = "sales"


class Billing(Specialist):
    role = "billing"

    async def on_enter(self) -> None:
        userdata: UserData = self.session.userdata
        if userdata.account_id is None:
            userdata.account_id = await ask_for_account_number(self.chat_ctx)
        if userdata.account_id is None:
            self.session.generate_reply(instructions=NO_ACCOUNT)
            return
        self.session.generate_reply(
            instructions=f"The account number {userdata.account_id} is verified. Offer help."
        )


DEPARTMENTS: dict[str, type[TeamAgent]] = {"support": Support, "sales": Sales, "billing": Billing}
