{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set realtime = cookiecutter.architecture == "realtime" -%}
{%- set multi = cookiecutter.language == "multi" -%}
{#- OpenAI's voices speak the text's language and a Kokoro voice its own: the others are told. -#}
{%- set voice_takes_language = cookiecutter.__tts not in ["none", "openai", "kokoro"] -%}
{%- set follows_language = multi and voice_takes_language -%}
{%- set accesses = [cookiecutter.__stt_access, cookiecutter.__llm_access, cookiecutter.__tts_access, cookiecutter.__realtime_access] -%}
{%- set phone_filter = cookiecutter.use_sip and cookiecutter.noise_cancellation not in ["none", "bvc-telephony"] -%}
{%- set room_options = cookiecutter.noise_cancellation != "none" or not pipeline -%}
{%- set plugin_names = [] -%}
{%- if pipeline %}{% set _ = plugin_names.append("silero") %}{% endif -%}
{%- if cookiecutter.__stt_access == "plugins" and cookiecutter.__stt in ["deepgram", "assemblyai"] %}{% set _ = plugin_names.append(cookiecutter.__stt) %}{% endif -%}
{%- if (cookiecutter.__stt_access == "plugins" and cookiecutter.__stt == "openai") or (cookiecutter.__llm_access == "plugins" and cookiecutter.__llm in ["openai-gpt-4.1-mini", "openai-gpt-4o", "ollama"]) or (cookiecutter.__tts_access == "plugins" and cookiecutter.__tts == "openai") or (cookiecutter.__realtime_access == "plugins" and cookiecutter.__realtime_model == "openai-gpt-realtime") %}{% set _ = plugin_names.append("openai") %}{% endif -%}
{%- if cookiecutter.__llm_access == "plugins" and cookiecutter.__llm == "anthropic-claude" %}{% set _ = plugin_names.append("anthropic") %}{% endif -%}
{%- if cookiecutter.__llm_access == "plugins" and cookiecutter.__llm == "groq-llama-3.3-70b" %}{% set _ = plugin_names.append("groq") %}{% endif -%}
{%- if cookiecutter.__tts_access == "plugins" and cookiecutter.__tts in ["cartesia", "elevenlabs"] %}{% set _ = plugin_names.append(cookiecutter.__tts) %}{% endif -%}
{%- if cookiecutter.__realtime_access == "plugins" and cookiecutter.__realtime_model == "gemini-live" %}{% set _ = plugin_names.append("google") %}{% endif -%}
{%- if cookiecutter.noise_cancellation != "none" %}{% set _ = plugin_names.append("noise_cancellation") %}{% endif -%}
{%- set agents_names = ["AgentSession", "TurnHandlingOptions", "UserInputTranscribedEvent"] if follows_language else ["TurnHandlingOptions"] -%}
{%- if cookiecutter.__stt == "assemblyai" and cookiecutter.__stt_access == "plugins" and not multi %}{% set _ = agents_names.insert(0, "NOT_GIVEN") %}{% endif -%}
{%- if "inference" in accesses or cookiecutter.__turn_detection == "audio-model" %}{% set _ = agents_names.append("inference") %}{% endif -%}
{%- set _ = agents_names.append("llm") -%}
{%- if room_options %}{% set _ = agents_names.append("room_io") %}{% endif -%}
{%- if pipeline %}{% set _ = agents_names.append("stt") %}{% endif -%}
{%- if cookiecutter.__tts != "none" %}{% set _ = agents_names.append("tts") %}{% endif -%}
{%- if pipeline %}{% set _ = agents_names.append("vad") %}{% endif -%}
"""The one place that turns settings into models: switching a provider is an edit here.
{%- if pipeline %}

The agent hears through speech-to-text, answers with a language model and speaks through
text-to-speech.
{%- elif realtime %}

One realtime (speech-to-speech) model hears the caller and answers in speech; it decides when
the caller has finished speaking and handles interruptions on its own.
{%- else %}

A realtime model hears the caller and answers in text (a half-cascade); the text-to-speech
speaks its answer. The realtime model decides when the caller has finished speaking.
{%- endif %}
{%- if "inference" in accesses %}

A model served by LiveKit Inference is paid for with LIVEKIT_API_KEY/LIVEKIT_API_SECRET, and its
fallback (FALLBACK_*) may be any model Inference serves, from any provider.
{%- endif %}
{%- if "plugins" in accesses %}
A model through its provider's plugin reads that provider's API key from the environment; its
fallback goes through the same plugin (another provider needs its plugin as a dependency and a
branch here: the template's docs/providers.md).
{%- endif %}
"""

from __future__ import annotations

{% if follows_language -%}
from typing import Any, Protocol

{% endif -%}
{% if phone_filter -%}
from livekit import rtc
{% endif -%}
{%- if (agents_names | join(", ") | length) + 27 <= 100 -%}
from livekit.agents import {{ agents_names | join(", ") }}
{%- else -%}
from livekit.agents import (
{%- for name in agents_names %}
    {{ name }},
{%- endfor %}
)
{%- endif %}
{%- if phone_filter %}
from livekit.agents.voice.room_io.types import NoiseCancellationParams
{%- endif %}
{%- if plugin_names %}
from livekit.plugins import {{ plugin_names | sort | join(", ") }}
{%- endif %}
{%- if cookiecutter.__stt == "assemblyai" and cookiecutter.__stt_access == "plugins" and not multi %}
from livekit.plugins.assemblyai.stt import _U3_PRO_MODELS as U3_PRO_MODELS
{%- endif %}

{% if cookiecutter.__stt == "faster-whisper" -%}
from .local_stt import LocalWhisperSTT, load_whisper
{% endif -%}
{% if cookiecutter.__tts == "kokoro" -%}
from .local_tts import LocalKokoroTTS, check_voice, load_kokoro
{% endif -%}
from .settings import Settings
{%- if cookiecutter.__turn_detection == "text-model" %}
from .text_turn_detector import MultilingualModel
{%- endif %}

# Retries of a failing model before its fallback takes over. A caller hears every retry as
# silence, so none (livekit's own default for LLMs): the fallback answers at once, and the
# adapter probes the failed model in the background and returns to it once it recovers.
FALLBACK_RETRIES = 0
{%- if not pipeline %}
{%- set rate = 16000 if cookiecutter.__realtime_access == "plugins" and cookiecutter.__realtime_model == "gemini-live" else 24000 %}
{%- if rate == 16000 %}
# The rate the realtime model takes its input audio at: Gemini Live's API takes 16 kHz PCM.
{%- elif cookiecutter.__realtime_access == "inference" %}
# The rate the realtime model takes its input audio at: the OpenAI realtime protocol, which
# LiveKit Inference speaks for every realtime model, takes 24 kHz PCM.
{%- else %}
# The rate the realtime model takes its input audio at: the OpenAI realtime API takes 24 kHz PCM.
{%- endif %}
# The room's audio is resampled once, to this rate; a phone call's 8 kHz audio reaches the room
# as 48 kHz Opus (LiveKit's SIP bridge transcodes it), so nothing here runs at 8 kHz.
REALTIME_INPUT_SAMPLE_RATE = {{ rate }}
{%- endif %}
{%- if pipeline %}


def load_vad() -> vad.VAD:
    """Silero VAD; its model ships in the wheel. Loaded once per process in prewarm."""
    return silero.VAD.load()
{%- endif %}
{%- if cookiecutter.__stt == "faster-whisper" %}


def preload_stt(settings: Settings) -> None:
    """Load the Whisper weights in prewarm, so the first utterance does not wait for them."""
    load_whisper(settings.stt_model)
{%- endif %}
{%- if cookiecutter.__tts == "kokoro" %}


def preload_tts(settings: Settings) -> None:
    """Load the Kokoro model in prewarm and check each voice against it, so the first sentence
    does not wait for the model and a mistyped TTS_VOICE stops the worker at start."""
    check_voice(load_kokoro(settings.tts_model), "TTS_VOICE", settings.tts_voice)
    if settings.fallback_tts_model or settings.fallback_tts_voice:
        fallback = load_kokoro(settings.fallback_tts_model or settings.tts_model)
        setting = "FALLBACK_TTS_VOICE" if settings.fallback_tts_voice else "TTS_VOICE"
        check_voice(fallback, setting, settings.fallback_tts_voice or settings.tts_voice)
{%- endif %}
{%- if pipeline %}


def build_stt(settings: Settings, vad_model: vad.VAD | None = None) -> stt.STT:
    """The STT, with a second model behind it when FALLBACK_STT_MODEL is set.

    `stt.FallbackAdapter` streams to the first model that works and switches on an error or a
    timeout. A batch (non-streaming) model inside it is buffered by `vad_model`, or by a Silero
    VAD loaded here when none is passed.
    """
    primary = speech_to_text(settings.stt_model, settings)
    if not settings.fallback_stt_model:
        return primary
    models = [primary, speech_to_text(settings.fallback_stt_model, settings)]
    needs_vad = not all(model.capabilities.streaming for model in models)
    return stt.FallbackAdapter(
        models,
        vad=(vad_model or load_vad()) if needs_vad else None,
        max_retry_per_stt=FALLBACK_RETRIES,
    )


def speech_to_text(model: str, settings: Settings) -> stt.STT:
{%- if cookiecutter.__stt_access == "inference" %}
    # Any model LiveKit Inference serves ("provider/model"); the fallback may be another provider.
{%- if multi %}
    # "multi": Inference asks the provider to detect the language of every utterance.
{%- endif %}
    return inference.STT(model, language=settings.stt_language)
{%- elif cookiecutter.__stt == "deepgram" %}
{%- if multi %}
    # Nova-3's "multi" transcribes and labels each utterance in the language it hears.
{%- endif %}
    return deepgram.STT(model=model, language=settings.stt_language)
{%- elif cookiecutter.__stt == "assemblyai" %}
    # The plugin types `model` as a Literal of the names it knows; ours is a setting.
{%- if multi %}
    return assemblyai.STT(model=model, language_detection=True)  # type: ignore[arg-type]
{%- else %}
    # Universal-3 Pro is steered to the language; the streaming models are English only or
    # detect it (universal-streaming-english, -multilingual) and refuse the option.
    language = settings.stt_language if model in U3_PRO_MODELS else NOT_GIVEN
    return assemblyai.STT(model=model, language_codes=language)  # type: ignore[arg-type]
{%- endif %}
{%- elif cookiecutter.__stt == "openai" %}
    # A batch model: the session buffers each utterance with VAD before transcribing it.
{%- if multi %}
    return openai.STT(model=model, detect_language=True)
{%- else %}
    return openai.STT(model=model, language=settings.stt_language)
{%- endif %}
{%- else %}
    return LocalWhisperSTT(model=model, language=settings.stt_language)
{%- endif %}


def build_llm(settings: Settings) -> llm.LLM:
    """The LLM, with a second model to fall back to when FALLBACK_LLM_MODEL is set."""
    primary = language_model(settings.llm_model, settings)
    if not settings.fallback_llm_model:
        return primary
    fallback = language_model(settings.fallback_llm_model, settings)
    return llm.FallbackAdapter([primary, fallback], max_retry_per_llm=FALLBACK_RETRIES)


def language_model(model: str, settings: Settings) -> llm.LLM:
{%- if cookiecutter.__llm_access == "inference" %}
    # Any model LiveKit Inference serves ("provider/model"); the fallback may be another provider.
    return inference.LLM(model)
{%- elif cookiecutter.__llm in ["openai-gpt-4.1-mini", "openai-gpt-4o"] %}
    return openai.LLM(model=model)
{%- elif cookiecutter.__llm == "anthropic-claude" %}
    return anthropic.LLM(model=model)
{%- elif cookiecutter.__llm == "groq-llama-3.3-70b" %}
    return groq.LLM(model=model)
{%- else %}
    return openai.LLM.with_ollama(model=model, base_url=settings.ollama_base_url)
{%- endif %}
{%- else %}


def build_realtime_model(settings: Settings) -> llm.RealtimeModel:
    """The realtime model, with a second one to fall back to when FALLBACK_REALTIME_MODEL is
    set: livekit's adapter moves the conversation to it when the first fails."""
    primary = realtime_model(settings.realtime_model, settings)
    if not settings.fallback_realtime_model:
        return primary
    fallback = realtime_model(settings.fallback_realtime_model, settings)
    return llm.RealtimeModelFallbackAdapter([primary, fallback])


def realtime_model(model: str, settings: Settings) -> llm.RealtimeModel:
{%- if cookiecutter.__realtime_access == "inference" %}
    # Any realtime model LiveKit Inference serves ("provider/model"), OpenAI's or Gemini Live.
{%- if realtime %}
    return inference.RealtimeModel(model, voice=settings.realtime_voice)
{%- else %}
    # Text out: the TTS speaks the answer.
    return inference.RealtimeModel(model, modalities=["text"])
{%- endif %}
{%- elif cookiecutter.__realtime_model == "openai-gpt-realtime" %}
{%- if realtime %}
    return openai.realtime.RealtimeModel(model=model, voice=settings.realtime_voice)
{%- else %}
    # Text out: the TTS speaks the answer.
    return openai.realtime.RealtimeModel(model=model, modalities=["text"])
{%- endif %}
{%- else %}
    return google.realtime.RealtimeModel(model=model, voice=settings.realtime_voice)
{%- endif %}
{%- endif %}
{%- if cookiecutter.__tts != "none" %}


def build_tts(settings: Settings{% if follows_language %}, caller_language: CallerLanguage | None = None{% endif %}) -> tts.TTS:
    """The TTS, with a fallback when FALLBACK_TTS_MODEL or FALLBACK_TTS_VOICE is set.

    `tts.FallbackAdapter` resamples the fallback's audio to the primary's rate if they differ.
{%- if follows_language %}
    With `caller_language`, every voice built here follows the language the caller speaks.
{%- endif %}
    """
{%- set language_arg = ", settings.tts_language" if voice_takes_language else "" %}
    primary = text_to_speech(settings.tts_model, settings.tts_voice{{ language_arg }})
{%- if follows_language %}
    voices = [primary]
{%- endif %}
    if not (settings.fallback_tts_model or settings.fallback_tts_voice):
{%- if follows_language %}
        if caller_language is not None:
            caller_language.voices += voices
{%- endif %}
        return primary
    fallback = text_to_speech(
        settings.fallback_tts_model or settings.tts_model,
        settings.fallback_tts_voice or settings.tts_voice,
{%- if voice_takes_language %}
        settings.tts_language,
{%- endif %}
    )
{%- if follows_language %}
    voices.append(fallback)
    if caller_language is not None:
        caller_language.voices += voices
{%- endif %}
    return tts.FallbackAdapter([primary, fallback], max_retry_per_tts=FALLBACK_RETRIES)


{%- set voice_type = {"inference": "inference.TTS", "cartesia": "cartesia.TTS", "elevenlabs": "elevenlabs.TTS", "openai": "tts.TTS"}["inference" if cookiecutter.__tts_access == "inference" else cookiecutter.__tts] if follows_language else "tts.TTS" %}


def text_to_speech(model: str, voice: str{% if voice_takes_language %}, language: str{% endif %}) -> {{ voice_type }}:
{%- if cookiecutter.__tts_access == "inference" %}
    # Any model LiveKit Inference serves; a voice belongs to its provider.
    return inference.TTS(model, voice=voice, language=language)
{%- elif cookiecutter.__tts == "cartesia" %}
    return cartesia.TTS(model=model, voice=voice, language=language)
{%- elif cookiecutter.__tts == "elevenlabs" %}
    return elevenlabs.TTS(model=model, voice_id=voice, language=language)
{%- elif cookiecutter.__tts == "openai" %}
    # OpenAI's voices speak the language of the text they are given.
    return openai.TTS(model=model, voice=voice)
{%- else %}
    # A batch model: the session's tts.StreamAdapter synthesizes the reply sentence by sentence.
    # The voice's first letter sets the language it speaks (ef_dora: Spanish).
    return LocalKokoroTTS(model=model, voice=voice)
{%- endif %}
{%- endif %}
{%- if follows_language %}


class SpeaksALanguage(Protocol):
    def update_options(self, *, language: str) -> None: ...


class CallerLanguage:
    """Speaks each reply in the language the caller was last heard in (LANGUAGE=multi).

    The speech-to-text labels each final transcript with the language it heard and the
    instructions tell the model to answer in it; the voices must be told too, or they read a
    Spanish answer with English sounds. livekit has no such switch of its own.
    """

    def __init__(self) -> None:
        self.voices: list[SpeaksALanguage] = []

    def follow(self, session: AgentSession[Any]) -> None:
        session.on("user_input_transcribed", self.heard)

    def heard(self, event: UserInputTranscribedEvent) -> None:
        if event.is_final and event.language:
            for voice in self.voices:
                voice.update_options(language=event.language)
{%- endif %}


def build_turn_handling() -> TurnHandlingOptions:
{%- if pipeline %}
    """Turn detection, interruptions and preemptive generation in one place.

    Preemptive generation starts the LLM (and TTS) on the final transcript while the
    end-of-turn decision is still pending, which hides most of the LLM's first-token time.
    """
    return TurnHandlingOptions(
{%- if cookiecutter.__turn_detection == "audio-model" %}
        # LiveKit's audio end-of-turn model; its weights ship in livekit-local-inference.
        turn_detection=inference.TurnDetector(),
{%- elif cookiecutter.__turn_detection == "text-model" %}
        # The multilingual text model reads the transcript; `download-files` fetches it.
        turn_detection=MultilingualModel(),
{%- elif cookiecutter.__turn_detection == "vad" %}
        # Silence alone ends the turn: simple and language-independent, but it cuts off
        # users who pause mid-sentence more often than a model does.
        turn_detection="vad",
{%- else %}
        # The STT provider's endpointing decides when the user has finished.
        turn_detection="stt",
{%- endif %}
        interruption={"enabled": True, "min_duration": 0.5, "resume_false_interruption": True},
        preemptive_generation={"enabled": True, "preemptive_tts": True},
    )
{%- else %}
    """The realtime model takes the turns: it hears when the caller has finished and when they
    cut in (server-side), so there is no VAD, end-of-turn model or preemptive generation here.

    livekit refuses to disable interruptions while the model detects turns: the caller can
    always cut in, and the model stops speaking when they do.
    """
    return TurnHandlingOptions(turn_detection="realtime_llm", interruption={"enabled": True})
{%- endif %}
{%- if room_options %}


def build_room_options() -> room_io.RoomOptions:
{%- if cookiecutter.noise_cancellation != "none" %}
    # Noise cancellation runs on LiveKit Cloud's media servers; a self-hosted server rejects it.
{%- endif %}
{%- set rate_arg = "sample_rate=REALTIME_INPUT_SAMPLE_RATE" if not pipeline else "" %}
{%- if cookiecutter.noise_cancellation == "none" %}
    return room_io.RoomOptions(
        audio_input=room_io.AudioInputOptions({{ rate_arg }})
    )
{%- elif phone_filter %}
    return room_io.RoomOptions(
{%- if rate_arg %}
        audio_input=room_io.AudioInputOptions(
            {{ rate_arg }}, noise_cancellation=pick_noise_filter
        )
{%- else %}
        audio_input=room_io.AudioInputOptions(noise_cancellation=pick_noise_filter)
{%- endif %}
    )


def pick_noise_filter(params: NoiseCancellationParams) -> rtc.NoiseCancellationOptions:
    """Phone audio gets the filter trained for telephony; app users get the chosen one."""
    if params.participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_SIP:
        return noise_cancellation.BVCTelephony()
    return noise_cancellation.{{ {"bvc": "BVC", "bvc-telephony": "BVCTelephony", "nc": "NC"}[cookiecutter.noise_cancellation] }}()
{%- else %}
    noise_filter = noise_cancellation.{{ {"bvc": "BVC", "bvc-telephony": "BVCTelephony", "nc": "NC"}[cookiecutter.noise_cancellation] }}()
    return room_io.RoomOptions(
{%- if rate_arg %}
        audio_input=room_io.AudioInputOptions(
            {{ rate_arg }}, noise_cancellation=noise_filter
        )
{%- else %}
        audio_input=room_io.AudioInputOptions(noise_cancellation=noise_filter)
{%- endif %}
    )
{%- endif %}
{%- endif %}
