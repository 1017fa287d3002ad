"""Run the entry point as a fresh process, without paying livekit's import for each run, or
import it in the test's own process (`load_agent`).

Every command a test runs (`python src/agent.py start`, `python -m livekit.agents start
src/agent.py`, ...) gets a process of its own, with its own argv, environment, working
directory and process group. The processes are forked from a multiprocessing forkserver that
imported livekit.agents once, as livekit's own job processes are: a command then takes a
fraction of a second instead of the ~3 s that importing livekit costs a new interpreter.
"""

import contextlib
import importlib.util
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

AGENT = Path(__file__).parents[1] / "src" / "agent.py"

_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(["livekit.agents", __name__])


def _main(argv: list[str], cwd: str, environ: dict[str, str], out: str, err: str) -> None:
    """The child: what `python *argv` would do, from `cwd`, with exactly `environ`."""
    os.setsid()  # its own process group, so whatever it starts can be stopped with it
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    for descriptor, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(opened, descriptor)
        os.close(opened)
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        sys.path[0] = cwd
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        sys.path[0] = cwd
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = list(argv)
        sys.path[0] = str(Path(argv[0]).resolve().parent)
        runpy.run_path(argv[0], run_name="__main__")


def run_python(
    *argv: str, cwd: Path, environ: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python *argv` in a fresh process: its exit code and output, as from subprocess.run.

    Whatever the command leaves running when it exits is killed, as when a container stops.
    """
    with tempfile.TemporaryDirectory() as scratch:
        out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
        process = _FORKSERVER.Process(
            target=_main, args=(list(argv), str(cwd), environ, str(out), str(err))
        )
        process.start()
        process.join(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.join()
        return subprocess.CompletedProcess(
            ["python", *argv],
            process.exitcode if process.exitcode is not None else -signal.SIGKILL,
            out.read_text() if out.exists() else "",
            err.read_text() if err.exists() else "",
        )


def load_agent() -> ModuleType:
    """src/agent.py, imported from its path as livekit's CLI imports it: a new module each call."""
    spec = importlib.util.spec_from_file_location("agent", AGENT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
