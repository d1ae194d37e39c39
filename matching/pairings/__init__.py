"""The pairing lifecycle: the mentor's answer, the work (practice plan, check-ins, reflections),
the end (finish, re-assessment, the manager's confirmation), cancellation, extension, expiry,
group mentoring (cohorts), reminders, and what happens when someone leaves.

States: proposed → active (the mentor accepts) | declined | expired (no answer in time) |
cancelled; active → awaiting review (end date reached, or finished early) | cancelled;
awaiting review → completed (the mentee's manager confirms, or an HR admin when there is no
manager to do it; outcome achieved or not).

Every transition locks the pairing row, checks who is acting (PermissionDenied) and from which
state (ValidationError with a clear message), writes a PairingEvent for the timeline and an audit
entry, and tells the people concerned. Nothing is half-written: each service is one transaction.
"""
