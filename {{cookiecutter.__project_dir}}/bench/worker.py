"""Run benchmark conversations in job processes, started the way the production worker does.

An `AgentServer` with this module's session function runs unregistered (no LiveKit server)
and is handed fake jobs, as `console` does, but with livekit's process pool: a forkserver that
preloads the plugins and local models, one process per job, `prewarm` once per process. Each
job reads its ticket (what to run), named by its room, and leaves its timeline beside it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from livekit.agents import AgentServer, JobContext, JobProcess

from {{ cookiecutter.__package }}.providers import load_vad

from .configs import CallFailed, session_config
from .profile import Profile
from .speech import conversation
from .timeline import TurnMarks

JOB_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Ticket:
    config: str
    """A name from `configs.CONFIGS`, or a JSON file of turn-handling overrides."""
    profile: dict[str, object]
    turns: int
    speech_dir: str


@dataclass
class Usage:
    """CPU and memory of the worker's processes while the jobs ran."""

    job_cpu_seconds: float
    """CPU time of the job processes (one per conversation)."""
    job_seconds: float
    """Wall-clock lifetime of the job processes, summed."""
    job_memory_mb: list[float]
    """Peak memory of each job process."""
    worker_memory_mb: float
    """Peak memory of the rest: the worker, its forkserver and helpers."""
    memory_metric: str
    """pss on Linux (shared pages divided among their sharers), else uss or rss."""


def prewarm(proc: JobProcess) -> None:
    proc.userdata["vad"] = load_vad()


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
            prewarmed_vad=ctx.proc.userdata["vad"],
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
    server = AgentServer(setup_fnc=prewarm, port=0, num_idle_processes=0)
    server.rtc_session(bench_session)
    started = asyncio.Event()
    server.once("worker_started", started.set)
    running = asyncio.create_task(server.run(devmode=False, unregistered=True))
    sampler = UsageSampler()
    try:
        await asyncio.wait_for(started.wait(), timeout=60)
        for index, ticket in enumerate(tickets):
            if index:
                await asyncio.sleep(stagger)
            await server.simulate_job(str(ticket), fake_job=True)
        await _wait_for_jobs(server, tickets, sampler)
    finally:
        await server.aclose()
        await running
    return sampler.finish()


async def _wait_for_jobs(server: AgentServer, tickets: list[Path], sampler: UsageSampler) -> None:
    """Sample resource use until every job has written its result or its failure, or has
    ended without either (its process died); the turns missing then, or at the timeout,
    are reported as unanswered."""

    def written() -> bool:
        return all(
            ticket.with_suffix(".result").exists() or ticket.with_suffix(".failed").exists()
            for ticket in tickets
        )

    try:
        async with asyncio.timeout(JOB_TIMEOUT_SECONDS):
            # Every job was launched before this (simulate_job waits for a process).
            while server.active_jobs and not await asyncio.to_thread(written):
                sampler.sample()
                await asyncio.sleep(1.0)
    except TimeoutError:
        return


class UsageSampler:
    """Samples every process of this worker: the job processes apart from the rest."""

    def __init__(self) -> None:
        self._root = psutil.Process()
        self._cpu: dict[int, tuple[float, float]] = {}
        self._alive: dict[int, tuple[float, float]] = {}
        self._job_memory: dict[int, float] = {}
        self._worker_memory = 0.0
        self._metric = "rss"
        # Processes that exist before the first job (the inference process, if any) are the
        # worker's own, not a session's.
        self._worker_pids = {p.pid for p in self._root.children(recursive=True)}

    def sample(self) -> None:
        now = time.monotonic()
        processes = self._root.children(recursive=True)
        forkservers = {p.pid for p in processes if _is_forkserver(p)}
        worker_memory = _memory_mb(self._root)[0]
        for process in processes:
            try:
                times = process.cpu_times()
                memory, self._metric = _memory_mb(process)
                is_job = process.ppid() in forkservers and process.pid not in self._worker_pids
            except psutil.Error:
                continue  # it exited between listing and reading
            if not is_job:
                worker_memory += memory
                continue
            first_cpu = self._cpu.get(process.pid, (times.user + times.system, 0.0))[0]
            self._cpu[process.pid] = (first_cpu, times.user + times.system)
            born = self._alive.get(process.pid, (now, now))[0]
            self._alive[process.pid] = (born, now)
            self._job_memory[process.pid] = max(self._job_memory.get(process.pid, 0.0), memory)
        self._worker_memory = max(self._worker_memory, worker_memory)

    def finish(self) -> Usage:
        return Usage(
            job_cpu_seconds=sum(last for _, last in self._cpu.values()),
            job_seconds=sum(last - born for born, last in self._alive.values()),
            job_memory_mb=list(self._job_memory.values()),
            worker_memory_mb=self._worker_memory,
            memory_metric=self._metric,
        )


def _is_forkserver(process: psutil.Process) -> bool:
    try:
        return any("forkserver" in part for part in process.cmdline())
    except psutil.Error:
        return False


def _memory_mb(process: psutil.Process) -> tuple[float, str]:
    """Proportional set size where the OS reports it (shared pages split among sharers)."""
    info: Any
    try:
        info = process.memory_full_info()
    except (psutil.AccessDenied, NotImplementedError):
        info = process.memory_info()
    metric = next((m for m in ("pss", "uss") if getattr(info, m, 0)), "rss")
    return getattr(info, metric) / 2**20, metric
