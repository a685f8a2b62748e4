"""`parse_time_span` reads spans as the real systemd does (`systemd-analyze timespan`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.loop.service import _UNITS, USEC_INFINITY, parse_time_span

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze"),
]

NUMBER = st.from_regex(r"\+?[0-9]{0,4}(\.[0-9]{0,10})?", fullmatch=True)
UNIT = st.sampled_from([suffix for suffix, _ in _UNITS] + ["", "", "S", "x", "hrs", "mo"])
SPACE = st.sampled_from(["", " ", "\t", "  "])
COMPONENT = st.tuples(NUMBER, SPACE, UNIT, SPACE).map("".join)
SPAN = st.lists(COMPONENT, min_size=0, max_size=4).map("".join) | st.text(
    alphabet="0123456789.+- hmsinftyMdwμ", max_size=12
)


def _systemd(text: str) -> int | None:
    result = subprocess.run(
        ["systemd-analyze", "timespan", "--", text],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    found = re.search(r"μs: ([0-9]+)", result.stdout)
    return int(found.group(1)) if result.returncode == 0 and found else None


def _ours(text: str) -> int | None:
    parsed = parse_time_span(text)
    if not is_successful(parsed):
        return None
    micros = parsed.unwrap().micros
    return USEC_INFINITY if micros is None else micros


@settings(max_examples=150)
@given(SPAN)
@example("1h 30min")
@example("1.5.5s")
@example("1 .5s")
@example("0.0000001s")
@example("99999999999999999999s")
@example(" infinity ")
@example("0seconds+.0seconds")
@example("0+0")
def test_spans_read_as_systemd_reads_them(text: str) -> None:
    assert _ours(text) == _systemd(text)
