"""The models every call uses, loaded once per worker and shared by all its call processes.

livekit's worker runs each call in a process of its own. On Linux it forks them from a
forkserver that first imports the modules in `server.PRELOAD_MODULES`: this one. What this
module loads then sits in the forkserver's memory, and every call process shares those pages
copy-on-write instead of loading its own copy, as livekit does with its end-of-turn weights.
{%- if cookiecutter.architecture != "pipeline" %}
The realtime model runs at its provider: the knowledge base's embedding model is the one model
loaded here. Measured in the template's docs/performance.md: about 170 MB in each call process
that loads its own.

Only fork-safe work belongs here: a model whose runtime starts no thread (onnxruntime on one
thread does not), and no open file, socket or database connection: the knowledge index is
opened in each call process, by prewarm. Under `spawn` (macOS, Windows) each call process
loads its own copy in prewarm.
{%- elif cookiecutter.use_rag %}
Measured in the template's docs/performance.md: Silero VAD's onnxruntime session costs about
25 MB in each call process that loads its own, the knowledge base's embedding model about
170 MB.

Only fork-safe work belongs here: a model whose runtime starts no thread (onnxruntime on one
thread does not), and no open file, socket or database connection: the knowledge index is
opened in each call process, by prewarm. Under `spawn` (macOS, Windows) each call process
imports this module itself, in prewarm, and loads its own copy.
{%- else %}
Measured in the template's docs/performance.md: Silero VAD's onnxruntime session costs about
25 MB in each call process that loads its own.

Only fork-safe work belongs here: a model whose runtime starts no thread (onnxruntime on one
thread does not), and no open file, socket or database connection. Under `spawn` (macOS,
Windows) each call process imports this module itself, in prewarm, and loads its own copy.
{%- endif %}
"""
{%- if cookiecutter.architecture == "pipeline" %}

from . import providers
{%- if cookiecutter.use_rag %}
from .knowledge.embedder import shared_embedder
{%- endif %}

VAD = providers.load_vad()
{%- else %}

from .knowledge.embedder import shared_embedder
{%- endif %}
{%- if cookiecutter.use_rag %}

# Cached for the process: prewarm opens the knowledge index with this model.
shared_embedder()
{%- endif %}
