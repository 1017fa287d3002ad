"""Tools the LLM can call: a live weather lookup and a remembered preference.

HTTP goes through livekit's per-process pooled session (`utils.http_context.http_session()`):
one connection pool per job process, kept alive between calls, closed by the framework. Every
request has a timeout, and failures raise `ToolError`, whose message the LLM sees so it can
apologise or ask again instead of the turn failing.

A tool returns data and the LLM phrases it for speech. (Returning `(result, "message")`, as
older snippets do, now sends the tuple's text to the LLM and speaks nothing.)
"""

from __future__ import annotations

from typing import Literal

import aiohttp
from livekit.agents import RunContext, ToolError, function_tool, llm, utils

from .userdata import UserData

# Open-Meteo: free, no key. Tests point these at a local server.
GEOCODING_URL = "https://geocoding-api.open-meteo.com/v1/search"
FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=5)

# WMO weather interpretation codes, as Open-Meteo reports them, in words a voice can say.
WEATHER_CODES = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "freezing fog",
    51: "light drizzle",
    53: "drizzle",
    55: "heavy drizzle",
    61: "light rain",
    63: "rain",
    65: "heavy rain",
    71: "light snow",
    73: "snow",
    75: "heavy snow",
    80: "rain showers",
    81: "heavy rain showers",
    95: "a thunderstorm",
}

TemperatureUnit = Literal["celsius", "fahrenheit"]


async def get_json(url: str, params: dict[str, str | float]) -> dict:
    try:
        async with utils.http_context.http_session().get(
            url, params=params, timeout=REQUEST_TIMEOUT
        ) as response:
            if response.status != 200:
                raise ToolError(f"The weather service answered with an error ({response.status}).")
            return await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ToolError("The weather service could not be reached right now.") from error


@function_tool
async def lookup_weather(context: RunContext[UserData], city: str) -> str:
    """Look up the current weather in a city.

    Args:
        city: The city name as the user said it, e.g. "Paris" or "San Francisco".
    """
    places = await get_json(GEOCODING_URL, {"name": city, "count": 1})
    if not places.get("results"):
        raise ToolError(f"No place called {city} was found. Ask the user to spell it.")
    place = places["results"][0]
    unit = context.userdata.preferences.get("temperature_unit", "celsius")
    forecast = await get_json(
        FORECAST_URL,
        {
            "latitude": place["latitude"],
            "longitude": place["longitude"],
            "current": "temperature_2m,weather_code,wind_speed_10m",
            "temperature_unit": unit,
        },
    )
    current = forecast["current"]
    sky = WEATHER_CODES.get(current["weather_code"], "mixed weather")
    return (
        f"{place['name']}: {sky}, {round(current['temperature_2m'])} degrees {unit}, "
        f"wind {round(current['wind_speed_10m'])} km/h"
    )


@function_tool
async def set_temperature_unit(context: RunContext[UserData], unit: TemperatureUnit) -> str:
    """Remember which temperature unit the user prefers, for the rest of the call.

    Args:
        unit: "celsius" or "fahrenheit".
    """
    context.userdata.preferences["temperature_unit"] = unit
    return f"Temperatures will be given in {unit}."


TOOLS: list[llm.Tool] = [lookup_weather, set_temperature_unit]
