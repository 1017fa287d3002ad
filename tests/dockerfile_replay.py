"""Replay a rendered Dockerfile without a Docker engine: its instructions, in a clean directory.

There is no Docker engine on the test machine, so this is a small interpreter for the subset of
Dockerfile instructions the template uses (ARG, FROM, ENV, WORKDIR, COPY, RUN, USER, EXPOSE,
HEALTHCHECK, CMD). It keeps Docker's semantics where they decide whether a model cache is found:

- Each stage starts from an empty root directory (the container's `/`); a later stage sees
  only what `COPY --from` copies out of an earlier one.
- ENV values accumulate per stage with `$VAR` expansion; absolute container paths in them are
  mapped into the stage root (system directories such as /usr/bin stay the host's).
- `HOME` is the USER's home from the stage's passwd (useradd is emulated), unless ENV sets it.
- COPY from the build context honours `.dockerignore` (patterns anchored at the context root,
  `**`, `!` exceptions, a matching parent directory excludes its files).
- RUN commands execute with the host's /bin/sh in the mapped WORKDIR, with only the image's
  environment (plus the builder's cache settings the caller passes, like a cache mount).

The base image `python:<version>-slim` is emulated by linking the host's interpreter of that
version into `/usr/local/bin`; an image used only as a COPY source (the uv image) is emulated
by the `images` mapping from its paths to host files.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Host directories the image shares with the machine running the replay (sh, coreutils).
SYSTEM_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/sbin", "/dev")
# The environment of the official python:*-slim images.
PYTHON_IMAGE_ENV = {
    "PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}
ROOT_USER = ("root", "0", "/root")


@dataclass
class Instruction:
    keyword: str
    arguments: str
    line: int

    def flags_and_words(self) -> tuple[dict[str, str], list[str]]:
        words = self.json_form() or shlex.split(self.arguments)
        flags: dict[str, str] = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words

    def json_form(self) -> list[str] | None:
        if self.arguments.startswith("["):
            try:
                return list(json.loads(self.arguments))
            except json.JSONDecodeError:
                return None
        return None


@dataclass
class Run:
    """One executed RUN step: what ran, as whom, with which environment."""

    stage: str
    user: str
    home: str
    command: str
    environment: dict[str, str]


@dataclass
class Stage:
    name: str
    base: str
    root: Path
    environment: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    workdir: str = "/"
    passwd: list[tuple[str, str, str]] = field(default_factory=lambda: [ROOT_USER])
    cmd: list[str] | None = None
    key: str = ""
    healthcheck: str = ""


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comment lines dropped."""
    instructions: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # Docker drops comment lines inside a continuation
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        keyword, _, arguments = pending.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = ""
    return instructions


def expand(value: str, environment: Mapping[str, str]) -> str:
    return re.sub(
        r"\$(?:\{(\w+)\}|(\w+))",
        lambda m: environment.get(m.group(1) or m.group(2), ""),
        value,
    )


class DockerIgnore:
    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = os.path.normpath(line.removeprefix("!").strip().lstrip("/"))
            self.rules.append((negated, re.compile(translate(pattern))))

    def ignored(self, relative: str) -> bool:
        parts = relative.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        result = False
        for negated, rule in self.rules:
            if any(rule.fullmatch(candidate) for candidate in candidates):
                result = not negated
        return result


def translate(pattern: str) -> str:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
            continue
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out += "[" + ("^" + body[1:] if body[:1] in "!^" else body) + "]"
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return out


class ReplayError(AssertionError):
    pass


