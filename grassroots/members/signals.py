"""Signals the members module sends, for modules whose records follow a member.

member_exited: sent inside the transaction that records a member's exit (death, withdrawal, removal, expulsion,
transfer out of the system, cancelled probation). Keyword arguments: member (state already LEFT), kind, on (the
exit date), actor. Receivers close their own open items in the same transaction; raising aborts the exit.
"""

from django.dispatch import Signal

member_exited = Signal()
