"""Every livekit deprecation this project still relies on, word for word.

The suite fails on any DeprecationWarning, except those the project hides on purpose, listed
here: the older CLI (`python src/agent.py ...`), hidden in `main()`.
{%- if cookiecutter.__turn_detection == "text-model" %}
The text end-of-turn plugin, hidden in `text_turn_detector.py`.
{%- endif %}
livekit removes a deprecated API some release after it starts warning: when one of these
warnings disappears or changes (the API went away or moved) or another appears, these tests
fail, and the commands and code that depend on it must move first. The README leads with the
current commands for this reason.
"""

{% if cookiecutter.__turn_detection == "text-model" -%}
import importlib
{% endif -%}
import sys
import warnings

import pytest
from livekit.agents import {% if cookiecutter.__turn_detection == "text-model" %}Plugin, {% endif %}cli
{%- if cookiecutter.__turn_detection == "text-model" %}

from {{ cookiecutter.__package }} import text_turn_detector
{%- endif %}

from tests.entry_point import load_agent

# livekit-agents {{ cookiecutter._livekit_agents_version }}, `python src/agent.py <command>` (cli.run_app).
LEGACY_CLI = (
    "the built-in Python CLI is deprecated; use the LiveKit CLI (`lk agent ...`) or "
    "`python -m livekit.agents`. It will be removed in a future release."
)
{%- if cookiecutter.__turn_detection == "text-model" %}
# livekit-plugins-turn-detector {{ cookiecutter._livekit_agents_version }}, on import.
TURN_DETECTOR_PLUGIN = (
    "`livekit.plugins.turn_detector` is deprecated and will be removed in a "
    "future release. Use `livekit.agents.inference.TurnDetector` instead."
)
{%- endif %}


def deprecations(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


def test_the_older_cli_warns_exactly_what_agent_py_hides(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = load_agent()
    monkeypatch.setattr(sys, "argv", ["src/agent.py", "--help"])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(SystemExit) as done:
            cli.run_app(agent.server)
    assert done.value.code == 0
    assert deprecations(caught) == [LEGACY_CLI]
    assert LEGACY_CLI.startswith(agent.LEGACY_CLI_WARNING)

    # `main()` hides that warning and nothing else reaches the user.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(SystemExit):
            agent.main()
    assert deprecations(caught) == []
    assert "console" in capsys.readouterr().out
{%- if cookiecutter.__turn_detection == "text-model" %}


def test_the_text_turn_plugin_warns_exactly_what_text_turn_detector_hides() -> None:
    plugin = sys.modules["livekit.plugins.turn_detector"]
    registered = list(Plugin.registered_plugins)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importlib.reload(plugin)  # runs the plugin's import-time code again
    finally:
        Plugin.registered_plugins[:] = registered  # the reload registered it a second time
    assert deprecations(caught) == [TURN_DETECTOR_PLUGIN]
    # The filter in text_turn_detector.py (test_text_turn_detector.py checks it hides no more).
    assert TURN_DETECTOR_PLUGIN.startswith(text_turn_detector.PLUGIN_WARNING)
{%- endif %}
