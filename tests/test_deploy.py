"""Each deploy target's artefacts, baked and checked with the validators that run offline here.

Kubernetes: kubernetes-validate --strict. Dockerfile: hadolint. Compose: check-jsonschema's
vendored compose spec. render.yaml / railway.json: the schemas in tests/schemas/ (no official
schema is vendored anywhere offline). ECS: cfn-lint on the CloudFormation template. Docker
itself cannot run here, so the rendered Dockerfile is replayed instead (tests/dockerfile_replay.py):
its stages, environment, .dockerignore-filtered copies and RUN commands, in clean directories;
then the runtime user must find the model files the build downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bake import BakedProject, bake, project_environment
from combinations import combo_id, complete
from dockerfile_replay import Replay, ReplayError
from pytest_cookies.plugin import Cookies

TESTS = Path(__file__).parent
TOOLS = Path(sys.executable).parent
TARGETS = ["livekit-cloud", "docker", "kubernetes", "render", "railway", "aws-ecs"]


@pytest.fixture(params=TARGETS)
def target_project(request: pytest.FixtureRequest, baked: Callable[..., BakedProject]):
    # Provider plugins, so the secrets lists include provider keys too.
    return baked(deploy_target=request.param, model_access="plugins")


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS / name), *map(str, args)], capture_output=True, text=True, check=False
    )


def env_example_names(project: BakedProject) -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]+)=", project.read(".env.example"), re.MULTILINE)


def drain_default(project: BakedProject) -> int:
    """The drain timeout the image sets for its target (the code's default is livekit's)."""
    return int(re.search(r"DRAIN_TIMEOUT_SECONDS=(\d+)", project.read("Dockerfile")).group(1))


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
def test_dockerfile_passes_hadolint(
    answers: dict[str, object], baked: Callable[..., BakedProject]
) -> None:
    project = baked(**answers)
    result = tool("hadolint", project.path / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_chosen_target_has_artefacts(target_project: BakedProject) -> None:
    files = target_project.relative_files()
    markers = {
        "docker": "compose.yaml",
        "kubernetes": "deploy/kubernetes/deployment.yaml",
        "render": "render.yaml",
        "railway": "railway.json",
        "aws-ecs": "deploy/aws-ecs/cloudformation.yaml",
    }
    present = {target for target, marker in markers.items() if marker in files}
    target = target_project.answers["deploy_target"]
    assert present == ({target} if target in markers else set())
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
        # LiveKit Cloud's artefact is the `lk agent create` flow in the README; the CLI writes
        # livekit.toml itself and refuses one whose project subdomain does not match.
        assert not target_project.exists("livekit.toml")
        assert "lk agent create" in target_project.read("README.md")
        return
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_reaches_a_local_livekit_server(baked: Callable[..., BakedProject]) -> None:
    """The URLs deploy/docker/README.md gives resolve from the agent's container."""
    project = baked(deploy_target="docker")
    services = yaml.safe_load(project.read("compose.yaml"))["services"]
    readme = project.read("deploy/docker/README.md")
    # A server on the host: Docker Desktop has the name built in, Linux needs this mapping.
    assert "host.docker.internal:host-gateway" in services["agent"]["extra_hosts"]
    assert "LIVEKIT_URL=ws://host.docker.internal:7880" in readme
    # A server in the same project: only under its profile, so `docker compose up` stays
    # agent-only; the agent reaches it by service name.
    server = services["livekit"]
    assert server["profiles"] == ["local-server"]
    assert "--dev" in server["command"] and "0.0.0.0" in server["command"]
    assert re.fullmatch(r"livekit/livekit-server:v\d+\.\d+\.\d+", server["image"])
    # The dev keys are public: the server's ports are published on the loopback only.
    loopback = ["127.0.0.1:7880:7880", "127.0.0.1:7881:7881", "127.0.0.1:7882:7882/udp"]
    assert server["ports"] == loopback
    assert "docker compose --profile local-server up" in readme
    assert "LIVEKIT_URL=ws://livekit:7880" in readme


def test_railway_health_checks_the_workers_health_server(
    baked: Callable[..., BakedProject],
) -> None:
    project = baked(deploy_target="railway")
    deploy = json.loads(project.read("railway.json"))["deploy"]
    assert deploy["healthcheckPath"] == "/"
    # Railway checks the port in PORT; the worker serves health on the image's EXPOSEd port.
    port = re.search(r"^EXPOSE (\d+)", project.read("Dockerfile"), re.MULTILINE).group(1)
    settings = next(project.path.glob("src/*/settings.py")).read_text()
    assert f"HEALTH_PORT = {port}" in settings
    assert f"`PORT={port}`" in (TESTS.parent / "docs/deploy/railway.md").read_text()


