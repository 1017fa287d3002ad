"""Tables for the terminal, a JSON report and a PNG plot for each benchmark mode."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil

from .timeline import STAGES, TurnMarks, breakdown

COLOURS = {
{%- if cookiecutter.architecture == "pipeline" %}
    "endpointing": "#8fa9c9",
    "stt": "#5b8e7d",
    "llm": "#e3a857",
{%- else %}
    "model": "#e3a857",
{%- endif %}
{%- if cookiecutter.architecture == "half-cascade" %}
    "sentence": "#8fa9c9",
{%- endif %}
{%- if cookiecutter.__tts != "none" %}
    "tts": "#b56576",
{%- endif %}
    "remainder": "#444444",
}


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": _processor_name(),
        "logical_cpus": os.cpu_count(),
        # Other work on the machine skews every figure: compare with logical_cpus.
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "livekit_agents": version("livekit-agents"),
    }


def _processor_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def turn_rows(turns: list[TurnMarks]) -> list[dict[str, Any]]:
    """Each complete turn's timestamps and its stages in seconds."""
    return [
        {
            "index": turn.index,
            **turn.marks(),
{%- if cookiecutter.architecture == "pipeline" %}
            "waited_max_delay": turn.waited_max_delay,
{%- endif %}
            "stages": breakdown(turn),
        }
        for turn in turns
        if turn.complete()
    ]


def print_notes(turns: list[TurnMarks], unanswered: int) -> None:
{%- if cookiecutter.architecture == "pipeline" %}
    if waited := sum(turn.waited_max_delay for turn in turns):
        print(
            f"\n{waited} of {len(turns)} turns waited for the endpointing max_delay: the"
            " end-of-turn model scored the user's speech as likely to go on."
        )
{%- endif %}
    if unanswered:
        print(f"\n{unanswered} turn(s) got no reply in time and are left out.")


def stage_table(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """p50 / p95 / max per stage in milliseconds, one column group per configuration."""
    names = list(summaries)
    header = f"{'stage':<12}" + "".join(f"{name + ' p50/p95/max (ms)':>30}" for name in names)
    lines = [header, "-" * len(header)]
    for stage in (*STAGES, "total"):
        cells = "".join(
            f"{_ms(s[stage]['p50']):>12}{_ms(s[stage]['p95']):>9}{_ms(s[stage]['max']):>9}"
            for s in summaries.values()
        )
        lines.append(f"{stage:<12}{cells}")
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def pyplot() -> ModuleType:
    """matplotlib, imported by the first plot: the import takes most of a second, which every
    other use of the benchmark (its --help, its messages, its tests) would otherwise pay."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_turns(path: Path, rows: list[dict[str, Any]], title: str) -> None:
    """One stacked bar per turn: where the time from end of speech to agent audio went."""
    figure, axes = pyplot().subplots(figsize=(9, 0.35 * len(rows) + 1.8))
    labels = [f"turn {row['index'] + 1}" for row in rows]
    left = [0.0] * len(rows)
    for stage in STAGES:
        widths = [row["stages"][stage] * 1000 for row in rows]
        axes.barh(labels, widths, left=left, color=COLOURS[stage], label=stage)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("milliseconds from the end of the user's speech to the agent's first audio")
    axes.set_title(title)
    axes.legend(ncols=len(STAGES), loc="lower center", bbox_to_anchor=(0.5, 1.08), frameon=False)
    _save(figure, path)
{%- if cookiecutter.architecture == "pipeline" %}


def plot_compare(path: Path, summaries: dict[str, dict[str, dict[str, float]]]) -> None:
    """p50 per stage, side by side for each configuration."""
    figure, axes = pyplot().subplots(figsize=(9, 4))
    stages = [*STAGES, "total"]
    width = 0.8 / len(summaries)
    for offset, (name, summary) in enumerate(summaries.items()):
        xs = [i + offset * width for i in range(len(stages))]
        axes.bar(xs, [summary[s]["p50"] * 1000 for s in stages], width, label=name)
    axes.set_xticks([i + width * (len(summaries) - 1) / 2 for i in range(len(stages))], stages)
    axes.set_ylabel("p50 (ms)")
    axes.set_title("Same conversations, two session configurations")
    axes.legend(frameon=False)
    _save(figure, path)
{%- endif %}


def plot_capacity(path: Path, steps: list[dict[str, Any]], threshold_ms: float) -> None:
    """The remainder's p95 and the resources per session as concurrent sessions grow."""
    sessions = [step["sessions"] for step in steps]
    figure, (latency, resources) = pyplot().subplots(2, 1, figsize=(8, 6), sharex=True)
    latency.plot(sessions, [s["remainder_p95_ms"] for s in steps], marker="o", label="p95")
    latency.axhline(threshold_ms, color="#b56576", linestyle="--", label="threshold")
    latency.set_ylabel("remainder (ms)")
    latency.legend(frameon=False)
    resources.plot(sessions, [s["machine_cpu_percent"] for s in steps], marker="o", label="machine")
    resources.plot(sessions, [s["worker_cpu_percent"] for s in steps], marker="o", label="worker")
    resources.set_ylabel("% of all CPUs busy")
    resources.legend(frameon=False, loc="upper left")
    memory = resources.twinx()
    memory.plot(sessions, [s["total_memory_mb"] for s in steps], color="#e3a857")
    memory.set_ylabel("worker MB (all processes)", color="#e3a857")
    resources.set_xlabel("concurrent sessions")
    figure.suptitle("Capacity of one worker on this machine")
    _save(figure, path)


def _save(figure: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot().close(figure)
