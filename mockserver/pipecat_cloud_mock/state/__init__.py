"""What the user decided and what happened: fixtures, stubs, sessions, the journal.

Shared by every worker; `control.Control` is the one door.
"""
