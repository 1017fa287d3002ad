"""The full bake matrix: every combination of the four patterns x a pairwise covering set of
providers, model access, turn detection, noise cancellation, deploy target and Python version.

    uv run python tests/matrix.py [--jobs N] [--limit N]     # prints a table, exit 1 on failure
    uv run pytest -m matrix                                  # the same, as a test

Each combination is baked, then checked in its own environment: ruff check, ruff format
--check, mypy, and the project's offline tests. Checks run in parallel, one combination per job.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bake import BakedProject, bake
from combinations import DIMENSIONS, combo_id, complete, pairwise

PATTERNS = ["use_tool_calling", "use_rag", "use_multi_agent", "use_sip"]
CHECKS = (
    ("sync", ("uv", "sync", "--quiet")),
    ("ruff", ("uv", "run", "--no-sync", "ruff", "check", "--no-cache", ".")),
    ("format", ("uv", "run", "--no-sync", "ruff", "format", "--check", "--no-cache", ".")),
    ("mypy", ("uv", "run", "--no-sync", "mypy")),
    ("pytest", ("uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider")),
)


@dataclass
class Outcome:
    combo: dict[str, object]
    failed: str = ""  # the first failing check, or "" when all passed
    output: str = ""
    seconds: float = 0.0


def matrix_combinations() -> list[dict[str, object]]:
    providers = {k: v for k, v in DIMENSIONS.items() if k not in PATTERNS and k != "agent_name"}
    rows = pairwise(providers)
    combos = []
    for index, flags in enumerate(itertools.product([False, True], repeat=len(PATTERNS))):
        row = rows[index % len(rows)]
        combos.append(complete({**row, **dict(zip(PATTERNS, flags, strict=True))}))
    # Then the remaining pairwise rows, with the default patterns.
    combos += [complete(row) for row in rows[16:]]
    return combos


def bake_all(combos: list[dict[str, object]], root: Path) -> list[Outcome | BakedProject]:
    """Bake serially: cookiecutter changes the working directory, so it is not thread-safe."""
    baked: list[Outcome | BakedProject] = []
    for index, combo in enumerate(combos):
        output = root / f"bake-{index}"
        output.mkdir()
        try:
            baked.append(bake(output, **combo))
        except Exception as error:  # a bake that fails is a result to report, not a crash
            baked.append(Outcome(combo, "bake", repr(error)))
    return baked


def check(project: BakedProject) -> Outcome:
    started = time.monotonic()
    outcome = Outcome(project.overrides)
    for name, command in CHECKS:
        result = project.run(*command)
        if result.returncode != 0:
            outcome.failed, outcome.output = name, (result.stdout + result.stderr)[-4000:]
            break
    outcome.seconds = time.monotonic() - started
    return outcome


def run(jobs: int, limit: int | None = None) -> list[Outcome]:
    combos = matrix_combinations()[:limit]
    with tempfile.TemporaryDirectory(prefix="matrix-") as tmp, ThreadPoolExecutor(jobs) as pool:
        baked = bake_all(combos, Path(tmp))
        return list(
            pool.map(lambda item: item if isinstance(item, Outcome) else check(item), baked)
        )


def table(outcomes: list[Outcome]) -> str:
    lines = [f"{'result':<14} {'seconds':>7}  combination"]
    for outcome in outcomes:
        result = f"FAIL:{outcome.failed}" if outcome.failed else "ok"
        lines.append(f"{result:<14} {outcome.seconds:>7.1f}  {combo_id(outcome.combo)}")
    failed = sum(1 for o in outcomes if o.failed)
    total = sum(o.seconds for o in outcomes)
    lines.append(f"{len(outcomes) - failed} passed, {failed} failed ({total:.0f} s of checks)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel bakes")
    parser.add_argument("--limit", type=int, help="only the first N combinations")
    args = parser.parse_args()
    outcomes = run(args.jobs, args.limit)
    print(table(outcomes))
    for outcome in outcomes:
        if outcome.failed:
            print(f"\n--- {combo_id(outcome.combo)}: {outcome.failed}\n{outcome.output}")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
