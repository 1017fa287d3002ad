"""The tools, called by the scripted LLM through a real session, against a local HTTP server.

The weather API is a real aiohttp server on 127.0.0.1 that answers like Open-Meteo and records
each request, so the pooled client, query parameters, timeouts and error statuses are exercised
for real; only the address differs from production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import ClientTimeout, web
from livekit.agents import Agent, AgentSession, ToolError, mock_tools, utils

from {{ cookiecutter.__package }} import tools
{%- if not cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.assistant import Assistant
{%- endif %}
{%- if cookiecutter.use_multi_agent %}
from {{ cookiecutter.__package }}.team import Billing, Greeter, Sales, Support
{%- endif %}
from {{ cookiecutter.__package }}.userdata import UserData

from tests.scripted_llm import Reply, ScriptedLLM, ToolCall

# The agents callers talk to: each must offer the tools.
{%- if cookiecutter.use_multi_agent %}
PRODUCTION_AGENTS: tuple[type[Agent], ...] = (Greeter, Support, Sales, Billing)
{%- else %}
PRODUCTION_AGENTS: tuple[type[Agent], ...] = (Assistant,)
{%- endif %}


@dataclass
class WeatherAPI:
    requests: list[dict[str, str]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    places: dict[str, tuple[float, float]] = field(default_factory=lambda: {"Paris": (48.85, 2.35)})

    async def search(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        name = request.query["name"]
        found = [
            {"name": name, "latitude": lat, "longitude": lon}
            for place, (lat, lon) in self.places.items()
            if place == name
        ]
        return web.json_response({"results": found} if found else {})

    async def forecast(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.json_response({"error": True}, status=self.status)
        celsius = request.query["temperature_unit"] == "celsius"
        current = {
            "temperature_2m": 21.4 if celsius else 70.5,
            "weather_code": 2,
            "wind_speed_10m": 11.8,
        }
        return web.json_response({"current": current})


@pytest.fixture
async def weather_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WeatherAPI]:
    api = WeatherAPI()
    app = web.Application()
    app.router.add_get("/v1/search", api.search)
    app.router.add_get("/v1/forecast", api.forecast)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(tools, "GEOCODING_URL", f"http://127.0.0.1:{port}/v1/search")
    monkeypatch.setattr(tools, "FORECAST_URL", f"http://127.0.0.1:{port}/v1/forecast")
    async with utils.http_context.open():
        yield api
    await runner.cleanup()


class ToolAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer weather questions.", tools=tools.TOOLS)


async def run_turn(script: list[Reply], user_input: str, userdata: UserData | None = None):
    async with AgentSession[UserData](
        llm=ScriptedLLM(script), userdata=userdata or UserData()
    ) as session:
        await session.start(ToolAgent())
        return await session.run(user_input=user_input)


async def test_weather_is_looked_up_and_spoken_from_the_result(weather_api: WeatherAPI) -> None:
    result = await run_turn(
        [
            Reply(tool_calls=[ToolCall("lookup_weather", {"city": "Paris"})]),
            Reply("It's partly cloudy and 21 degrees in Paris."),
        ],
        "What's the weather in Paris?",
    )

    result.expect.next_event().is_function_call(name="lookup_weather", arguments={"city": "Paris"})
    result.expect.next_event().is_function_call_output(
        output="Paris: partly cloudy, 21 degrees celsius, wind 12 km/h", is_error=False
    )
    result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    assert weather_api.requests[0]["name"] == "Paris"
    assert weather_api.requests[1]["latitude"] == "48.85"


async def test_a_stated_preference_changes_later_lookups(weather_api: WeatherAPI) -> None:
    userdata = UserData()
    result = await run_turn(
        [
            Reply(tool_calls=[ToolCall("set_temperature_unit", {"unit": "fahrenheit"})]),
            Reply(tool_calls=[ToolCall("lookup_weather", {"city": "Paris"})]),
            Reply("It's 70 degrees Fahrenheit in Paris."),
        ],
        "Use Fahrenheit please, and what's it like in Paris?",
        userdata,
    )

    result.expect.next_event().is_function_call(name="set_temperature_unit")
    result.expect.next_event().is_function_call_output(
        output="Temperatures will be given in fahrenheit."
    )
    result.expect.next_event().is_function_call(name="lookup_weather")
    result.expect.next_event().is_function_call_output(
        output="Paris: partly cloudy, 70 degrees fahrenheit, wind 12 km/h"
    )
    assert userdata.preferences == {"temperature_unit": "fahrenheit"}
    assert weather_api.requests[-1]["temperature_unit"] == "fahrenheit"


async def test_an_unknown_city_is_a_recoverable_tool_error(weather_api: WeatherAPI) -> None:
    result = await run_turn(
        [
            Reply(tool_calls=[ToolCall("lookup_weather", {"city": "Atlantis"})]),
            Reply("I couldn't find Atlantis. Could you spell it?"),
        ],
        "Weather in Atlantis?",
    )
    result.expect.next_event().is_function_call(name="lookup_weather")
    output = result.expect.next_event().is_function_call_output(is_error=True).event().item
    assert "No place called Atlantis" in output.output
    result.expect.next_event().is_message(role="assistant")


@pytest.mark.parametrize(
    ("status", "delay", "message"),
    [
        (503, 0.0, "answered with an error (503)"),
        (200, 1.0, "could not be reached"),
    ],
    ids=["error-status", "timeout"],
)
async def test_service_failures_become_tool_errors(
    weather_api: WeatherAPI,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    delay: float,
    message: str,
) -> None:
    weather_api.status, weather_api.delay = status, delay
    monkeypatch.setattr(tools, "REQUEST_TIMEOUT", ClientTimeout(total=0.3))
    result = await run_turn(
        [
            Reply(tool_calls=[ToolCall("lookup_weather", {"city": "Paris"})]),
            Reply("Sorry, the weather service is down."),
        ],
        "Weather in Paris?",
    )
    result.expect.next_event().is_function_call(name="lookup_weather")
    output = result.expect.next_event().is_function_call_output(is_error=True).event().item
    assert message in output.output


async def test_failures_can_be_injected_with_mock_tools() -> None:
    def outage(context, city: str) -> str:
        raise ToolError(f"injected outage for {city}")

    async with AgentSession[UserData](
        llm=ScriptedLLM(
            [
                Reply(tool_calls=[ToolCall("lookup_weather", {"city": "Oslo"})]),
                Reply("Sorry, I can't check the weather right now."),
            ]
        ),
        userdata=UserData(),
    ) as session:
        await session.start(ToolAgent())
        with mock_tools(ToolAgent, {"lookup_weather": outage}):
            result = await session.run(user_input="Weather in Oslo?")

    result.expect.next_event().is_function_call(name="lookup_weather", arguments={"city": "Oslo"})
    result.expect.next_event().is_function_call_output(
        output="injected outage for Oslo", is_error=True
    )
    result.expect.next_event().is_message(role="assistant")


@pytest.mark.parametrize("agent", PRODUCTION_AGENTS, ids=lambda agent: agent.__name__)
def test_the_agents_callers_talk_to_have_the_tools(agent: type[Agent]) -> None:
    assert {"lookup_weather", "set_temperature_unit"} <= {tool.id for tool in agent().tools}
