"""The benchmark is a development tool beside the agent, never part of what ships.

A top-level `bench/` package in every bake (run as `python -m bench` from the project's root,
tests/unit/test_bench.py runs it so): not inside the agent's package, not in the wheel, kept out
of the image by .dockerignore, and its plotting and sampling libraries only in the dev group.
Rendering only; the bake is shared with the other tests.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable

import pytest
from bake import BENCH_RUNS, BakedProject
from combinations import combo_id, complete
from dockerfile_replay import DockerIgnore

BENCH_ONLY = {"matplotlib", "psutil"}


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=~!; ]", requirement, maxsplit=1)[0].lower()


# The bakes whose benchmark code differs (the agent it drives, with or without UserData).
@pytest.mark.parametrize("answers", [complete(run) for run in BENCH_RUNS], ids=combo_id)
def test_the_benchmark_sits_beside_the_agent_and_never_ships(
    answers: dict[str, object], baked: Callable[..., BakedProject]
) -> None:
    project = baked(**answers)
    package = str(project.answers["__package"])
    bench = project.path / "bench"
    assert (bench / "__main__.py").is_file() and (bench / "speech/conversation.json").is_file()
    in_package = [p for p in (project.path / "src").rglob("*") if "bench" in p.parts]
    assert in_package == [], "the agent's package holds the agent only"
    # The agent never imports it (it would not find it in the image).
    for source in (project.path / "src").rglob("*.py"):
        assert not re.search(r"^\s*(from|import) bench\b", source.read_text(), re.M), source

    pyproject = tomllib.loads(project.read("pyproject.toml"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert wheel[0] == f"src/{package}" and not any("bench" in entry for entry in wheel)
    deployed = {requirement_name(r) for r in pyproject["project"]["dependencies"]}
    assert BENCH_ONLY & deployed == set()
    assert {requirement_name(r) for r in pyproject["dependency-groups"]["dev"]} >= BENCH_ONLY
    assert "bench" in pyproject["tool"]["mypy"]["files"], "the benchmark is type-checked too"

    ignore = DockerIgnore(project.read(".dockerignore"))
    for path in bench.rglob("*"):
        relative = path.relative_to(project.path).as_posix()
        assert ignore.ignored(relative), f"{relative} would reach the build context"
