{%- set plugins = cookiecutter.__model_access == "plugins" -%}
{%- set openai_plugin = plugins and (cookiecutter.stt == "openai" or cookiecutter.llm in ["openai-gpt-4.1-mini", "openai-gpt-4o", "ollama"] or cookiecutter.tts == "openai") -%}
"""The one place that turns settings into models: switching a provider is an edit here.

{% if plugins -%}
Each model is the provider's own plugin and reads the provider's API key from the environment.
A fallback model (FALLBACK_*_MODEL) goes through the same plugin; a fallback from another
provider needs its plugin as a dependency and a branch here (the template's docs/providers.md).
{%- else -%}
Every model is served by LiveKit Inference, paid for with LIVEKIT_API_KEY/LIVEKIT_API_SECRET.
A fallback model (FALLBACK_*_MODEL) may be any model Inference serves, from any provider.
{%- endif %}
"""

from __future__ import annotations

{% if cookiecutter.use_sip and cookiecutter.noise_cancellation not in ["none", "bvc-telephony"] -%}
from livekit import rtc
{% endif -%}
from livekit.agents import TurnHandlingOptions{% if not plugins or cookiecutter.__turn_detection == "audio-model" %}, inference{% endif %}, llm,{% if cookiecutter.noise_cancellation != 'none' %} room_io,{% endif %} stt, tts, vad
{%- set plugin_names = ["silero"] -%}
{%- if plugins -%}
{%- if cookiecutter.stt in ["deepgram", "assemblyai"] %}{% set _ = plugin_names.append(cookiecutter.stt) %}{% endif -%}
{%- if openai_plugin %}{% set _ = plugin_names.append("openai") %}{% endif -%}
{%- if cookiecutter.llm == "anthropic-claude" %}{% set _ = plugin_names.append("anthropic") %}{% endif -%}
{%- if cookiecutter.llm == "groq-llama-3.3-70b" %}{% set _ = plugin_names.append("groq") %}{% endif -%}
{%- if cookiecutter.tts in ["cartesia", "elevenlabs"] %}{% set _ = plugin_names.append(cookiecutter.tts) %}{% endif -%}
{%- endif -%}
{%- if cookiecutter.noise_cancellation != "none" %}{% set _ = plugin_names.append("noise_cancellation") %}{% endif %}
{%- if cookiecutter.use_sip and cookiecutter.noise_cancellation not in ["none", "bvc-telephony"] %}
from livekit.agents.voice.room_io.types import NoiseCancellationParams
{%- endif %}
from livekit.plugins import {{ plugin_names | sort | join(", ") }}

{% if cookiecutter.stt == "faster-whisper" -%}
from .local_stt import LocalWhisperSTT, load_whisper
{% endif -%}
{% if cookiecutter.tts == "kokoro" -%}
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


def load_vad() -> vad.VAD:
    """Silero VAD; its model ships in the wheel. Loaded once per process in prewarm."""
    return silero.VAD.load()


{%- if cookiecutter.stt == "faster-whisper" %}


def preload_stt(settings: Settings) -> None:
    """Load the Whisper weights in prewarm, so the first utterance does not wait for them."""
    load_whisper(settings.stt_model)
{%- endif %}
{%- if cookiecutter.tts == "kokoro" %}


