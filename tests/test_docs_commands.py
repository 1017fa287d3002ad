"""Every shell command the docs give, followed literally as a new user would: run, offline, when
it can run here, or covered by the test that runs it, or skipped for a stated reason.

The commands are the lines of fenced `bash`/`sh`/`shell`/`console` blocks and the inline code
that starts with `uv ` or `uvx ` (commands the reader copies; other inline code names a command
in prose), from:
- the template's README.md and docs/**/*.md;
- the README.md and AGENTS.md of the two projects those pages generate: the default one (the
  README's `uvx cookiecutter@2.7.1 . --no-input`) and getting-started's RAG one;
- the "Next:" list each generation prints.

A page's blocks run as one session, as the reader would run them: the template's README and
getting-started start in a copy of the template, the other pages in the project they are about
(`<package>` filled in), and `cd` moves the session. Inline commands are prose about a project:
they run in the page's project. A command is run once per directory, however many pages repeat
it. `uvx cookiecutter@V` runs this environment's cookiecutter, which must be version V; nothing
else is rewritten. Generation runs with LIVEKIT_TEMPLATE_SKIP_SETUP=1, since the pages' own
`uv sync` and download-files follow, and without any key in the environment: the docs say what
works without one.

Each command must match one rule of RULES, and each rule must match a command, so a page that
adds a command, or drops the one a rule was for, fails here until the table says what to do.
Cost: two generations, two `uv sync` from uv's cache, download-files, the models check, the
knowledge ingest and search, the evals' skip and the benchmark's profile and --help: about
45 s of CPU (50 s wall on 2 busy cores).
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from bake import TEMPLATE, BakedProject, project_environment, uv_available
from template_copies import copy_template

# The projects the pages generate, and where a page that is about a project starts.
DEFAULT_PROJECT = "my-voice-agent"
RAG_PROJECT = "acme-support-agent"  # getting-started's command-line example (use_rag=yes)
PAGE_PROJECTS = {"docs/patterns/rag.md": RAG_PROJECT}
TEMPLATE_PAGES = ("README.md", "docs/getting-started.md")  # these start in the template copy


@dataclass(frozen=True)
class Run:
    """Run it; `expect` must appear in its output. `project`: run in that project whatever
    the page (a command only one of the projects has)."""

    expect: str = ""
    project: str = ""


@dataclass(frozen=True)
class Covered:
    by: str


@dataclass(frozen=True)
class Skip:
    reason: str


CD = "cd"  # moves the session

NEEDS_KEYS = (
    "needs the model keys (and PortAudio and a terminal for console, a LiveKit server for dev "
    "and start); without them the settings check stops it, which the project's "
    "tests/unit/test_settings.py covers"
)
CRUFT_TESTS = (
    "tests/test_cruft.py and tests/test_cruft_link.py, against a local Git copy of the template"
)

# (pattern over the command, comments dropped and the package as `<package>`, what to do).
RULES: list[tuple[str, Run | Covered | Skip | str]] = [
    # Generating and moving around.
    (r"uvx cookiecutter@[\d.]+ \. --no-input( .*)?", Run()),
    (r"cd \S+", CD),
    (r"cp \.env\.example \.env\.local", Run()),
    # Setting the project up, offline from uv's cache.
    (r"uv sync( --locked)?", Run()),
    (
        r"uv sync --no-dev",
        Covered("the Dockerfile's build stage runs it; tests/test_deploy.py replays that"),
    ),
    (r"uv lock", Run()),
    (r"uv lock && uv sync", Run()),
    (r"uv run python -m livekit\.agents download-files", Run("finished downloading files")),
    (r"uv run python -m <package>\.models", Run()),
    (r"uv run ruff check \. && uv run ruff format --check \.", Run()),
    # The RAG pattern runs locally.
    (r"uv run python -m <package>\.knowledge ingest", Run("chunks in", RAG_PROJECT)),
    (
        r'uv run python -m <package>\.knowledge search "how do returns work\?"',
        Run("returns.md", RAG_PROJECT),
    ),
    # The benchmark's cheap forms; its real runs are the project's own `bench` test.
    (r"uv run python -m bench profile", Run('"stt_final_delay"')),
    (r"uv run python -m bench --help", Run("latency")),
    # Once: what the evals do without a key does not depend on the project's answers.
    (r"uv run pytest -m evals", Run("skipped", DEFAULT_PROJECT)),
    (
        r"uv run pytest",
        Covered(
            "tests/test_bake.py runs each project's offline suite once per code shape; at the "
            "template's root it is this suite"
        ),
    ),
    (
        r"uv lock && uv run pytest",
        Covered("`uv lock` runs here on its own; the suite is tests/test_bake.py's"),
    ),
    (r"uv run mypy", Covered("tests/test_bake.py, in each code shape's project suite")),
    (
        r"uv run python -m bench (latency|compare)",
        Covered("the project's `bench` test runs it for real (tests/bake.py, BENCH_RUNS)"),
    ),
    (
        r"uv run python -m bench capacity",
        Skip("offline, but about 10 minutes: too long for the suite"),
    ),
    (
        r"uv run python tests/combinations\.py",
        Skip(
            "searches for code rows (about ten minutes); tests/test_matrix.py checks the kept ones"
        ),
    ),
    (
        r"uv run pytest -m matrix|uv run python tests/matrix\.py",
        Covered("CI's matrix shards (hours of bakes); tests/test_matrix.py checks its sets"),
    ),
    # Updating: cruft against the template's repository.
    (r"uvx cruft (link|diff|check|update)\b.*", Covered(CRUFT_TESTS)),
    (r"git add \.cruft\.json && git commit .*|git status", Covered(CRUFT_TESTS)),
    (
        r"uvx (cruft create|cookiecutter) <template-url>",
        Skip(
            "needs the template's Git URL and the network; tests/test_cruft.py creates from a "
            "local Git copy"
        ),
    ),
    # Talking to the agent, and workers.
    (r"lk .*", Skip("needs the LiveKit CLI and, except for console, a LiveKit project")),
    (
        r"uv run python src/agent\.py (console|dev|start)( --text)?"
        r"|uv run python -m livekit\.agents start src/agent\.py",
        Skip(NEEDS_KEYS),
    ),
    (
        r"uv run python -m <package>\.telephony (provision|dial)\b.*",
        Skip("needs a LiveKit project with SIP, its keys and a carrier"),
    ),
    # The browser page (web/).
    (
        r"\(cd web && npm ci\)|uv run python web/serve\.py",
        Covered(
            "tests/test_web.py installs the page from the npm registry, starts its token server "
            "and opens it in headless Chromium"
        ),
    ),
    # Deploying.
    (r"docker .*", Skip("needs a Docker engine; tests/test_deploy.py replays the Dockerfile")),
    (
        r"kubectl .*|\(?cd deploy/kubernetes && kustomize edit .*",
        Skip("needs a cluster and kustomize; tests/test_deploy.py validates the manifests"),
    ),
    (r"aws .*|\S+=\S+ .*deploy/aws-ecs/deploy\.sh", Skip("needs an AWS account")),
]

SHELL_BLOCK = re.compile(r"^```(bash|sh|shell|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANY_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`((?:uv|uvx) [^`\n]+)`")


@dataclass(frozen=True)
class Command:
    source: str  # page and line
    text: str  # as written, continuation lines joined


def strip_comment(line: str) -> str:
    """The command without its trailing `# comment` (a # after a blank, outside quotes)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def commands_in(markdown: str, page: str) -> tuple[list[Command], list[Command]]:
    """(the commands of the shell blocks, in order; the inline commands)."""
    commands, inline = [], []
    for block in SHELL_BLOCK.finditer(markdown):
        first = markdown.count("\n", 0, block.start(2)) + 1
        pending = ""
        for offset, line in enumerate(block.group(2).splitlines()):
            line = pending + line.lstrip() if pending else line
            if line.endswith("\\"):
                pending = line[:-1]
                continue
            pending = ""
            if strip_comment(line):
                commands.append(Command(f"{page}:{first + offset}", line))
    prose = ANY_BLOCK.sub(lambda block: "\n" * block.group(0).count("\n"), markdown)
    for match in INLINE.finditer(prose):
        line = prose.count("\n", 0, match.start()) + 1
        inline.append(Command(f"{page}:{line}", match.group(1)))
    return commands, inline


def next_commands(stderr: str, source: str) -> list[Command]:
    """The closing message's Next list."""
    if "Next:" not in stderr:
        return []  # the generation failed, and says so among the failures
    listed = stderr[stderr.index("Next:") :].splitlines()[1:]
    return [Command(source, line.strip()) for line in listed if line.startswith("    ")]


def normalized(text: str, packages: list[str]) -> str:
    text = " ".join(strip_comment(text).split())
    for package in packages:
        text = re.sub(rf"\b{package}\b", "<package>", text)
    return text


def rule_for(command: str) -> int | None:
    matches = [i for i, (pattern, _) in enumerate(RULES) if re.fullmatch(pattern, command)]
    return matches[0] if matches else None


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def keyless_environment() -> dict[str, str]:
    """The suite's project environment without any key or LiveKit server a developer has set."""
    environ = project_environment("3.11")
    secret = re.compile(r"(_API_KEY|_API_SECRET|_TOKEN)$|^LIVEKIT_URL$|^OLLAMA_BASE_URL$")
    environ = {key: value for key, value in environ.items() if not secret.search(key)}
    # Generation skips its own setup (hooks/post_gen_project.py; the pages' commands do it).
    environ["LIVEKIT_TEMPLATE_SKIP_SETUP"] = "1"
    return environ


@dataclass
class Session:
    """Runs the pages' commands, once per (directory, command), and keeps what happened."""

    root: Path  # the copy of the template, where generation writes its projects
    environ: dict[str, str]
    done: dict[tuple[Path, str], subprocess.CompletedProcess[str]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    # "ran"/"covered"/"skip", the command, and why or where -> the pages that give it.
    report: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (command, closing message)

    def packages(self) -> list[str]:
        return [DEFAULT_PROJECT.replace("-", "_"), RAG_PROJECT.replace("-", "_")]

    def follow(self, commands: list[Command], start: Path) -> None:
        cwd = start
        for command in commands:
            text = normalized(command.text, self.packages())
            index = rule_for(text)
            if index is None:
                self.failures.append(f"{command.source}: no rule for `{text}`")
                continue
            self.used.add(index)
            verdict = RULES[index][1]
            if verdict == CD:
                cwd = cwd / text.split()[1]
                if not cwd.is_dir():
                    self.failures.append(f"{command.source}: `{text}`: no directory {cwd}")
                    return
                continue
            if isinstance(verdict, Run):
                where = self.root / verdict.project if verdict.project else cwd
                self.run(command, text, where, verdict)
            else:
                why = verdict.by if isinstance(verdict, Covered) else verdict.reason
                self.note(type(verdict).__name__.lower(), text, why, command.source)

    def note(self, kind: str, text: str, why: str, source: str) -> None:
        self.report.setdefault((kind, text, why), []).append(source)

    def table(self) -> str:
        return "\n".join(
            f"{kind:8} {text}\n         {why}; from {', '.join(sources)}"
            for (kind, text, why), sources in sorted(self.report.items())
        )

    def run(self, command: Command, text: str, cwd: Path, verdict: Run) -> None:
        shell = text.replace("<package>", cwd.name.replace("-", "_"))
        pinned = re.match(r"uvx cookiecutter@([\d.]+) ", shell)
        if pinned:
            if pinned.group(1) != version("cookiecutter"):
                self.failures.append(
                    f"{command.source}: pins cookiecutter {pinned.group(1)}, the suite has "
                    f"{version('cookiecutter')}"
                )
            shell = f"{sys.executable} -m cookiecutter " + shell[pinned.end() :]
        key = (cwd, shell)
        if key not in self.done:
            started = cpu_seconds()
            self.done[key] = subprocess.run(
                ["bash", "-c", shell],
                cwd=cwd,
                env=self.environ,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            seconds = cpu_seconds() - started
            self.note("ran", text, f"in {cwd.name}, {seconds:.1f} s of CPU", command.source)
            if pinned:
                self.messages.append((text, self.done[key].stderr))
        else:
            self.note("ran", text, f"in {cwd.name}, once", command.source)
        result = self.done[key]
        output = result.stdout + result.stderr
        if result.returncode != 0 or verdict.expect not in output:
            self.failures.append(
                f"{command.source}: `{text}` in {cwd} exited {result.returncode}"
                f"{'' if verdict.expect in output else f', without {verdict.expect!r}'}:\n"
                f"{output[-3000:]}"
            )


def follow_page(session: Session, text: str, page: str, project: Path) -> None:
    blocks, inline = commands_in(text, page)
    session.follow(blocks, session.root if page in TEMPLATE_PAGES else project)
    session.follow(inline, project)


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
def test_every_documented_command_runs_or_says_why_not(tmp_path: Path) -> None:
    session = Session(copy_template(tmp_path / "template"), keyless_environment())
    pages = [*TEMPLATE_PAGES]
    pages += sorted(
        str(path.relative_to(TEMPLATE))
        for path in (TEMPLATE / "docs").rglob("*.md")
        if str(path.relative_to(TEMPLATE)) not in pages
    )
    for page in pages:
        project = session.root / PAGE_PROJECTS.get(page, DEFAULT_PROJECT)
        follow_page(session, (TEMPLATE / page).read_text(), page, project)
    for project in (DEFAULT_PROJECT, RAG_PROJECT):
        for name in ("README.md", "AGENTS.md"):
            path = session.root / project / name
            assert path.is_file(), f"the pages generated no {project}:\n" + "\n".join(
                session.failures
            )
            follow_page(session, path.read_text(), f"{project}/{name}", path.parent)
    for generation, stderr in session.messages:
        session.follow(next_commands(stderr, f"closing message of `{generation}`"), session.root)

    print(session.table())
    unused = [RULES[i][0] for i in range(len(RULES)) if i not in session.used]
    session.failures += [
        f"no documented command matches the rule {rule!r}: drop it" for rule in unused
    ]
    assert session.failures == [], "\n\n".join(session.failures)


def test_strip_comment_keeps_quoted_hashes() -> None:
    assert strip_comment("uv sync   # creates .venv") == "uv sync"
    assert strip_comment("echo '# not a comment' # one") == "echo '# not a comment'"
    assert strip_comment('a "b#c"') == 'a "b#c"'


def test_the_kustomize_edit_names_the_image_the_deployment_runs(
    baked: Callable[..., BakedProject],
) -> None:
    """The skipped `kustomize edit set image NAME=...` works only if NAME is the image that
    kustomization.yaml's `images:` rewrites, which must be the Deployment's."""
    project = baked(deploy_target="kubernetes")
    line = next(line for line in project.read("README.md").splitlines() if "kustomize edit" in line)
    name = re.search(r"set image (\S+)=", line)
    assert name, line
    kustomization = yaml.safe_load(project.read("deploy/kubernetes/kustomization.yaml"))
    assert [image["name"] for image in kustomization["images"]] == [name.group(1)]
    deployment = yaml.safe_load(project.read("deploy/kubernetes/deployment.yaml"))
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["image"].rsplit(":", 1)[0] for c in containers] == [name.group(1)]
    assert name.group(1) == project.answers["project_slug"]  # docs/deploy/kubernetes.md's APP
