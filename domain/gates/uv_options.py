"""uv 0.13.9's `run` command-line table as data: value-taking options, flags, aliases and rules.

Transcribed from `uv-run-options-0.13.9.json` (kept under `tests/data/`, where a test checks that
this module equals it and agrees with the real `uv run --help`). Names are uv's own spellings;
`ALIASES` maps every other spelling (short forms included) to its canonical long name.
"""

from __future__ import annotations

UV_VERSION = "0.13.9"

# Options that take a value (`--opt VALUE`, `--opt=VALUE`, `-xVALUE`).
TAKES_VALUE: frozenset[str] = frozenset(
    {
        "--allow-insecure-host",
        "--cache-dir",
        "--color",
        "--config-file",
        "--config-setting",
        "--config-settings-package",
        "--default-index",
        "--directory",
        "--env-file",
        "--exclude-newer",
        "--exclude-newer-package",
        "--extra",
        "--extra-index-url",
        "--find-links",
        "--fork-strategy",
        "--group",
        "--index",
        "--index-strategy",
        "--index-url",
        "--keyring-provider",
        "--link-mode",
        "--max-recursion-depth",
        "--no-binary-package",
        "--no-build-isolation-package",
        "--no-build-package",
        "--no-editable-package",
        "--no-extra",
        "--no-group",
        "--no-sources-package",
        "--only-group",
        "--package",
        "--prerelease",
        "--prerelease-package",
        "--preview-features",
        "--project",
        "--python",
        "--python-fetch",
        "--python-platform",
        "--python-preference",
        "--refresh-package",
        "--reinstall-package",
        "--resolution",
        "--upgrade-group",
        "--upgrade-package",
        "--with",
        "--with-editable",
        "--with-requirements",
        "-C",
        "-P",
        "-f",
        "-i",
        "-p",
        "-w",
    }
)

# Options that take no value; `--flag=x` is an error.
FLAGS: frozenset[str] = frozenset(
    {
        "--active",
        "--all-extras",
        "--all-groups",
        "--all-packages",
        "--allow-python-downloads",
        "--binary",
        "--build",
        "--build-isolation",
        "--compile-bytecode",
        "--dev",
        "--editable",
        "--exact",
        "--frozen",
        "--gui-script",
        "--help",
        "--inexact",
        "--isolated",
        "--locked",
        "--managed-python",
        "--module",
        "--native-tls",
        "--no-active",
        "--no-all-extras",
        "--no-binary",
        "--no-build",
        "--no-build-isolation",
        "--no-cache",
        "--no-color",
        "--no-compile-bytecode",
        "--no-config",
        "--no-default-groups",
        "--no-dev",
        "--no-editable",
        "--no-env-file",
        "--no-frozen",
        "--no-index",
        "--no-installer-metadata",
        "--no-locked",
        "--no-managed-python",
        "--no-native-tls",
        "--no-offline",
        "--no-preview",
        "--no-progress",
        "--no-project",
        "--no-python-downloads",
        "--no-refresh",
        "--no-reinstall",
        "--no-require-build-hashes",
        "--no-sources",
        "--no-sync",
        "--no-system-certs",
        "--no-upgrade",
        "--offline",
        "--only-dev",
        "--pre",
        "--preview",
        "--quiet",
        "--refresh",
        "--reinstall",
        "--require-build-hashes",
        "--script",
        "--show-resolution",
        "--show-settings",
        "--system-certs",
        "--upgrade",
        "--verbose",
        "-U",
        "-h",
        "-m",
        "-n",
        "-q",
        "-s",
        "-v",
    }
)

# Other spellings (aliases and short forms) of a canonical long option.
ALIASES: dict[str, str] = {
    "--compile": "--compile-bytecode",
    "--config-settings": "--config-setting",
    "--force-reinstall": "--reinstall",
    "--no-cache-dir": "--no-cache",
    "--no-compile": "--no-compile-bytecode",
    "--no-exact": "--inexact",
    "--no_workspace": "--no-project",
    "--preview-feature": "--preview-features",
    "--trusted-host": "--allow-insecure-host",
    "-C": "--config-setting",
    "-P": "--upgrade-package",
    "-U": "--upgrade",
    "-f": "--find-links",
    "-h": "--help",
    "-i": "--index-url",
    "-m": "--module",
    "-n": "--no-cache",
    "-p": "--python",
    "-q": "--quiet",
    "-s": "--script",
    "-v": "--verbose",
    "-w": "--with",
}

# The short options and the long option each stands for.
SHORT_OPTIONS: dict[str, str] = {
    "-C": "--config-setting",
    "-P": "--upgrade-package",
    "-U": "--upgrade",
    "-f": "--find-links",
    "-h": "--help",
    "-i": "--index-url",
    "-m": "--module",
    "-n": "--no-cache",
    "-p": "--python",
    "-q": "--quiet",
    "-s": "--script",
    "-v": "--verbose",
    "-w": "--with",
}

