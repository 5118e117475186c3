"""The only place that changes rooms and their members, one module per concern:

- ``lifecycle``: a room created, started, ended (also by the background job), locked; retention;
- ``members``: places given and taken away, the pages joining and leaving, the lobby;
- ``moderation``: hands, the right to speak, roles, hard mutes;
- ``activity``: the chat, presence checks, the stage.

Every action runs in one transaction, re-reads what it changes under a row lock (``guards``), writes an
audit entry and schedules its events (rooms.events) for after the commit. Actions inside a room take the
acting ``Member`` (``actor``); moderation needs ``access.is_moderator(actor)`` and a member of the same
room. A rule that says no raises ``ActionError`` and changes nothing.

Starting and ending also accept a staff user as the actor (pages of trainings and events that run a room
from outside it); those callers check the user's permission themselves.

Nothing is re-exported here: callers import the module that holds the action.
"""
