"""The agent the caller talks to: its instructions, tools and how it opens the conversation."""

from livekit.agents import Agent
{% if cookiecutter.use_rag %}
from .knowledge.tool import search_knowledge_base
{%- endif %}
from .prompts import load_prompt
{%- if cookiecutter.use_sip %}
from .telephony import CALL_CONTROL_TOOLS
{%- endif %}
{%- if cookiecutter.use_tool_calling %}
from .tools import TOOLS
{%- endif %}

GREETING_INSTRUCTIONS = "Greet the user in one short sentence and offer your help."


class Assistant(Agent):
    def __init__(self) -> None:
        super().__init__(
            instructions=load_prompt("assistant"),
{%- if cookiecutter.use_tool_calling or cookiecutter.use_rag or cookiecutter.use_sip %}
            tools=[
{%- if cookiecutter.use_tool_calling %}
                *TOOLS,
{%- endif %}
{%- if cookiecutter.use_rag %}
                search_knowledge_base,
{%- endif %}
{%- if cookiecutter.use_sip %}
                *CALL_CONTROL_TOOLS,
{%- endif %}
            ],
{%- endif %}
        )

    async def on_enter(self) -> None:
{%- if cookiecutter.use_sip %}
        if self.session.userdata.waiting_for_callee():
            return  # on an outbound call the greeting waits until someone answers
{%- endif %}
        self.session.generate_reply(instructions=GREETING_INSTRUCTIONS)
