"""The scheduler: the claim path on every instance, maintenance on the elected leader.

| module              | job                                                                   | runs on        |
|---------------------|-----------------------------------------------------------------------|----------------|
| runtime.py          | APScheduler horizon of wake-ups, claim loop, sweep, refill             | every instance |
| lease.py            | register with an epoch, heartbeat, self-fencing watchdog               | every instance |
| listener.py         | LISTEN connection with reconnect                                       | every instance |
| queue.py            | takes queued work (buffered fires, retries); polls cancel requests     | every instance |
| leader.py           | advisory-lock leadership                                               | every instance |
| sampler.py          | samples the pool and live-instance gauges for /metrics                 | every instance |
| maintenance/        | reaper, pruner, outbox pruner, idempotency-key pruner                  | leader only    |
| duty.py             | the start/stop/tick lifecycle all of the above share                  |                |
"""
