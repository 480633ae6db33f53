"""Every table of Knacka, registered on SQLModel's metadata here and only here.

One module per domain: `plan` (AKs, districts, goals, topics, campaign periods, the member
register), `accounts` (users, sessions, invites, throttling, TOTP, audit) and `door_logs`
(logs, their rollups, assignments, tallies), `campaigns` (campaigns, their question and
rollups, workplace and stall logs), `shifts` (knackpass: shifts, sign-ups, their counts) and
`push` (Web Push: the VAPID key, subscriptions, reminders claimed and sent). Importing
`api.models` is what makes the metadata complete (Alembic's env.py,
`SQLModel.metadata.create_all` in tests).

Privacy by design: no table has a field for a resident's address, name, contact, free text or
position. Only volunteers', organisers' and staff's own names and e-mails.
"""

from api.models import accounts, base, campaigns, door_logs, plan, push, shifts

__all__ = ["accounts", "base", "campaigns", "door_logs", "plan", "push", "shifts"]
