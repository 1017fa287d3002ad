"""The full bake matrix: every combination of the four patterns x a pairwise covering set of
providers, model access, turn detection, noise cancellation, deploy target, license, Python
version and agent name, plus the default suite's rows (see tests/combinations.py).

    uv run python tests/matrix.py [--jobs N] [--shard K/N] [--limit N]
    uv run pytest -m matrix            # the same as one test; the table shows in the summary

Each combination is baked (pytest-cookies' baker) and linted (ruff check, ruff format --check);
then its project suite (uv sync, mypy, the project's offline tests) runs once per code shape:
combinations whose src/ and tests/ are identical share that run. Combinations run in parallel,
one per job (default: one job per core); each project is deleted once checked. Prints a table
of results and timings; exits 1 when a combination fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bake import BakedProject, SuiteRun, bake, code_shape, run_project_suite, script_cookies
from combinations import PATTERNS, combo_id, matrix_combinations
from pytest_cookies.plugin import Cookies

__all__ = ["PATTERNS", "matrix_combinations", "run", "select", "table"]

LINT = (
    ("ruff", ("ruff", "check", "--no-cache", ".")),
    ("format", ("ruff", "format", "--check", "--no-cache", ".")),
)
# The project suite's steps (tests/bake.py, run_project_suite); the benchmark's real run is
# exercised by the default suite's bench rows.
STEPS = ("bake", *(name for name, _ in LINT), "sync", "mypy", "pytest")
# cookiecutter changes the process's working directory while it renders: one bake at a time.
BAKE_LOCK = threading.Lock()


@dataclass
class Outcome:
    combo: dict[str, object]
    failed: str = ""  # the first failing step, or "" when all passed
    output: str = ""
    shared_with: str = ""  # the combination whose project suite this one's code shares
    seconds: dict[str, float] = field(default_factory=dict)  # per step, in STEPS order

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def select(
    combos: list[dict[str, object]], shard: tuple[int, int] = (1, 1), limit: int | None = None
) -> list[dict[str, object]]:
    """Shard K of N takes every Nth combination from the Kth, so shards cost about the same."""
    index, count = shard
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: K must be between 1 and N")
    return combos[index - 1 :: count][:limit]


class Shapes:
    """One project-suite run per code shape, shared by the jobs (threads) of this run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.runs: dict[str, tuple[threading.Lock, list[SuiteRun]]] = {}
        self.caches = threading.local()

    def run(self, project: BakedProject, label: str) -> tuple[SuiteRun, bool]:
        """The shape's outcome, and whether this call ran it (False: reused)."""
        key = code_shape(project)
        with self.lock:
            shape_lock, done = self.runs.setdefault(key, (threading.Lock(), []))
        with shape_lock:
            if done:
                return done[0], False
            if not hasattr(self.caches, "mypy"):  # mypy's cache, one per job: never shared
                self.caches.mypy = Path(tempfile.mkdtemp(prefix="mypy-", dir=self.root))
            done.append(run_project_suite(project, label, self.caches.mypy, with_bench=False))
            return done[0], True


def bake_and_check(combo: dict[str, object], cookies: Cookies, shapes: Shapes) -> Outcome:
    outcome = Outcome(combo)
    started = time.monotonic()
    try:
        with BAKE_LOCK:
            project = bake(cookies, **combo)
    except Exception as error:  # a bake that fails is a result to report, not a crash
        outcome.failed, outcome.output = "bake", repr(error)
        return outcome
    finally:
        outcome.seconds["bake"] = time.monotonic() - started
    try:
        for name, command in LINT:
            started = time.monotonic()
            result = project.run(*command)
            outcome.seconds[name] = time.monotonic() - started
            if result.returncode != 0:
                outcome.failed, outcome.output = name, (result.stdout + result.stderr)[-4000:]
                return outcome
        suite, ran = shapes.run(project, combo_id(combo))
        if ran:
            outcome.seconds.update(
                (step, suite.seconds[step]) for step in STEPS if step in suite.seconds
            )
        else:
            outcome.shared_with = suite.first
        outcome.failed, outcome.output = suite.failed, suite.output
    finally:
        shutil.rmtree(project.path.parent, ignore_errors=True)
    return outcome


def run(
    jobs: int,
    shard: tuple[int, int] = (1, 1),
    limit: int | None = None,
    progress: bool = False,
) -> list[Outcome]:
    combos = select(matrix_combinations(), shard, limit)
    done = 0
    lock = threading.Lock()

    def one(combo: dict[str, object]) -> Outcome:
        nonlocal done
        outcome = bake_and_check(combo, cookies, shapes)
        with lock:
            done += 1
            if progress:
                status = f"FAIL:{outcome.failed}" if outcome.failed else "ok"
                print(
                    f"[{done}/{len(combos)}] {status} {outcome.total:.0f}s {combo_id(combo)}",
                    file=sys.stderr,
                    flush=True,
                )
        return outcome

    with tempfile.TemporaryDirectory(prefix="matrix-") as tmp, ThreadPoolExecutor(jobs) as pool:
        cookies, shapes = script_cookies(Path(tmp)), Shapes(Path(tmp))
        return list(pool.map(one, combos))


def table(outcomes: list[Outcome], wall: float | None = None) -> str:
    header = f"{'result':<13}" + "".join(f"{step:>8}" for step in STEPS) + f"{'total':>8}"
    lines = [header + "  combination"]
    for outcome in outcomes:
        result = f"FAIL:{outcome.failed}" if outcome.failed else "ok"
        cells = "".join(
            f"{outcome.seconds[step]:>8.1f}" if step in outcome.seconds else f"{'-':>8}"
            for step in STEPS
        )
        shared = f" (suite: same code as {outcome.shared_with})" if outcome.shared_with else ""
        lines.append(f"{result:<13}{cells}{outcome.total:>8.1f}  {combo_id(outcome.combo)}{shared}")
    failed = sum(1 for o in outcomes if o.failed)
    summary = (
        f"{len(outcomes) - failed} passed, {failed} failed; "
        f"{sum(o.total for o in outcomes):.0f} s of bakes and checks"
    )
    if wall is not None:
        summary += f" in {wall:.0f} s wall time"
    lines.append(summary)
    return "\n".join(lines)


def failures(outcomes: list[Outcome]) -> str:
    return "".join(
        f"\n--- {combo_id(o.combo)}: {o.failed}\n{o.output}\n" for o in outcomes if o.failed
    )


def parse_shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    try:
        return int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected K/N, got {text!r}") from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel bakes")
    parser.add_argument("--shard", type=parse_shard, default=(1, 1), help="run shard K of N")
    parser.add_argument("--limit", type=int, help="only the first N combinations (of the shard)")
    parser.add_argument("--list", action="store_true", help="print the combinations and exit")
    args = parser.parse_args()
    if args.list:
        for combo in select(matrix_combinations(), args.shard, args.limit):
            print(combo_id(combo))
        return 0
    started = time.monotonic()
    outcomes = run(args.jobs, args.shard, args.limit, progress=True)
    print(table(outcomes, time.monotonic() - started))
    print(failures(outcomes), end="")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
