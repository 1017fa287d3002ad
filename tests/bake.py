"""Baking helpers shared by the template's tests: render a project, then check it.

Projects are baked in-process through pytest-cookies (`Cookies.bake`, the `cookies` and
`cookies_session` fixtures; `script_cookies` outside pytest), once per answer set. A project's
own suite (uv sync, mypy, its pytest) is the expensive check, so it runs once per code shape:
bakes whose src/ and tests/ are identical up to the project's names share one run
(`ProjectSuites`).
"""

from __future__ import annotations

import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from subprocess import CompletedProcess

import yaml
from cookiecutter.environment import StrictEnvironment
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from pytest_cookies.plugin import Cookies

TEMPLATE = Path(__file__).resolve().parents[1]
DEFAULTS: dict[str, object] = {
    key: value[0] if isinstance(value, list) else value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if not key.startswith("_")
}
# Jinja that survived rendering: any opener ({{ {% {#) or statement/comment closer (%} #}).
# A bare `}}` is not searched for: JSON and Python f-strings close nested braces with it.
# Each generated suite has one real benchmark run (a worker process, ~15 s on an idle machine).
# The template runs it where the benchmark's generated code differs: the single assistant with
# and without UserData, and the team with every pattern; then a realtime model's benchmark, in
# a half-cascade (its simulated model and TTS both run) with every pattern. Every other bake
# deselects it.
BENCH_RUNS = (
    {},
    {"use_tool_calling": False},
    {"use_rag": True, "use_multi_agent": True, "use_sip": True, "agent_name": "support-agent"},
    {
        "architecture": "half-cascade",
        "use_rag": True,
        "use_multi_agent": True,
        "use_sip": True,
        "agent_name": "support-agent",
    },
)


def project_pytest(*, with_bench: bool = False) -> tuple[str, ...]:
    """The generated project's own offline test command, with or without the benchmark run."""
    command = ("uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider")
    return command if with_bench else (*command, "-m", "not evals and not bench")


JINJA_LEFTOVER = re.compile(r"\{\{|\{%|\{#|%\}|#\}")
# Legitimate look-alikes: (files, the text to disregard there, why it is not Jinja).
JINJA_ALLOWED = (
    (
        ".github/workflows/*.yml",
        re.compile(r"\$\{\{.*?\}\}"),
        "GitHub Actions expressions; these files are copied without rendering",
    ),
    (
        "src/*/knowledge/tokenizer.json",
        re.compile(r'"##\}"'),
        "the WordPiece token '##}' of the MiniLM vocabulary, copied without rendering",
    ),
)
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


