"""Every dues read. Callers pass paths they have already scoped (org_get with the dues permission), or start
from Model.objects.visible_to(actor, perm)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Substr

from grassroots.access.scoping import get_scoped_or_404, orgs_for
from grassroots.core.paths import subtree_q
from grassroots.dues import rules
from grassroots.dues.models import (
    Assessment,
    AssessmentRun,
    Declaration,
    Payment,
    QuarterlyConsent,
    RateBand,
    RateSchedule,
    Reduction,
    Remittance,
)
from grassroots.dues.permissions import DuesPerm
from grassroots.members.models import Member
from grassroots.orgs.models import PATH_STEP, Organization

ZERO = Decimal("0.00")


def _fen(value) -> Decimal:
    """Sums come back from SQLite without their scale; every figure leaves here in yuan to the fen."""
    return rules.to_fen(value) if value is not None else ZERO


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """First months (inclusive, exclusive) of a month, quarter or year."""
    if kind == "month":
        start = dt.date(year, number, 1)
        return start, rules.add_months(start, 1)
    if kind == "quarter":
        start = dt.date(year, (number - 1) * 3 + 1, 1)
        return start, rules.add_months(start, 3)
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


@dataclass
class Collection:
    due: Decimal = ZERO
    paid: Decimal = ZERO
    members: int = 0
    in_arrears: int = 0
    org: Organization | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid

    @property
    def rate(self) -> Decimal | None:
        return (self.paid / self.due * 100).quantize(Decimal("0.1")) if self.due else None


@dataclass
class CollectionReport:
    total: Collection
    children: list[Collection] = field(default_factory=list)
    extra: Decimal = ZERO
    centre_one_offs: Decimal = ZERO


def _aggregates():
    unpaid = Q(payment__isnull=True, amount__gt=0)
    return {
        "due": Sum("amount"), "paid": Sum("amount", filter=Q(payment__isnull=False)),
        "members": Count("member_id", distinct=True), "in_arrears": Count("member_id", filter=unpaid, distinct=True),
    }


def _collection(row: dict, org=None) -> Collection:
    return Collection(due=_fen(row["due"]), paid=_fen(row["paid"]), members=row["members"] or 0,
                      in_arrears=row["in_arrears"] or 0, org=org)


def collection_report(org: Organization, start: dt.date, end: dt.date) -> CollectionReport:
    """Due, paid, outstanding, rate and members in arrears for months [start, end) owed in the subtree, and per
    child organization (one grouped query), plus voluntary extras paid in the period."""
    base = Assessment.objects.filter(subtree_q("org_path", org.path), month__gte=start, month__lt=end)
    total = _collection(base.aggregate(**_aggregates()), org)
    children: list[Collection] = []
    kids = {o.path: o for o in Organization.objects.filter(parent=org).order_by("path")}
    if kids:
        width = len(org.path) + PATH_STEP
        rows = base.annotate(child=Substr("org_path", 1, width)).values("child").annotate(**_aggregates())
        found = {row["child"]: row for row in rows}
        children = [_collection(found.get(path, {"due": None, "paid": None, "members": 0, "in_arrears": 0}), kid)
                    for path, kid in kids.items()]
    payments = Payment.objects.filter(subtree_q("org_path", org.path), paid_on__gte=start, paid_on__lt=end)
    sums = payments.aggregate(extra=Sum("extra_amount"), centre=Sum("extra_amount", filter=Q(centre_one_off=True)))
    return CollectionReport(total=total, children=children, extra=_fen(sums["extra"]),
                            centre_one_offs=_fen(sums["centre"]))


def paid_in_year(path: str, year: int) -> dict:
    """Dues actually paid in a calendar year (第十五条 base) and the one-offs that go in full to the Centre."""
    qs = Payment.objects.filter(subtree_q("org_path", path), paid_on__year=year)
    sums = qs.aggregate(total=Sum("total"), centre=Sum("extra_amount", filter=Q(centre_one_off=True)))
    centre = _fen(sums["centre"])
    return {"ordinary": _fen(sums["total"]) - centre, "centre_one_offs": centre}


@dataclass(frozen=True)
class Arrears:
    member_id: int
    name: str
    org_name: str
    months: tuple[dt.date, ...]
    amount: Decimal

    @property
    def count(self) -> int:
        return len(self.months)

    @property
    def level(self) -> str:
        return rules.arrears_level(self.count)


def arrears(path: str, as_of: dt.date, min_months: int = rules.WARN_MONTHS[0], member_ids=None,
            limit: int | None = 500) -> list[Arrears]:
    """Members (by their current branch, in the subtree) whose consecutive unpaid months before the current
    month number at least min_months. A paid month or a month with nothing due ends a run; for a member with
    quarterly consent the current quarter's months do not count yet. One grouped query, one for the months."""
    cutoff = rules.month_start(as_of)
    quarter = rules.quarter_start(cutoff)
    consent = QuarterlyConsent.objects.filter(member_id=OuterRef("member_id"), from_month__lte=cutoff).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=cutoff))
    last_settled = (Assessment.objects.filter(member_id=OuterRef("member_id"), month__lt=cutoff)
                    .filter(Q(payment__isnull=False) | Q(amount=0)).order_by("-month").values("month")[:1])
    members = Member.objects.filter(subtree_q("org_path", path), state="active")
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    unpaid = (Assessment.objects.filter(member_id__in=members.values("pk"), month__lt=cutoff,
                                        payment__isnull=True, amount__gt=0)
              .annotate(settled=Subquery(last_settled), quarterly=Exists(consent))
              .filter(Q(settled__isnull=True) | Q(month__gt=F("settled")))
              .exclude(quarterly=True, month__gte=quarter))
    grouped = list(unpaid.values("member_id").annotate(n=Count("id"), total=Sum("amount"), first=Min("month"),
                                                       last=Max("month"))
                   .filter(n__gte=min_months).order_by("-n", "member_id")[:limit])
    if not grouped:
        return []
    ids = [row["member_id"] for row in grouped]
    months: dict[int, list[dt.date]] = {}
    for member_id, month in unpaid.filter(member_id__in=ids).values_list("member_id", "month").order_by("month"):
        months.setdefault(member_id, []).append(month)
    names = {m["pk"]: m for m in Member.objects.filter(pk__in=ids).values("pk", "name", "org__name")}
    return [Arrears(row["member_id"], names[row["member_id"]]["name"], names[row["member_id"]]["org__name"],
                    tuple(months.get(row["member_id"], ())), _fen(row["total"])) for row in grouped]


