{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set language = cookiecutter.language -%}
{%- set follows_language = language == "multi" and cookiecutter.__tts not in ["none", "openai"] -%}
"""The chosen models construct with the installed signatures (dummy keys, no network), carry
the language the agent speaks, and each fallback takes over when its primary fails like a
provider outage."""

import re
from pathlib import Path

import pytest
{%- if pipeline %}
from livekit import rtc
{%- endif %}
{%- set names = ["Agent", "AgentSession"] if pipeline else ["AgentSession"] %}
{%- if follows_language %}{% set _ = names.append("UserInputTranscribedEvent") %}{% endif %}
{%- set _ = names.append("llm") %}
{%- if pipeline %}{% set _ = names.append("stt") %}{% endif %}
{%- if cookiecutter.__tts != "none" %}{% set _ = names.append("tts") %}{% endif %}
{%- if pipeline %}{% set _ = names.append("vad") %}{% endif %}
from livekit.agents import {{ names | join(", ") }}

from {{ cookiecutter.__package }} import providers, settings
{%- if cookiecutter.__tts == "kokoro" %}
from {{ cookiecutter.__package }}.local_tts import VOICE_LANGUAGES, LocalKokoroTTS
{%- endif %}
from {{ cookiecutter.__package }}.settings import Settings
{%- if pipeline %}

from tests.fake_speech import FailingSTT, FailingTTS, ScriptedSTT, ScriptedTTS
from tests.scripted_llm import FailingLLM, Reply, ScriptedLLM
{%- elif cookiecutter.__tts != "none" %}

from tests.fake_speech import FailingTTS, ScriptedTTS
{%- endif %}

DUMMY_KEY = "offline-test-key-0123456789abcdef"  # 32+ bytes, or PyJWT warns about HMAC keys
DUMMY_KEYS = {requirement.name: DUMMY_KEY for requirement in settings.PROVIDER_KEYS}
# The fallback examples .env.example offers: real model names for this project's providers.
FALLBACKS = dict(re.findall(r"^# (FALLBACK_[A-Z_]+)=(\S+)", Path(".env.example").read_text(), re.M))


@pytest.fixture
def provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DUMMY_KEYS.items():
        monkeypatch.setenv(name, value)
{%- if pipeline %}


@pytest.mark.usefixtures("provider_keys")
async def test_models_build_from_settings() -> None:
    config = Settings.from_env({})
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


@pytest.mark.usefixtures("provider_keys")
async def test_fallback_settings_put_each_model_behind_livekits_adapter() -> None:
    plain = Settings.from_env({})
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
{%- else %}


@pytest.mark.usefixtures("provider_keys")
async def test_the_realtime_model_builds_from_settings() -> None:
    config = Settings.from_env({})
    model = providers.build_realtime_model(config)
    assert isinstance(model, llm.RealtimeModel)
    assert config.realtime_model.endswith(model.model)
    # {{ "It answers in speech: no TTS." if cookiecutter.architecture == "realtime" else "It answers in text, which the TTS speaks." }}
    assert model.capabilities.audio_output is {{ cookiecutter.architecture == "realtime" }}
    assert model.capabilities.turn_detection, "the model detects the end of the caller's turn"
    await model.aclose()


@pytest.mark.usefixtures("provider_keys")
async def test_a_fallback_realtime_model_goes_behind_livekits_adapter() -> None:
    plain = providers.build_realtime_model(Settings.from_env({}))
    backed_up = providers.build_realtime_model(Settings.from_env(FALLBACKS))
    assert not isinstance(plain, llm.RealtimeModelFallbackAdapter), "off by default"
    assert isinstance(backed_up, llm.RealtimeModelFallbackAdapter)
    await plain.aclose()
    await backed_up.aclose()
{%- if cookiecutter.__tts != "none" %}


@pytest.mark.usefixtures("provider_keys")
async def test_the_voice_and_its_fallback_build_from_settings() -> None:
    plain = providers.build_tts(Settings.from_env({}))
    backed_up = providers.build_tts(Settings.from_env(FALLBACKS))
    assert not isinstance(plain, tts.FallbackAdapter)
    assert isinstance(backed_up, tts.FallbackAdapter)
    await plain.aclose()
    await backed_up.aclose()
{%- endif %}


