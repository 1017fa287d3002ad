"""Cheap checks of a rendered project that need no uv environment (a fraction of a second).

Used by the property test over whole answer sets (tests/test_answers.py) and the explicit
answer cases: every structured file parses, every module compiles, ruff passes, the package
name is importable and shadows nothing, Kubernetes names are valid, and the free-text answers
reach pyproject.toml and README.md intact without changing their structure.
"""

from __future__ import annotations

import importlib.util
import json
import keyword
import re
import subprocess
import sys
import tempfile
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType

import yaml
from bake import TEMPLATE, BakedProject, leftover_jinja
from cookiecutter.environment import StrictEnvironment
from expectations import owned_paths

RUFF = str(Path(sys.executable).parent / "ruff")


class TaggedYamlLoader(yaml.SafeLoader):
    """YAML with application tags (CloudFormation's !Ref, !Sub, ...) read as plain values."""


TaggedYamlLoader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
    ),
)
# Kubernetes object names (DNS-1123 labels) and label values.
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def hook_module(name: str, context: dict[str, object], directory: Path) -> ModuleType:
    """Render a hook like cookiecutter does and import it as a module (its main() not run)."""
    source = (TEMPLATE / "hooks" / name).read_text()
    environment = StrictEnvironment(context={"cookiecutter": context})
    path = directory / name
    path.write_text(environment.from_string(source).render(cookiecutter=context))
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def reserved_names() -> frozenset[str]:
    """Every package name the pre-generation hook refuses (keywords aside)."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    with tempfile.TemporaryDirectory() as directory:
        hook = hook_module("pre_gen_project.py", context, Path(directory))
    return frozenset(hook.STDLIB_MODULES | hook.DEPENDENCY_NAMES | set(hook.PROJECT_NAMES))


def ruff_problems(path: Path) -> list[str]:
    problems = []
    for command in (("check", "--no-cache", "."), ("format", "--check", "--no-cache", ".")):
        result = subprocess.run(
            [RUFF, *command], cwd=path, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            problems.append(f"ruff {command[0]}:\n{result.stdout}{result.stderr}")
    return problems


def parse_problems(project: BakedProject) -> list[str]:
    problems = []
    for path in project.files():
        relative = path.relative_to(project.path).as_posix()
        try:
            if path.suffix == ".toml":
                tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix in (".yaml", ".yml"):
                list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=TaggedYamlLoader))
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py":
                compile(path.read_text(encoding="utf-8"), relative, "exec")
        except Exception as error:  # any parse error is the finding
            problems.append(f"{relative}: {type(error).__name__}: {error}")
    return problems


def kubernetes_problems(project: BakedProject) -> list[str]:
    problems = []
    for path in sorted(project.path.glob("deploy/kubernetes/*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            # Kubernetes objects only: a kustomization.yaml has no metadata.
            if not isinstance(document, dict) or "metadata" not in document:
                continue
            name = document.get("metadata", {}).get("name", "")
            if not (DNS_LABEL.fullmatch(name) and len(name) <= 63):
                problems.append(f"{path.name}: name {name!r} is not a DNS-1123 label")
            for labels in find_labels(document):
                for key, value in labels.items():
                    if not (LABEL_VALUE.fullmatch(str(value)) and len(str(value)) <= 63):
                        problems.append(f"{path.name}: label {key}={value!r} is invalid")
    return problems


def find_labels(node: object) -> list[dict[str, object]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("labels", "matchLabels") and isinstance(value, dict):
                found.append(value)
            else:
                found.extend(find_labels(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(find_labels(item))
    return found


def text_problems(project: BakedProject) -> list[str]:
    """The free-text answers arrive as the hook derives them, and change no structure."""
    answers = project.answers
    problems = []
    metadata = tomllib.loads(project.read("pyproject.toml"))["project"]
    if metadata["description"] != answers["__description"]:
        problems.append(f"pyproject description {metadata['description']!r}")
    author = {
        key: value
        for key, value in (
            ("name", answers["__author_name"]),
            ("email", answers["__author_email"]),
        )
        if value
    }
    if metadata.get("authors", [{}])[0] != author and (author or "authors" in metadata):
        problems.append(f"pyproject authors {metadata.get('authors')!r}")
    readme = project.read("README.md")
    outside_code = re.sub(r"^```.*?^```", "", readme, flags=re.MULTILINE | re.DOTALL)
    titles = re.findall(r"^# .*$", outside_code, re.MULTILINE)
    if len(titles) != 1:
        problems.append(f"README has {len(titles)} top-level headings: {titles}")
    return problems


def static_problems(project: BakedProject) -> list[str]:
    package = str(project.answers["__package"])
    problems = parse_problems(project) + kubernetes_problems(project) + text_problems(project)
    if not package.isidentifier() or keyword.iskeyword(package) or package in reserved_names():
        problems.append(f"package name {package!r}")
    problems += [f"leftover Jinja in {path}" for path in leftover_jinja(project)]
    problems += [
        f"{path} {'missing' if wanted else 'not pruned'}"
        for path, wanted in owned_paths(project.answers).items()
        if project.exists(path) != wanted
    ]
    return problems + ruff_problems(project.path)
