"""Prune what the answers did not ask for, then (optionally) set the project up.

Every answer that can drop files owns exactly one `remove_*` function below, and the files it
drops are listed by name, so a user's own file in a pruned directory survives; the bake matrix in
the template's tests holds the matching expectations. Pruning is a pure function of the answers
(no clock, randomness, git or network) because `cruft update` renders the template twice in
temporary directories and runs this hook each time. So is the record of the template's source
and commit (`.template.json`): cruft passes both in the context, and only plain cookiecutter,
which does not, makes this hook ask git for the commit of the template it cloned. Setup (`uv
sync`, `download-files`) is the only side effect and is skipped inside those renders.

Standard library only: this runs under cookiecutter's or cruft's interpreter.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

PROJECT = Path.cwd()
PACKAGE = f"src/{ANSWERS['__package']}"
SKIP_SETUP_ENV = "LIVEKIT_TEMPLATE_SKIP_SETUP"


def files_in(directory, *names):
    return tuple(f"{directory}/{name}" for name in names)


# Every file an answer can drop, by name: a pruned directory may also hold the user's own
# files (`--overwrite-if-exists` over an existing project), and those are never deleted.
# tests/test_hooks.py checks these lists against the template's files.
LOCAL_WHISPER_FILES = (f"{PACKAGE}/local_stt.py", "tests/unit/test_local_stt.py")
LOCAL_KOKORO_FILES = (f"{PACKAGE}/local_tts.py", "tests/unit/test_local_tts.py")
MODEL_DOWNLOAD_PLUGIN_FILES = (f"src/livekit/plugins/{ANSWERS['__package']}/__init__.py",)
TEXT_TURN_DETECTOR_FILES = (
    f"{PACKAGE}/text_turn_detector.py",
    "tests/unit/test_text_turn_detector.py",
)
TOOL_CALLING_FILES = (f"{PACKAGE}/tools.py", "tests/unit/test_tools.py")
RAG_FILES = (
    *files_in(
        f"{PACKAGE}/knowledge",
        "__init__.py",
        "__main__.py",
        "embedder.py",
        "store.py",
        "tokenizer.json",
        "tool.py",
    ),
    *files_in("knowledge", "accounts.md", "returns.md", "shipping.md"),
    *files_in("tests/fixtures/knowledge", "accounts.md", "returns.md", "shipping.md"),
    "tests/unit/test_knowledge.py",
)
MULTI_AGENT_FILES = (
    *files_in(f"{PACKAGE}/team", "__init__.py", "account.py", "agents.py"),
    *files_in(f"{PACKAGE}/team/prompts", "billing.md", "greeter.md", "sales.md", "support.md"),
    "tests/unit/test_team.py",
)
SINGLE_AGENT_FILES = (f"{PACKAGE}/assistant.py", "tests/unit/test_assistant.py")
SIP_FILES = (
    *files_in(
        f"{PACKAGE}/telephony",
        "__init__.py",
        "__main__.py",
        "calls.py",
        "numbers.py",
        "provision.py",
    ),
    *files_in(
        "telephony", "README.md", "dispatch-rule.json", "inbound-trunk.json", "outbound-trunk.json"
    ),
    "tests/unit/test_telephony.py",
)
USERDATA_FILES = (f"{PACKAGE}/userdata.py",)
# The realtime model's stand-in and its tests: realtime and half-cascade only.
REALTIME_FILES = ("tests/scripted_realtime.py", "tests/unit/test_realtime.py")
# Models loaded once in the worker's forkserver: the pipeline's VAD, the knowledge base's embedder.
PRELOAD_FILES = (f"{PACKAGE}/preload.py", "tests/unit/test_preload.py")
# What only the pipeline has: its VAD and the clip its test listens to. The benchmark (bench/)
# follows every architecture.
PIPELINE_FILES = (
    "tests/unit/test_vad.py",
    "tests/fixtures/speech_16k.wav",
)
DEPLOY_FILES = {
    # `lk agent create` writes livekit.toml on the first deploy: an empty one would make it
    # fail with "project does not match agent subdomain []".
    "livekit-cloud": (),
    "docker": ("compose.yaml", "deploy/docker/README.md"),
    "kubernetes": files_in(
        "deploy/kubernetes",
        "deployment.yaml",
        "hpa.yaml",
        "kustomization.yaml",
        "pdb.yaml",
        "secret.template.yaml",
    ),
    "render": ("render.yaml",),
    "railway": ("railway.json",),
    "aws-ecs": files_in("deploy/aws-ecs", "cloudformation.yaml", "deploy.sh"),
}
LICENSE_FILES = ("LICENSE",)


def say(message=""):
    print(message, file=sys.stderr)


def remove(*relative_paths):
    """Delete these files of the template's; their directories go once nothing is left."""
    for relative in relative_paths:
        path = PROJECT / relative
        if path.is_file() or path.is_symlink():
            path.unlink()
        remove_empty_parents(path.parent)