class Replay:
    """Runs the instructions of `dockerfile` against `context`.

    The stage being built always lives at `root`, a fixed host directory standing for the
    container's `/`, so absolute paths a build writes (a virtualenv's interpreter and editable
    install) mean the same in a later stage, as in Docker. A finished stage moves to
    `workspace/stages/<name>`, out of reach except through `COPY --from`. The last stage stays at
    `root` for the caller to inspect and run; the next replay with the same root clears it.
    """

    def __init__(
        self,
        dockerfile: str,
        context: Path,
        workspace: Path,
        *,
        root: Path,
        python_bin: Path,
        images: Mapping[str, Mapping[str, Path]],
        builder_environment: Mapping[str, str] | None = None,
        prebuilt: dict[str, Path] | None = None,
        timeout: int = 1200,
    ) -> None:
        self.instructions = parse(dockerfile)
        self.context = context
        self.workspace = workspace
        self.root = root
        self.python_bin = python_bin
        self.images = images
        self.builder_environment = dict(builder_environment or {})
        # Stage text -> its finished root, so variants of a later stage reuse earlier ones.
        self.prebuilt = prebuilt if prebuilt is not None else {}
        self.timeout = timeout
        ignore_file = context / ".dockerignore"
        self.ignore = DockerIgnore(ignore_file.read_text() if ignore_file.exists() else "")
        self.args: dict[str, str] = {}
        self.stages: dict[str, Stage] = {}
        self.runs: list[Run] = []
        self.final: Stage | None = None

    # -- paths ---------------------------------------------------------------------------
    def host(self, stage: Stage, path: str) -> Path:
        return stage.root / path.lstrip("/")

    def host_value(self, stage: Stage, value: str) -> str:
        """An ENV value with absolute container paths (PATH-style lists too) mapped to the host."""
        parts = []
        for part in value.split(":"):
            if part.startswith("/") and not part.startswith(SYSTEM_DIRS):
                part = str(self.host(stage, part))
            parts.append(part)
        return ":".join(parts)

    def container_path(self, stage: Stage, path: str) -> str:
        return path if path.startswith("/") else os.path.normpath(f"{stage.workdir}/{path}")

    # -- environment ---------------------------------------------------------------------
    def account(self, stage: Stage, user: str) -> tuple[str, str, str]:
        for entry in stage.passwd:
            if user in entry[:2]:
                return entry
        raise ReplayError(f"USER {user}: no such user in the stage (add it with useradd)")

    def home_of(self, stage: Stage) -> str:
        """Docker sets HOME from the USER's passwd entry unless ENV sets it."""
        return stage.environment.get("HOME") or self.account(stage, stage.user)[2]

    def environment(self, stage: Stage) -> dict[str, str]:
        """The container environment of `stage` now, in container paths."""
        return {"HOME": self.home_of(stage), **stage.environment}

    def host_environment(self, stage: Stage) -> dict[str, str]:
        return {k: self.host_value(stage, v) for k, v in self.environment(stage).items()}

    # -- instructions ----------------------------------------------------------------------
    def run(self) -> Replay:
        if self.root.exists():
            shutil.rmtree(self.root)
        stage: Stage | None = None
        reused = False
        for index, instruction in enumerate(self.instructions):
            handler = getattr(self, f"do_{instruction.keyword.lower()}", None)
            if handler is None:
                raise ReplayError(f"line {instruction.line}: {instruction.keyword} not replayed")
            if instruction.keyword == "ARG" and stage is None:
                self.do_arg(instruction)
            elif instruction.keyword == "FROM":
                if stage is not None and not reused:
                    self.archive(stage)
                key = self.stage_key(index)
                stage = self.do_from(instruction, self.prebuilt.get(key))
                stage.key, reused = key, key in self.prebuilt
            elif stage is None:
                raise ReplayError(f"line {instruction.line}: {instruction.keyword} before FROM")
            elif reused and instruction.keyword == "COPY":
                continue  # an identical stage was built before: its files are in place
            elif reused and instruction.keyword == "RUN":
                self.do_run(stage, instruction, execute=False)
            else:
                handler(stage, instruction)
        self.final = stage
        return self

    def archive(self, stage: Stage) -> None:
        """Move a finished stage out of the root; identical stages later reuse it."""
        archived = self.workspace / "stages" / stage.name
        archived.parent.mkdir(parents=True, exist_ok=True)
        stage.root = stage.root.rename(archived)
        self.prebuilt[stage.key] = archived

    def stage_key(self, start: int) -> str:
        """A stage's base and instructions: identical text builds identical files."""
        lines = [str(self.context), json.dumps(self.args, sort_keys=True)]
        lines.append(self.instructions[start].arguments)
        for instruction in self.instructions[start + 1 :]:
            if instruction.keyword == "FROM":
                break
            lines.append(f"{instruction.keyword} {instruction.arguments}")
        return "\n".join(lines)

    def do_arg(self, instruction: Instruction) -> None:
        name, _, default = instruction.arguments.partition("=")
        self.args[name] = default

    def do_from(self, instruction: Instruction, prebuilt: Path | None = None) -> Stage:
        words = shlex.split(instruction.arguments)
        base = expand(words[0], self.args)
        name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(self.stages))
        if base in self.stages:
            raise ReplayError("FROM <earlier stage> is not replayed")
        if prebuilt is not None:
            stage = Stage(name=name, base=base, root=prebuilt)
        else:
            self.root.mkdir(parents=True)
            stage = Stage(name=name, base=base, root=self.root)
            self.host(stage, "/root").mkdir(parents=True)
            self.host(stage, "/tmp").mkdir(parents=True)
        if base.startswith("python:"):
            stage.environment = dict(PYTHON_IMAGE_ENV)
            local_bin = self.host(stage, "/usr/local/bin")
            local_bin.mkdir(parents=True, exist_ok=True)
            version = base.split(":")[1].split("-")[0]
            for link in ("python", "python3", f"python{version}"):
                if not (local_bin / link).is_symlink():
                    (local_bin / link).symlink_to(self.python_bin / f"python{version}")
        self.stages[name] = stage
        return stage

    def do_env(self, stage: Stage, instruction: Instruction) -> None:
        words = shlex.split(instruction.arguments)
        pairs = (
            [word.partition("=")[::2] for word in words]
            if "=" in words[0]
            else [(words[0], " ".join(words[1:]))]
        )
        for key, value in pairs:
            stage.environment[key] = expand(value, self.environment(stage))

    def do_workdir(self, stage: Stage, instruction: Instruction) -> None:
        stage.workdir = self.container_path(stage, expand(instruction.arguments, stage.environment))
        self.host(stage, stage.workdir).mkdir(parents=True, exist_ok=True)

    def do_user(self, stage: Stage, instruction: Instruction) -> None:
        stage.user = instruction.arguments.split(":")[0]
        self.account(stage, stage.user)  # must exist

    def do_copy(self, stage: Stage, instruction: Instruction) -> None:
        flags, words = instruction.flags_and_words()
        *sources, destination = words
        target = self.host(stage, self.container_path(stage, destination))
        into_directory = destination.endswith("/") or len(sources) > 1
        for source in sources:
            if "from" in flags:
                self.copy_from(stage, flags["from"], source, target, into_directory)
            else:
                self.copy_context(source, target, into_directory)

    def copy_context(self, source: str, target: Path, into_directory: bool) -> None:
        origin = self.context / source
        if origin.is_file():
            if self.ignore.ignored(source):
                raise ReplayError(f"COPY {source}: excluded by .dockerignore")
            destination = target / origin.name if into_directory else target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination)
            return
        if not origin.is_dir():
            raise ReplayError(f"COPY {source}: not in the build context")
        copied = 0
        for path in sorted(origin.rglob("*")):
            relative = path.relative_to(self.context).as_posix()
            if path.is_file() and not self.ignore.ignored(relative):
                destination = target / path.relative_to(origin)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                copied += 1
        if not copied:
            raise ReplayError(f"COPY {source}: nothing left after .dockerignore")

    def copy_from(
        self, stage: Stage, source_stage: str, source: str, target: Path, into: bool
    ) -> None:
        base = self.stages[source_stage].base if source_stage in self.stages else source_stage
        image = self.images.get(base.rsplit(":", 1)[0])
        if image is not None:
            if source not in image:
                raise ReplayError(f"COPY --from={source_stage} {source}: not emulated")
            origin = image[source]
        elif source_stage in self.stages and source_stage != stage.name:
            origin = self.host(self.stages[source_stage], source)
        else:
            raise ReplayError(f"COPY --from={source_stage}: image not emulated")
        if not origin.exists():
            raise ReplayError(f"COPY --from={source_stage} {source}: not in that stage")
        destination = target / origin.name if into else target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if image is not None:
            destination.symlink_to(origin)  # a file of an emulated image, e.g. the uv binary
        elif origin.is_dir():
            # Hard links: as fast as a layer, and the source stage is never written again.
            shutil.copytree(
                origin, destination, symlinks=True, copy_function=os.link, dirs_exist_ok=True
            )
        else:
            shutil.copy2(origin, destination)

    def do_run(self, stage: Stage, instruction: Instruction, *, execute: bool = True) -> None:
        command = instruction.json_form() or ["/bin/sh", "-c", instruction.arguments]
        if self.emulate_useradd(stage, command):
            return
        environment = self.host_environment(stage)
        record = Run(
            stage.name,
            stage.user,
            self.home_of(stage),
            " ".join(command[2:]) if command[:2] == ["/bin/sh", "-c"] else " ".join(command),
            environment,
        )
        self.runs.append(record)
        if not execute:
            return
        result = subprocess.run(
            command,
            cwd=self.host(stage, stage.workdir),
            env={**environment, **self.builder_environment},
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ReplayError(
                f"line {instruction.line}: RUN {record.command} failed "
                f"(rc={result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )

    def emulate_useradd(self, stage: Stage, command: list[str]) -> bool:
        words = shlex.split(command[-1]) if command[:2] == ["/bin/sh", "-c"] else command
        if not words or words[0] != "useradd" or {"&&", ";", "|", "||"} & set(words):
            return False
        options, name = words[1:-1], words[-1]
        home = uid = ""
        for i, option in enumerate(options):
            if option in {"--home-dir", "-d"}:
                home = options[i + 1]
            elif option in {"--uid", "-u"}:
                uid = options[i + 1]
        home = home or f"/home/{name}"
        if "--create-home" in options or "-m" in options:
            self.host(stage, home).mkdir(parents=True, exist_ok=True)
        stage.passwd.append((name, uid, home))
        return True

    def do_cmd(self, stage: Stage, instruction: Instruction) -> None:
        stage.cmd = instruction.json_form() or ["/bin/sh", "-c", instruction.arguments]

    def do_healthcheck(self, stage: Stage, instruction: Instruction) -> None:
        stage.healthcheck = instruction.arguments

    def do_expose(self, stage: Stage, instruction: Instruction) -> None:
        pass