def test_kubernetes_leaves_the_scale_to_the_autoscaler_and_runs_read_only(
    baked: Callable[..., BakedProject],
) -> None:
    project = baked(deploy_target="kubernetes")
    deployment = yaml.safe_load(project.read("deploy/kubernetes/deployment.yaml"))
    hpa = yaml.safe_load(project.read("deploy/kubernetes/hpa.yaml"))
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    # A replica count next to the autoscaler resets the scale on every `kubectl apply -k`.
    assert "replicas" not in deployment["spec"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # Writable: exactly what the worker writes (see the read-only run below), as emptyDirs.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert list(mounts) == WORKER_WRITES
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert all("emptyDir" in volumes[name] for name in mounts.values())
    # livekit's endpoint says "alive", not "registered": startup and liveness probes only.
    assert "readinessProbe" not in container
    for probe in ("startupProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/", "port": "health"}
    assert container["ports"] == [{"name": "health", "containerPort": 8081}]


def test_ecs_tasks_may_protect_themselves_from_scale_in(
    baked: Callable[..., BakedProject],
) -> None:
    project = baked(deploy_target="aws-ecs")
    stack = yaml.load(
        project.read("deploy/aws-ecs/cloudformation.yaml"), Loader=CloudFormationLoader
    )
    resources = stack["Resources"]
    task = resources["TaskDefinition"]["Properties"]
    assert task["TaskRoleArn"] == {"GetAtt": "TaskRole.Arn"}
    statements = [
        statement
        for policy in resources["TaskRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    actions = {action for statement in statements for action in statement["Action"]}
    assert actions == {"ecs:GetTaskProtection", "ecs:UpdateTaskProtection"}
    server = next(project.path.glob("src/*/server.py")).read_text()
    assert "task-protection/v1/state" in server and "ECS_AGENT_URI" in server
    for target in ("docker", "kubernetes"):
        other = baked(deploy_target=target)
        assert "task-protection" not in next(other.path.glob("src/*/server.py")).read_text()


def test_health_checks_say_what_livekits_endpoint_reports(target_project: BakedProject) -> None:
    """livekit's GET / is 200 while the worker runs, also while it reconnects (worker.py)."""
    dockerfile = target_project.read("Dockerfile")
    assert "503 otherwise" not in dockerfile
    assert "also while it connects" in dockerfile and "503 once it gave up" in dockerfile
    assert re.search(r"^HEALTHCHECK .*\n.*http://127\.0\.0\.1:8081/'", dockerfile, re.M)


def test_env_files_stay_out_of_git_but_the_example_does_not(cookies: Cookies) -> None:
    project = bake(cookies, deploy_target="docker")
    subprocess.run(["git", "init", "-q"], cwd=project.path, check=True)
    names = [".env", ".env.local", ".env.production", ".env.example"]
    ignored = subprocess.run(
        ["git", "check-ignore", *names], cwd=project.path, capture_output=True, text=True
    ).stdout.split()
    assert ignored == [".env", ".env.local", ".env.production"]


CALLS_FIGURE = re.compile(r"\d+\s*-\s*\d+\s+(?:concurrent\s+)?(?:calls|sessions)", re.I)


def test_only_the_sizing_guide_quotes_calls_per_worker() -> None:
    """One place for capacity figures, so a new measurement cannot leave other pages stale."""
    pages = sorted((TESTS.parent / "docs/deploy").glob("*.md"))
    artefacts = sorted((TESTS.parent / "{{cookiecutter.__project_dir}}/deploy").rglob("*.*"))
    quoting = [
        f"{path.relative_to(TESTS.parent)}: {match}"
        for path in [*pages, *artefacts]
        if path.name != "sizing.md"
        for match in CALLS_FIGURE.findall(path.read_text())
    ]
    assert quoting == []


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


# The longest shutdown grace each platform documents (None: no documented maximum).
PLATFORM_GRACE_MAXIMUM = {
    "render": 300,  # maxShutdownDelaySeconds: 1-300 (render.com/docs/blueprint-spec)
    "aws-ecs": 120,  # Fargate containers' stopTimeout: at most 120 s (ECS ContainerDefinition)
    "railway": None,  # drainingSeconds: no maximum in docs.railway.com's config-as-code page
    "kubernetes": None,  # terminationGracePeriodSeconds: any non-negative integer
    "docker": None,  # compose stop_grace_period: any duration
}


def test_grace_periods_stay_within_each_platforms_maximum(target_project: BakedProject) -> None:
    target = target_project.answers["deploy_target"]
    grace = platform_grace(target_project)
    if target == "livekit-cloud":
        assert grace is None
        return
    assert isinstance(grace, int) and grace > 0
    maximum = PLATFORM_GRACE_MAXIMUM[str(target)]
    if maximum is not None:
        assert grace <= maximum, f"{target} cuts the container after {maximum} s"
    # The worker's own drain ends first, so it can close calls before the platform kills it.
    assert drain_default(target_project) < grace


class CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !Sub, !Equals ... as {"Ref": ...} style mappings."""


CloudFormationLoader.add_multi_constructor(
    "!",
    lambda loader, tag, node: {
        tag: (
            loader.construct_sequence(node, deep=True)
            if isinstance(node, yaml.SequenceNode)
            else loader.construct_mapping(node, deep=True)
            if isinstance(node, yaml.MappingNode)
            else loader.construct_scalar(node)
        )
    },
)

# Fargate task sizes: CPU units -> the memory sizes (MiB) allowed with them.
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}


def test_ecs_task_size_is_a_fargate_combination(
    baked: Callable[..., BakedProject], tmp_path: Path
) -> None:
    project = baked(deploy_target="aws-ecs")
    path = project.path / "deploy/aws-ecs/cloudformation.yaml"
    stack = yaml.load(path.read_text(), Loader=CloudFormationLoader)
    parameters = stack["Parameters"]
    assert parameters["Cpu"]["AllowedValues"] == [str(cpu) for cpu in FARGATE_SIZES]
    assert sorted(map(int, parameters["Memory"]["AllowedValues"])) == sorted(
        {mib for sizes in FARGATE_SIZES.values() for mib in sizes}
    )
    for cpu, sizes in FARGATE_SIZES.items():
        rule = stack["Rules"][f"FargateMemoryFor{cpu}Cpu"]
        assert rule["RuleCondition"] == {"Equals": [{"Ref": "Cpu"}, str(cpu)]}
        assertion = rule["Assertions"][0]["Assert"]["Contains"]
        assert assertion == [[str(mib) for mib in sizes], {"Ref": "Memory"}]
    default_cpu = int(parameters["Cpu"]["Default"])
    assert int(parameters["Memory"]["Default"]) in FARGATE_SIZES[default_cpu]
    # Fargate's cap on the stop timeout, and the drain ends inside it.
    container = stack["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert container["StopTimeout"] <= 120
    assert drain_default(project) < container["StopTimeout"]
    # cfn-lint now rejects a size Fargate does not offer.
    broken = tmp_path / "broken.yaml"
    broken.write_text(path.read_text().replace('Default: "2048"', 'Default: "3000"', 1))
    result = tool("cfn-lint", broken)
    assert result.returncode != 0 and "E2015" in result.stdout, result.stdout


# Render's instance types (render.com/pricing): plan -> (CPUs, memory in MiB).
RENDER_PLANS = {"starter": (0.5, 512), "standard": (1, 2048), "pro": (2, 4096)}


@dataclass(frozen=True)
class Sizing:
    """The benchmark's figures as docs/deploy/sizing.md gives them (from docs/performance.md)."""

    mb_per_call: int  # what one more call adds
    shared_mb: int  # what the worker's processes share whatever the number of calls
    idle_mb: int  # what each idle process holds (the worker keeps one per CPU)
    calls_per_cpu: int  # the calls one CPU holds at the latency target

    def memory_needed_mib(self, cpus: float) -> float:
        return self.shared_mb + cpus * (self.idle_mb + self.calls_per_cpu * self.mb_per_call)


def documented_sizing(text: str) -> Sizing:
    """The sizing guide's figures, which must also be the ones its formula uses."""
    figures = {
        name: re.search(pattern, text)
        for name, pattern in {
            "mb_per_call": r"\*\*(\d+) MB per call\*\*",
            "shared_mb": r"on top of \*\*(\d+) MB\*\* the worker's processes share",
            "idle_mb": r"\*\*(\d+) MB for each idle process\*\*",
            "calls_per_cpu": r"\*\*(\d+) calls per CPU\*\*",
        }.items()
    }
    missing = [name for name, found in figures.items() if found is None]
    assert not missing, f"docs/deploy/sizing.md no longer states {missing}"
    sizing = Sizing(**{name: int(found.group(1)) for name, found in figures.items() if found})
    times = "\N{MULTIPLICATION SIGN}"
    formula = (
        f"`{sizing.shared_mb} MB + C {times} ({sizing.idle_mb} MB + {sizing.calls_per_cpu}"
        f" {times} {sizing.mb_per_call} MB)`"
    )
    assert formula in " ".join(text.split()), f"the guide's formula is not {formula}"
    return sizing


def mebibytes(quantity: str) -> int:
    match = re.fullmatch(r"(\d+)(Mi|Gi)", quantity)
    assert match, quantity
    return int(match.group(1)) * (1024 if match.group(2) == "Gi" else 1)


def test_each_targets_memory_follows_the_documented_memory_per_call(
    baked: Callable[..., BakedProject],
) -> None:
    """Each target's size holds the calls its CPUs hold by the sizing guide's figures, without
    paying for more than half as much memory again as those calls need (unless the platform
    sells no smaller size with those CPUs); Railway's notes quote the same figures."""
    sizing = documented_sizing((TESTS.parent / "docs/deploy/sizing.md").read_text())
    sizes: list[tuple[str, float, int, int]] = []  # (where, CPUs, MiB, platform minimum)
    deployment = yaml.safe_load(
        baked(deploy_target="kubernetes").read("deploy/kubernetes/deployment.yaml")
    )
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    for kind in ("requests", "limits"):
        cpus, memory = float(resources[kind]["cpu"]), mebibytes(resources[kind]["memory"])
        sizes.append((f"kubernetes {kind}", cpus, memory, 0))
    stack = yaml.load(
        baked(deploy_target="aws-ecs").read("deploy/aws-ecs/cloudformation.yaml"),
        Loader=CloudFormationLoader,
    )
    cpu_units = int(stack["Parameters"]["Cpu"]["Default"])
    memory = int(stack["Parameters"]["Memory"]["Default"])
    sizes.append(("aws-ecs", cpu_units / 1024, memory, FARGATE_SIZES[cpu_units][0]))
    plan = yaml.safe_load(baked(deploy_target="render").read("render.yaml"))["services"][0]["plan"]
    sizes.append((f"render {plan}", *RENDER_PLANS[plan], 0))
    for where, cpus, memory, minimum in sizes:
        needed = sizing.memory_needed_mib(cpus)
        assert memory >= needed, f"{where}: {memory} MiB; {cpus} CPUs of calls need {needed:.0f}"
        assert memory <= max(1.5 * needed, minimum), f"{where}: {memory} MiB, {needed:.0f} needed"
    railway = " ".join((TESTS.parent / "docs/deploy/railway.md").read_text().split())
    quoted = f"{sizing.shared_mb} MB plus {sizing.mb_per_call} MB per call"
    assert quoted in railway and f"about {sizing.calls_per_cpu} calls" in railway


@pytest.mark.parametrize("local", [{"stt": "faster-whisper"}, {"tts": "kokoro"}], ids=combo_id)
def test_local_models_loaded_per_call_keep_kubernetes_at_2_gib_per_cpu(
    baked: Callable[..., BakedProject], local: dict[str, object]
) -> None:
    """Whisper's and Kokoro's weights load in each call process, not once before the fork:
    the per-call figure of the sizing guide does not hold for them."""
    deployment = yaml.safe_load(
        baked(deploy_target="kubernetes", **local).read("deploy/kubernetes/deployment.yaml")
    )
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    for kind in ("requests", "limits"):
        cpus, memory = float(resources[kind]["cpu"]), mebibytes(resources[kind]["memory"])
        assert memory == 2048 * cpus, f"{kind}: {memory} MiB for {cpus} CPUs"


FAKE_AWS = """#!/bin/sh
echo "aws $* region=${AWS_REGION:-}" >> "$CALLS"
case "$1 $2" in
    "configure get") [ -n "$CONFIGURED_REGION" ] && echo "$CONFIGURED_REGION" && exit 0; exit 1 ;;
    "sts get-caller-identity") echo 000000000000 ;;
esac
"""
FAKE_DOCKER = """#!/bin/sh
echo "docker $*" >> "$CALLS"
"""


@pytest.mark.parametrize(
    ("environment", "region"),
    [
        ({"CONFIGURED_REGION": "eu-west-1"}, "eu-west-1"),
        ({"AWS_DEFAULT_REGION": "us-east-2"}, "us-east-2"),
        ({"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "us-east-2"}, "ap-south-1"),
        ({"AWS_REGION": "ap-south-1", "CONFIGURED_REGION": "eu-west-1"}, "ap-south-1"),
        ({}, None),
    ],
)
def test_ecs_deploy_script_finds_the_region(
    environment: dict[str, str], region: str | None, tmp_path: Path, cookies: Cookies
) -> None:
    project = bake(cookies, deploy_target="aws-ecs")
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for name, script in {"aws": FAKE_AWS, "docker": FAKE_DOCKER}.items():
        (fakes / name).write_text(script)
        (fakes / name).chmod(0o755)
    calls = tmp_path / "calls.log"
    calls.touch()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        ["bash", "deploy/aws-ecs/deploy.sh", "v1"],
        cwd=project.path,
        env={
            **inherited,
            "PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}",
            "CALLS": str(calls),
            "CONFIGURED_REGION": "",
            "SECRET_ARN": "secret",
            "VPC_ID": "vpc-1",
            "SUBNET_IDS": "subnet-1",
            **environment,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    log = calls.read_text()
    if region is None:
        assert result.returncode == 2
        assert "AWS_REGION" in result.stderr and "AWS_DEFAULT_REGION" in result.stderr
        assert "docker" not in log
        return
    assert result.returncode == 0, result.stderr
    assert f"000000000000.dkr.ecr.{region}.amazonaws.com/" in log
    deploys = [line for line in log.splitlines() if line.startswith("aws cloudformation deploy")]
    assert deploys and all(line.endswith(f"region={region}") for line in deploys)


# A stand-in for a plugin that downloads a model at build time. It is added to the build
# context under src/livekit/plugins/ (where the project registers its own downloads), so
# `python -m livekit.agents download-files` finds it like any installed plugin. It writes a file
# where the model hub caches (plus an XDG cache file); the runtime user must find both.
CACHE_PROBE = """\
import logging
import os
from pathlib import Path

from livekit.agents import Plugin

REPO, REVISION, FILENAME = "template-tests/cache-probe", "0" * 40, "model.bin"


def hub_cache() -> Path:
    try:
        from huggingface_hub import constants
    except ImportError:  # not installed: the same resolution as huggingface_hub/constants.py
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        home = os.path.expanduser(os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface"))
        return Path(os.environ.get("HF_HUB_CACHE") or os.path.join(home, "hub"))
    return Path(constants.HF_HUB_CACHE)


def xdg_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cache-probe"


class CacheProbe(Plugin):
    def __init__(self) -> None:
        super().__init__(__name__, "0.0.0", __name__, logging.getLogger(__name__))

    def download_files(self) -> None:
        repo = hub_cache() / ("models--" + REPO.replace("/", "--"))
        (repo / "snapshots" / REVISION).mkdir(parents=True, exist_ok=True)
        (repo / "snapshots" / REVISION / FILENAME).write_text("weights")
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(REVISION)
        xdg_cache().mkdir(parents=True, exist_ok=True)
        (xdg_cache() / FILENAME).write_text("weights")


def load() -> list[str]:
    \"\"\"Where the files are, read the way a model loader does at run time (offline).\"\"\"
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        repo = hub_cache() / ("models--" + REPO.replace("/", "--"))
        found = repo / "snapshots" / (repo / "refs" / "main").read_text() / FILENAME
        if not found.is_file():
            raise FileNotFoundError(found) from None
        hub_file = str(found)
    else:
        hub_file = hf_hub_download(REPO, FILENAME, local_files_only=True)
    xdg_file = xdg_cache() / FILENAME
    if not xdg_file.is_file():
        raise FileNotFoundError(xdg_file)
    return [hub_file, str(xdg_file)]


Plugin.register_plugin(CacheProbe())
"""
PROBE_MODULE = "livekit.plugins.template_cache_probe"
# Files the build context holds that .dockerignore must keep out of the image.
DECOYS = (".env.local", "src/{package}/__pycache__/decoy.cpython-311.pyc", ".venv/decoy")
UV_IMAGE = "ghcr.io/astral-sh/uv"
REPLAY_BAKES = {
    "docker": {"deploy_target": "docker"},
    "docker-rag": {"deploy_target": "docker", "use_rag": True},
}
CONTEXTS: dict[str, tuple[BakedProject, Path, bool]] = {}
PREBUILT: dict[str, Path] = {}  # stage text -> finished stage root, shared by the variants
# The container's `/` while a replay runs: one fixed path per test process, so absolute paths
# written in the build stage resolve the same way in the runtime stage.
CONTAINER_ROOT = Path(tempfile.gettempdir()) / f"template-docker-replay-{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def remove_container_root():
    yield
    shutil.rmtree(CONTAINER_ROOT, ignore_errors=True)


def build_context(
    name: str, tmp_path_factory: pytest.TempPathFactory, baked: Callable[..., BakedProject]
) -> tuple[Path, bool]:
    """The baked project as a build context: its lockfile, the probe plugin, some decoys.

    Returns the context and whether its lock resolved from uv's cache alone (then the replayed
    `uv sync` steps run offline too, like a build with a cache mount).
    """
    if name not in CONTEXTS:
        root = tmp_path_factory.mktemp(f"context-{name}")
        project = baked(**REPLAY_BAKES[name])
        context = root / "context"
        # Not what another test may be creating in the shared bake meanwhile (its uv sync).
        shutil.copytree(
            project.path, context, ignore=shutil.ignore_patterns(".venv", "*_cache", "__pycache__")
        )
        package = str(project.answers["project_slug"]).replace("-", "_")
        probe = context / "src" / PROBE_MODULE.replace(".", "/") / "__init__.py"
        probe.parent.mkdir(parents=True)
        probe.write_text(CACHE_PROBE)
        for decoy in DECOYS:
            path = context / decoy.format(package=package)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("LIVEKIT_API_SECRET=must-not-reach-the-image\n")
        environ = project_environment(str(project.answers["python_version"]))
        offline = {**environ, "UV_OFFLINE": "1"}
        lock = subprocess.run(
            ["uv", "lock"], cwd=context, env=offline, capture_output=True, text=True, check=False
        )
        cached = lock.returncode == 0
        if not cached:  # a cold uv cache: resolve once from the index
            lock = subprocess.run(
                ["uv", "lock"], cwd=context, env=environ, capture_output=True, text=True
            )
        assert lock.returncode == 0, lock.stderr[-3000:]
        CONTEXTS[name] = (project, context, cached)
    _, context, cached = CONTEXTS[name]
    return context, cached


def replay_build(context: Path, cached: bool, workspace: Path, dockerfile: str) -> Replay:
    python_version = re.search(r"^ARG PYTHON_VERSION=(\S+)", dockerfile, re.MULTILINE).group(1)
    # The base image's interpreter: this machine's Python of the same minor version.
    interpreter = shutil.which(
        f"python{python_version}", path=project_environment(python_version)["PATH"]
    )
    if interpreter is None:
        pytest.skip(f"no Python {python_version} on this machine for the base image")
    python_bin = Path(interpreter).parent
    uv_cache = subprocess.run(
        [str(TOOLS / "uv"), "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    # What a cache mount (`--mount=type=cache,target=/root/.cache/uv`) gives a real build.
    builder = {"UV_CACHE_DIR": uv_cache, **({"UV_OFFLINE": "1"} if cached else {})}
    return Replay(
        dockerfile,
        context,
        workspace,
        root=CONTAINER_ROOT,
        python_bin=python_bin,
        images={UV_IMAGE: {"/uv": TOOLS / "uv", "/uvx": TOOLS / "uvx"}},
        builder_environment=builder,
        prebuilt=PREBUILT,
    ).run()


def inside(path: str, directory: str) -> bool:
    return Path(path) == Path(directory) or Path(path).is_relative_to(directory)


def check_runtime_user_finds_the_models(replay: Replay) -> list[str]:
    """The model cache the build writes is the one the user that runs the agent reads."""
    final = replay.final
    assert final is not None and final.cmd, "no CMD in the last stage"
    name, uid, home = replay.account(final, final.user)
    assert "0" not in {name, uid}, "the agent runs as root"
    runtime = replay.environment(final)
    assert runtime["HOME"] == home, f"HOME={runtime['HOME']} is not {name}'s home {home}"
    for variable in ("XDG_CACHE_HOME", "HF_HOME", "HF_HUB_CACHE"):
        if variable in runtime:
            assert inside(runtime[variable], home), f"{variable} is outside {home}"
    # Run the image's python as the CMD would, from another directory and offline.
    environment = {**replay.host_environment(final), "HF_HUB_OFFLINE": "1"}
    python = shutil.which(final.cmd[0], path=environment["PATH"])
    assert python and inside(python, str(replay.host(final, final.workdir))), (
        f"CMD's {final.cmd[0]} is not the project environment's: {python}"
    )
    elsewhere = replay.host(final, "/tmp")
    loaded = subprocess.run(
        [python, "-c", f"import json, {PROBE_MODULE} as p; print(json.dumps(p.load()))"],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, f"the runtime user cannot find the models:\n{loaded.stderr}"
    downloads = [run for run in replay.runs if "livekit.agents download-files" in run.command]
    assert len(downloads) == 1, "download-files must run exactly once, in the image"
    assert downloads[0].stage == final.name, "models fetched in a stage the image does not keep"
    assert downloads[0].user == final.user, (
        f"download-files ran as {downloads[0].user}, the agent runs as {final.user}"
    )
    found = json.loads(loaded.stdout)
    for path in found:
        assert inside(path, str(replay.host(final, home))), f"{path} is outside {home}"
    return found


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
@pytest.mark.parametrize("bake_name", list(REPLAY_BAKES))
def test_the_dockerfile_builds_in_a_clean_directory_and_the_runtime_finds_its_models(
    bake_name: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    baked: Callable[..., BakedProject],
) -> None:
    """Replay the rendered Dockerfile's ENV/COPY/RUN steps (no Docker engine here)."""
    context, cached = build_context(bake_name, tmp_path_factory, baked)
    replay = replay_build(context, cached, tmp_path, (context / "Dockerfile").read_text())
    check_runtime_user_finds_the_models(replay)

    final = replay.final
    app = replay.host(final, final.workdir)
    image_files = {str(p.relative_to(final.root)) for p in final.root.rglob("*")}
    package = next(context.glob("src/*/settings.py")).parent.name
    for decoy in DECOYS:
        assert not any(f.endswith(decoy.format(package=package)) for f in image_files), decoy
    assert not any(Path(f).name == ".env.local" for f in image_files)
    assert not (app / ".venv/bin/pytest").exists(), "dev tools must not ship in the image"
    benchmark = [p for p in (app / "bench", *(app / "src").rglob("bench")) if p.exists()]
    assert benchmark == [], "the benchmark and its recordings must not ship in the image"
    assert final.cmd[:4] == ["python", "-m", "livekit.agents", "start"]
    if REPLAY_BAKES[bake_name].get("use_rag"):
        assert (app / "knowledge/.index.sqlite3").stat().st_size > 0, "no knowledge index"
    # After download-files, the runtime user loaded every model offline (the build would have
    # failed otherwise), with onnxruntime's telemetry off: no device id in its home.
    checks = [run for run in replay.runs if f"python -m {package}.models" in run.command]
    assert len(checks) == 1 and checks[0].user == final.user
    assert f"HF_HUB_OFFLINE=1 python -m {package}.models" in checks[0].command
    assert replay.environment(final)["ORT_DISABLE_TELEMETRY"] == "1"
    home = replay.host(final, replay.home_of(final))
    assert not (home / ".cache" / "Microsoft").exists(), "onnxruntime telemetry ran in the build"


def without(pattern: str, text: str) -> str:
    changed = re.sub(pattern, "", text, count=1, flags=re.MULTILINE)
    assert changed != text, f"mutation {pattern!r} no longer applies"
    return changed


def user_after_download(text: str) -> str:
    """USER moved after the RUN that downloads the models (and checks them)."""
    text = without(r"^USER 10001\n", text)
    assert "\nEXPOSE" in text
    return text.replace("\nEXPOSE", "\nUSER 10001\nEXPOSE", 1)


# Dockerfiles that each get the cache wrong in a way seen in other starters.
BROKEN_DOCKERFILES = {
    "downloads-as-root": (user_after_download, "download-files ran as root"),
    "no-cache-env-downloads-as-root": (
        lambda t: user_after_download(
            without(
                r"^ENV HOME=\S+ \\\n",
                without(
                    r"^\s+(XDG_CACHE_HOME|HF_HOME)=\S+ \\\n",
                    without(r"^\s+(XDG_CACHE_HOME|HF_HOME)=\S+ \\\n", t),
                ),
            ).replace("    PATH=/app", "ENV PATH=/app", 1)
        ),
        "cannot find the models",
    ),
    "hf-home-set-after-download": (
        lambda t: without(r"^\s+HF_HOME=\S+ \\\n", t).replace(
            "\nEXPOSE", "\nENV HF_HOME=/home/agent/models\nEXPOSE", 1
        ),
        "cannot find the models",
    ),
    "home-is-not-the-users": (
        lambda t: t.replace("ENV HOME=/home/agent", "ENV HOME=/root", 1),
        "HOME=/root is not agent's home",
    ),
}


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
@pytest.mark.parametrize("broken", list(BROKEN_DOCKERFILES))
def test_the_replay_catches_a_model_cache_the_runtime_user_cannot_read(
    broken: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    baked: Callable[..., BakedProject],
) -> None:
    context, cached = build_context("docker", tmp_path_factory, baked)
    mutate, message = BROKEN_DOCKERFILES[broken]
    dockerfile = mutate((context / "Dockerfile").read_text())
    with pytest.raises(AssertionError, match=message):
        check_runtime_user_finds_the_models(replay_build(context, cached, tmp_path, dockerfile))


# A plugin whose import fails (a missing system library, say): the RUN writes it into the image.
BROKEN_PLUGIN = (
    "RUN mkdir -p src/livekit/plugins/template_broken"
    " && echo 'raise ImportError(\"libfoo.so: cannot open shared object file\")'"
    " > src/livekit/plugins/template_broken/__init__.py\n"
)


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_an_image_without_its_models_fails_to_build(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    baked: Callable[..., BakedProject],
) -> None:
    """A plugin that cannot be imported downloads nothing, and download-files still exits 0."""
    context, cached = build_context("docker", tmp_path_factory, baked)
    text = (context / "Dockerfile").read_text()
    download = "RUN python -m livekit.agents download-files"
    assert download in text
    dockerfile = text.replace(download, BROKEN_PLUGIN + download, 1)
    with pytest.raises(ReplayError, match=r"(?s)models.*livekit\.plugins\.template_broken"):
        replay_build(context, cached, tmp_path, dockerfile)


# What the worker writes at run time, as the image's paths: multiprocessing's forkserver socket
# and tempfile's probes, under /tmp. Found with strace on a worker and on a benchmark call (a real
# job process), and proven by the read-only run below. Kubernetes mounts an emptyDir on each.
WORKER_WRITES = ["/tmp"]
# Inside new mount and network namespaces: the whole filesystem read-only (as
# readOnlyRootFilesystem makes the image), a fresh tmpfs on each writable path (an emptyDir),
# then the command. The network namespace gives the worker its own port 8081.
READ_ONLY_RUN = """set -e
mount --make-rprivate /
mount -o remount,bind,ro /
for dir in $WRITABLE; do mount -t tmpfs -o size=64m tmpfs "$dir"; done
exec "$@"
"""


def namespaces() -> list[str] | None:
    """unshare with a private mount and network namespace, or None where this cannot run."""
    command = ["unshare", "--mount", "--net"]
    if os.geteuid() != 0:
        command.append("--map-root-user")
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(
        [*command, "sh", "-c", "mount -o remount,bind,ro / && ! touch /proc/.x 2>/dev/null"],
        capture_output=True,
        check=False,
    )
    return command if probe.returncode == 0 else None


def run_read_only(replay: Replay, writable: list[str]) -> str:
    """The image's CMD on a read-only root, until its job processes are ready or fail.

    Returns the worker's output. Runs as the test's user: a read-only mount refuses every
    user, root included, so this shows what the runtime user could write.
    """
    prefix = namespaces()
    if prefix is None:
        pytest.skip("no mount namespaces here (unshare)")
    final = replay.final
    assert final is not None and final.cmd
    environment = {
        **replay.host_environment(final),
        # The image's /tmp, as Python's tempfile and multiprocessing find it.
        "TMPDIR": str(replay.host(final, "/tmp")),
        "WRITABLE": " ".join(str(replay.host(final, path)) for path in writable),
        "LIVEKIT_URL": "ws://127.0.0.1:7880",  # nothing listens in the new namespace
        "LIVEKIT_API_KEY": "devkey",
        "LIVEKIT_API_SECRET": "a-test-secret-of-at-least-32-bytes-long",
    }
    python = shutil.which(final.cmd[0], path=environment["PATH"])
    assert python is not None
    output = []
    with subprocess.Popen(
        [*prefix, "sh", "-c", READ_ONLY_RUN, "sh", python, *final.cmd[1:]],
        cwd=replay.host(final, final.workdir),
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:  # until a job process is ready or failed to start
                output.append(line)
                if '"process initialized"' in line or '"error initializing process"' in line:
                    process.send_signal(signal.SIGTERM)  # it drains (no calls) and stops
                    break
            output += process.stdout.readlines()
            process.wait(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return "".join(output)


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_the_worker_runs_on_a_read_only_root_with_only_the_manifests_writable_paths(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    baked: Callable[..., BakedProject],
) -> None:
    context, cached = build_context("docker", tmp_path_factory, baked)
    replay = replay_build(context, cached, tmp_path, (context / "Dockerfile").read_text())

    output = run_read_only(replay, WORKER_WRITES)
    assert '"process initialized"' in output, output[-3000:]
    assert '"error initializing process"' not in output
    assert "Read-only file system" not in output

    # Without them, job processes cannot start: the worker would never take a call.
    output = run_read_only(replay, [])
    assert '"error initializing process"' in output, output[-3000:]
    assert '"process initialized"' not in output
