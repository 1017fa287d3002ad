"""The three measurements: latency per turn, capacity per worker, and a comparison."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from . import report
from .configs import CallFailed, session_config
from .profile import Profile
from .timeline import TurnMarks, breakdown, percentile, summarise
from .worker import Ticket, Usage, run_jobs

# The worker size LiveKit's deployment guide sizes against (25 sessions per 4 cores / 8 GB).
REFERENCE_CORES = 4
REFERENCE_MEMORY_GB = 8


@dataclass(frozen=True)
class Run:
    """What every mode needs: where to write, what to simulate and which speech to play."""

    out: Path
    profile: Profile
    speech_dir: Path

    def ticket(self, config: str, turns: int) -> Ticket:
        return Ticket(config, asdict(self.profile), turns, str(self.speech_dir))


def run_tickets(tickets: list[Ticket], stagger: float = 0.0) -> tuple[list[TurnMarks], int, Usage]:
    """Run the tickets as jobs; return the complete turns, how many went unanswered, usage.

    Raises CallFailed, with the first job's reason, when a job could not run its call.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        jobs = run_jobs(tickets, Path(workdir), stagger=stagger)
    if jobs.failures:
        raise CallFailed(jobs.failures[0])
    turns = [turn for job in jobs.turns for turn in job]
    complete = [turn for turn in turns if turn.complete()]
    expected = sum(ticket.turns for ticket in tickets)
    return complete, expected - len(complete), jobs.usage


def latency(run: Run, *, config: str, turns: int) -> dict[str, Any]:
    done, missing, _ = run_tickets([run.ticket(config, turns)])
    if not done:
        raise SystemExit("No turn was answered; see the log above.")
    summary = summarise([breakdown(turn) for turn in done])
    print(f"\nLatency at one session, {len(done)} turns ({session_config(config).description}):\n")
    print(report.stage_table({config: summary}))
    report.print_notes(done, missing)
    rows = report.turn_rows(done)
    result = {
        "mode": "latency",
        "machine": report.machine(),
        "profile": asdict(run.profile),
        "config": config,
        "summary": summary,
        "unanswered_turns": missing,
        "turns": rows,
    }
    report.write_json(run.out / "latency.json", result)
    report.plot_turns(run.out / "latency.png", rows, f"Voice-to-voice latency per turn ({config})")
    print(f"\nWrote {run.out / 'latency.json'} and {run.out / 'latency.png'}")
    return result


def compare(run: Run, *, baseline: str, turns: int, rounds: int) -> dict[str, Any]:
    configs = {"project": session_config("project"), baseline: session_config(baseline)}
    done: dict[str, list[TurnMarks]] = {name: [] for name in configs}
    missing = 0
    for _ in range(rounds):  # alternate, so drift on the machine hits both alike
        for name in configs:
            answered, lost, _ = run_tickets([run.ticket(name, turns)])
            done[name] += answered
            missing += lost
    if not all(done.values()):
        raise SystemExit("A configuration had no answered turn; see the log above.")
    summaries = {
        configs[name].name: summarise([breakdown(turn) for turn in turns_])
        for name, turns_ in done.items()
    }
    project, other = summaries
    print(f"\nThe same conversations through two configurations ({rounds} rounds):")
    for config in configs.values():
        print(f"  {config.name}: {config.description}")
    print()
    print(report.stage_table(summaries))
    ratios = {
        stage: ratio(summaries[project][stage]["p50"], summaries[other][stage]["p50"])
        for stage in summaries[project]
    }
    print(f"\np50 of {project} / p50 of {other} (below 1: {project} is faster):")
    print("  " + "  ".join(f"{stage} {value:.2f}" for stage, value in ratios.items()))
    report.print_notes([t for turns_ in done.values() for t in turns_], missing)
    result = {
        "mode": "compare",
        "machine": report.machine(),
        "profile": asdict(run.profile),
        "configs": {config.name: config.description for config in configs.values()},
        "summaries": summaries,
        "p50_ratio": ratios,
        "unanswered_turns": missing,
        "turns": {configs[name].name: report.turn_rows(t) for name, t in done.items()},
    }
    report.write_json(run.out / "compare.json", result)
    report.plot_compare(run.out / "compare.png", summaries)
    print(f"\nWrote {run.out / 'compare.json'} and {run.out / 'compare.png'}")
    return result


def ratio(a: float, b: float) -> float:
    return a / b if b else (1.0 if not a else math.inf)


