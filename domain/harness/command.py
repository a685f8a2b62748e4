"""The command line and environment of one harness run: pure decisions, no I/O.

The prompt is never put on the command line (the OS limits argv, and `ps` shows it to every
user): every harness reads it from stdin, which the runner feeds from the prompt file. Pi reads
piped stdin to EOF and uses it as the first message (`readPipedStdin` in Pi's `main.js`), Claude
Code `-p` reads stdin when no prompt argument is given, and `codex exec -` reads stdin.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

import msgspec

from domain.harness.config import NEVER_PASS, ResolvedHarness
from domain.harness.report import HarnessName
from domain.kernel.environment import scrub_environment

# What each harness needs to find its own configuration and state, beyond `BASE_ALLOW`. These
# hold paths, never secrets: provider keys pass only when `env_allow` names them exactly.
HARNESS_ENV: dict[HarnessName, tuple[str, ...]] = {
    "pi": ("PI_CODING_AGENT_DIR", "PI_PACKAGE_DIR", "XDG_CONFIG_HOME"),
    "claude": (
        "CLAUDE_CONFIG_DIR",
        "ANTHROPIC_BASE_URL",
        "XDG_CONFIG_HOME",
        # Switches for headless runs: no telemetry, no auto-update, bounded API retries.
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "DISABLE_TELEMETRY",
        "DISABLE_AUTOUPDATER",
        "DISABLE_ERROR_REPORTING",
        "CLAUDE_CODE_MAX_RETRIES",
        "API_TIMEOUT_MS",
    ),
    "codex": ("CODEX_HOME", "XDG_CONFIG_HOME"),
}

# Provider API key variables per harness and provider, from each CLI's source and docs. A
# provider missing here (a custom one, say) has no known key variable: the check is skipped.
PROVIDER_KEYS: dict[HarnessName, dict[str, tuple[str, ...]]] = {
    # pi-ai's `getApiKeyEnvVars` (env-api-keys.js); any one of the names is enough.
    "pi": {
        "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_OAUTH_TOKEN"),
        "openai": ("OPENAI_API_KEY",),
        "google": ("GEMINI_API_KEY",),
        "google-vertex": ("GOOGLE_CLOUD_API_KEY",),
        "deepseek": ("DEEPSEEK_API_KEY",),
        "groq": ("GROQ_API_KEY",),
        "cerebras": ("CEREBRAS_API_KEY",),
        "xai": ("XAI_API_KEY",),
        "openrouter": ("OPENROUTER_API_KEY",),
        "vercel-ai-gateway": ("AI_GATEWAY_API_KEY",),
        "zai": ("ZAI_API_KEY",),
        "mistral": ("MISTRAL_API_KEY",),
        "fireworks": ("FIREWORKS_API_KEY",),
        "moonshotai": ("MOONSHOT_API_KEY",),
        "azure-openai-responses": ("AZURE_OPENAI_API_KEY",),
    },
    "claude": {"anthropic": ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN")},
    "codex": {"openai": ("OPENAI_API_KEY", "CODEX_API_KEY")},
}

# The provider each harness talks to when the configuration names none.
DEFAULT_PROVIDER: dict[HarnessName, str | None] = {
    "pi": None,  # Pi's own settings choose (defaultProvider), so nothing is known here
    "claude": "anthropic",
    "codex": "openai",
}


class HarnessCommand(msgspec.Struct, frozen=True, kw_only=True):
    """What to execute: argv (the prompt is never in it) and the complete child environment."""

    argv: tuple[str, ...]
    env: dict[str, str]


def harness_argv(harness: ResolvedHarness, executable: str) -> tuple[str, ...]:
    """The argv that makes `harness` print JSON lines and read its prompt from stdin.

    >>> from domain.harness.config import resolve_harness, HarnessSettings
    >>> pi = resolve_harness(HarnessSettings(provider="anthropic", model="m")).unwrap()
    >>> harness_argv(pi, "/bin/pi")[:5]
    ('/bin/pi', '--print', '--mode', 'json', '--no-session')
    >>> harness_argv(pi, "/bin/pi")[5:]
    ('--offline', '--provider', 'anthropic', '--model', 'm')
    """
    args: list[str] = [executable]
    if harness.name == "pi":
        # --offline: no version check or telemetry calls at start-up, only the model's API.
        args += ["--print", "--mode", "json", "--no-session", "--offline"]
        if harness.provider:
            args += ["--provider", harness.provider]
        if harness.model:
            args += ["--model", harness.model]
        args += harness.extra_args
    elif harness.name == "claude":
        # Claude Code picks its provider from its environment (Bedrock, Vertex), not a flag.
        args += ["-p", "--output-format", "stream-json", "--verbose"]
        if harness.model:
            args += ["--model", harness.model]
        args += harness.extra_args
    else:
        args += ["exec", "--json"]
        if harness.model:
            args += ["--model", harness.model]
        if harness.provider:
            args += ["-c", f"model_provider={harness.provider}"]
        # Codex takes options before the prompt argument; "-" reads the prompt from stdin.
        args += [*harness.extra_args, "-"]
    return tuple(args)


def harness_env_allow(harness: ResolvedHarness) -> tuple[str, ...]:
    """The exact variable names (beyond `BASE_ALLOW`) the harness may see.

    >>> from domain.harness.config import resolve_harness, HarnessSettings
    >>> h = resolve_harness(HarnessSettings(name="codex", env_allow=("OPENAI_API_KEY",))).unwrap()
    >>> harness_env_allow(h)
    ('CODEX_HOME', 'XDG_CONFIG_HOME', 'OPENAI_API_KEY')
    """
    names = HARNESS_ENV[harness.name] + harness.env_allow
    return tuple(name for name in dict.fromkeys(names) if name not in NEVER_PASS)


def harness_environment(harness: ResolvedHarness, parent: Mapping[str, str]) -> dict[str, str]:
    """The complete environment of the harness: the allowlist applied to `parent`.

    >>> from domain.harness.config import resolve_harness, HarnessSettings
    >>> pi = resolve_harness(HarnessSettings()).unwrap()
    >>> sorted(harness_environment(pi, {"PATH": "/bin", "GITHUB_TOKEN": "t", "AWS_KEY": "k"}))
    ['PATH']
    """
    env = scrub_environment(parent, harness_env_allow(harness))
    for name in NEVER_PASS:
        env.pop(name, None)
    return env


def tool_state_dir(transcript_path: str) -> str:
    """The run's own folder for its tools' state: beside its transcript (so outside the worktree,
    which the transcript folder is checked to be), named after it.

    >>> tool_state_dir("/s/transcripts/harness-pi-20260101T000000Z-ab12cd34.jsonl")
    '/s/transcripts/harness-pi-20260101T000000Z-ab12cd34.tools'
    """
    stem = transcript_path.removesuffix(".jsonl")
    return stem + ".tools"


def tool_state_environment(folder: str) -> dict[str, str]:
    """Where uv, Python, mypy and ruff keep their state during a harness run: below `folder`,
    never in the worktree (a `.venv`, `__pycache__` or cache there is no part of the change,
    and the agent's uv cache is never the one the gates read).

    >>> sorted(tool_state_environment("/r/run.tools").items())[:2]
    [('MYPY_CACHE_DIR', '/r/run.tools/mypy'), ('PYTHONPYCACHEPREFIX', '/r/run.tools/pycache')]
    """
    return {
        "UV_PROJECT_ENVIRONMENT": posixpath.join(folder, "venv"),
        "UV_CACHE_DIR": posixpath.join(folder, "uv-cache"),
        "PYTHONPYCACHEPREFIX": posixpath.join(folder, "pycache"),
        "MYPY_CACHE_DIR": posixpath.join(folder, "mypy"),
        "RUFF_CACHE_DIR": posixpath.join(folder, "ruff"),
    }


def build_command(
    harness: ResolvedHarness,
    *,
    executable: str,
    parent_env: Mapping[str, str],
    tool_dir: str | None = None,
) -> HarnessCommand:
    """The argv and environment of one run of `harness` found at `executable`; with `tool_dir`
    (absolute, outside the worktree) its tools keep their state there (`tool_state_environment`).

    >>> from domain.harness.config import resolve_harness, HarnessSettings
    >>> claude = resolve_harness(HarnessSettings(name="claude", model="opus")).unwrap()
    >>> build_command(claude, executable="claude", parent_env={}).argv
    ('claude', '-p', '--output-format', 'stream-json', '--verbose', '--model', 'opus')
    >>> build_command(claude, executable="c", parent_env={}, tool_dir="/t").env["RUFF_CACHE_DIR"]
    '/t/ruff'
    """
    env = harness_environment(harness, parent_env)
    if tool_dir is not None:
        # Set last: an `env_allow` entry of the same name must not point them back inside.
        env.update(tool_state_environment(tool_dir))
    return HarnessCommand(argv=harness_argv(harness, executable), env=env)


def provider_key_names(harness: ResolvedHarness) -> tuple[str, ...] | None:
    """The variables that can carry the provider's API key; None when not known.

    >>> from domain.harness.config import resolve_harness, HarnessSettings
    >>> provider_key_names(resolve_harness(HarnessSettings(name="codex")).unwrap())
    ('OPENAI_API_KEY', 'CODEX_API_KEY')
    >>> provider_key_names(resolve_harness(HarnessSettings(provider="my-proxy")).unwrap()) is None
    True
    """
    provider = harness.provider or DEFAULT_PROVIDER[harness.name]
    if provider is None:
        return None
    return PROVIDER_KEYS[harness.name].get(provider)
