"""The plug points other modules feed into the member lifecycle, so that lifecycle never imports them.

Self-withdrawal review (党章第九条, RULES.md §2): a member who for 6 consecutive months has not taken part in
organizational life, has not paid dues, or has not done assigned work is listed for their branch to review.
Each module that can see one of these grounds registers a provider in its AppConfig.ready():

    from grassroots.lifecycle.review import register_review_provider
    register_review_provider("dues", "连续6个月不交纳党费", dues_review_cases)

A provider takes the subtree path prefix (already scoped by the caller) and the as-of date and returns
ReviewCase rows with the evidence. Listing is all it does: deciding is a person's recorded decision in the
lifecycle module; no provider and no list ever changes a member's status.

Transfers carry facts other modules own (the month dues are paid through): a module registers a
transfer-facts provider, `(member) -> dict[str, str]` of label → value, recorded on the transfer letter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ReviewCase:
    member_id: int
    ground: str  # the provider's key: "dues", "org_life", "work"
    months: tuple[str, ...]  # the consecutive months, "YYYY-MM", oldest first
    evidence: str  # one sentence in Chinese naming the months and, for dues, the amounts
    amount: Decimal | None = None  # dues owed over those months, where the ground is dues


ReviewProvider = Callable[[str, dt.date], Iterable[ReviewCase]]
TransferFactsProvider = Callable[[object], dict]


@dataclass(frozen=True)
class Ground:
    key: str
    label: str
    provider: ReviewProvider


_GROUNDS: dict[str, Ground] = {}
_TRANSFER_FACTS: list[TransferFactsProvider] = []


def register_review_provider(key: str, label: str, provider: ReviewProvider) -> None:
    _GROUNDS[key] = Ground(key, label, provider)


def register_transfer_facts(provider: TransferFactsProvider) -> None:
    if provider not in _TRANSFER_FACTS:
        _TRANSFER_FACTS.append(provider)


def grounds() -> list[Ground]:
    return list(_GROUNDS.values())


def review_cases(prefix: str, as_of: dt.date) -> list[ReviewCase]:
    """Every registered ground's cases under `prefix`, grouped by member then ground."""
    cases = [case for ground in _GROUNDS.values() for case in ground.provider(prefix, as_of)]
    return sorted(cases, key=lambda case: (case.member_id, case.ground))


def transfer_facts(member) -> dict:
    facts: dict = {}
    for provider in _TRANSFER_FACTS:
        facts.update(provider(member))
    return facts