@dataclass
class Step:
    """One capacity step: `sessions` conversations at once."""

    sessions: int
    turns: int
    unanswered_turns: int
    remainder_p95_ms: float
    total_p95_ms: float
    cpu_per_session: float
    """Cores one session's job process used on average."""
    memory_per_session_mb: float
    """Peak memory of one job process (PSS on Linux: shared pages split among sharers)."""
    worker_memory_mb: float
    """The worker process, its forkserver and helpers, without the job processes."""
    passed: bool

    @classmethod
    def measure(
        cls,
        sessions: int,
        done: list[TurnMarks],
        missing: int,
        usage: Usage,
        *,
        threshold_ms: float,
    ) -> Step:
        stages = [breakdown(turn) for turn in done]
        remainder = percentile([s["remainder"] for s in stages], 95) * 1000 if done else math.inf
        return cls(
            sessions=sessions,
            turns=len(done),
            unanswered_turns=missing,
            remainder_p95_ms=remainder,
            total_p95_ms=percentile([s["total"] for s in stages], 95) * 1000 if done else math.inf,
            cpu_per_session=usage.job_cpu_seconds / usage.job_seconds if usage.job_seconds else 0,
            memory_per_session_mb=max(usage.job_memory_mb, default=0.0),
            worker_memory_mb=usage.worker_memory_mb,
            passed=not missing and remainder <= threshold_ms,
        )

    def row(self) -> str:
        verdict = "" if self.passed else "   <- stop"
        return (
            f"{self.sessions:>8} {self.turns:>6} {self.remainder_p95_ms:>11.0f} ms"
            f" {self.total_p95_ms:>9.0f} ms {self.cpu_per_session * 100:>10.1f} %"
            f" {self.memory_per_session_mb:>10.0f} {self.worker_memory_mb:>10.0f}{verdict}"
        )


CAPACITY_HEADER = (
    f"{'sessions':>8} {'turns':>6} {'remainder p95':>14} {'total p95':>12}"
    f" {'CPU/session':>12} {'MB/session':>10} {'worker MB':>10}"
)


def capacity(
    run: Run, *, steps: list[int], turns: int, threshold_ms: float, stagger_window: float
) -> dict[str, Any]:
    """Ramp concurrent sessions; stop at the first step whose remainder p95 passes the
    threshold or that leaves a turn unanswered, or before a step that would not fit in the
    free memory."""
    cores = os.cpu_count() or 1
    print(f"\nCapacity of one worker on this machine ({cores} logical CPUs);")
    print(f"a step fails when the remainder's p95 passes {threshold_ms:.0f} ms.\n")
    print(CAPACITY_HEADER)
    results: list[Step] = []
    stopped_by = f"the last step ({steps[-1]} sessions)"
    for sessions in steps:
        if results and not fits_in_memory(results[-1], sessions):
            stopped_by = f"memory: {sessions} sessions would not fit in the free memory"
            break
        tickets = [run.ticket("project", turns)] * sessions
        try:
            done, missing, usage = run_tickets(tickets, stagger=stagger_window / sessions)
        except CallFailed as error:
            if not results:
                raise
            stopped_by = f"a call failed at {sessions} sessions: {error}"
            break
        step = Step.measure(sessions, done, missing, usage, threshold_ms=threshold_ms)
        results.append(step)
        print(step.row(), flush=True)
        if not step.passed:
            stopped_by = (
                f"{step.unanswered_turns} unanswered turn(s)"
                if step.unanswered_turns
                else "latency: the remainder's p95 passed the threshold"
            )
            break
    held = [step for step in results if step.passed]
    limit = limits(held[-1], cores) if held else None
    print(f"\nStopped by {stopped_by}.")
    print(describe_limit(limit))
    result = {
        "mode": "capacity",
        "machine": report.machine(),
        "profile": asdict(run.profile),
        "threshold_ms": threshold_ms,
        "turns_per_session": turns,
        "steps": [asdict(step) for step in results],
        "stopped_by": stopped_by,
        "limit": limit,
    }
    report.write_json(run.out / "capacity.json", result)
    report.plot_capacity(run.out / "capacity.png", [asdict(step) for step in results], threshold_ms)
    print(f"\nWrote {run.out / 'capacity.json'} and {run.out / 'capacity.png'}")
    return result


def fits_in_memory(previous: Step, sessions: int) -> bool:
    needed_mb = previous.worker_memory_mb + sessions * previous.memory_per_session_mb
    return needed_mb < psutil.virtual_memory().available / 2**20 * 0.9


def limits(step: Step, cores: int) -> dict[str, Any]:
    """Sessions per core and per GB at the last step that held, and what that implies for
    LiveKit's reference worker: CPU scaled by cores, memory by what is left after the worker."""
    memory_gb = (step.worker_memory_mb + step.sessions * step.memory_per_session_mb) / 1024
    by_cpu = step.sessions * REFERENCE_CORES / cores
    by_memory = (REFERENCE_MEMORY_GB * 1024 - step.worker_memory_mb) / step.memory_per_session_mb
    return {
        "sessions": step.sessions,
        "sessions_per_core": step.sessions / cores,
        "sessions_per_gb": step.sessions / memory_gb,
        "reference_worker_sessions": math.floor(min(by_cpu, by_memory)),
        "limited_by": "CPU" if by_cpu <= by_memory else "memory",
    }


def describe_limit(limit: dict[str, Any] | None) -> str:
    if limit is None:
        return "Not even the first step held; see the remainder figures above."
    return (
        f"Held {limit['sessions']} concurrent sessions: {limit['sessions_per_core']:.1f} per core,"
        f" {limit['sessions_per_gb']:.1f} per GB.\nImplied for a {REFERENCE_CORES}-core /"
        f" {REFERENCE_MEMORY_GB} GB worker: {limit['reference_worker_sessions']} sessions"
        f" (limited by {limit['limited_by']})."
    )
