"""The only place that changes consultations and their participants, and what becomes of a ticket from its
admission on, one module per concern:

- ``admission``: a waiting citizen let in, the citizen joining the call, or leaving or never coming
  before it connected;
- ``course``: a running consultation hung up, the citizen sent back or transferred;
- ``colleagues``: a colleague invited, accepting, declining, leaving;
- ``holding``: which page of a participant holds the call, and its sockets and web workers going away;
- ``liveness``: the part of a participant whose page has been gone past the grace ends.

The locking invariants of waitingroom.actions apply here too (queue changes lock the office row first).

Nothing is re-exported here: callers import the module that holds the action.
"""
