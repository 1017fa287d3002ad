{%- if cookiecutter.architecture == "pipeline" -%}
"""The three measurements: latency per turn, capacity per worker, and a comparison."""
{%- else -%}
"""The two measurements a realtime model allows: latency per turn and capacity per worker."""
{%- endif %}

from __future__ import annotations

import math
import os
import statistics
import tempfile
from collections.abc import Iterator
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
{%- if cookiecutter.architecture == "pipeline" %}


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
{%- endif %}


@dataclass
class Step:
    """One capacity step: `sessions` conversations at once."""

    sessions: int
    load_average: float
    """The machine's 1-minute load average when the step started (other work on it skews all
    figures: compare it with the number of CPUs)."""
    turns: int
    unanswered_turns: int
    remainder_p95_ms: float
    total_p95_ms: float
    cpu_per_session: float
    """Cores one session's job process used on average over its life, start-up included."""
    worker_cpu_percent: float
    """The worker's processes' CPU time over the step, in % of all the machine's CPUs."""
    machine_cpu_percent: float
    """How busy the machine's CPUs were over the step: this worker and anything else."""
    memory_per_session_mb: float
    """Private memory of a job process at its peak (the mean over the step's job processes):
    what each more call adds. The first one also holds library pages no other job process
    has mapped yet, so one session's figure is some 10 MB higher."""
    shared_memory_mb: float
    """What the worker holds whatever the number of calls: its main process, the forkserver
    and the pages (models, code) the job processes share with it, counted once."""
    total_memory_mb: float
    """The worker's peak memory at this step, all its processes together."""
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
        cores: int,
        load_average: float = 0.0,
    ) -> Step:
        stages = [breakdown(turn) for turn in done]
        remainder = percentile([s["remainder"] for s in stages], 95) * 1000 if done else math.inf
        wall = usage.seconds * cores
        return cls(
            sessions=sessions,
            load_average=load_average,
            turns=len(done),
            unanswered_turns=missing,
            remainder_p95_ms=remainder,
            total_p95_ms=percentile([s["total"] for s in stages], 95) * 1000 if done else math.inf,
            cpu_per_session=usage.job_cpu_seconds / usage.job_seconds if usage.job_seconds else 0,
            worker_cpu_percent=100 * usage.worker_cpu_seconds / wall if wall else 0.0,
            machine_cpu_percent=usage.machine_cpu_percent,
            memory_per_session_mb=statistics.fmean(usage.job_memory_mb or [0.0]),
            shared_memory_mb=usage.shared_memory_mb,
            total_memory_mb=usage.total_memory_mb,
            passed=not missing and remainder <= threshold_ms,
        )

    def row(self) -> str:
        verdict = "" if self.passed else "   <- stop"
        return (
            f"{self.sessions:>8} {self.load_average:>5.1f} {self.turns:>6}"
            f" {self.remainder_p95_ms:>11.0f} ms {self.total_p95_ms:>9.0f} ms"
            f" {self.worker_cpu_percent:>8.0f} % {self.machine_cpu_percent:>9.0f} %"
            f" {self.memory_per_session_mb:>8.0f} {self.shared_memory_mb:>9.0f}"
            f" {self.total_memory_mb:>9.0f}{verdict}"
        )


CAPACITY_HEADER = (
    f"{'sessions':>8} {'load':>5} {'turns':>6} {'remainder p95':>14} {'total p95':>12}"
    f" {'worker CPU':>10} {'machine CPU':>11} {'MB/call':>8} {'shared MB':>9} {'total MB':>9}"
)
# The machine's CPUs count as exhausted at a step where they were this busy.
CPU_EXHAUSTED_PERCENT = 90.0


def ramp(steps: list[int], max_sessions: int) -> Iterator[int]:
    """The given steps, then 25% more sessions at a time (at least 4) until `max_sessions`."""
    sessions = 0
    for sessions in steps:
        if sessions > max_sessions:
            return
        yield sessions
    while (sessions := max(sessions + 4, math.ceil(sessions * 1.25))) <= max_sessions:
        yield sessions


