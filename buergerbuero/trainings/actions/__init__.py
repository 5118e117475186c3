"""The only place that changes trainings (docs/architecture.md), one module per concern:

- ``catalogue``: training types, their comprehension check and materials;
- ``sessions``: sessions and their live rooms, completion, certificates;
- ``registrations``: registrations (capacity guarded), the class roster, the checks taken, retention.

What they read is in trainings.selectors, the check's text in trainings.checktext, its score in
trainings.scoring. Every action runs in one transaction and writes an audit entry (never a participant's
name: the audit log outlives the retention period). Mails leave after the commit
(``transaction.on_commit``).

Nothing is re-exported here: callers import the module that holds the action.
"""