def remove_empty_parents(directory):
    """Remove `directory` and its parents while they are empty (or hold only bytecode caches,
    which running the project leaves next to deleted modules)."""
    while directory != PROJECT and directory.is_dir():
        cache = directory / "__pycache__"
        if cache.is_dir() and [entry.name for entry in directory.iterdir()] == ["__pycache__"]:
            shutil.rmtree(cache)
        if any(directory.iterdir()):
            return
        directory.rmdir()
        directory = directory.parent


def report_kept_files(*directories):
    """Name the user's own files left in directories that only a pruned answer fills."""
    for relative in directories:
        directory = PROJECT / relative
        if directory.is_dir():
            kept = sorted(str(p.relative_to(PROJECT)) for p in directory.rglob("*") if p.is_file())
            say(f"Kept your own files in {relative}/: {', '.join(kept)}")


def remove_local_whisper_files():
    if ANSWERS["__stt"] != "faster-whisper":
        remove(*LOCAL_WHISPER_FILES)


def remove_local_kokoro_files():
    if ANSWERS["__tts"] != "kokoro":
        remove(*LOCAL_KOKORO_FILES)


def fetches_model_files():
    """Whether the project has model files of its own for `download-files` to fetch."""
    return (
        ANSWERS["__stt"] == "faster-whisper"
        or ANSWERS["__tts"] == "kokoro"
        or ANSWERS["__turn_detection"] == "text-model"
    )


def remove_model_download_plugin():
    # Registers model downloads with `python -m livekit.agents download-files`.
    if not fetches_model_files():
        remove(*MODEL_DOWNLOAD_PLUGIN_FILES)


def remove_text_turn_detector_files():
    if ANSWERS["__turn_detection"] != "text-model":
        remove(*TEXT_TURN_DETECTOR_FILES)


def remove_tool_calling_files():
    if not ANSWERS["use_tool_calling"]:
        remove(*TOOL_CALLING_FILES)


def remove_rag_files():
    if not ANSWERS["use_rag"]:
        remove(*RAG_FILES)
        report_kept_files(f"{PACKAGE}/knowledge", "knowledge", "tests/fixtures/knowledge")


def remove_multi_agent_files():
    if not ANSWERS["use_multi_agent"]:
        remove(*MULTI_AGENT_FILES)
        report_kept_files(f"{PACKAGE}/team")


def remove_single_agent_files():
    # With a team, the greeter and specialists replace the single assistant.
    if ANSWERS["use_multi_agent"]:
        remove(*SINGLE_AGENT_FILES)


def remove_sip_files():
    if not ANSWERS["use_sip"]:
        remove(*SIP_FILES)
        report_kept_files(f"{PACKAGE}/telephony", "telephony")


def remove_userdata_module():
    # Shared session state exists only for the patterns that keep some.
    if not (ANSWERS["use_tool_calling"] or ANSWERS["use_multi_agent"] or ANSWERS["use_sip"]):
        remove(*USERDATA_FILES)


