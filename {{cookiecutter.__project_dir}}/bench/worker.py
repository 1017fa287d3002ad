{%- set pipeline = cookiecutter.architecture == "pipeline" -%}
{%- set preloads = pipeline or cookiecutter.use_rag -%}
"""Run benchmark conversations in job processes, started the way the production worker does.

An `AgentServer` with this module's session function runs unregistered (no LiveKit server)
and is handed fake jobs, as `console` does, but with livekit's process pool: a forkserver that
{%- if pipeline %}
preloads the plugins, livekit's local models and the project's `preload` module (the worker's
`PRELOAD_MODULES`), one process per job, `prewarm` once per process. Each job reads its ticket
{%- elif preloads %}
preloads the plugins and the project's `preload` module (the worker's `PRELOAD_MODULES`), one
process per job, `prewarm` once per process. Each job reads its ticket
{%- else %}
preloads the plugins, one process per job. Each job reads its ticket
{%- endif %}
(what to run), named by its room, and leaves its timeline (or why it failed) beside it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from livekit.agents import AgentServer, JobContext{% if preloads %}, JobProcess{% endif %}

{% if cookiecutter.use_rag -%}
from {{ cookiecutter.__package }}.knowledge.tool import load_knowledge_base
{% endif -%}
{% if preloads -%}
from {{ cookiecutter.__package }}.server import PRELOAD_MODULES

{% endif -%}
from .configs import CallFailed, session_config
from .profile import Profile
from .speech import conversation
from .timeline import TurnMarks

JOB_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Ticket:
    config: str
{%- if pipeline %}
    """A name from `configs.CONFIGS`, or a JSON file of turn-handling overrides."""
{%- else %}
    """A name from `configs.CONFIGS`."""
{%- endif %}
    profile: dict[str, object]
    turns: int
    speech_dir: str


@dataclass
class Usage:
    """CPU and memory of the worker's processes while the jobs ran.

    Memory on Linux: a job process's private memory (USS, the pages no other process maps) is
    what each more call adds; the rest is the worker's whatever the number of calls: its main
    process, the forkserver the job processes are forked from, and the pages (models, imported
    code) they all share with it, counted once (the sum of PSS, minus the jobs' USS). Where the
    OS reports neither, RSS, which counts shared pages in every process.
    """

    seconds: float
    """Wall-clock time from the first sample to the last."""
    worker_cpu_seconds: float
    """CPU time of all the worker's processes in that time."""
    job_cpu_seconds: float
    """CPU time of the job processes (one per conversation), start-up included."""
    job_seconds: float
    """Wall-clock lifetime of the job processes, summed."""
    job_memory_mb: list[float]
    """Peak private memory of each job process."""
    shared_memory_mb: float
    """The rest, when the worker's memory peaked."""
    total_memory_mb: float
    """The worker's peak memory, all its processes together."""
    machine_cpu_percent: float
    """How busy the machine's CPUs were in that time, this worker and anything else."""
    memory_metric: str
    """uss/pss where the OS reports them, else rss."""
{%- if pipeline %}


def prewarm(proc: JobProcess) -> None:
    """src/agent.py's prewarm, less what the benchmark does not run (tracing
    {%- if cookiecutter.__stt == "faster-whisper" %}, the Whisper
    weights: STT is simulated{% endif %})."""
    from {{ cookiecutter.__package }} import preload

    proc.userdata["vad"] = preload.VAD
{%- if cookiecutter.use_rag %}
    load_knowledge_base()
{%- endif %}
{%- elif cookiecutter.use_rag %}


def prewarm(proc: JobProcess) -> None:
    """src/agent.py's prewarm, less what the benchmark does not run (tracing)."""
    load_knowledge_base()
{%- endif %}


async def bench_session(ctx: JobContext) -> None:
    # The room name carries the ticket's path: the forkserver keeps the environment of the
    # first run, so a second run in the same process could not pass it through a variable.
    ticket_path = Path(ctx.job.room.name)
    try:
        ticket = await asyncio.to_thread(read_ticket, ticket_path)
        timeline = await session_config(ticket.config).run(
            Profile.from_dict(ticket.profile),
            conversation(Path(ticket.speech_dir)),
            turns=ticket.turns,
{%- if pipeline %}
            prewarmed_vad=ctx.proc.userdata["vad"],
{%- endif %}
        )
    except Exception as error:  # any failure goes back to the benchmark, which stops on it
        await asyncio.to_thread(write_failure, ticket_path, error)
    else:
        await asyncio.to_thread(write_result, ticket_path, timeline.turns)
    ctx.shutdown(reason="benchmark conversation finished")


def read_ticket(path: Path) -> Ticket:
    return Ticket(**json.loads(path.read_text()))


def write_result(ticket_path: Path, turns: list[TurnMarks]) -> None:
    ticket_path.with_suffix(".result").write_text(json.dumps([asdict(turn) for turn in turns]))


def write_failure(ticket_path: Path, error: Exception) -> None:
    message = str(error) if isinstance(error, CallFailed) else f"{type(error).__name__}: {error}"
    ticket_path.with_suffix(".failed").write_text(" ".join(message.split()))


@dataclass
class Jobs:
    """What the jobs of one run left behind."""

    turns: list[list[TurnMarks]]
    """Each job's turns (none for a job that failed or never finished)."""
    failures: list[str]
    """One line per job that failed, saying why."""
    usage: Usage


def run_jobs(tickets: list[Ticket], workdir: Path, *, stagger: float = 0.0) -> Jobs:
    """Run one job per ticket, starting them `stagger` seconds apart; return their turns."""
    paths = [workdir / f"{index:04d}.ticket" for index in range(len(tickets))]
    for path, ticket in zip(paths, tickets, strict=True):
        path.write_text(json.dumps(asdict(ticket)))
    usage = asyncio.run(_serve(paths, stagger))
    turns = [
        [TurnMarks(**turn) for turn in json.loads(result.read_text())] if result.exists() else []
        for result in (path.with_suffix(".result") for path in paths)
    ]
    failures = [
        failed.read_text() for path in paths if (failed := path.with_suffix(".failed")).exists()
    ]
    return Jobs(turns, failures, usage)


async def _serve(tickets: list[Path], stagger: float) -> Usage:
{%- if preloads %}
    server = AgentServer(
        setup_fnc=prewarm, port=0, num_idle_processes=0, preload_modules=PRELOAD_MODULES
    )
{%- else %}
    # src/agent.py's prewarm only starts tracing, which the benchmark does not run.
    server = AgentServer(port=0, num_idle_processes=0)
{%- endif %}
    server.rtc_session(bench_session)
    started = asyncio.Event()
    server.once("worker_started", started.set)
    running = asyncio.create_task(server.run(devmode=False, unregistered=True))
    sampler = UsageSampler()
    sampling = asyncio.create_task(sampler.run())
    try:
        await asyncio.wait_for(started.wait(), timeout=60)
        for index, ticket in enumerate(tickets):
            if index:
                await asyncio.sleep(stagger)
            await server.simulate_job(str(ticket), fake_job=True)
        await _wait_for_jobs(server, tickets)
    finally:
        sampling.cancel()
        await server.aclose()
        await running
    return sampler.finish()


async def _wait_for_jobs(server: AgentServer, tickets: list[Path]) -> None:
    """Wait until every job has written its result or its failure, or has ended without
    either (its process died); the turns missing then, or at the timeout, are reported as
    unanswered."""

    def written() -> bool:
        return all(
            ticket.with_suffix(".result").exists() or ticket.with_suffix(".failed").exists()
            for ticket in tickets
        )

    try:
        async with asyncio.timeout(JOB_TIMEOUT_SECONDS):
            # Every job was launched before this (simulate_job waits for a process).
            while server.active_jobs:
                if await asyncio.to_thread(written):
                    return
                await asyncio.sleep(0.5)
    except TimeoutError:
        return


class UsageSampler:
    """Samples every process of this worker: the job processes apart from the rest (the main
    process, the forkserver, helpers and the inference process, if any).

    CPU times once a second; memory every `MEMORY_EVERY` seconds, because reading it makes the
    kernel walk the process's page tables (some 15 ms for a call process: every second, at
    25 calls, that would be a fifth of a core). A job process's memory plateaus after its first
    end-of-turn prediction, so the peak is still caught. The sampler's own CPU time is left out
    of the worker's.
    """

    MEMORY_EVERY = 5

    def __init__(self) -> None:
        self._root = psutil.Process()
        self._started: float | None = None
        self._last = 0.0
        self._machine = psutil.cpu_times()
        self._cpu: dict[int, tuple[float, float]] = {}
        self._alive: dict[int, tuple[float, float]] = {}  # job process: first, last seen
        self._job_memory: dict[int, float] = {}
        self._shared = 0.0
        self._total = 0.0
        self._metric = "rss"
        self._samples = 0
        self._own_cpu = 0.0
        # Processes that exist before the first job (the inference process, if any) are the
        # worker's own, not a session's.
        self._worker_pids = {p.pid for p in self._root.children(recursive=True)}

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(1.0)

    def sample(self) -> None:
        started_cpu = time.thread_time()
        now = time.monotonic()
        first_sample = self._started is None
        if first_sample:
            self._started = now
        with_memory = self._samples % self.MEMORY_EVERY == 0
        self._samples += 1
        processes = [self._root, *self._root.children(recursive=True)]
        forkservers = {p.pid for p in processes if _is_forkserver(p)}
        total = jobs_private = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                memory = _memory_mb(process) if with_memory else None
                is_job = process.ppid() in forkservers and process.pid not in self._worker_pids
            except psutil.Error:
                continue  # it exited between listing and reading
            cpu = times.user + times.system
            # A process running at the first sample counts from there; one started since (a
            # job process), from its start.
            first = self._cpu.get(process.pid, (cpu if first_sample else 0.0, 0.0))[0]
            self._cpu[process.pid] = (first, cpu)
            if is_job:
                born = self._alive.get(process.pid, (now, now))[0]
                self._alive[process.pid] = (born, now)
            if memory is None:
                continue
            self._metric = memory.metric
            total += memory.proportional
            if is_job:
                jobs_private += memory.private
                peak = max(self._job_memory.get(process.pid, 0.0), memory.private)
                self._job_memory[process.pid] = peak
        if total > self._total:
            self._total, self._shared = total, total - jobs_private
        self._last = now
        self._own_cpu += time.thread_time() - started_cpu

    def finish(self) -> Usage:
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - sum(self._machine) + self._machine.idle
        busy -= self._own_cpu
        elapsed = sum(machine) - sum(self._machine)
        worker_cpu = sum(last - first for first, last in self._cpu.values()) - self._own_cpu
        return Usage(
            seconds=self._last - (self._started or self._last),
            worker_cpu_seconds=worker_cpu,
            job_cpu_seconds=sum(self._cpu[pid][1] for pid in self._alive),
            job_seconds=sum(last - born for born, last in self._alive.values()),
            job_memory_mb=list(self._job_memory.values()),
            shared_memory_mb=self._shared,
            total_memory_mb=self._total,
            machine_cpu_percent=100 * busy / elapsed if elapsed > 0 else 0.0,
            memory_metric=self._metric,
        )


def _is_forkserver(process: psutil.Process) -> bool:
    try:
        return any("forkserver" in part for part in process.cmdline())
    except psutil.Error:
        return False


@dataclass(frozen=True)
class Memory:
    private: float
    """MB only this process maps (USS)."""
    proportional: float
    """MB with each shared page divided among the processes that map it (PSS)."""
    metric: str


def _memory_mb(process: psutil.Process) -> Memory:
    """USS and PSS where the OS reports them (Linux); else RSS for both."""
    info: Any
    try:
        info = process.memory_full_info()
    except (psutil.AccessDenied, NotImplementedError):
        info = process.memory_info()
    pss = getattr(info, "pss", 0)
    uss = getattr(info, "uss", 0)
    if pss and uss:
        return Memory(uss / 2**20, pss / 2**20, "uss/pss")
    return Memory(info.rss / 2**20, info.rss / 2**20, "rss")
