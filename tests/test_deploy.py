"""Each deploy target's artefacts, baked and checked with the validators that run offline here.

Kubernetes: kubernetes-validate --strict. Dockerfile: hadolint. Compose: check-jsonschema's
vendored compose spec. render.yaml / railway.json: the schemas in tests/schemas/ (no official
schema is vendored anywhere offline). ECS: cfn-lint on the CloudFormation template. Docker
itself cannot run here, so the Dockerfile's own build commands are replayed in a clean
directory with the same environment variables instead.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bake import BakedProject, bake, project_environment
from combinations import combo_id, complete

TESTS = Path(__file__).parent
TOOLS = Path(sys.executable).parent
TARGETS = ["livekit-cloud", "docker", "kubernetes", "render", "railway", "aws-ecs"]
BAKES: dict[str, BakedProject] = {}


@pytest.fixture(params=TARGETS)
def target_project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    target = request.param
    if target not in BAKES:
        # Provider plugins, so the secrets lists include provider keys too.
        BAKES[target] = bake(
            tmp_path_factory.mktemp(target), deploy_target=target, model_access="plugins"
        )
    return BAKES[target]


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS / name), *map(str, args)], capture_output=True, text=True, check=False
    )


def env_example_names(project: BakedProject) -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]+)=", project.read(".env.example"), re.MULTILINE)


def drain_default(project: BakedProject) -> int:
    settings = next(project.path.glob("src/*/settings.py")).read_text()
    return int(re.search(r"DEFAULT_DRAIN_TIMEOUT_SECONDS = (\d+)", settings).group(1))


def platform_grace(project: BakedProject) -> int | None:
    target = project.answers["deploy_target"]
    if target == "kubernetes":
        deployment = yaml.safe_load(project.read("deploy/kubernetes/deployment.yaml"))
        return deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    if target == "render":
        return yaml.safe_load(project.read("render.yaml"))["services"][0]["maxShutdownDelaySeconds"]
    if target == "railway":
        return json.loads(project.read("railway.json"))["deploy"]["drainingSeconds"]
    if target == "docker":
        return int(
            yaml.safe_load(project.read("compose.yaml"))["services"]["agent"][
                "stop_grace_period"
            ].removesuffix("s")
        )
    if target == "aws-ecs":
        stack = project.read("deploy/aws-ecs/cloudformation.yaml")
        return int(re.search(r"StopTimeout: (\d+)", stack).group(1))
    return None  # LiveKit Cloud manages its own rollout


# Answers that change the Dockerfile (extra COPY/RUN lines) or what `download-files` fetches,
# on top of every deploy target: hadolint must pass on each rendering, not only the default.
DOCKERFILE_VARIANTS = [
    *({"deploy_target": target} for target in TARGETS),
    {"use_rag": True},
    {"use_sip": True},
    {"stt": "faster-whisper"},
    {"turn_detection": "text-model"},
    {"use_rag": True, "use_sip": True, "stt": "faster-whisper", "turn_detection": "text-model"},
]


@pytest.mark.parametrize(
    "answers", [complete(v) for v in DOCKERFILE_VARIANTS], ids=lambda a: combo_id(a)
)
def test_dockerfile_passes_hadolint(answers: dict[str, object], tmp_path: Path) -> None:
    project = bake(tmp_path, **answers)
    result = tool("hadolint", project.path / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_chosen_target_has_artefacts(target_project: BakedProject) -> None:
    files = target_project.relative_files()
    markers = {
        "livekit-cloud": "livekit.toml",
        "docker": "compose.yaml",
        "kubernetes": "deploy/kubernetes/deployment.yaml",
        "render": "render.yaml",
        "railway": "railway.json",
        "aws-ecs": "deploy/aws-ecs/cloudformation.yaml",
    }
    present = {target for target, marker in markers.items() if marker in files}
    assert present == {target_project.answers["deploy_target"]}
    assert {"Dockerfile", ".dockerignore"} <= files


def test_artefacts_pass_their_validators(target_project: BakedProject) -> None:
    path, target = target_project.path, target_project.answers["deploy_target"]
    if target == "kubernetes":
        manifests = sorted((path / "deploy/kubernetes").glob("*.yaml"))
        manifests = [m for m in manifests if m.name != "kustomization.yaml"]
        result = tool("kubernetes-validate", "--strict", *manifests)
    elif target == "docker":
        result = tool(
            "check-jsonschema", "--builtin-schema", "vendor.compose-spec", path / "compose.yaml"
        )
    elif target == "render":
        result = tool(
            "check-jsonschema",
            "--schemafile",
            TESTS / "schemas/render.schema.json",
            path / "render.yaml",
        )
    elif target == "railway":
        result = tool(
            "check-jsonschema",
            "--schemafile",
            TESTS / "schemas/railway.schema.json",
            path / "railway.json",
        )
    elif target == "aws-ecs":
        result = tool("cfn-lint", path / "deploy/aws-ecs/cloudformation.yaml")
    else:
        assert "[agent]" in target_project.read("livekit.toml")
        return
    assert result.returncode == 0, result.stdout + result.stderr


def test_secrets_are_exactly_the_env_example_keys_and_never_values(
    target_project: BakedProject,
) -> None:
    target = target_project.answers["deploy_target"]
    expected = env_example_names(target_project)
    if target == "kubernetes":
        secret = yaml.safe_load(target_project.read("deploy/kubernetes/secret.template.yaml"))
        assert list(secret["stringData"]) == expected
        assert set(secret["stringData"].values()) == {""}
    elif target == "render":
        group = yaml.safe_load(target_project.read("render.yaml"))["envVarGroups"][0]
        assert [v["key"] for v in group["envVars"]] == expected
        assert all(v["sync"] is False and "value" not in v for v in group["envVars"])
    elif target == "aws-ecs":
        stack = target_project.read("deploy/aws-ecs/cloudformation.yaml")
        assert re.findall(r"- Name: ([A-Z_0-9]+)\n", stack) == expected
        assert not re.search(r"\d{12}|arn:aws:", stack), "hard-coded account or ARN"
    assert ".env" in target_project.read(".dockerignore").splitlines()


def test_drain_timeout_fits_the_platform_grace_period(target_project: BakedProject) -> None:
    grace = platform_grace(target_project)
    if grace is not None:
        assert 0 < drain_default(target_project) < grace


def dockerfile_stage(dockerfile: str, name: str) -> str:
    return dockerfile.split(f" AS {name}")[1].split("\nFROM ")[0]


def test_models_are_downloaded_by_the_user_that_runs_the_agent() -> None:
    dockerfile = (
        Path(__file__).parents[1] / "{{cookiecutter.project_slug}}/Dockerfile"
    ).read_text()
    runtime = dockerfile_stage(dockerfile, "runtime")
    home = re.search(r"HOME=(\S+)", runtime).group(1)
    assert re.search(rf"HF_HOME={re.escape(home)}/", runtime)
    assert re.search(rf"XDG_CACHE_HOME={re.escape(home)}/", runtime)
    user = re.search(r"useradd .*--home-dir (\S+) --uid (\d+)", runtime)
    assert user.group(1) == home
    user_line = runtime.index(f"USER {user.group(2)}")
    assert user_line < runtime.index("download-files"), "models must be fetched as the agent user"
    assert (
        runtime.rstrip()
        .splitlines()[-1]
        .startswith('CMD ["python", "-m", "livekit.agents", "start"')
    )


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_the_dockerfile_build_steps_run_in_a_clean_directory(tmp_path: Path) -> None:
    """Replay the Dockerfile's RUN steps with its environment (no Docker engine here)."""
    project = bake(tmp_path / "bake", deploy_target="docker")
    app, home = tmp_path / "app", tmp_path / "home" / "agent"
    shutil.copytree(project.path, app, ignore=shutil.ignore_patterns(".venv", "tests"))
    environ = project_environment("3.11") | {
        "UV_PROJECT_ENVIRONMENT": str(app / ".venv"),
        "UV_LINK_MODE": "copy",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "HF_HOME": str(home / ".cache" / "huggingface"),
    }

    def run(*command: str) -> None:
        result = subprocess.run(
            command, cwd=app, env=environ, capture_output=True, text=True, timeout=900, check=False
        )
        assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}"

    run("uv", "lock")  # generated with run_setup=yes; the image build needs the lockfile
    run("uv", "sync", "--locked", "--no-dev", "--no-install-project")
    run("uv", "sync", "--locked", "--no-dev")
    run(str(app / ".venv/bin/python"), "-m", "livekit.agents", "download-files")
    assert not (app / ".venv/bin/pytest").exists(), "dev tools must not ship in the image"
