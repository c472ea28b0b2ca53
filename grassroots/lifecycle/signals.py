"""Signals the lifecycle module sends, for modules whose records follow a member.

member_transferred: sent inside the transaction that moves a member to another organization (an accepted
transfer, or a direct move by someone in scope of both sides). Keyword arguments: member (already at the new
organization), from_org, to_org, on (the effective date), actor. Receivers update their own rows (their org
path columns, say) in the same transaction; raising aborts the transfer.
"""

from django.dispatch import Signal

member_transferred = Signal()
