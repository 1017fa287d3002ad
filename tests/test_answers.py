"""Every answer, not only every choice: whole answer sets drawn by hypothesis.

For each drawn set, either the pre-generation hook refuses it, naming the answer, and nothing
is written, or the project renders and passes the cheap static checks (tests/static_checks.py).
Answers holding broken Jinja never reach the template: cookiecutter renders command-line
answers as Jinja before any template code runs and raises its own error; that is accepted as a
refusal when nothing was written.

The default run draws 300 sets (three properties of 100); `uv run pytest -m matrix` draws more.
Failures shrink to a minimal answer set; each one found is kept in tests/test_answer_cases.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from bake import TEMPLATE, BakedProject, answers_with
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2 import TemplateError
from pytest_cookies.plugin import Cookies
from static_checks import hook_module, static_problems

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
CHOICES = {
    key: value for key, value in CONTEXT.items() if isinstance(value, list) and key[0] != "_"
}
BOOLEANS = [key for key, value in CONTEXT.items() if isinstance(value, bool) and key != "run_setup"]
# Every spelling cookiecutter's yes/no prompt accepts for a boolean given as text.
TRUE_SPELLINGS = ["1", "true", "t", "yes", "y", "on", "YES", " y "]
FALSE_SPELLINGS = ["0", "false", "f", "no", "n", "off", "No"]
EXAMPLES = int(os.environ.get("ANSWER_EXAMPLES", "100"))
JINJA = re.compile(r"[{][{]|[}][}]|[{][%#]|[%#][}]")

# Text that has broken templates before: names Python, the standard library or a dependency
# already uses, template syntax, markup, quotes, escapes, line breaks, emoji, long text.
TRICKY = [
    "import",
    "class",
    "async",
    "typing",
    "json",
    "test",
    "pytest",
    "agent",
    "livekit",
    "livekit-agents",
    "typing extensions",
    "Calendar",
    "Email",
    "src",
    "tests",
    "{{ 7*7 }}",
    "{{ }}",
    "{% raw %}",
    "{# note #}",
    "}}",
    "100%}",
    "# Heading",
    "- item",
    "1. first",
    "> quote",
    "<b>bold</b>",
    "---",
    "C#",
    "Agent #",
    'Bob\'s "Voice" Agent',
    "back\\slash",
    "\\",
    '"""',
    "'''",
    "tab\there",
    "two\nlines",
    "trailing newline\n",
    "\r\n",
    " padded ",
    "",
    " ",
    "😀",
    "😀😀",
    "Café Bot",
    "日本語の声",
    "Ω≈ç√",
    "\u200b",
    "\u2028",
    "\x07bell",
    "\x7f",
    "\udcff",
    "x" * 120,
    "acme customer support voice agent for returns",
]
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=80),
    st.lists(st.sampled_from(TRICKY), min_size=2, max_size=4).map(" ".join),
)
SLUG = st.one_of(
    st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,10}){0,5}", fullmatch=True),
    st.sampled_from(["import", "json", "agent", "livekit", "livekit-agents", "a" * 41, "7up"]),
    TEXT,
)
EMAIL = st.one_of(st.emails(), st.just(""), TEXT)
AGENT_NAME = st.one_of(
    st.just(""), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,70}", fullmatch=True), TEXT
)


def boolean() -> st.SearchStrategy[object]:
    return st.one_of(st.booleans(), st.sampled_from(TRUE_SPELLINGS + FALSE_SPELLINGS))


@st.composite
def answer_sets(draw: st.DrawFn, free_slug: bool = True) -> dict[str, object]:
    """A complete answer set as a command line or API caller would give it."""
    answers: dict[str, object] = {
        key: draw(st.sampled_from(values)) for key, values in CHOICES.items()
    }
    answers.update({key: draw(boolean()) for key in BOOLEANS})
    answers.update(
        project_name=draw(TEXT),
        description=draw(TEXT),
        author_name=draw(TEXT),
        author_email=draw(EMAIL),
        agent_name=draw(AGENT_NAME),
    )
    if free_slug and draw(st.booleans()):
        answers["project_slug"] = draw(SLUG)
    return answers


def as_bool(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in TRUE_SPELLINGS)


def control_characters(text: str) -> list[str]:
    """What the hook refuses in text: control characters that are not whitespace, and lone
    surrogates (bytes that were not UTF-8 on a command line)."""
    return [c for c in text if not c.isspace() and unicodedata.category(c) in ("Cc", "Cs")]


@cache
def pre_gen_hook() -> ModuleType:
    """The pre-generation hook as a module, to ask which answers a refusal must name."""
    with tempfile.TemporaryDirectory() as directory:
        return hook_module("pre_gen_project.py", CONTEXT, Path(directory))


def hook_problems(answers: dict[str, object], context: dict[str, object]) -> list[str]:
    hook = pre_gen_hook()
    hook.AS_GIVEN = {key: value for key, value in answers.items() if isinstance(value, str)}
    return [problem for check in hook.CHECKS for problem in check(context)]


