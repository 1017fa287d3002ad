"""Agent instructions live in Markdown next to this file, not in string literals."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).parent


def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> str:
    return (directory / f"{name}.md").read_text(encoding="utf-8").strip()