@dataclass
class BakedProject:
    path: Path
    answers: dict[str, object]
    overrides: dict[str, object] = field(default_factory=dict)

    def exists(self, relative: str) -> bool:
        return (self.path / relative).exists()

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text(encoding="utf-8")

    def files(self) -> list[Path]:
        ignored = {".venv", ".pytest_cache", ".ruff_cache", "__pycache__", ".git"}
        return sorted(
            p
            for p in self.path.rglob("*")
            if p.is_file() and not ignored.intersection(p.relative_to(self.path).parts)
        )

    def relative_files(self) -> set[str]:
        return {str(p.relative_to(self.path)) for p in self.files()}

    def sync(self) -> subprocess.CompletedProcess[str]:
        return uv_sync(self.path, project_environment(str(self.answers["python_version"])))

    def run(
        self, *command: str, timeout: int = 900, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.path,
            env={**project_environment(str(self.answers["python_version"])), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def uv_sync(path: Path, environ: dict[str, str], timeout: int = 900) -> CompletedProcess[str]:
    """`uv sync` in a baked project, and with no network, `uv sync --offline` from uv's cache.

    Baked projects have no uv.lock, so a plain sync asks the package index; once an online run
    has filled the cache, the offline retry lets the suite run without a network. Online comes
    first so that CI resolves current releases (its uv cache is restored from earlier runs).
    """

    def sync(*extra: str) -> CompletedProcess[str]:
        return subprocess.run(
            ["uv", "sync", "--quiet", *extra],
            cwd=path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    online = sync()
    if online.returncode == 0:
        return online
    offline = sync("--offline")
    if offline.returncode != 0:
        offline.stderr = f"uv sync:\n{online.stderr}\nuv sync --offline:\n{offline.stderr}"
    return offline


def answers_with(**overrides: object) -> dict[str, object]:
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise KeyError(f"not a prompt in cookiecutter.json: {sorted(unknown)}")
    return {**DEFAULTS, "run_setup": False, **overrides}


def bake(cookies: Cookies, **overrides: object) -> BakedProject:
    """Bake with pytest-cookies; a refused or failed bake raises its exception.

    `answers` holds every value cookiecutter rendered, the derived `__` values included.
    """
    answers = answers_with(**overrides)
    result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
    if result.exception is not None:
        raise result.exception
    assert result.project_path is not None and result.context is not None
    return BakedProject(result.project_path, {**answers, **result.context}, overrides)


def script_cookies(root: Path) -> Cookies:
    """pytest-cookies' baker outside pytest (tests/matrix.py), with its isolated user config."""
    config = root / "cookiecutter-config.yaml"
    config.write_text(
        yaml.safe_dump(
            {"cookiecutters_dir": str(root / "cookiecutters"), "replay_dir": str(root / "replay")}
        )
    )
    counter = iter(range(1_000_000))
    return Cookies(
        str(TEMPLATE),
        lambda name: Path(tempfile.mkdtemp(prefix=f"{name}-{next(counter)}-", dir=root)),
        config,
    )


class _MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, kept across bakes in this process.

    cookiecutter builds a new Jinja environment for every bake and compiles each of the
    template's ~100 files again (0.6 s of a 1 s bake). Buckets are keyed by file and checked
    against the source's checksum, so an edited template file is compiled afresh.
    """

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_templates() -> None:
    cache = _MemoryBytecodeCache()
    init = StrictEnvironment.__init__

    def with_cache(self: StrictEnvironment, **kwargs: object) -> None:
        init(self, **kwargs)
        self.bytecode_cache = cache

    StrictEnvironment.__init__ = with_cache  # type: ignore[method-assign]


_share_compiled_templates()


def project_environment(python_version: str) -> dict[str, str]:
    """The environment for uv in a baked project.

    The rule for Python: a local interpreter when there is one, a download only when there is
    none. pyenv's `versions/X.Y.*` goes first on PATH (pyenv's shims resolve by
    .python-version and fail for other versions), and uv finds a `pythonX.Y` on PATH by itself
    (e.g. from actions/setup-python). With either, UV_PYTHON_DOWNLOADS=never keeps the run
    offline and on that interpreter. With neither (a fresh machine running .ci/run), uv's own
    setting applies: by default it downloads the version once into its store.
    """
    environ = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    environ.pop("UV_PROJECT_ENVIRONMENT", None)
    # The template's own venv holds real uv and ruff binaries (a pip-installed uv under pyenv
    # is a shim that resolves by .python-version and fails for other versions).
    path = [str(Path(sys.executable).parent), environ["PATH"]]
    candidates = sorted((PYENV_ROOT / "versions").glob(f"{python_version}.*"))
    if candidates:
        path.insert(0, str(candidates[-1] / "bin"))
    environ["PATH"] = os.pathsep.join(path)
    if candidates or shutil.which(f"python{python_version}", path=environ["PATH"]):
        environ["UV_PYTHON_DOWNLOADS"] = "never"
    return environ


def leftover_jinja(project: BakedProject) -> list[str]:
    """Files that still hold Jinja syntax, once JINJA_ALLOWED's look-alikes are disregarded."""
    found = []
    for path in project.files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        relative = path.relative_to(project.path).as_posix()
        for pattern, allowed, _reason in JINJA_ALLOWED:
            if fnmatch.fnmatch(relative, pattern):
                text = allowed.sub("", text)
        if JINJA_LEFTOVER.search(text):
            found.append(relative)
    return found


def uv_available() -> bool:
    return shutil.which("uv") is not None


def fake_uv(directory: Path, exit_code: int = 0, fail_on: str | None = None) -> Path:
    """An executable `uv` in `directory` that records its arguments; returns the log path.

    It exits with `exit_code`, or, given `fail_on` (a subcommand such as "run"), with
    `exit_code` for that subcommand only and 0 for the others.
    """
    directory.mkdir()
    log = directory / "calls.log"
    script = directory / "uv"
    fail = f'[ "$1" = "{fail_on}" ] && exit {exit_code}\nexit 0' if fail_on else f"exit {exit_code}"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n{fail}\n')
    script.chmod(0o755)
    return log


def code_shape(project: BakedProject) -> str:
    """A digest of src/ and tests/ with the project's names replaced by placeholders.

    Two bakes with the same digest run the same code and the same tests: their answers differ
    only in what the deploy artefacts, docs, license, Python version or names hold.
    """
    names = {
        str(project.answers["__package"]): "<package>",
        str(project.answers["project_slug"]): "<slug>",
    }
    if project.answers.get("__agent_name"):
        names[str(project.answers["__agent_name"])] = "<agent-name>"
    digest = hashlib.sha256()
    for top in ("src", "tests"):
        for path in sorted((project.path / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(project.path).as_posix()
            content = path.read_bytes()
            for name, placeholder in names.items():
                relative = relative.replace(name, placeholder)
                content = content.replace(name.encode(), placeholder.encode())
            digest.update(relative.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()[:16]


MYPY = ("uv", "run", "--no-sync", "mypy")
# Every top-level module and distribution name installed in a project's environment: none may
# be a slug's package name (hooks/pre_gen_project.py refuses those names).
INSTALLED_NAMES = (
    "import importlib.metadata as m, re; "
    "print(' '.join(sorted({n.lower() for n in m.packages_distributions()} | "
    "{re.sub(r'[-_.]+', '_', d.metadata['Name']).lower() for d in m.distributions()})))"
)


@dataclass
class SuiteRun:
    """The outcome of one project suite run: the first failing step, or none."""

    first: str  # the bake that ran it; later bakes of the same shape reuse the outcome
    failed: str = ""
    output: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    installed: list[str] = field(default_factory=list)


def exit_abort_after_a_green_run(result: CompletedProcess[str]) -> bool:
    """livekit-rtc 1.1.21's native runtime (liblivekit_ffi.so) rarely aborts the interpreter at
    exit ("panic in a function that cannot unwind" on a tokio-rt-worker thread, while its atexit
    hook disposes of it), after pytest has reported every test passed: seen once in about 30
    full runs. Such a run is retried once; a second abort, or any failed test, still fails."""
    summary = result.stdout.strip().splitlines()[-1:] or [""]
    return (
        result.returncode != 0
        and "thread caused non-unwinding panic" in result.stdout + result.stderr
        and " passed" in summary[0]
        and not any(word in summary[0] for word in (" failed", " error"))
    )


def run_project_suite(
    project: BakedProject, first: str, mypy_cache: Path, with_bench: bool
) -> SuiteRun:
    """uv sync, mypy, the project's own pytest; stops at the first failing step.

    mypy's incremental cache is kept across runs (the first check of livekit's stubs takes ~15 s;
    reusing them, ~2 s), one per Python and pytest-xdist worker, so one mypy at a time uses it:
    every project has modules of the same names (the package, `bench`, `tests`) with other
    contents, and two runs at once on one cache read each other's entries (seen: a pipeline's
    `bench.modes` checked against a realtime project's `bench.report`). A lock shared by the
    workers instead made them wait on each other (12:34 for the suite, against 11:31).
    """
    run = SuiteRun(first)
    mypy_cache.mkdir(parents=True, exist_ok=True)

    def mypy() -> CompletedProcess[str]:
        return project.run(*MYPY, env={"MYPY_CACHE_DIR": str(mypy_cache)})

    def pytest() -> CompletedProcess[str]:
        result = project.run(*project_pytest(with_bench=with_bench))
        if exit_abort_after_a_green_run(result):
            result = project.run(*project_pytest(with_bench=with_bench))  # once, see below
        return result

    steps = (
        ("sync", project.sync),
        ("mypy", mypy),
        ("pytest", pytest),
        ("names", lambda: project.run("uv", "run", "--no-sync", "python", "-c", INSTALLED_NAMES)),
    )
    for name, step in steps:
        started = time.monotonic()
        result = step()
        run.seconds[name] = round(time.monotonic() - started, 1)
        if result.returncode != 0 or (name == "pytest" and " passed" not in result.stdout):
            run.failed = name
            run.output = (result.stdout[-6000:] + result.stderr[-3000:]).strip()
            return run
    run.installed = result.stdout.split()
    return run


@contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ProjectSuites:
    """Runs each code shape's project suite once, whichever bake or xdist worker asks first.

    Outcomes are kept as JSON files in `shared`, a directory every pytest-xdist worker sees;
    a worker that asks for a shape another is running waits for that run and reuses it.
    """

    def __init__(self, shared: Path, mypy_caches: Path) -> None:
        self.shared = shared
        self.mypy_caches = mypy_caches
        shared.mkdir(parents=True, exist_ok=True)

    def run(self, project: BakedProject, label: str, with_bench: bool = False) -> SuiteRun:
        """The shape's outcome; a run with the benchmark also answers for one without it."""
        shape = code_shape(project)
        records = [self.shared / f"{shape}-bench.json"]
        if not with_bench:
            records.append(self.shared / f"{shape}.json")
        with locked(self.shared / f"{shape}.lock"):
            for record in records:
                if record.exists():
                    return SuiteRun(**json.loads(record.read_text()))
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            cache = self.mypy_caches / f"py{project.answers['python_version']}" / worker
            outcome = run_project_suite(project, label, cache, with_bench)
            records[-1].write_text(json.dumps(asdict(outcome)))
            return outcome
