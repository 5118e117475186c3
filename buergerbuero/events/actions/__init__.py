"""Every change to events and their registrations goes through these modules (docs/architecture.md), one
per concern:

- ``rules``: what makes a valid event and who may register now (the actions check these; forms and pages
  ask them too);
- ``lifecycle``: an event created, changed, started, cancelled; its invitation and hall links;
- ``registrations``: places taken and given back;
- ``retention``: personal data cleared after the event.

Invariants a reader must not break:
- ``registrations.register`` counts the event's places under a lock of the event row
  (``lifecycle.lock_event``: SELECT … FOR UPDATE on PostgreSQL; SQLite starts every write transaction
  exclusively, IMMEDIATE), so the count and the INSERT of one request are never interleaved with
  another's: an event never has more registrations than its capacity (tests/events/test_concurrency.py
  shows the race without the lock).
- The room (rooms.Room) is made with the event and changed only while it is scheduled; its members come
  from ``rooms.actions.members.add_member``. Each registration is one member: a participant in a
  conference, a viewer in a webinar (viewers never publish, rooms.access.may_publish).
- Mails leave after commit (``mails.send`` never raises); personal data never enters the audit log.

Nothing is re-exported here: callers import the module that holds the action.
"""
