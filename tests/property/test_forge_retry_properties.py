"""The retry policy's bounds hold for every answer: no wait beyond a bound, no endless retry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.forge.retry import Answer, Done, GiveUp, RetryAfter, RetryPolicy, decide, status_error

POLICY = RetryPolicy()

answers = st.builds(
    Answer,
    attempt=st.integers(1, 20),
    elapsed_s=st.floats(0, 1000),
    now_epoch_s=st.floats(0, 2e9),
    status=st.one_of(
        st.none(), st.sampled_from([200, 201, 204, 401, 403, 404, 422, 429, 500, 502])
    ),
    ratelimit_remaining=st.one_of(st.none(), st.sampled_from(["0", "1", "x", " 0 "])),
    ratelimit_reset=st.one_of(st.none(), st.integers(0, 2_000_000_000).map(str), st.just("nan")),
    retry_after=st.one_of(st.none(), st.integers(0, 10_000).map(str), st.just("-1")),
)


@given(answers)
def test_every_retry_stays_within_the_wait_and_total_bounds(answer: Answer) -> None:
    decision = decide(POLICY, answer)
    if isinstance(decision, RetryAfter):
        assert 0 <= decision.delay_s <= max(POLICY.max_rate_limit_wait_s, POLICY.max_delay_s)
        assert answer.elapsed_s + decision.delay_s <= POLICY.max_total_s
        assert answer.attempt < POLICY.max_attempts


@given(answers)
def test_the_last_attempt_never_retries(answer: Answer) -> None:
    last = Answer(**{**{f: getattr(answer, f) for f in answer.__struct_fields__}, "attempt": 5})
    assert not isinstance(decide(POLICY, last), RetryAfter)


@given(answers)
def test_success_answers_are_kept(answer: Answer) -> None:
    if answer.status is not None and 200 <= answer.status < 300:
        assert decide(POLICY, answer) == Done()


def test_a_primary_limit_within_the_bound_waits_until_the_reset() -> None:
    answer = Answer(
        attempt=1,
        elapsed_s=0,
        now_epoch_s=1000,
        status=403,
        ratelimit_remaining="0",
        ratelimit_reset="1030",
    )
    assert decide(POLICY, answer) == RetryAfter(delay_s=31.0)


def test_a_secondary_limit_honours_retry_after() -> None:
    answer = Answer(attempt=2, elapsed_s=3, now_epoch_s=0, status=429, retry_after="7")
    assert decide(POLICY, answer) == RetryAfter(delay_s=7.0)


def test_a_plain_403_is_kept_as_forbidden() -> None:
    answer = Answer(attempt=1, elapsed_s=0, now_epoch_s=0, status=403)
    assert decide(POLICY, answer) == Done()
    assert status_error(403, "Resource not accessible").code == "forge-forbidden"


def test_server_errors_back_off_exponentially_then_give_up() -> None:
    delays = [
        decide(POLICY, Answer(attempt=n, elapsed_s=0, now_epoch_s=0, status=503))
        for n in range(1, 6)
    ]
    assert delays[:4] == [RetryAfter(delay_s=d) for d in (1.0, 2.0, 4.0, 8.0)]
    last = delays[4]
    assert isinstance(last, GiveUp)
    assert last.error.code == "forge-unavailable"
