"""The agent the caller talks to: its instructions and how it opens the conversation."""

from livekit.agents import Agent

from .prompts import load_prompt

GREETING_INSTRUCTIONS = "Greet the user in one short sentence and offer your help."


class Assistant(Agent):
    def __init__(self) -> None:
        super().__init__(instructions=load_prompt("assistant"))

    async def on_enter(self) -> None:
        self.session.generate_reply(instructions=GREETING_INSTRUCTIONS)