def remove_realtime_files():
    if ANSWERS["architecture"] == "pipeline":
        remove(*REALTIME_FILES)


def remove_preload_module():
    if ANSWERS["architecture"] != "pipeline" and not ANSWERS["use_rag"]:
        remove(*PRELOAD_FILES)


def remove_pipeline_files():
    if ANSWERS["architecture"] != "pipeline":
        remove(*PIPELINE_FILES)


def remove_other_deploy_targets():
    for target, paths in DEPLOY_FILES.items():
        if target != ANSWERS["deploy_target"]:
            remove(*paths)
            report_kept_files(*{str(Path(path).parent) for path in paths} - {"."})


def remove_license_file():
    if ANSWERS["license"] == "proprietary":
        remove(*LICENSE_FILES)


TEMPLATE_RECORD = ".template.json"
# cookiecutter's built-in abbreviations (cookiecutter/config.py, BUILTIN_ABBREVIATIONS). cruft
# clones what it is given and knows none of them, so the record holds the URL they expand to.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
# cookiecutter's `is_repo_url` (cookiecutter/repository.py): git://, ssh://, https://, user@host.
REPO_URL = re.compile(r"((((git|hg)\+)?(git|ssh|file|https?):(//)?)|(\w+@[\w\.]+))")
# The placeholders of README.md's `cruft link` line, filled in when the values are known.
LINK_LINE = "uvx cruft link --checkout "
UNKNOWN_TEMPLATE = "<template>"
UNKNOWN_COMMIT = "<commit>"


def local_path(given):
    """A local template path as an absolute path: cookiecutter resolved a relative one against
    the directory it was started in, which the shell's PWD names (the hook runs in the project).
    None when that does not lead to a template."""
    path = Path(given).expanduser()
    if not path.is_absolute():
        path = Path(os.environ.get("PWD", "/nonexistent")) / path
    path = Path(os.path.normpath(path))
    return path if (path / "cookiecutter.json").is_file() else None


def template_location():
    """Where the template came from, as cruft can clone it: a URL, or an absolute path."""
    given = str(ANSWERS.get("_template") or "")
    prefix, colon, rest = given.partition(":")
    if colon and prefix in ABBREVIATIONS:
        return ABBREVIATIONS[prefix].format(rest)
    if not given or REPO_URL.match(given):
        return given
    path = local_path(given)
    return str(path) if path else given


