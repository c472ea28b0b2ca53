"""Dues rows that follow a member: connected in DuesConfig.ready() to lifecycle.signals.member_transferred."""

from grassroots.dues import services


def follow_transfer(sender, *, member, from_org, to_org, on, actor=None, **kwargs) -> None:
    services.follow_transfer(member=member, from_org=from_org, to_org=to_org, on=on)
