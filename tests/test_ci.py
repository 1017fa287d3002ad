"""The template's CI: .ci/run on a fresh machine, and .github/workflows/ci.yml.

.ci/run runs with fakes for python3, apt-get and uv. The fake python3 behaves like Debian's
under PEP 668: its pip refuses to install unless told --break-system-packages; whether its
venv module works is up to the test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bake import TEMPLATE

FAKE_UV = """#!/bin/sh
if [ "$1" = --version ]; then echo "uv 0.0.0-fake"; exit 0; fi
echo "uv $*" >> "{log}"
"""

# A venv's python: `-m pip install uv` puts the fake uv next to it.
FAKE_VENV_PYTHON = """#!/bin/sh
echo "venv-python $*" >> "{log}"
cp "{uv}" "$(dirname "$0")/uv"
"""

FAKE_PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "{log}"
case "$*" in
  "-c import ensurepip") [ -n "{ensurepip}" ] ;;
  "-m venv "*) [ -n "{ensurepip}" ] && mkdir -p "$3/bin" && cp "{venv_python}" "$3/bin/python" ;;
  "-m pip install"*"--user --break-system-packages"*)
    mkdir -p "$HOME/.local/bin" && cp "{uv}" "$HOME/.local/bin/uv" ;;
  "-m pip install"*) echo "error: externally-managed-environment" >&2; exit 1 ;;
  "-m site --user-base") echo "$HOME/.local" ;;
  *) exit 1 ;;
esac
"""


def script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def fresh_machine(tmp_path: Path, ensurepip: bool) -> tuple[Path, dict[str, str]]:
    log = tmp_path / "calls.log"
    log.touch()
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    uv = script(fixtures / "uv", FAKE_UV.format(log=log))
    venv_python = script(fixtures / "python", FAKE_VENV_PYTHON.format(log=log, uv=uv))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flag = "yes" if ensurepip else ""
    script(
        bin_dir / "python3",
        FAKE_PYTHON3.format(log=log, uv=uv, venv_python=venv_python, ensurepip=flag),
    )
    script(bin_dir / "apt-get", f'#!/bin/sh\necho "apt-get $*" >> "{log}"\n')
    home = tmp_path / "home"
    home.mkdir()
    environ = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp_path)}
    return log, environ


def ci_run(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(TEMPLATE / ".ci" / "run"), "--setup-only"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(autouse=True)
def needs_a_machine_without_uv() -> None:
    if any(Path(d, "uv").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("uv is installed system-wide here")


def test_uv_goes_into_a_throwaway_venv_when_system_pip_refuses(tmp_path: Path) -> None:
    log, environ = fresh_machine(tmp_path, ensurepip=True)
    result = ci_run(environ)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert not any("--break-system-packages" in call for call in calls)
    assert "uv sync --locked" in calls
    assert f"uv: {tmp_path}/template-ci-uv." in result.stdout


def test_without_a_venv_module_it_installs_python3_venv_then_falls_back_to_a_user_install(
    tmp_path: Path,
) -> None:
    log, environ = fresh_machine(tmp_path, ensurepip=False)
    result = ci_run(environ)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    installs = [call for call in calls if call.startswith("apt-get") and "install" in call]
    assert installs and installs[0].endswith("python3-venv")
    assert any("--user --break-system-packages uv" in call for call in calls)
    assert f"uv: {environ['HOME']}/.local/bin/uv" in result.stdout
    assert "uv sync --locked" in calls


def test_a_machine_without_a_browser_or_npm_gets_both_from_apt(tmp_path: Path) -> None:
    """tests/test_web.py drives an installed Chromium (Playwright downloads none) and runs npm."""
    log, environ = fresh_machine(tmp_path, ensurepip=True)
    tools = tmp_path / "tools"  # the commands .ci/run and the fakes use, and nothing else
    tools.mkdir()
    for name in ("bash", "sh", "dirname", "id", "mktemp", "cp", "mkdir", "env"):
        (tools / name).symlink_to(shutil.which(name))
    script(tmp_path / "bin" / "sudo", '#!/bin/sh\nexec "$@"\n')
    environ["PATH"] = f"{tmp_path / 'bin'}:{tools}"
    result = ci_run(environ)
    assert result.returncode == 0, result.stderr
    installs = [c for c in log.read_text().splitlines() if c.startswith("apt-get install")]
    assert installs and {"chromium", "npm"} <= set(installs[0].split())


def test_setup_only_is_the_only_option(tmp_path: Path) -> None:
    _, environ = fresh_machine(tmp_path, ensurepip=True)
    result = subprocess.run(
        ["bash", str(TEMPLATE / ".ci" / "run"), "--everything"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "usage" in result.stderr


def template_workflow() -> dict:
    return yaml.safe_load((TEMPLATE / ".github" / "workflows" / "ci.yml").read_text())


def test_adding_the_full_matrix_label_starts_a_run() -> None:
    workflow = template_workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers["pull_request"]["types"]) >= {
        "opened",
        "synchronize",
        "reopened",
        "labeled",
    }
    assert "full-matrix" in workflow["jobs"]["matrix"]["if"]
    for name in ("lint", "test", "smoke"):
        assert "github.event.label.name == 'full-matrix'" in workflow["jobs"][name]["if"]


@pytest.mark.parametrize("job", ["test", "matrix"])
def test_bake_jobs_have_every_python_a_project_can_ask_for(job: str) -> None:
    offered = json.loads((TEMPLATE / "cookiecutter.json").read_text())["python_version"]
    steps = template_workflow()["jobs"][job]["steps"]
    setup = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup, f"{job} does not set up Python"
    assert set(setup[0]["with"]["python-version"].split()) == set(offered)


def test_matrix_shards_cover_the_whole_matrix() -> None:
    job = template_workflow()["jobs"]["matrix"]
    shards = job["strategy"]["matrix"]["shard"]
    command = next(s["run"] for s in job["steps"] if "tests/matrix.py" in s.get("run", ""))
    count = int(re.search(r"--shard \"\$\{\{ matrix.shard \}\}/(\d+)\"", command).group(1))
    assert shards == list(range(1, count + 1))