def arrears_counts(path: str, as_of: dt.date) -> dict:
    """Members at each warning level (3+, 5+, 6+) in the subtree, for the dashboard panel."""
    rows = arrears(path, as_of, limit=None)
    return {"warning": sum(1 for r in rows if r.count >= 3), "danger": sum(1 for r in rows if r.count >= 5),
            "review": sum(1 for r in rows if r.count >= 6)}


def assessment_coverage(path: str, month: dt.date) -> dict:
    """Members owing in the subtree for the month with and without an assessment (no declaration yet)."""
    month_end = rules.add_months(month, 1) - dt.timedelta(days=1)
    active = Member.objects.filter(subtree_q("org_path", path), joined_on__lte=month_end).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=month))
    assessed = Assessment.objects.filter(subtree_q("org_path", path), month=month).count()
    missing = active.exclude(Exists(Assessment.objects.filter(member_id=OuterRef("pk"), month=month))).count()
    return {"assessed": assessed, "undeclared": missing}


@dataclass
class MemberDues:
    member: Member
    declaration: Declaration | None
    declarations: list
    assessments: list
    payments: list
    reductions: list
    consents: list
    owed: Decimal
    unpaid_months: list
    run: list  # the consecutive unpaid completed months (the arrears clock)

    @property
    def level(self) -> str:
        return rules.arrears_level(len(self.run))


def member_dues(member: Member, today: dt.date) -> MemberDues:
    declarations = list(Declaration.objects.filter(member=member).order_by("-effective_month", "-id"))
    current = rules.month_start(today)
    declaration = next((d for d in declarations if d.effective_month <= current), None)
    assessments = list(Assessment.objects.filter(member=member).order_by("-month")[:36])
    unpaid = [a for a in assessments if a.payment_id is None and a.amount > 0]
    run = rules.unpaid_run([(a.month, a.settled) for a in assessments], current)
    return MemberDues(
        member=member, declaration=declaration, declarations=declarations, assessments=assessments,
        payments=list(Payment.objects.filter(member=member).order_by("-paid_on", "-id")[:50]),
        reductions=list(Reduction.objects.filter(member=member).select_related("approved_by_org").order_by("-id")),
        consents=list(QuarterlyConsent.objects.filter(member=member).order_by("-id")),
        owed=sum((a.amount for a in unpaid), ZERO), unpaid_months=sorted(a.month for a in unpaid), run=run,
    )


