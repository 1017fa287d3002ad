"""The code in docs/recipes/ runs: each recipe is exercised inside a baked default project.

The recipes are copied in as the `recipes` package and tests/recipe_checks.py as one of the
project's unit tests, then that file runs offline with the project's own scripted LLM.
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


@pytest.mark.skipif(not uv_available(), reason="uv is not installed")
def test_recipes_run_in_a_baked_project(cookies: Cookies) -> None:
    project = bake(cookies)
    package = project.path / "recipes"
    package.mkdir()
    (package / "__init__.py").write_text('"""Recipes from the template docs."""\n')
    for module in RECIPES.glob("*.py"):
        shutil.copy(module, package / module.name)
    shutil.copy(CHECKS, project.path / "tests" / "unit" / "test_recipe_checks.py")

    # RUF100: the checks' `noqa: I001` is needed only under the template's own isort view.
    lint = project.run(
        "ruff", "check", "--no-cache", "--extend-ignore", "RUF100", "recipes", "tests/unit"
    )
    assert lint.returncode == 0, lint.stdout
    sync = project.run("uv", "sync", "--quiet")
    assert sync.returncode == 0, sync.stderr[-3000:]
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