def test_the_room_gives_the_realtime_model_audio_at_its_own_rate() -> None:
    """One resampling step, from the room's 48 kHz Opus (a phone call's 8 kHz audio too) to
    the rate livekit's realtime client sends the model."""
{%- if cookiecutter.__realtime_access == "plugins" and cookiecutter.__realtime_model == "gemini-live" %}
    from livekit.plugins.google.realtime.realtime_api import INPUT_AUDIO_SAMPLE_RATE
{%- else %}
    # livekit's OpenAI-protocol client (LiveKit Inference's too) resamples its input to this.
    from livekit.agents.llm._realtime.openai import SAMPLE_RATE as INPUT_AUDIO_SAMPLE_RATE
{%- endif %}

    audio_input = providers.build_room_options().audio_input
    assert not isinstance(audio_input, bool)
    assert audio_input.sample_rate == INPUT_AUDIO_SAMPLE_RATE
{%- endif %}


@pytest.mark.usefixtures("provider_keys")
async def test_the_models_{{ "follow_the_callers_language" if language == "multi" else "hear_and_speak_" ~ cookiecutter._languages[language] | lower }}() -> None:
    """livekit exposes no getter for a model's language: `_opts` is what every request to the
    provider is built from."""
    config = Settings.from_env({})
{%- if pipeline %}
    speech_to_text = providers.build_stt(config)
{%- if cookiecutter.__stt_access == "inference" or cookiecutter.__stt == "deepgram" %}
    assert speech_to_text._opts.language == "{{ language }}"
{%- elif cookiecutter.__stt == "assemblyai" and language == "multi" %}
    assert speech_to_text._opts.language_detection is True
{%- elif cookiecutter.__stt == "assemblyai" and language == "en" %}
    assert speech_to_text.model == "universal-streaming-english"  # English only
{%- elif cookiecutter.__stt == "assemblyai" %}
    assert speech_to_text._opts.language_codes == ["{{ language }}"]
{%- elif cookiecutter.__stt == "openai" and language == "multi" %}
    assert speech_to_text._opts.detect_language is True
{%- elif cookiecutter.__stt == "openai" %}
    assert speech_to_text._opts.languages == ["{{ language }}"]
{%- else %}
    assert speech_to_text._language == "{{ language }}"
{%- endif %}
    await speech_to_text.aclose()
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}
    # A Kokoro voice speaks one language, named by its first letter (local_tts.VOICE_LANGUAGES).
    text_to_speech = providers.build_tts(config)
    assert isinstance(text_to_speech, LocalKokoroTTS)
    assert VOICE_LANGUAGES[text_to_speech._voice[0]].startswith("{{ language }}")
    await text_to_speech.aclose()
{%- elif cookiecutter.__tts not in ["none", "openai"] %}
{%- if follows_language %}
    caller_language = providers.CallerLanguage()
    text_to_speech = providers.build_tts(config, caller_language)
    assert text_to_speech._opts.language == "en", "English until the caller is heard"
    async with AgentSession() as session:
        caller_language.follow(session)
        session.emit(
            "user_input_transcribed",
            UserInputTranscribedEvent(transcript="Hola", is_final=True, language="es"),
        )
    assert text_to_speech._opts.language == "es"
{%- else %}
    text_to_speech = providers.build_tts(config)
    assert text_to_speech._opts.language == "{{ language }}"
{%- endif %}
    await text_to_speech.aclose()
{%- elif cookiecutter.__tts == "openai" %}
    # OpenAI's voices speak the language of the text: the instructions decide it.
    assert not hasattr(config, "tts_language")
{%- endif %}
{%- if not pipeline %}
    # The realtime model hears any language; the instructions say which to answer in.
    assert isinstance(providers.build_realtime_model(config), llm.RealtimeModel)
{%- endif %}
{%- if pipeline %}


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


{%- endif %}
{%- if cookiecutter.__tts != "none" %}


async def test_a_failing_tts_falls_back_and_still_speaks(monkeypatch: pytest.MonkeyPatch) -> None:
    models = {"primary-tts": FailingTTS(), "backup-tts": ScriptedTTS(sample_rate=16000)}
    monkeypatch.setattr(providers, "text_to_speech", lambda model, voice, *language: models[model])
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

    def scripted(model: str, voice: str, *language: str) -> tts.TTS:
        built.append((model, voice))
        return ScriptedTTS()

    monkeypatch.setattr(providers, "text_to_speech", scripted)
    config = Settings.from_env({"FALLBACK_TTS_VOICE": "another-voice"})

    assert isinstance(providers.build_tts(config), tts.FallbackAdapter)
    assert built == [(config.tts_model, config.tts_voice), (config.tts_model, "another-voice")]
{%- endif %}
{%- if pipeline %}


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
{%- else %}


async def test_the_realtime_model_takes_the_turns() -> None:
    async with AgentSession(turn_handling=providers.build_turn_handling()) as session:
        options = session.options.turn_handling
    assert options["turn_detection"] == "realtime_llm"
    assert options["interruption"]["enabled"] is True
{%- endif %}
