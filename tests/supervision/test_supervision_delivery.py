"""Push delivery bookkeeping: two retries after 30 s and 2 min, then give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.delivery import RETRY_AFTER, DeliveryTracker

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_retries_after_30_s_and_2_min_then_give_up():
    tracker = DeliveryTracker()
    tracker.failed("alarm-apt3", "phone_b", "push", T0)
    assert tracker.failing == {"phone_b": T0}
    assert tracker.next_deadline() == T0 + timedelta(seconds=30)
    assert tracker.due(T0 + timedelta(seconds=29)) == []
    (retry,) = tracker.due(T0 + timedelta(seconds=30))
    assert (retry.key, retry.target, retry.payload, retry.retries) == (
        "alarm-apt3",
        "phone_b",
        "push",
        1,
    )
    assert tracker.due(T0 + timedelta(seconds=31)) == []  # in flight, not due twice
    assert tracker.retry_failed(retry, T0 + timedelta(seconds=31)) is True
    assert tracker.next_deadline() == T0 + timedelta(minutes=2)
    (retry,) = tracker.due(T0 + timedelta(minutes=2))
    assert tracker.next_deadline() is None
    # The second retry fails: give up after 2 minutes; the target still fails.
    assert tracker.retry_failed(retry, T0 + timedelta(minutes=2)) is False
    assert tracker.next_deadline() is None
    assert tracker.failing == {"phone_b": T0}
    assert tracker.succeeded("phone_b") is True  # a later call got through
    assert tracker.failing == {}


def test_a_successful_retry_ends_the_failure():
    tracker = DeliveryTracker()
    tracker.failed("alarm-apt3", "phone_b", "push", T0)
    (retry,) = tracker.due(T0 + timedelta(seconds=30))
    assert tracker.succeeded("phone_b", "alarm-apt3") is True
    assert tracker.failing == {}
    assert tracker.next_deadline() is None
    assert tracker.retry_failed(retry, T0) is True  # a stale result gives nothing up


def test_a_withdrawn_message_is_not_retried_and_another_pending_keeps_the_failure():
    tracker = DeliveryTracker()
    tracker.failed("alarm-apt3", "phone_b", "push 1", T0)
    tracker.failed("sensor-apt7", "phone_b", "push 2", T0 + timedelta(seconds=10))
    tracker.failed("alarm-apt3", "phone_b", "push 1 again", T0 + timedelta(seconds=20))
    tracker.drop("alarm-apt3")
    (retry,) = tracker.due(T0 + timedelta(minutes=5))
    assert retry.payload == "push 2"
    assert tracker.succeeded("phone_b", "other") is False  # sensor-apt7 still waits
    tracker.mark_failing("phone_c", T0)
    assert set(tracker.failing) == {"phone_b", "phone_c"}


@given(st.lists(st.sampled_from(["fail", "retry_fail", "ok", "drop"]), max_size=30))
def test_never_more_than_two_retries_per_failure(actions):
    tracker = DeliveryTracker()
    now = T0
    in_flight = []
    for action in actions:
        now += timedelta(seconds=45)
        match action:
            case "fail":
                tracker.failed("k", "t", None, now)
            case "ok":
                tracker.succeeded("t", "k")
            case "drop":
                tracker.drop("k")
            case _:
                for retry in in_flight:
                    tracker.retry_failed(retry, now)
                in_flight = []
        due = tracker.due(now)
        in_flight += due
        for retry in due:
            assert retry.retries <= len(RETRY_AFTER)
        deadline = tracker.next_deadline()
        assert deadline is None or deadline - T0 <= timedelta(minutes=2) + (now - T0)
