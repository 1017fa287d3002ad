"""Prune what the answers did not ask for, then (optionally) set the project up.

Every answer that can drop files owns exactly one `remove_*` function below; the bake matrix in
the template's tests holds the matching expectations. Pruning is a pure function of the answers
(no clock, randomness, git or network) because `cruft update` renders the template twice in
temporary directories and runs this hook each time. Setup (`uv sync`, `download-files`) is the
only side effect and is skipped inside those renders.

Standard library only: this runs under cookiecutter's or cruft's interpreter.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

PROJECT = Path.cwd()
PACKAGE = f"src/{ANSWERS['__package']}"
SKIP_SETUP_ENV = "LIVEKIT_TEMPLATE_SKIP_SETUP"

DEPLOY_FILES = {
    # `lk agent create` writes livekit.toml on the first deploy: an empty one would make it
    # fail with "project does not match agent subdomain []".
    "livekit-cloud": [],
    "docker": ["compose.yaml", "deploy/docker"],
    "kubernetes": ["deploy/kubernetes"],
    "render": ["render.yaml"],
    "railway": ["railway.json"],
    "aws-ecs": ["deploy/aws-ecs"],
}


def say(message=""):
    print(message, file=sys.stderr)


def remove(*relative_paths):
    """Delete files or directories; paths that are already gone are fine."""
    for relative in relative_paths:
        path = PROJECT / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        remove_empty_parents(path.parent)


def remove_empty_parents(directory):
    while directory != PROJECT and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def remove_local_whisper_files():
    if ANSWERS["stt"] != "faster-whisper":
        remove(f"{PACKAGE}/local_stt.py", "tests/unit/test_local_stt.py")


def remove_model_download_plugin():
    # Registers model downloads with `python -m livekit.agents download-files`.
    if ANSWERS["stt"] != "faster-whisper":
        remove("src/livekit")


def remove_text_turn_detector_files():
    if ANSWERS["turn_detection"] != "text-model":
        remove(f"{PACKAGE}/text_turn_detector.py", "tests/unit/test_text_turn_detector.py")


def remove_tool_calling_files():
    if not ANSWERS["use_tool_calling"]:
        remove(f"{PACKAGE}/tools.py", "tests/unit/test_tools.py")


def remove_rag_files():
    if not ANSWERS["use_rag"]:
        remove(
            f"{PACKAGE}/knowledge",
            "knowledge",
            "tests/unit/test_knowledge.py",
            "tests/fixtures/knowledge",
        )


def remove_multi_agent_files():
    if not ANSWERS["use_multi_agent"]:
        remove(f"{PACKAGE}/team", "tests/unit/test_team.py")


def remove_single_agent_files():
    # With a team, the greeter and specialists replace the single assistant.
    if ANSWERS["use_multi_agent"]:
        remove(f"{PACKAGE}/assistant.py", "tests/unit/test_assistant.py")


def remove_sip_files():
    if not ANSWERS["use_sip"]:
        remove(f"{PACKAGE}/telephony", "telephony", "tests/unit/test_telephony.py")


def remove_userdata_module():
    # Shared session state exists only for the patterns that keep some.
    if not (ANSWERS["use_tool_calling"] or ANSWERS["use_multi_agent"] or ANSWERS["use_sip"]):
        remove(f"{PACKAGE}/userdata.py")


def remove_other_deploy_targets():
    for target, paths in DEPLOY_FILES.items():
        if target != ANSWERS["deploy_target"]:
            remove(*paths)


def remove_license_file():
    if ANSWERS["license"] == "proprietary":
        remove("LICENSE")


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


def print_next_steps():
    slug = ANSWERS["project_slug"]
    say()
    say(f"Created {slug}. Next:")
    say(f"    cd {slug}")
    say("    cp .env.example .env.local   # then fill in the keys it lists")
    say("    uv run python src/agent.py console")
    say("    uv run pytest")


def main():
    remove_local_whisper_files()
    remove_model_download_plugin()
    remove_text_turn_detector_files()
    remove_tool_calling_files()
    remove_rag_files()
    remove_multi_agent_files()
    remove_single_agent_files()
    remove_sip_files()
    remove_userdata_module()
    remove_other_deploy_targets()
    remove_license_file()
    run_setup()
    if not inside_cruft_render():
        print_next_steps()


if __name__ == "__main__":
    main()
