"""The repository's promises to a new user: README's two commands, CI, and docs that link up."""

from __future__ import annotations

import re

from bake import TEMPLATE

MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def readme_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", (TEMPLATE / "README.md").read_text(), re.S)
    assert first_block, "README.md must open with a bash block"
    return [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]


def test_readme_opens_with_generate_and_test_commands() -> None:
    generate, test = readme_commands()[:2]
    assert generate.startswith("uvx cookiecutter") and "--no-input" in generate
    assert test == "uv run pytest"


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = [line.strip() for line in (TEMPLATE / ".ci" / "run").read_text().splitlines()]
    assert readme_commands()[1] in ci_lines


def test_relative_links_in_docs_resolve() -> None:
    pages = [TEMPLATE / "README.md", *sorted((TEMPLATE / "docs").rglob("*.md"))]
    broken = [
        f"{page.relative_to(TEMPLATE)} -> {target}"
        for page in pages
        for target in MARKDOWN_LINK.findall(page.read_text())
        if not target.startswith(("http://", "https://", "mailto:"))
        and not (page.parent / target).exists()
    ]
    assert broken == []


def test_template_lines_fit_the_longest_package_name() -> None:
    """Lines that name the package must stay within ruff's 100 columns for a 40-character
    package (the longest slug the hook accepts); the baked checks find the rest."""
    package = re.compile(r"\{\{ ?cookiecutter\.__package ?\}\}")
    too_long = []
    for path in (TEMPLATE / "{{cookiecutter.__project_dir}}").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            names = len(package.findall(line))
            if names and "{%" not in line and len(package.sub("p" * 40, line)) > 100:
                too_long.append(f"{path.relative_to(TEMPLATE)}:{number}")
    assert too_long == []