def git(directory, *args):
    """git's output in `directory`, or None when git is missing, fails or hangs. The user's
    GIT_* variables (set inside a git hook, say) would point it at another repository."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=environment,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def template_commit():
    """(commit, uncommitted changes) of the template, (None, False) when unknown.

    cruft passes `_commit` (create, and its update and diff renders: so they never run git).
    Plain cookiecutter passes `_repo_dir`, its clone of a Git URL or the local directory; the
    commit counts only when that repository tracks the template's cookiecutter.json, not when
    the template is an untracked directory inside some other repository.
    """
    if ANSWERS.get("_commit"):
        return str(ANSWERS["_commit"]), False
    repo_dir = ANSWERS.get("_repo_dir")
    directory = local_path(str(repo_dir)) if repo_dir else None
    tracked = directory and git(directory, "ls-files", "--error-unmatch", "cookiecutter.json")
    if not tracked:
        return None, False
    head = git(directory, "rev-parse", "--verify", "HEAD")
    if not head:
        return None, False
    status = git(directory, "--no-optional-locks", "status", "--porcelain", "--", ".")
    return head.strip(), bool(status)


def record_template_source():
    """Write .template.json and fill in README.md's `cruft link` line; return the record.

    cruft's renders see the same values as the project they compare against, so neither
    `cruft diff` nor `cruft update` shows the record as a change unless the commit moved.
    """
    commit, uncommitted = template_commit()
    record = {"template": template_location() or None, "commit": commit}
    if uncommitted:
        record["uncommitted_changes"] = True
    (PROJECT / TEMPLATE_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    readme = PROJECT / "README.md"
    if readme.is_file():
        lines = readme.read_text(encoding="utf-8").split("\n")
        for index, line in enumerate(lines):
            if line.startswith(LINK_LINE):
                if record["template"]:
                    line = line.replace(UNKNOWN_TEMPLATE, shlex.quote(record["template"]), 1)
                if commit:
                    line = line.replace(UNKNOWN_COMMIT, commit, 1)
                lines[index] = line
        readme.write_text("\n".join(lines), encoding="utf-8")
    return record


def inside_cruft_render():
    """True when cruft renders a copy of the template to compute an update or a diff.

    cruft 2.16 (`cruft/_commands/utils/generate.py`, `_generate_output`) renders those copies
    with cookiecutter's `generate_files` into a fresh `tempfile.TemporaryDirectory()`, so the
    project lands at `<tempdir>/tmpXXXXXXXX/<project_slug>`, alone in that directory, with
    `_commit` in the context. `cruft create` renders into the user's output directory
    instead, which may well be under the temp dir too (and is then no render: setup runs).
    The one output directory that looks the same is a fresh, empty `tempfile.mkdtemp()`
    itself; `cruft create` into one of those skips setup, as an update render would.
    """
    if not ANSWERS.get("_commit"):
        return False
    render_dir = PROJECT.resolve().parent
    return (
        render_dir.parent == Path(tempfile.gettempdir()).resolve()
        and re.fullmatch(r"tmp[a-z0-9_]{8}", render_dir.name) is not None
        and [entry.name for entry in render_dir.iterdir()] == [PROJECT.name]
    )


SETUP_COMMANDS = (
    ("uv", "sync"),
    ("uv", "run", "python", "-m", "livekit.agents", "download-files"),
)


def print_setup_hint(reason, remaining=SETUP_COMMANDS):
    """Say why setup stopped and list the commands still to run (not the ones that passed)."""
    say(f"Setup skipped: {reason}")
    say("Run it yourself from the project directory when you are ready:")
    for command in remaining:
        say(f"    {' '.join(command)}")


def run_setup():
    if not ANSWERS["run_setup"]:
        return
    if inside_cruft_render():
        return
    if os.environ.get(SKIP_SETUP_ENV):
        print_setup_hint(f"{SKIP_SETUP_ENV} is set.")
        return
    if shutil.which("uv") is None:
        print_setup_hint("uv is not on PATH (install it: https://docs.astral.sh/uv/).")
        return
    for index, command in enumerate(SETUP_COMMANDS):
        remaining = SETUP_COMMANDS[index:]
        say(f"Running: {' '.join(command)}")
        try:
            result = subprocess.run(command, cwd=PROJECT, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            print_setup_hint(f"'{' '.join(command)}' did not finish ({error}).", remaining)
            return
        if result.returncode != 0:
            print_setup_hint(
                f"'{' '.join(command)}' exited with {result.returncode} "
                "(no network, or a package index or model hub that cannot be reached?).",
                remaining,
            )
            return


SLOTS = (("stt", "__stt"), ("llm", "__llm"), ("tts", "__tts"), ("realtime", "__realtime_model"))
# The answers each architecture leaves unused, and what stands in for them.
NOT_USED = {
    "__stt": "stt",
    "__llm": "llm",
    "__tts": "tts",
    "__realtime_model": "realtime_model",
}


def derived_notes():
    """One line per answer the template had to change or could not use."""
    notes = []
    # Under the pipeline only the realtime model goes unused, and its prompt says so.
    unused = [answer for key, answer in NOT_USED.items() if ANSWERS[key] == "none"]
    if ANSWERS["architecture"] != "pipeline":
        unused.append("turn_detection")
    if ANSWERS["architecture"] != "pipeline":
        notes.append(
            f"architecture={ANSWERS['architecture']} does not use "
            f"{', '.join(f'{answer}={ANSWERS[answer]}' for answer in unused)}."
        )
    if ANSWERS["model_access"] == "inference":
        through_plugins = [
            f"{slot}={ANSWERS[key]}"
            for slot, key in SLOTS
            if ANSWERS[f"__{slot}_access"] == "plugins"
        ]
        if through_plugins:
            notes.append(
                f"LiveKit Inference does not serve {', '.join(through_plugins)}: "
                f"{'it uses its' if len(through_plugins) == 1 else 'they use their'} "
                "provider's plugin and key."
            )
    if ANSWERS["__turn_detection"] not in (ANSWERS["turn_detection"], "realtime"):
        notes.append(
            f"turn_detection={ANSWERS['__turn_detection']}: stt={ANSWERS['stt']} has no "
            "endpointing of its own."
        )
    if ANSWERS["__agent_name"] != ANSWERS["agent_name"].strip():
        notes.append(
            f"agent_name={ANSWERS['__agent_name']}: SIP telephony needs explicit dispatch."
        )
    return notes


def source_line(record):
    """Where the project came from, for the closing message."""
    template = record["template"] or "an unknown template"
    if not record["commit"]:
        return f"from {template} (commit unknown: not a Git repository, or no git)"
    uncommitted = " plus uncommitted changes" if record.get("uncommitted_changes") else ""
    return f"from {template} at commit {record['commit']}{uncommitted}"


def needs_no_key():
    """Whether every model runs locally (or on the user's server), so `console` needs no key."""
    return ANSWERS["__model_access"] == "plugins" and not ANSWERS["__provider_keys"]


def next_commands():
    """(command, why) in the order a new user runs them; `console` through the LiveKit CLI
    first, livekit's older built-in CLI as the fallback, as README.md's Run section says."""
    package = ANSWERS["__package"]
    keys = "then fill in the keys it lists"
    if needs_no_key():
        keys = "console needs no key; dev and start need the LiveKit ones"
    commands = [
        (f"cd {ANSWERS['project_slug']}", ""),
        ("cp .env.example .env.local", keys),
    ]
    if fetches_model_files() and not ANSWERS["run_setup"]:
        commands.append(("uv run python -m livekit.agents download-files", "the local model files"))
    if ANSWERS["__llm"] == "ollama":
        model = ANSWERS["_models"]["plugins"]["llm"]["ollama"]
        commands.append((f"ollama pull {model}", "the local language model (README.md, Ollama)"))
    if ANSWERS["use_rag"]:
        commands.append(
            (f"uv run python -m {package}.knowledge ingest", "index knowledge/ for the search tool")
        )
    commands += [
        ("lk agent console", "talk to the agent (the LiveKit CLI)"),
        ("uv run python src/agent.py console", "without lk; needs PortAudio (libportaudio2)"),
        ("uv run pytest", "the offline tests"),
    ]
    return commands


def print_next_steps(record):
    say()
    notes = derived_notes()
    if notes:
        say("Derived from your answers:")
        for note in notes:
            say(f"    {note}")
    say(f"Created {ANSWERS['project_slug']} {source_line(record)}.")
    say(f"Recorded in {TEMPLATE_RECORD}: README.md's 'Updating from the template' uses it.")
    say("Next:")
    commands = next_commands()
    width = max(len(command) for command, _ in commands)
    for command, why in commands:
        say(f"    {command.ljust(width)}   # {why}" if why else f"    {command}")


def main():
    remove_local_whisper_files()
    remove_local_kokoro_files()
    remove_model_download_plugin()
    remove_text_turn_detector_files()
    remove_tool_calling_files()
    remove_rag_files()
    remove_multi_agent_files()
    remove_single_agent_files()
    remove_sip_files()
    remove_userdata_module()
    remove_realtime_files()
    remove_preload_module()
    remove_pipeline_files()
    remove_other_deploy_targets()
    remove_license_file()
    record = record_template_source()
    run_setup()
    if not inside_cruft_render():
        print_next_steps(record)


if __name__ == "__main__":
    main()
