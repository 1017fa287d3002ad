"""The chosen plugins construct with the installed signatures (dummy keys, no network)."""

import pytest
from livekit.agents import Agent, AgentSession, llm, stt, tts, vad

from {{ cookiecutter.__package }} import providers, settings
from {{ cookiecutter.__package }}.settings import Settings
from tests.scripted_llm import FailingLLM, Reply, ScriptedLLM

DUMMY_KEY = "offline-test-key-0123456789abcdef"  # 32+ bytes, or PyJWT warns about HMAC keys
DUMMY_KEYS = {requirement.name: DUMMY_KEY for requirement in settings.PROVIDER_KEYS}


@pytest.fixture
def provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DUMMY_KEYS.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("provider_keys")
async def test_models_build_from_settings() -> None:
    config = Settings()
    speech_to_text = providers.build_stt(config)
    language_model = providers.build_llm(config)
    text_to_speech = providers.build_tts(config)

    assert isinstance(speech_to_text, stt.STT)
    assert isinstance(language_model, llm.LLM)
    assert isinstance(text_to_speech, tts.TTS)
    assert config.llm_model.endswith(language_model.model)
    await speech_to_text.aclose()
    await language_model.aclose()
    await text_to_speech.aclose()


@pytest.mark.usefixtures("provider_keys")
async def test_changing_a_model_is_a_setting_not_a_code_edit() -> None:
    config = Settings.from_env({"LLM_MODEL": "another-model"})
    language_model = providers.build_llm(config)
    assert language_model.model.endswith("another-model")
    await language_model.aclose()


async def test_a_fallback_model_wraps_the_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    def scripted_model(model: str, settings: Settings) -> llm.LLM:
        built.append(model)
        return ScriptedLLM([])

    monkeypatch.setattr(providers, "language_model", scripted_model)
    config = Settings.from_env({"FALLBACK_LLM_MODEL": "backup-model"})

    assert isinstance(providers.build_llm(config), llm.FallbackAdapter)
    assert built == [config.llm_model, "backup-model"]
    assert not isinstance(providers.build_llm(Settings()), llm.FallbackAdapter)


async def test_the_session_answers_from_the_fallback_when_the_primary_fails() -> None:
    fallback = ScriptedLLM([Reply("Still here to help.")])
    language_model = llm.FallbackAdapter([FailingLLM(), fallback], attempt_timeout=1.0)
    async with AgentSession(llm=language_model) as session:
        await session.start(Agent(instructions="Be brief."))
        result = await session.run(user_input="Are you there?")
    result.expect.next_event().is_message(role="assistant")
    assert result.expect[0].event().item.text_content == "Still here to help."
    assert len(fallback.requests) == 1


def test_vad_loads_from_the_wheel() -> None:
    assert isinstance(providers.load_vad(), vad.VAD)
{%- if cookiecutter.turn_detection != "text-model" %}


async def test_session_accepts_the_turn_handling() -> None:
    async with AgentSession(turn_handling=providers.build_turn_handling()) as session:
        options = session.options.turn_handling
    assert options["preemptive_generation"]["enabled"] is True
    assert options["interruption"]["enabled"] is True
{%- if cookiecutter.turn_detection in ["vad", "stt"] %}
    assert options["turn_detection"] == "{{ cookiecutter.turn_detection }}"
{%- else %}
    assert options["turn_detection"].model.startswith("turn-detector")
{%- endif %}
{%- endif %}