def member_get(actor, pk: int, perm: str = DuesPerm.VIEW) -> Member:
    """A member in the actor's dues scope (the member's current branch), or the actor's own record when they
    hold dues.view_self; 404 otherwise (the same for missing and out of scope)."""
    from django.http import Http404

    from grassroots.access.scoping import has_perm_anywhere, orgs_for, path_filter

    query = path_filter("org_path", orgs_for(actor, perm))
    if perm == DuesPerm.VIEW and has_perm_anywhere(actor, DuesPerm.VIEW_SELF):
        query = Q(user=actor) if query is None else query | Q(user=actor)
    if query is None:
        raise Http404
    try:
        return Member.objects.filter(query).select_related("org").get(pk=pk)
    except (Member.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def payment_get(actor, pk: int) -> Payment:
    return get_scoped_or_404(Payment.objects.select_related("member", "org", "payer_member", "recorded_by"),
                             actor, DuesPerm.VIEW, pk=pk)


def payment_by_key(member: Member, key: str) -> Payment | None:
    return Payment.objects.filter(member=member, idempotency_key=(key or "").strip()[:64]).first() if key else None


def reduction_get(actor, pk: int) -> Reduction:
    return get_scoped_or_404(Reduction.objects.select_related("member", "org"), actor, DuesPerm.VIEW, pk=pk)


def remittance_get(actor, pk: int) -> Remittance:
    return get_scoped_or_404(Remittance.objects.select_related("org"), actor, DuesPerm.VIEW, pk=pk)


def run_get(actor, pk: int) -> AssessmentRun:
    return get_scoped_or_404(AssessmentRun.objects.select_related("org"), actor, DuesPerm.VIEW, pk=pk)


def pending_reductions(path: str, limit: int = 100) -> list[Reduction]:
    return list(Reduction.objects.filter(subtree_q("member__org_path", path), state="pending")
                .select_related("member", "org").order_by("id")[:limit])


def branch_members(org: Organization, month: dt.date, limit: int = 200) -> list[dict]:
    """A branch's members with the month's assessment (amount, paid) in one query."""
    assessment = Assessment.objects.filter(member_id=OuterRef("pk"), month=month)
    return list(Member.objects.filter(org=org, state="active").annotate(
        amount=Subquery(assessment.values("amount")[:1]), paid=Exists(assessment.filter(payment__isnull=False)),
        assessed=Exists(assessment)).values("pk", "name", "amount", "paid", "assessed").order_by("name")[:limit])


def review_cases_for(path: str, as_of: dt.date):
    """The self-withdrawal review provider (党章第九条, 第十三条): 6+ consecutive unpaid months, with evidence."""
    from grassroots.lifecycle.review import ReviewCase

    cases = []
    for row in arrears(path, as_of, min_months=rules.SELF_WITHDRAWAL_MONTHS, limit=None):
        labels = tuple(rules.month_label(m) for m in row.months)
        evidence = (f"{labels[0]}至{labels[-1]}连续{row.count}个月未交纳党费，"
                    f"共欠交{row.amount}元（中组发〔2008〕3号第十三条、党章第九条）")
        cases.append(ReviewCase(member_id=row.member_id, ground="dues", months=labels, evidence=evidence,
                                amount=row.amount))
    return cases


def transfer_facts(member) -> dict:
    """党费交至: the last month paid without a gap from the first unpaid one (for the transfer letter)."""
    unpaid_first = Assessment.objects.filter(member=member, payment__isnull=True, amount__gt=0).aggregate(
        first=Min("month"))["first"]
    settled = Assessment.objects.filter(member=member).filter(Q(payment__isnull=False) | Q(amount=0))
    if unpaid_first is not None:
        settled = settled.filter(month__lt=unpaid_first)
    last = settled.aggregate(last=Max("month"))["last"]
    return {"党费交至": rules.month_label(last) if last else "未交纳"}


def hosted_stay(actor, whereabouts_id: int):
    """An open stay of a member at a host organization where the actor collects dues (dues.collect at the host):
    the host collects that member's dues without seeing anything else of the record. Missing, closed, hosted
    elsewhere or out of scope: the same not-found."""
    from grassroots.access.scoping import can
    from grassroots.core.errors import NotFoundOrForbidden
    from grassroots.lifecycle.models import Whereabouts

    stay = Whereabouts.objects.filter(pk=whereabouts_id, returned_on__isnull=True, host_org__isnull=False,
                                      member__state="active").select_related("member", "host_org").first()
    if stay is None or not can(actor, DuesPerm.COLLECT, stay.host_org.path):
        raise NotFoundOrForbidden()
    return stay


# ---- rate schedules --------------------------------------------------------------------------------------------

def _schedule_paths(actor) -> list[str]:
    return [*orgs_for(actor, DuesPerm.VIEW), *orgs_for(actor, DuesPerm.VIEW_SELF)]


def schedules_visible(actor, today: dt.date) -> list[RateSchedule]:
    """The schedules that apply somewhere in the actor's dues scope (the national one, those of the committees
    above and those inside), oldest first per scope, with their bands (two queries, then one for the scope
    organizations' names). Each carries `scope_org`, `superseded_on` (the next schedule of the same scope) and
    `in_force` (the one of its scope applying this month)."""
    paths = _schedule_paths(actor)
    schedules = [
        s for s in RateSchedule.objects.order_by("scope_path", "effective_from").prefetch_related(
            Prefetch("bands", queryset=RateBand.objects.order_by("position")))
        if any(p.startswith(s.scope_path) or s.scope_path.startswith(p) for p in paths)
    ]
    orgs = {o.path: o for o in Organization.objects.filter(path__in={s.scope_path for s in schedules if s.scope_path})}
    month = rules.month_start(today)
    for i, schedule in enumerate(schedules):
        after = schedules[i + 1] if i + 1 < len(schedules) else None
        schedule.scope_org = orgs.get(schedule.scope_path)
        schedule.superseded_on = after.effective_from if after and after.scope_path == schedule.scope_path else None
        schedule.in_force = schedule.effective_from <= month and (
            schedule.superseded_on is None or schedule.superseded_on > month)
    return schedules


def schedule_get(actor, pk: int, today: dt.date) -> RateSchedule:
    """One schedule the actor may see (404 otherwise), annotated as in schedules_visible."""
    from django.http import Http404

    found = next((s for s in schedules_visible(actor, today) if s.pk == pk), None)
    if found is None:
        raise Http404
    return found
