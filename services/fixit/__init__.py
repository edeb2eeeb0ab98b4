"""Fix-it: retry the failed, timed-out, abandoned and missed runs of a window, by a mode, as a stored plan.

    plan     which candidates each mode retries, and when (pure: rows in, decisions out)
    service  FixitService (POST /scheduler/fix-it, GET /scheduler/fix-it/{id}), the fix-it state and its
             transitions: start (auto-approve or approval), deny, expire, complete
"""
