"""The bubblewrap command line that confines one process (pure).

Nothing of the host is visible unless bound: the system read-only, from `/etc` only what
loading programs, name resolution and TLS read, a fresh `/proc` (the new PID namespace's own), a
minimal `/dev`, an empty `/tmp`, then the plan's own binds; the rest of the root is read-only.
bwrap itself is started with the scrubbed environment: it stays PID 1 inside, and
`/proc/1/environ` is readable there.
"""

from __future__ import annotations

import posixpath

import msgspec

# The read-only system: programs and their libraries (`--ro-bind-try`: a missing one is skipped,
# so merged-/usr and split layouts both work).
SYSTEM_PATHS: tuple[str, ...] = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# From /etc only what loading programs, name and user resolution and TLS read: no shadow files,
# no host keys, no `/etc/ssl/private`, no configuration of the host's services.
ETC_PATHS: tuple[str, ...] = (
    # The dynamic linker's cache and the targets of Debian's /usr/bin alternatives symlinks.
    "/etc/ld.so.cache",
    "/etc/alternatives",
    # Name resolution (hosts and users; passwd and group hold no password hashes).
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/passwd",
    "/etc/group",
    # TLS: the certificate bundles and OpenSSL's configuration (Debian and Red Hat layouts).
    "/etc/ssl/certs",
    "/etc/ssl/openssl.cnf",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/pki/tls/certs",
    "/etc/pki/ca-trust",
    "/etc/crypto-policies",
)


class Bind(msgspec.Struct, frozen=True, kw_only=True):
    """One host path made visible at `dest` (default: the same path), read-only unless writable."""

    source: str
    dest: str | None = None
    writable: bool = False

    @property
    def target(self) -> str:
        """Where the path appears inside the sandbox."""
        return self.dest if self.dest is not None else self.source


class SandboxPlan(msgspec.Struct, frozen=True, kw_only=True):
    """What one confined process sees: its working directory and every bind, and the network."""

    bwrap: str
    # Read-write, and where the process starts.
    workdir: str
    # Read-only and read-write host paths beyond the system (the run's own folder among them).
    binds: tuple[Bind, ...] = ()
    network: bool = True


def _depth(path: str) -> int:
    return len([part for part in posixpath.normpath(path).split("/") if part])


def ordered_binds(binds: tuple[Bind, ...]) -> tuple[Bind, ...]:
    """The binds, parents before the paths below them (a later mount would hide an earlier one).

    >>> [b.source for b in ordered_binds((Bind(source="/a/b/c"), Bind(source="/a")))]
    ['/a', '/a/b/c']
    """
    return tuple(sorted(binds, key=lambda bind: _depth(bind.target)))


def bwrap_argv(plan: SandboxPlan) -> tuple[str, ...]:
    """The argv prefix that runs a command under `plan`; the command's own argv follows it.

    >>> argv = bwrap_argv(SandboxPlan(bwrap="/usr/bin/bwrap", workdir="/w/clone"))
    >>> argv[:5]
    ('/usr/bin/bwrap', '--unshare-all', '--share-net', '--die-with-parent', '--new-session')
    >>> argv[-7:]
    ('/w/clone', '/w/clone', '--remount-ro', '/', '--chdir', '/w/clone', '--')
    """
    argv: list[str] = [plan.bwrap, "--unshare-all"]
    if plan.network:
        argv.append("--share-net")
    argv += ["--die-with-parent", "--new-session"]
    for path in SYSTEM_PATHS + ETC_PATHS:
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    every = (*plan.binds, Bind(source=plan.workdir, writable=True))
    for bind in ordered_binds(every):
        argv += ["--bind" if bind.writable else "--ro-bind", bind.source, bind.target]
    # The root bwrap builds is a writable tmpfs: made read-only, nothing but the binds marked
    # writable and the private /tmp can be written at all.
    argv += ["--remount-ro", "/", "--chdir", plan.workdir, "--"]
    return tuple(argv)


def unsafe_bind(plan: SandboxPlan) -> str | None:
    """The first bind that would expose the whole system or undo the read-only one, or None.

    >>> unsafe_bind(SandboxPlan(bwrap="bwrap", workdir="/"))
    '/'
    >>> unsafe_bind(SandboxPlan(bwrap="bwrap", workdir="/w/clone")) is None
    True
    """
    for bind in (Bind(source=plan.workdir, writable=True), *plan.binds):
        for path in {bind.source, bind.target}:
            normal = posixpath.normpath(path)
            if not normal.startswith("/") or normal in ("/", "/etc", "/proc", "/dev"):
                return path
            if bind.writable and any(
                normal == root or normal.startswith(root + "/") for root in SYSTEM_PATHS
            ):
                return path
    return None
