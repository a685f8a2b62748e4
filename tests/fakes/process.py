"""A process runner that runs Python callbacks instead of programs, recording each request."""

from __future__ import annotations

from collections.abc import Callable

from ports.process import LineVerdict, ProcessRequest, ProcessResult

Behaviour = Callable[[ProcessRequest], ProcessResult]


def exits(code: int, stdout: str = "", stderr: str = "") -> ProcessResult:
    """A result of a program that exited with `code`."""
    return ProcessResult(status="exited", exit_code=code, stdout=stdout, stderr=stderr)


class FakeProcessRunner:
    """Answers each request by the behaviour registered for its program name (argv[0])."""

    def __init__(self, behaviours: dict[str, Behaviour] | None = None) -> None:
        self.behaviours = behaviours if behaviours is not None else {}
        self.requests: list[ProcessRequest] = []

    async def run(self, request: ProcessRequest) -> ProcessResult:
        """Record the request and answer with the registered behaviour (127 when none)."""
        self.requests.append(request)
        behaviour = self.behaviours.get(request.argv[0]) if request.argv else None
        if behaviour is None:
            return ProcessResult(status="not-found", exit_code=127, stdout="", stderr="not found")
        return behaviour(request)

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[bytes], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        """Run like `run`, then feed the stdout lines to `on_line`."""
        result = await self.run(request)
        for line in result.stdout.encode().split(b"\n"):
            if on_line(line) == "stop":
                return ProcessResult(
                    status="stopped", exit_code=None, stdout=result.stdout, stderr=""
                )
        del transcript_path
        return result