# Short options that take a value: a cluster ends at the first of them.
SHORT_TAKES_VALUE: frozenset[str] = frozenset(
    {
        "-C",
        "-P",
        "-f",
        "-i",
        "-p",
        "-w",
    }
)

# Short flags, which may be clustered (`-qU`).
SHORT_FLAGS: frozenset[str] = frozenset(
    {
        "-U",
        "-h",
        "-m",
        "-n",
        "-q",
        "-s",
        "-v",
    }
)

# Options that may be given more than once (their values accumulate).
REPEATABLE: frozenset[str] = frozenset(
    {
        "--allow-insecure-host",
        "--config-setting",
        "--config-settings-package",
        "--env-file",
        "--exclude-newer-package",
        "--extra",
        "--extra-index-url",
        "--find-links",
        "--group",
        "--index",
        "--no-binary-package",
        "--no-build-isolation-package",
        "--no-build-package",
        "--no-editable-package",
        "--no-extra",
        "--no-group",
        "--no-sources-package",
        "--only-group",
        "--prerelease-package",
        "--preview-features",
        "--refresh-package",
        "--reinstall-package",
        "--upgrade-group",
        "--upgrade-package",
        "--with",
        "--with-editable",
        "--with-requirements",
    }
)

# Flags that count their repeats (`-qq`).
COUNT_FLAGS: frozenset[str] = frozenset(
    {
        "--quiet",
        "--verbose",
    }
)

# Options uv rejects when given twice on one level (unless overridden between).
ERROR_IF_REPEATED: frozenset[str] = frozenset(
    {
        "--active",
        "--all-extras",
        "--all-groups",
        "--all-packages",
        "--allow-python-downloads",
        "--binary",
        "--build",
        "--build-isolation",
        "--cache-dir",
        "--color",
        "--compile-bytecode",
        "--config-file",
        "--default-index",
        "--dev",
        "--directory",
        "--editable",
        "--exact",
        "--exclude-newer",
        "--fork-strategy",
        "--frozen",
        "--gui-script",
        "--help",
        "--index-strategy",
        "--index-url",
        "--inexact",
        "--isolated",
        "--keyring-provider",
        "--link-mode",
        "--locked",
        "--managed-python",
        "--max-recursion-depth",
        "--module",
        "--native-tls",
        "--no-active",
        "--no-all-extras",
        "--no-binary",
        "--no-build",
        "--no-build-isolation",
        "--no-cache",
        "--no-color",
        "--no-compile-bytecode",
        "--no-config",
        "--no-default-groups",
        "--no-dev",
        "--no-editable",
        "--no-env-file",
        "--no-frozen",
        "--no-index",
        "--no-installer-metadata",
        "--no-locked",
        "--no-managed-python",
        "--no-native-tls",
        "--no-offline",
        "--no-preview",
        "--no-progress",
        "--no-project",
        "--no-python-downloads",
        "--no-refresh",
        "--no-reinstall",
        "--no-require-build-hashes",
        "--no-sources",
        "--no-sync",
        "--no-system-certs",
        "--no-upgrade",
        "--offline",
        "--only-dev",
        "--package",
        "--pre",
        "--prerelease",
        "--preview",
        "--project",
        "--python",
        "--python-fetch",
        "--python-platform",
        "--python-preference",
        "--refresh",
        "--reinstall",
        "--require-build-hashes",
        "--resolution",
        "--script",
        "--show-resolution",
        "--show-settings",
        "--system-certs",
        "--upgrade",
    }
)

# Options that may also stand between `uv` and `run`.
GLOBAL_OPTIONS: frozenset[str] = frozenset(
    {
        "--allow-insecure-host",
        "--allow-python-downloads",
        "--cache-dir",
        "--color",
        "--config-file",
        "--directory",
        "--help",
        "--isolated",
        "--managed-python",
        "--native-tls",
        "--no-cache",
        "--no-color",
        "--no-config",
        "--no-installer-metadata",
        "--no-managed-python",
        "--no-native-tls",
        "--no-offline",
        "--no-preview",
        "--no-progress",
        "--no-python-downloads",
        "--no-system-certs",
        "--offline",
        "--preview",
        "--preview-features",
        "--project",
        "--python-fetch",
        "--python-preference",
        "--quiet",
        "--show-settings",
        "--system-certs",
        "--verbose",
    }
)

