"""The chosen models construct with the installed signatures (dummy keys, no network), and
each fallback takes over when its primary fails like a provider outage."""

import pytest
from livekit import rtc
from livekit.agents import Agent, AgentSession, llm, stt, tts, vad

from {{ cookiecutter.__package }} import providers, settings
from {{ cookiecutter.__package }}.settings import Settings

from tests.fake_speech import FailingSTT, FailingTTS, ScriptedSTT, ScriptedTTS
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


{%- set fallbacks = cookiecutter._fallback_models[cookiecutter.__model_access] %}


# The examples in .env.example: real model names for this project's providers.
FALLBACKS = {
    "FALLBACK_STT_MODEL": "{{ fallbacks.stt[cookiecutter.stt] }}",
    "FALLBACK_LLM_MODEL": "{{ fallbacks.llm[cookiecutter.llm] }}",
    "FALLBACK_TTS_MODEL": "{{ fallbacks.tts[cookiecutter.tts] }}",
}


@pytest.mark.usefixtures("provider_keys")
async def test_fallback_settings_put_each_model_behind_livekits_adapter() -> None:
    plain = Settings()
    config = Settings.from_env(FALLBACKS)
    built = [
        (providers.build_stt(plain), providers.build_stt(config), stt.FallbackAdapter),
        (providers.build_llm(plain), providers.build_llm(config), llm.FallbackAdapter),
        (providers.build_tts(plain), providers.build_tts(config), tts.FallbackAdapter),
    ]
    for without, with_fallback, adapter in built:
        assert not isinstance(without, adapter), "fallbacks are off by default"
        assert isinstance(with_fallback, adapter)
        await without.aclose()
        await with_fallback.aclose()


def half_a_second_of_silence() -> rtc.AudioFrame:
    return rtc.AudioFrame(b"\x00\x00" * 8000, 16000, 1, 8000)


async def test_a_failing_stt_falls_back_to_the_second_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = {"primary-stt": FailingSTT(), "backup-stt": ScriptedSTT("I need a refund")}
    monkeypatch.setattr(providers, "speech_to_text", lambda model, settings: models[model])
    config = Settings.from_env({"STT_MODEL": "primary-stt", "FALLBACK_STT_MODEL": "backup-stt"})

    speech_to_text = providers.build_stt(config)
    assert isinstance(speech_to_text, stt.FallbackAdapter)
    event = await speech_to_text.recognize([half_a_second_of_silence()])
    await speech_to_text.aclose()

    assert event.alternatives[0].text == "I need a refund"
    assert models["primary-stt"].calls >= 1
    assert models["backup-stt"].calls == 1


async def test_the_session_answers_from_the_fallback_llm_when_the_primary_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fallback = ScriptedLLM([Reply("Still here to help.")])
    models: dict[str, llm.LLM] = {"primary-llm": FailingLLM(), "backup-llm": fallback}
    monkeypatch.setattr(providers, "language_model", lambda model, settings: models[model])
    config = Settings.from_env({"LLM_MODEL": "primary-llm", "FALLBACK_LLM_MODEL": "backup-llm"})

    async with AgentSession(llm=providers.build_llm(config)) as session:
        await session.start(Agent(instructions="Be brief."))
        result = await session.run(user_input="Are you there?")

    result.expect.next_event().is_message(role="assistant")
    assert result.expect[0].event().item.text_content == "Still here to help."
    assert len(fallback.requests) == 1


async def test_a_failing_tts_falls_back_and_still_speaks(monkeypatch: pytest.MonkeyPatch) -> None:
    models = {"primary-tts": FailingTTS(), "backup-tts": ScriptedTTS(sample_rate=16000)}
    monkeypatch.setattr(providers, "text_to_speech", lambda model, voice: models[model])
    config = Settings.from_env({"TTS_MODEL": "primary-tts", "FALLBACK_TTS_MODEL": "backup-tts"})

    text_to_speech = providers.build_tts(config)
    assert isinstance(text_to_speech, tts.FallbackAdapter)
    async with text_to_speech.synthesize("Your refund is on its way.") as stream:
        frames = [audio.frame async for audio in stream]
    await text_to_speech.aclose()

    assert sum(frame.samples_per_channel for frame in frames) > 0
    assert models["backup-tts"].texts == ["Your refund is on its way."]


def test_a_fallback_voice_alone_backs_up_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, str]] = []

    def scripted(model: str, voice: str) -> tts.TTS:
        built.append((model, voice))
        return ScriptedTTS()

    monkeypatch.setattr(providers, "text_to_speech", scripted)
    config = Settings.from_env({"FALLBACK_TTS_VOICE": "another-voice"})

    assert isinstance(providers.build_tts(config), tts.FallbackAdapter)
    assert built == [(config.tts_model, config.tts_voice), (config.tts_model, "another-voice")]


def test_vad_loads_from_the_wheel() -> None:
    assert isinstance(providers.load_vad(), vad.VAD)
{%- if cookiecutter.__turn_detection != "text-model" %}


async def test_session_accepts_the_turn_handling() -> None:
    async with AgentSession(turn_handling=providers.build_turn_handling()) as session:
        options = session.options.turn_handling
    assert options["preemptive_generation"]["enabled"] is True
    assert options["interruption"]["enabled"] is True
{%- if cookiecutter.__turn_detection in ["vad", "stt"] %}
    assert options["turn_detection"] == "{{ cookiecutter.__turn_detection }}"
{%- else %}
    assert options["turn_detection"].model.startswith("turn-detector")
{%- endif %}
{%- endif %}
