"""Refuse answers that cannot work, before anything is written.

Cookiecutter renders this file with Jinja and runs it with its own interpreter, so it uses the
standard library only. Answers are read through `tojson`, so quotes or backslashes in a project
name are data, never code.
"""

import json
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
AGENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")

# What LiveKit Inference serves in livekit-agents 1.8 (agents/inference/{stt,llm,tts}.py).
INFERENCE_STT = {"deepgram", "assemblyai", "openai"}
INFERENCE_LLM = {"openai-gpt-4.1-mini", "openai-gpt-4o"}
INFERENCE_TTS = {"cartesia"}
# STT plugins with their own endpointing; the others are batch models buffered by VAD.
STT_WITH_ENDPOINTING = {"deepgram", "assemblyai"}


def check_slug(answers):
    slug = answers["project_slug"]
    if not SLUG_RE.match(slug):
        return [
            f"project_slug={slug!r} is not a valid slug: use lowercase letters, digits and "
            "single dashes, starting with a letter (for example 'acme-voice-agent')."
        ]
    return []


def check_agent_name(answers):
    name = answers["agent_name"]
    if name and not AGENT_NAME_RE.match(name):
        return [
            f"agent_name={name!r} is not usable as a dispatch name: use up to 63 letters, "
            "digits, '-' or '_' (for example 'support-agent'), or leave it empty for "
            "automatic dispatch."
        ]
    return []


def check_inference_catalogue(answers):
    if answers["model_access"] != "inference":
        return []
    problems = []
    for slot, served in (("stt", INFERENCE_STT), ("llm", INFERENCE_LLM), ("tts", INFERENCE_TTS)):
        choice = answers[slot]
        if choice not in served:
            problems.append(
                f"{slot}={choice} cannot be used with model_access=inference: LiveKit "
                f"Inference does not serve it. Choose model_access=plugins, or one of "
                f"{', '.join(sorted(served))} for {slot}."
            )
    return problems


def check_stt_endpointing(answers):
    if answers["turn_detection"] == "stt" and answers["stt"] not in STT_WITH_ENDPOINTING:
        return [
            f"turn_detection=stt needs a streaming STT with its own endpointing, but "
            f"stt={answers['stt']} has none. Choose stt=deepgram or stt=assemblyai, or "
            "turn_detection=audio-model."
        ]
    return []


def check_sip_dispatch(answers):
    if answers["use_sip"] and not answers["agent_name"]:
        return [
            "use_sip=yes needs explicit dispatch, but agent_name is empty: SIP dispatch "
            "rules and outbound calls name the agent to send. Set agent_name (for example "
            "'phone-agent') or answer no to use_sip."
        ]
    return []


CHECKS = (
    check_slug,
    check_agent_name,
    check_inference_catalogue,
    check_stt_endpointing,
    check_sip_dispatch,
)


def main():
    problems = [problem for check in CHECKS for problem in check(ANSWERS)]
    if problems:
        print("\nThese answers cannot generate a working project:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Nothing was written. Run the command again with other answers.\n", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