def capacity(
    run: Run,
    *,
    steps: list[int],
    turns: int,
    threshold_ms: float,
    stagger_window: float,
    max_sessions: int,
) -> dict[str, Any]:
    """Ramp concurrent sessions until a step fails: its remainder p95 passes the threshold or
    it leaves a turn unanswered, the next step would not fit in the free memory, or a call
    fails. Reports which resource ran out, and what that implies for the reference worker."""
    cores = os.cpu_count() or 1
    memory_gb = psutil.virtual_memory().total / 2**30
    print(f"\nCapacity of one worker on this machine ({cores} logical CPUs, {memory_gb:.1f} GB);")
    print(
        f"a step fails when the remainder's p95 passes {threshold_ms:.0f} ms or a turn goes"
        " unanswered. Load: the machine's 1-minute load average as the step started.\n"
    )
    print(CAPACITY_HEADER)
    results: list[Step] = []
    stopped_by = f"--max-sessions ({max_sessions}): no step failed"
    ran_out = "none"
    for sessions in ramp(steps, max_sessions):
        if results and not fits_in_memory(results[-1], sessions):
            stopped_by = f"memory: {sessions} sessions would not fit in the free memory"
            ran_out = "memory"
            break
        load = os.getloadavg()[0]
        tickets = [run.ticket("project", turns)] * sessions
        try:
            done, missing, usage = run_tickets(tickets, stagger=stagger_window / sessions)
        except CallFailed as error:
            if not results:
                raise
            stopped_by = f"a call failed at {sessions} sessions: {error}"
            break
        step = Step.measure(
            sessions,
            done,
            missing,
            usage,
            threshold_ms=threshold_ms,
            cores=cores,
            load_average=load,
        )
        results.append(step)
        print(step.row(), flush=True)
        if not step.passed:
            stopped_by = (
                f"{step.unanswered_turns} unanswered turn(s) at {sessions} sessions"
                if step.unanswered_turns
                else f"latency at {sessions} sessions: the remainder's p95 passed the threshold"
            )
            ran_out = exhausted(step)
            break
    held = [step for step in results if step.passed]
    limit = limits(held[-1], cores) if held else None
    print(f"\nStopped by {stopped_by}.")
    print(f"What ran out: {describe_exhausted(ran_out, results[-1] if results else None)}")
    print(describe_limit(limit))
    result = {
        "mode": "capacity",
        "machine": report.machine(),
        "profile": asdict(run.profile),
        "threshold_ms": threshold_ms,
        "turns_per_session": turns,
        "steps": [asdict(step) for step in results],
        "stopped_by": stopped_by,
        "ran_out": ran_out,
        "limit": limit,
    }
    report.write_json(run.out / "capacity.json", result)
    report.plot_capacity(run.out / "capacity.png", [asdict(step) for step in results], threshold_ms)
    print(f"\nWrote {run.out / 'capacity.json'} and {run.out / 'capacity.png'}")
    return result


def exhausted(step: Step) -> str:
    """The resource a failed step ran out of: the CPUs when they were (nearly) all busy."""
    return "CPU" if step.machine_cpu_percent >= CPU_EXHAUSTED_PERCENT else "neither CPU nor memory"


def describe_exhausted(ran_out: str, last: Step | None) -> str:
    if ran_out == "CPU" and last is not None:
        return (
            f"CPU: the machine's CPUs were {last.machine_cpu_percent:.0f}% busy, this worker"
            f" {last.worker_cpu_percent:.0f}% of them (the rest is other work on the machine)."
        )
    if ran_out == "neither CPU nor memory" and last is not None:
        return (
            f"neither: the CPUs were {last.machine_cpu_percent:.0f}% busy and memory fitted, so"
            " the event loop itself fell behind; compare with a run on an idle machine."
        )
    if ran_out == "memory":
        return "memory (the machine's free memory)."
    return "nothing yet: raise --max-sessions to find the limit."


def fits_in_memory(previous: Step, sessions: int) -> bool:
    needed_mb = previous.shared_memory_mb + sessions * previous.memory_per_session_mb
    return needed_mb < psutil.virtual_memory().available / 2**20 * 0.9


def limits(step: Step, cores: int) -> dict[str, Any]:
    """What the last step that held implies for LiveKit's reference worker: CPU scaled by
    cores, memory by what is left after the shared part, at the private memory per call."""
    by_cpu = step.sessions * REFERENCE_CORES / cores
    reference_mb = REFERENCE_MEMORY_GB * 1024
    by_memory = (reference_mb - step.shared_memory_mb) / step.memory_per_session_mb
    return {
        "sessions": step.sessions,
        "sessions_per_core": step.sessions / cores,
        "memory_per_session_mb": step.memory_per_session_mb,
        "shared_memory_mb": step.shared_memory_mb,
        "reference_worker_by_cpu": math.floor(by_cpu),
        "reference_worker_by_memory": math.floor(by_memory),
        "reference_worker_sessions": math.floor(min(by_cpu, by_memory)),
        "limited_by": "CPU" if by_cpu <= by_memory else "memory",
    }


def describe_limit(limit: dict[str, Any] | None) -> str:
    if limit is None:
        return "Not even the first step held; see the remainder figures above."
    return (
        f"Held {limit['sessions']} concurrent sessions: {limit['sessions_per_core']:.1f} per"
        f" core, {limit['memory_per_session_mb']:.0f} MB per call on top of"
        f" {limit['shared_memory_mb']:.0f} MB shared.\nImplied for a {REFERENCE_CORES}-core /"
        f" {REFERENCE_MEMORY_GB} GB worker: {limit['reference_worker_by_cpu']} by CPU,"
        f" {limit['reference_worker_by_memory']} by memory, so"
        f" {limit['reference_worker_sessions']} sessions (limited by {limit['limited_by']})."
    )
