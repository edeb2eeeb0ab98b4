"""Failure notifications: outbox events fanned out to each community's targets and delivered at least once.

| module        | job                                                                                   |
|---------------|---------------------------------------------------------------------------------------|
| targets.py    | notification targets: community-scoped CRUD, per-kind validation, the delivery log      |
| deliveries.py | the one owner of `notification_deliveries` rows: fan-out, claim, outcome, prune         |
| sender.py     | one attempt: a signed webhook POST or a chat message through the router                |
| duty.py       | the duty every instance runs: route new events, send due deliveries, record outcomes    |

Delivery states (`deliveries.py`):

| from                      | to                                         | by                                       |
|---------------------------|--------------------------------------------|------------------------------------------|
| —                         | pending (attempts 0, due now)              | fan-out, one row per (event, target)     |
| pending/sending, due      | sending (attempts + 1, due at now + claim) | claim (`FOR UPDATE SKIP LOCKED`)         |
| sending                   | delivered                                  | a 2xx answer                             |
| sending                   | pending (due after a backoff)              | no 2xx answer, attempts < max            |
| sending                   | failed                                     | no 2xx answer, attempts = max            |
| sending                   | cancelled                                  | target disabled, or its event was pruned |
| sending, claim lapsed     | sending again (by whoever claims it)       | the process that claimed it died         |

An outcome is written only while the row still carries the attempt number its claim gave it, so a late answer
from a process whose claim lapsed cannot overwrite the newer attempt's.
"""