def preload_tts(settings: Settings) -> None:
    """Load the Kokoro model in prewarm and check each voice against it, so the first sentence
    does not wait for the model and a mistyped TTS_VOICE stops the worker at start."""
    check_voice(load_kokoro(settings.tts_model), "TTS_VOICE", settings.tts_voice)
    if settings.fallback_tts_model or settings.fallback_tts_voice:
        fallback = load_kokoro(settings.fallback_tts_model or settings.tts_model)
        setting = "FALLBACK_TTS_VOICE" if settings.fallback_tts_voice else "TTS_VOICE"
        check_voice(fallback, setting, settings.fallback_tts_voice or settings.tts_voice)
{%- endif %}


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
{%- if not plugins %}
    # Any model LiveKit Inference serves ("provider/model"); the fallback may be another provider.
    return inference.STT(model, language=settings.stt_language)
{%- elif cookiecutter.stt == "deepgram" %}
    return deepgram.STT(model=model, language=settings.stt_language)
{%- elif cookiecutter.stt == "assemblyai" %}
    # The plugin types `model` as a Literal of the names it knows; ours is a setting.
    return assemblyai.STT(model=model)  # type: ignore[arg-type]
{%- elif cookiecutter.stt == "openai" %}
    # A batch model: the session buffers each utterance with VAD before transcribing it.
    return openai.STT(model=model, language=settings.stt_language)
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
{%- if not plugins %}
    # Any model LiveKit Inference serves ("provider/model"); the fallback may be another provider.
    return inference.LLM(model)
{%- elif cookiecutter.llm in ["openai-gpt-4.1-mini", "openai-gpt-4o"] %}
    return openai.LLM(model=model)
{%- elif cookiecutter.llm == "anthropic-claude" %}
    return anthropic.LLM(model=model)
{%- elif cookiecutter.llm == "groq-llama-3.3-70b" %}
    return groq.LLM(model=model)
{%- else %}
    return openai.LLM.with_ollama(model=model, base_url=settings.ollama_base_url)
{%- endif %}


def build_tts(settings: Settings) -> tts.TTS:
    """The TTS, with a fallback when FALLBACK_TTS_MODEL or FALLBACK_TTS_VOICE is set.

    `tts.FallbackAdapter` resamples the fallback's audio to the primary's rate if they differ.
    """
    primary = text_to_speech(settings.tts_model, settings.tts_voice)
    if not (settings.fallback_tts_model or settings.fallback_tts_voice):
        return primary
    fallback = text_to_speech(
        settings.fallback_tts_model or settings.tts_model,
        settings.fallback_tts_voice or settings.tts_voice,
    )
    return tts.FallbackAdapter([primary, fallback], max_retry_per_tts=FALLBACK_RETRIES)


def text_to_speech(model: str, voice: str) -> tts.TTS:
{%- if not plugins %}
    # Any model LiveKit Inference serves; a voice belongs to its provider.
    return inference.TTS(model, voice=voice)
{%- elif cookiecutter.tts == "cartesia" %}
    return cartesia.TTS(model=model, voice=voice)
{%- elif cookiecutter.tts == "elevenlabs" %}
    return elevenlabs.TTS(model=model, voice_id=voice)
{%- elif cookiecutter.tts == "openai" %}
    return openai.TTS(model=model, voice=voice)
{%- else %}
    # A batch model: the session's tts.StreamAdapter synthesizes the reply sentence by sentence.
    return LocalKokoroTTS(model=model, voice=voice)
{%- endif %}


def build_turn_handling() -> TurnHandlingOptions:
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


{%- if cookiecutter.noise_cancellation != "none" %}


def build_room_options() -> room_io.RoomOptions:
    # Noise cancellation runs on LiveKit Cloud's media servers; a self-hosted server rejects it.
{%- if cookiecutter.use_sip and cookiecutter.noise_cancellation != "bvc-telephony" %}
    return room_io.RoomOptions(
        audio_input=room_io.AudioInputOptions(noise_cancellation=pick_noise_filter)
    )


def pick_noise_filter(params: NoiseCancellationParams) -> rtc.NoiseCancellationOptions:
    """Phone audio gets the filter trained for telephony; app users get the chosen one."""
    if params.participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_SIP:
        return noise_cancellation.BVCTelephony()
    return noise_cancellation.{{ {"bvc": "BVC", "bvc-telephony": "BVCTelephony", "nc": "NC"}[cookiecutter.noise_cancellation] }}()
{%- else %}
    noise_filter = noise_cancellation.{{ {"bvc": "BVC", "bvc-telephony": "BVCTelephony", "nc": "NC"}[cookiecutter.noise_cancellation] }}()
    return room_io.RoomOptions(
        audio_input=room_io.AudioInputOptions(noise_cancellation=noise_filter)
    )
{%- endif %}
{%- endif %}