# Options that `uv run --help` does not list.
HIDDEN: frozenset[str] = frozenset(
    {
        "--allow-python-downloads",
        "--binary",
        "--build",
        "--build-isolation",
        "--dev",
        "--editable",
        "--inexact",
        "--max-recursion-depth",
        "--native-tls",
        "--no-active",
        "--no-all-extras",
        "--no-color",
        "--no-compile-bytecode",
        "--no-frozen",
        "--no-installer-metadata",
        "--no-locked",
        "--no-native-tls",
        "--no-offline",
        "--no-preview",
        "--no-refresh",
        "--no-reinstall",
        "--no-system-certs",
        "--no-upgrade",
        "--pre",
        "--preview",
        "--preview-features",
        "--python-fetch",
        "--python-preference",
        "--show-resolution",
        "--show-settings",
    }
)

# Options whose one value is split into several on this delimiter.
VALUE_DELIMITERS: dict[str, str] = {
    "--allow-insecure-host": " ",
    "--extra": ",",
    "--extra-index-url": " ",
    "--find-links": ",",
    "--no-binary-package": " ",
    "--no-build-package": " ",
    "--no-editable-package": " ",
    "--no-group": " ",
    "--no-sources-package": " ",
    "--preview-features": ",",
    "--with-requirements": ",",
}

# Requirement options whose value uv splits on top-level commas.
COMMA_SPLIT_REQUIREMENTS: frozenset[str] = frozenset(
    {
        "--with",
        "--with-editable",
    }
)

# Pairs uv rejects when both are present on one level (after overrides).
CONFLICTS: tuple[tuple[str, ...], ...] = (
    ("--group", "--only-group"),
    ("--group", "--only-dev"),
    ("--only-group", "--all-groups"),
    ("--only-group", "--dev"),
    ("--only-group", "--extra"),
    ("--only-group", "--all-extras"),
    ("--all-groups", "--only-dev"),
    ("--no-dev", "--only-dev"),
    ("--extra", "--all-extras"),
    ("--locked", "--frozen"),
    ("--locked", "--upgrade"),
    ("--frozen", "--upgrade"),
    ("--frozen", "--no-sources"),
    ("--package", "--all-packages"),
    ("--package", "--no-project"),
    ("--module", "--script"),
    ("--module", "--gui-script"),
    ("--script", "--gui-script"),
    ("--quiet", "--verbose"),
    ("--color", "--no-color"),
)

# Groups of options that override each other: a later one removes the earlier ones.
LAST_ONE_WINS: tuple[tuple[str, ...], ...] = (
    ("--dev", "--no-dev"),
    ("--all-extras", "--no-all-extras"),
    ("--locked", "--no-locked"),
    ("--frozen", "--no-frozen"),
    ("--exact", "--inexact"),
    ("--active", "--no-active"),
    ("--editable", "--no-editable"),
    ("--upgrade", "--no-upgrade"),
    ("--reinstall", "--no-reinstall"),
    ("--refresh", "--no-refresh"),
    ("--no-build", "--build"),
    ("--no-binary", "--binary"),
    ("--no-build-isolation", "--build-isolation"),
    ("--compile-bytecode", "--no-compile-bytecode"),
    ("--require-build-hashes", "--no-require-build-hashes"),
    ("--offline", "--no-offline"),
    ("--preview", "--no-preview"),
    ("--managed-python", "--no-managed-python"),
    ("--system-certs", "--no-system-certs", "--native-tls", "--no-native-tls"),
)

# Environment variables uv reads in place of an option.
ENV_VARS: dict[str, str] = {
    "--allow-insecure-host": "UV_INSECURE_HOST",
    "--cache-dir": "UV_CACHE_DIR",
    "--compile-bytecode": "UV_COMPILE_BYTECODE",
    "--config-file": "UV_CONFIG_FILE",
    "--default-index": "UV_DEFAULT_INDEX",
    "--directory": "UV_WORKING_DIR",
    "--env-file": "UV_ENV_FILE",
    "--exclude-newer": "UV_EXCLUDE_NEWER",
    "--extra-index-url": "UV_EXTRA_INDEX_URL",
    "--find-links": "UV_FIND_LINKS",
    "--fork-strategy": "UV_FORK_STRATEGY",
    "--index": "UV_INDEX",
    "--index-strategy": "UV_INDEX_STRATEGY",
    "--index-url": "UV_INDEX_URL",
    "--keyring-provider": "UV_KEYRING_PROVIDER",
    "--link-mode": "UV_LINK_MODE",
    "--max-recursion-depth": "UV_RUN_MAX_RECURSION_DEPTH",
    "--no-binary": "UV_NO_BINARY",
    "--no-build": "UV_NO_BUILD",
    "--no-build-isolation": "UV_NO_BUILD_ISOLATION",
    "--no-cache": "UV_NO_CACHE",
    "--no-config": "UV_NO_CONFIG",
    "--no-default-groups": "UV_NO_DEFAULT_GROUPS",
    "--no-project": "UV_NO_PROJECT",
    "--no-sources": "UV_NO_SOURCES",
    "--prerelease": "UV_PRERELEASE",
    "--preview-features": "UV_PREVIEW_FEATURES",
    "--project": "UV_PROJECT",
    "--python": "UV_PYTHON",
    "--python-preference": "UV_PYTHON_PREFERENCE",
    "--resolution": "UV_RESOLUTION",
}