def output_root(cookies: Cookies) -> Path:
    # pytest-cookies makes each bake's output directory with the `mkdir` of its root.
    return Path(str(cookies._output_factory.__self__))  # type: ignore[attr-defined]


@dataclass
class Outcome:
    project: BakedProject | None  # None: refused, nothing written
    context: dict[str, object] | None  # the rendered answers, when cookiecutter got that far


def bake_once(cookies: Cookies, answers: dict[str, object]) -> Outcome:
    """Bake; a refusal must write nothing and name the answers at fault."""
    root = output_root(cookies)
    before = set(root.iterdir())
    result = cookies.bake(extra_context=answers_with(**answers), template=str(TEMPLATE))
    written = [path for new in set(root.iterdir()) - before for path in new.rglob("*")]
    context = dict(result.context) if result.context is not None else None
    if result.exception is None:
        assert result.project_path is not None and context is not None
        assert hook_problems(answers, context) == []
        return Outcome(BakedProject(result.project_path, {**answers, **context}), context)
    assert written == [], f"refused, but wrote {written}"
    if isinstance(result.exception, FailedHookException):
        assert context is not None
        problems = hook_problems(answers, context)
        assert problems, "refused by the hook, which names no problem"
        for problem in problems:
            assert problem.split("=")[0].split(" ")[0] in context, problem
    else:
        # cookiecutter renders command-line answers as Jinja before the template runs.
        assert isinstance(result.exception, TemplateError), repr(result.exception)
        assert any(JINJA.search(str(value)) for value in answers.values()), answers
    return Outcome(None, context)


def check(cookies: Cookies, answers: dict[str, object]) -> Outcome:
    outcome = bake_once(cookies, answers)
    if outcome.project is not None:
        try:
            assert static_problems(outcome.project) == []
        finally:
            shutil.rmtree(outcome.project.path.parent, ignore_errors=True)
    return outcome


def found(**answers: object) -> dict[str, object]:
    """An answer set that once failed, kept as an explicit example (defaults fill the rest)."""
    text = {"project_name": "import", "description": "import", "author_name": "import"}
    return {**{key: CONTEXT[key][0] for key in CHOICES}, **text, **answers}


PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


@PROPERTY
@given(answers=answer_sets())
# The package voice_agent sorted after `tests`: the tests' imports failed ruff's isort.
@example(answers=found(project_name="\\", author_email="", agent_name=""))
# CloudFormation's tags (!Equals) are YAML a plain safe_load refuses (the check was wrong).
@example(answers=found(deploy_target="aws-ecs", author_email="0@A.aF", agent_name=""))
# A kustomization.yaml has no metadata.name (the check, not the template, was wrong).
@example(answers=found(deploy_target="kubernetes", author_email="0@A.AM", agent_name=""))
def test_any_answers_bake_a_clean_project_or_are_refused(
    cookies_session: Cookies, answers: dict[str, object]
) -> None:
    check(cookies_session, answers)


@PROPERTY
@given(answers=answer_sets(free_slug=False))
# Derived the slug livekit-agents, the name of a dependency, which the hook then refused.
@example(answers=found(project_name="LiveKit Agents"))
# A 40-character package made the telephony command's lines too long.
@example(answers=found(project_name="x" * 120, use_sip=True))
# One provider key (Groq's; Whisper and Kokoro need none) fitted one line: ruff joined the tuple.
@example(answers=found(stt="faster-whisper", llm="groq-llama-3.3-70b", tts="kokoro"))
def test_any_name_derives_a_slug_that_works(
    cookies_session: Cookies, answers: dict[str, object]
) -> None:
    """With no slug given, the one derived from any name is never the reason for a refusal."""
    outcome = check(cookies_session, answers)
    if outcome.project is None and outcome.context is not None:
        assert pre_gen_hook().check_slug(outcome.context) == []


@PROPERTY
@given(
    answers=answer_sets(free_slug=False),
    email=st.emails(),
    use_sip=boolean(),
)
# An address hypothesis drew with template syntax in it: refused, as any free text would be.
@example(answers=found(), email="{{@A.BB", use_sip=False)
def test_text_answers_arrive_intact(
    cookies_session: Cookies, answers: dict[str, object], email: str, use_sip: object
) -> None:
    """Valid emails and any text: refused only for template syntax or control characters (or
    for the drawn models, which a language or an architecture may not allow)."""
    answers = {**answers, "author_email": email, "use_sip": use_sip, "agent_name": ""}
    outcome = check(cookies_session, answers)
    text = " ".join(
        str(answers[key]) for key in ("project_name", "description", "author_name", "author_email")
    )
    if outcome.project is None:
        refused_models = outcome.context is not None and pre_gen_hook().check_models(
            outcome.context
        )
        assert JINJA.search(text) or control_characters(text) or refused_models, (
            "refused, although the text holds no template syntax and no control character"
        )
    elif as_bool(use_sip):
        assert outcome.project.answers["__agent_name"] == outcome.project.answers["project_slug"]
