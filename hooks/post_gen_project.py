"""Prune what the answers did not ask for, then (optionally) set the project up.

Every answer that can drop files owns exactly one `remove_*` function below, and the files it
drops are listed by name, so a user's own file in a pruned directory survives; the bake matrix in
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


def files_in(directory, *names):
    return tuple(f"{directory}/{name}" for name in names)


# Every file an answer can drop, by name: a pruned directory may also hold the user's own
# files (`--overwrite-if-exists` over an existing project), and those are never deleted.
# tests/test_hooks.py checks these lists against the template's files.
LOCAL_WHISPER_FILES = (f"{PACKAGE}/local_stt.py", "tests/unit/test_local_stt.py")
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
# What only the pipeline has: its VAD (and the clip its test listens to), and the benchmark,
# which measures the pipeline's stages.
PIPELINE_FILES = (
    *files_in(
        f"{PACKAGE}/bench",
        "__init__.py",
        "__main__.py",
        "configs.py",
        "modes.py",
        "profile.json",
        "profile.py",
        "report.py",
        "run.py",
        "simulated.py",
        "speech.py",
        "timeline.py",
        "worker.py",
    ),
    *files_in(
        f"{PACKAGE}/bench/speech",
        "conversation.json",
        "turn1.wav",
        "turn2.wav",
        "turn3.wav",
        "turn4.wav",
    ),
    "tests/unit/test_bench.py",
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


def remove_model_download_plugin():
    # Registers model downloads with `python -m livekit.agents download-files`.
    if ANSWERS["__stt"] != "faster-whisper":
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


def remove_pipeline_files():
    if ANSWERS["architecture"] != "pipeline":
        remove(*PIPELINE_FILES)
        report_kept_files(f"{PACKAGE}/bench")


def remove_other_deploy_targets():
    for target, paths in DEPLOY_FILES.items():
        if target != ANSWERS["deploy_target"]:
            remove(*paths)
            report_kept_files(*{str(Path(path).parent) for path in paths} - {"."})


def remove_license_file():
    if ANSWERS["license"] == "proprietary":
        remove(*LICENSE_FILES)


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


def print_next_steps():
    slug = ANSWERS["project_slug"]
    say()
    notes = derived_notes()
    if notes:
        say("Derived from your answers:")
        for note in notes:
            say(f"    {note}")
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
    remove_realtime_files()
    remove_pipeline_files()
    remove_other_deploy_targets()
    remove_license_file()
    run_setup()
    if not inside_cruft_render():
        print_next_steps()


if __name__ == "__main__":
    main()