# Options that mean the same as another spelling with a value.
SEMANTIC_ALIASES: dict[str, str] = {
    "--dev": "--group dev",
    "--isolated (global, before `run`)": "sets uv run --isolated",
    "--native-tls": "--system-certs (deprecated)",
    "--no-dev": "--no-group dev",
    "--no-native-tls": "--no-system-certs (deprecated)",
    "--only-dev": "--only-group dev",
    "--pre": "--prerelease allow",
}

# Not in the JSON table: value checks uv makes at parse time (from `uv run --help` and tried on
# the 0.13.9 binary). Values outside these sets make uv exit 2 before running anything.
_MANYLINUX = tuple(
    f"manylinux_2_{minor}" for minor in (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
)
ENUM_VALUES: dict[str, frozenset[str]] = {
    "--color": frozenset({"auto", "always", "never"}),
    "--fork-strategy": frozenset({"fewest", "requires-python"}),
    "--index-strategy": frozenset({"first-index", "unsafe-first-match", "unsafe-best-match"}),
    "--keyring-provider": frozenset({"disabled", "subprocess"}),
    "--link-mode": frozenset({"clone", "copy", "hardlink", "symlink"}),
    "--prerelease": frozenset(
        {"disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"}
    ),
    "--python-fetch": frozenset({"automatic", "manual", "never"}),
    "--python-preference": frozenset({"only-managed", "managed", "system", "only-system"}),
    "--resolution": frozenset({"highest", "lowest", "lowest-direct"}),
    "--python-platform": frozenset(
        {
            "windows",
            "linux",
            "macos",
            "x86_64-pc-windows-msvc",
            "aarch64-pc-windows-msvc",
            "i686-pc-windows-msvc",
            "x86_64-unknown-linux-gnu",
            "aarch64-apple-darwin",
            "x86_64-apple-darwin",
            "aarch64-unknown-linux-gnu",
            "aarch64-unknown-linux-musl",
            "x86_64-unknown-linux-musl",
            "riscv64-unknown-linux",
            "x86_64-manylinux2014",
            "aarch64-manylinux2014",
            "aarch64-linux-android",
            "x86_64-linux-android",
            "wasm32-pyodide2024",
            "wasm32-pyodide2025",
            "arm64-apple-ios",
            "arm64-apple-ios-simulator",
            "x86_64-apple-ios-simulator",
            *(f"x86_64-{tag}" for tag in _MANYLINUX),
            *(f"aarch64-{tag}" for tag in _MANYLINUX),
        }
    ),
}

# Options whose value (each part, after splitting on the delimiter) must be a valid package,
# group or extra name: letters and digits at both ends, `-_.` and alphanumerics between.
NAME_VALUED: frozenset[str] = frozenset(
    {
        "--extra",
        "--group",
        "--no-binary-package",
        "--no-build-isolation-package",
        "--no-build-package",
        "--no-editable-package",
        "--no-extra",
        "--no-group",
        "--no-sources-package",
        "--only-group",
        "--package",
        "--refresh-package",
        "--reinstall-package",
        "--upgrade-group",
    }
)

# Options whose value is an unsigned 32-bit integer.
UINT_VALUED: frozenset[str] = frozenset({"--max-recursion-depth"})

# Options that make uv print something and exit 0 without running the command.
PRINT_AND_EXIT: frozenset[str] = frozenset({"--help", "--show-settings"})
# Top-level only (before any subcommand): `uv -V` / `uv --version`.
VERSION_OPTIONS: frozenset[str] = frozenset({"-V", "--version"})

# uv's own checks after clap, on the options in effect on both levels together (clap copies a
# global option given before `run` into the `run` level): "Boolean flags on different levels are
# currently not supported", and `--[no-]managed-python` against `--python-preference`. Not in the
# JSON table; found by the differential test against the 0.13.9 binary.
MERGED_CONFLICTS: tuple[tuple[str, str], ...] = (
    ("--offline", "--no-offline"),
    ("--system-certs", "--no-system-certs"),
    ("--native-tls", "--no-native-tls"),
    ("--preview", "--no-preview"),
    ("--allow-python-downloads", "--no-python-downloads"),
    ("--managed-python", "--python-preference"),
    ("--no-managed-python", "--python-preference"),
)
