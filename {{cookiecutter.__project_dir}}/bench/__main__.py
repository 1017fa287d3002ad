{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set half = cookiecutter.architecture == "half-cascade" -%}
"""This agent's latency and capacity, measured offline.

Run `uv run python -m bench --help` from the project's root for the modes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import modes
{% if pipeline -%}
from .configs import CONFIGS, CallFailed, ConfigError, session_config
{% else -%}
from .configs import CallFailed
{% endif -%}
from .profile import DEFAULT_PROFILE, Profile, ProfileError
from .speech import SPEECH_DIR, SpeechError, conversation

{% if pipeline -%}
DESCRIPTION = """\
Measure this project's agent on this machine, with no API keys: recorded speech goes
through the real VAD, end-of-turn model and AgentSession, while STT, LLM and TTS are
simulated with latencies from a profile (published figures for the providers you chose;
`profile` prints them). Results go to bench-results/ as JSON and PNG.
"""
{%- else -%}
DESCRIPTION = """\
Measure this project's agent on this machine, with no API keys: recorded speech goes
through the real AgentSession to a simulated realtime model{% if half %} and TTS{% endif %}, which answer{% if not half %}s{% endif %} with
latencies from a profile (published figures for the {% if half %}model and voice{% else %}model{% endif %} you chose; `profile`
prints them). What runs at the provider (its network, the model's real timing) is not measured:
only this agent's own time on top of it. Results go to bench-results/ as JSON and PNG.
"""
# A realtime model takes the turns at its provider: the session has no VAD, end-of-turn model
# or preemptive generation to compare against a baseline's.
NO_COMPARE = (
    "compare runs the same turns through a pipeline's turn handling (VAD, end-of-turn model,"
    " preemptive generation) and LiveKit's starter settings; this project's realtime model"
    " takes the turns at its provider, so there is nothing to compare: use latency or capacity."
)
{%- endif %}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", type=Path, help="a JSON profile (default: built in)")
    common.add_argument(
        "--speech",
        type=Path,
        default=SPEECH_DIR,
        help="a folder of 16-bit mono WAV files and conversation.json (default: built in)",
    )
    common.add_argument("--out", type=Path, default=Path("bench-results"), help="where to write")
    modes_ = root.add_subparsers(dest="mode", required=True, metavar="MODE")

    latency = modes_.add_parser(
        "latency",
        parents=[common],
        help="end of speech to first agent audio per turn, split into stages",
    )
    latency.add_argument("--turns", type=positive, default=12, help="user turns (default 12)")
{%- if pipeline %}
    latency.add_argument(
        "--config",
        default="project",
        help=f"session configuration: {', '.join(CONFIGS)} or a JSON file (default project)",
    )
{%- endif %}

    capacity = modes_.add_parser(
        "capacity", parents=[common], help="concurrent sessions one worker holds on this machine"
    )
    capacity.add_argument(
        "--steps",
        type=steps,
        default=[1, 2, 4, 8, 16, 24, 32],
        help="the first steps' concurrent sessions, comma-separated; past the last, each step"
        " adds 25%% until one fails (default 1,2,4,8,16,24,32)",
    )
    capacity.add_argument(
        "--max-sessions",
        type=positive,
        default=1000,
        help="never ramp past this many sessions (default 1000)",
    )
    capacity.add_argument("--turns", type=positive, default=4, help="turns per session (default 4)")
    capacity.add_argument(
        "--threshold-ms",
        type=float,
        default=50.0,
        help="stop when the remainder's p95 passes this (default 50)",
    )
    capacity.add_argument(
        "--stagger",
        type=float,
        default=6.0,
        help="seconds over which each step's sessions start (default 6)",
    )
{%- if pipeline %}

    compare = modes_.add_parser(
        "compare",
        parents=[common],
        help="the same conversations through this project and a baseline configuration",
    )
    compare.add_argument(
        "--baseline",
        default="starter",
        help="starter (LiveKit's agent-starter-python settings) or a JSON file of overrides",
    )
    compare.add_argument("--turns", type=positive, default=4, help="turns per round (default 4)")
    compare.add_argument("--rounds", type=positive, default=3, help="rounds (default 3)")
{%- else %}

    modes_.add_parser("compare", help="not for a realtime model: it says why")
{%- endif %}

    modes_.add_parser("profile", help="print the built-in profile as JSON, to edit")
    return root


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def steps(text: str) -> list[int]:
    try:
        values = [positive(part) for part in text.split(",")]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError("expected positive whole numbers, e.g. 1,2,4,8") from None
    if values != sorted(set(values)):
        raise argparse.ArgumentTypeError("steps must increase, e.g. 1,2,4,8")
    return values


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.mode == "profile":
        print(DEFAULT_PROFILE.read_text(encoding="utf-8"), end="")
        return 0
{%- if not pipeline %}
    if args.mode == "compare":
        print(f"Cannot run the benchmark: {NO_COMPARE}", file=sys.stderr)
        return 2
{%- endif %}
    try:
        run = checked_run(args)
    except (ProfileError, SpeechError{% if pipeline %}, ConfigError{% endif %}) as error:
        print(f"Cannot run the benchmark: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.mode == "latency":
{%- if pipeline %}
            modes.latency(run, config=args.config, turns=args.turns)
        elif args.mode == "compare":
            modes.compare(run, baseline=args.baseline, turns=args.turns, rounds=args.rounds)
{%- else %}
            modes.latency(run, config="project", turns=args.turns)
{%- endif %}
        else:
            modes.capacity(
                run,
                steps=args.steps,
                turns=args.turns,
                threshold_ms=args.threshold_ms,
                stagger_window=args.stagger,
                max_sessions=args.max_sessions,
            )
    except CallFailed as error:
        print(f"Cannot run the benchmark: {error}", file=sys.stderr)
        return 1
    return 0


def checked_run(args: argparse.Namespace) -> modes.Run:
    """Read every input up front, so a bad one stops here with a message, not in a job."""
    profile = Profile.from_file(args.profile or DEFAULT_PROFILE)
    for utterance in conversation(args.speech):
        utterance.check()
{%- if pipeline %}
    for name in (getattr(args, "config", None), getattr(args, "baseline", None)):
        if name:
            session_config(name)
{%- endif %}
    return modes.Run(out=args.out, profile=profile, speech_dir=args.speech)


if __name__ == "__main__":
    sys.exit(main())
