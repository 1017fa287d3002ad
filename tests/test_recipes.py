"""The code in docs/recipes/ holds as the recipes page says: copied into a baked default project's
package, it passes the project's ruff and mypy, and runs.

The recipes go into `src/<package>/` (docs/recipes/README.md) and tests/recipe_checks.py becomes
one of the project's unit tests, importing them from the package; it runs offline with the
project's own scripted LLM.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bake import TEMPLATE, bake, uv_available
from pytest_cookies.plugin import Cookies

RECIPES = TEMPLATE / "docs" / "recipes"
CHECKS = Path(__file__).with_name("recipe_checks.py")


def test_every_recipe_page_shows_its_checked_code() -> None:
    for module in sorted(RECIPES.glob("*.py")):
        page = module.with_name(module.stem.replace("_", "-") + ".md")
        assert page.is_file(), f"{module.name} has no page {page.name}"
        assert f"({module.name})" in page.read_text(), f"{page.name} must link {module.name}"


def test_every_recipe_has_checks() -> None:
    checks = CHECKS.read_text()
    for module in sorted(RECIPES.glob("*.py")):
        assert f"from recipes.{module.stem} import" in checks, f"{module.name} is not exercised"


def test_the_recipes_page_says_where_to_copy_them() -> None:
    readme = (RECIPES / "README.md").read_text()
    assert "copy it into your package, `src/<package>/`" in readme
    for module in sorted(RECIPES.glob("*.py")):
        page = module.with_name(module.stem.replace("_", "-") + ".md").read_text()
        assert f"from <package>.{module.stem} import" in page, f"{page} shows no import"


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
def test_recipes_copied_into_the_package_pass_its_checks_and_run(cookies: Cookies) -> None:
    project = bake(cookies)
    package = str(project.answers["__package"])
    for module in RECIPES.glob("*.py"):
        shutil.copy(module, project.path / "src" / package / module.name)
    checks = CHECKS.read_text().replace("from recipes.", f"from {package}.")
    (project.path / "tests" / "unit" / "test_recipe_checks.py").write_text(checks)

    # The recipes under the project's own configuration, nothing relaxed.
    for command in (("check", "src"), ("format", "--check", "src")):
        lint = project.run("ruff", *command, "--no-cache")
        assert lint.returncode == 0, lint.stdout + lint.stderr
    # RUF100: the checks' `noqa: I001` is needed only under the template's own isort view.
    lint = project.run("ruff", "check", "--no-cache", "--extend-ignore", "RUF100", "tests/unit")
    assert lint.returncode == 0, lint.stdout
    sync = project.run("uv", "sync", "--quiet")
    assert sync.returncode == 0, sync.stderr[-3000:]
    types = project.run("uv", "run", "--no-sync", "mypy")  # the project's `files = ["src"]`
    assert types.returncode == 0, types.stdout[-6000:]
    result = project.run(
        "uv",
        "run",
        "--no-sync",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/unit/test_recipe_checks.py",
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "6 passed" in result.stdout
