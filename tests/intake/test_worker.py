"""The worker's own logic: how it waits after failures."""
from __future__ import annotations

import datetime as dt

from intake.worker import Backoff

T0 = dt.datetime(2020, 6, 10, 9, 0, tzinfo=dt.timezone.utc)


def test_backoff_doubles_up_to_an_hour_and_resets():
    gate = Backoff("send")
    assert gate.open(T0)
    waits = []
    now = T0
    for _ in range(10):
        gate.failed(now)
        assert not gate.open(now)
        waits.append(gate.not_before - now)
        now = gate.not_before
        assert gate.open(now)
    assert waits[:4] == [dt.timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == dt.timedelta(hours=1) and waits[-1] == dt.timedelta(hours=1)
    gate.succeeded()
    assert gate.open(now) and gate.failures == 0
    gate.failed(now)
    assert gate.not_before - now == dt.timedelta(seconds=30)


def test_a_day_of_wrong_password_costs_few_logins():
    """At the scheduler's 30-second tick a failing login would be tried 2,880 times a day."""
    gate = Backoff("poll")
    now, attempts = T0, 0
    while now < T0 + dt.timedelta(days=1):
        if gate.open(now):
            attempts += 1
            gate.failed(now)
        now += dt.timedelta(seconds=30)
    assert attempts < 40
