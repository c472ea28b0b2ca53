"""The dues endpoints, mounted by grassroots/api/api.py at /api/dues/: thin adapters over dues.selectors and
dues.services. Amounts (bases, dues, payments) are personal: a member's amounts come back as null unless the
caller asked with a reveal reason (`reveal` body/`reason` query) and holds dues.reveal, which is audited, or the
member is the caller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from grassroots.api.schemas import ERROR_STATUSES, Date, ErrorOut, Id, InputSchema, Version, text
from grassroots.core.errors import ValidationFailed
from grassroots.dues import rules, selectors, services
from grassroots.dues.choices import Category, PayerKind, PayMethod, ReductionKind
from grassroots.dues.permissions import DuesPerm
from grassroots.orgs.selectors import org_get

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Money = Annotated[Decimal, Field(ge=0, le=9999999.99, decimal_places=2)]


def _month(value: str, field: str = "month") -> dt.date:
    try:
        return rules.parse_month(value)
    except rules.RuleError as exc:
        raise ValidationFailed({field: [exc.message]}) from None


# ---- schemas ---------------------------------------------------------------------------------------------------

class BandOut(Schema):
    category: str
    kind: str
    lower: Decimal | None
    upper: Decimal | None
    rate: Decimal | None
    fixed: Decimal | None
    fixed_min: Decimal | None
    fixed_max: Decimal | None
    source: str


class ScheduleOut(Schema):
    id: int
    name: str
    scope_path: str
    scope_org_id: int | None
    scope_name: str
    effective_from: dt.date
    superseded_on: dt.date | None
    in_force: bool
    decision_ref: str
    approved_by: str
    bands: list[BandOut]


class BandIn(InputSchema):
    category: Category
    kind: Literal["rate", "fixed", "declared"]
    lower: Money | None = None
    upper: Money | None = None
    rate: Decimal | None = None  # (0, 1], four decimals at most: rules.band_errors says so in Chinese
    fixed: Money | None = None
    fixed_min: Money | None = None
    fixed_max: Money | None = None
    source: text(120, strip=True) = Field(min_length=1)


class ScheduleIn(InputSchema):
    org: Id
    name: text(120, strip=True) = Field(min_length=1)
    effective_month: Month
    decision_ref: text(200, strip=True) = Field(min_length=1)
    approved_by: text(120) = ""
    bands: list[BandIn] = Field(min_length=1, max_length=50)


class DeclarationIn(InputSchema):
    category: Category
    effective_month: Month
    base: Money | None = None
    fixed_amount: Money | None = None
    quarter_incomes: list[Decimal] | None = Field(default=None, min_length=3, max_length=3)
    note: text(200) = ""


class DeclarationOut(Schema):
    id: int
    effective_month: dt.date
    category: str
    base: Decimal | None = None
    fixed_amount: Decimal | None = None


class AssessmentOut(Schema):
    month: dt.date
    org_id: int
    category: str
    amount: Decimal | None
    standard: Decimal | None
    paid: bool
    payment_id: int | None


class PaymentIn(InputSchema):
    idempotency_key: text(64, strip=True) = Field(min_length=8)
    months: list[Month] = Field(default_factory=list, max_length=36)
    extra_amount: Money = Decimal("0")
    paid_on: Date | None = None
    method: PayMethod = PayMethod.CASH
    payer_kind: PayerKind = PayerKind.SELF
    payer_name: text(50) = ""
    payer_member: Id | None = None
    back_pay_reason: text(300) = ""


class PaymentOut(Schema):
    id: int
    receipt_no: str
    member_id: int
    org_id: int
    paid_on: dt.date
    month_labels: str
    months_amount: Decimal
    extra_amount: Decimal
    total: Decimal
    payer_kind: str
    quarterly: bool
    centre_one_off: bool


class MemberDuesOut(Schema):
    member_id: int
    name: str
    category: str | None
    base: Decimal | None
    owed: Decimal | None
    unpaid_months: list[str]
    consecutive_unpaid: int
    level: str
    revealed: bool
    declarations: list[DeclarationOut]
    assessments: list[AssessmentOut]
    payment_ids: list[int]


class RevealIn(InputSchema):
    reason: text(200, strip=True) = Field(min_length=1)


class ReductionIn(InputSchema):
    kind: ReductionKind
    amount: Money | None = None
    from_month: Month
    to_month: Month
    reason: text(500, strip=True) = Field(min_length=1)
    studied_on: Date


class ReductionOut(Schema):
    id: int
    member_id: int
    kind: str
    from_month: dt.date
    to_month: dt.date
    state: str
    studied_on: dt.date
    approved_on: dt.date | None
    version: int


class DecideIn(InputSchema):
    approve: bool
    decided_on: Date
    decision_ref: text(200) = ""
    version: Version


class ConsentIn(InputSchema):
    consented_on: Date
    from_month: Month
    reason: text(300, strip=True) = Field(min_length=1)


class RunIn(InputSchema):
    org: Id
    month: Month


class RunOut(Schema):
    id: int
    org_id: int
    month: dt.date
    state: str
    created: int
    existing: int
    undeclared: int


class CollectionOut(Schema):
    org_id: int
    name: str
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    rate: Decimal | None
    members: int
    in_arrears: int


class CollectionReportOut(Schema):
    start: dt.date
    end: dt.date
    total: CollectionOut
    children: list[CollectionOut]
    extra: Decimal
    centre_one_offs: Decimal


class CollectionQuery(Schema):
    org: Id
    period: Literal["month", "quarter", "year"] = "month"
    year: int = Field(ge=2000, le=2100)
    n: int = Field(default=1, ge=1, le=12)


class ArrearsOut(Schema):
    member_id: int
    name: str
    org_name: str
    months: list[str]
    count: int
    level: str


class RemittanceIn(InputSchema):
    org: Id
    year: int = Field(ge=2000, le=2100)


class RemittanceOut(Schema):
    id: int
    org_id: int
    year: int
    paid_total: Decimal
    share: Decimal
    centre_one_offs: Decimal
    state: str
    version: int


class ApproveIn(InputSchema):
    version: Version


# ---- endpoints -------------------------------------------------------------------------------------------------

def _schedule_out(schedule) -> dict:
    scope_org = getattr(schedule, "scope_org", None)
    return {"id": schedule.pk, "name": schedule.name, "scope_path": schedule.scope_path,
            "scope_org_id": scope_org.pk if scope_org else None,
            "scope_name": scope_org.name if scope_org else "全国", "effective_from": schedule.effective_from,
            "superseded_on": getattr(schedule, "superseded_on", None), "in_force": getattr(schedule, "in_force", False),
            "decision_ref": schedule.decision_ref, "approved_by": schedule.approved_by,
            "bands": list(schedule.bands.all())}


@router.get("/schedules", response={200: list[ScheduleOut], **ERRORS}, url_name="dues_schedules", summary="党费交纳标准")
def dues_schedules(request):
    """The schedules applying in the caller's dues scope: national, the committees' above and inside."""
    if not (selectors_can(request.auth, DuesPerm.VIEW) or selectors_can(request.auth, DuesPerm.VIEW_SELF)):
        return Status(403, {"code": "forbidden", "message": "您没有执行此操作的权限"})
    return [_schedule_out(s) for s in selectors.schedules_visible(request.auth, timezone.localdate())]


@router.get("/schedules/{schedule_id}", response={200: ScheduleOut, **ERRORS}, url_name="dues_schedule",
            summary="一个党费交纳标准")
def dues_schedule(request, schedule_id: int):
    return _schedule_out(selectors.schedule_get(request.auth, schedule_id, timezone.localdate()))


@router.post("/schedules", response={201: ScheduleOut, **ERRORS}, url_name="dues_schedule_create",
             summary="新增地方党费交纳标准（自某月起执行，不可修改）")
def dues_schedule_create(request, payload: ScheduleIn):
    """A committee's own schedule from a month on; it supersedes the scope's earlier one from that month.
    Bands are checked by rules.band_errors (errors keyed bands.<i>.<field>)."""
    org = org_get(request.auth, payload.org, perm=DuesPerm.APPROVE)
    bands = [rules.Band(b.category, b.kind, b.source, b.lower, b.upper, b.rate, b.fixed, b.fixed_min, b.fixed_max)
             for b in payload.bands]
    try:
        schedule = services.schedule_create(
            actor=request.auth, scope_org=org, name=payload.name,
            effective_from=_month(payload.effective_month, "effective_month"), decision_ref=payload.decision_ref,
            approved_by=payload.approved_by, bands=bands)
    except ValidationFailed as exc:  # the body names the month effective_month
        raise ValidationFailed({"effective_month" if k == "effective_from" else k: v for k, v in exc.errors.items()},
                               exc.message) from None
    return Status(201, _schedule_out(selectors.schedule_get(request.auth, schedule.pk, timezone.localdate())))


def selectors_can(actor, perm) -> bool:
    from grassroots.access.scoping import has_perm_anywhere

    return has_perm_anywhere(actor, perm)


def _member_out(actor, member, revealed: bool) -> dict:
    own = member.user_id is not None and member.user_id == actor.pk
    show = own or revealed
    dues = selectors.member_dues(member, timezone.localdate())
    declaration = dues.declaration
    return {
        "member_id": member.pk, "name": member.name, "category": declaration.category if declaration else None,
        "base": (declaration.base if declaration else None) if show else None,
        "owed": dues.owed if show else None, "unpaid_months": [rules.month_label(m) for m in dues.unpaid_months],
        "consecutive_unpaid": len(dues.run), "level": dues.level, "revealed": show,
        "declarations": [{"id": d.pk, "effective_month": d.effective_month, "category": d.category,
                          "base": d.base if show else None, "fixed_amount": d.fixed_amount if show else None}
                         for d in dues.declarations],
        "assessments": [{"month": a.month, "org_id": a.org_id, "category": a.category,
                         "amount": a.amount if show else None, "standard": a.standard if show else None,
                         "paid": a.payment_id is not None, "payment_id": a.payment_id} for a in dues.assessments],
        "payment_ids": [p.pk for p in dues.payments],
    }


@router.get("/members/{member_id}", response={200: MemberDuesOut, **ERRORS}, url_name="dues_member",
            summary="党员党费（金额脱敏）")
def dues_member(request, member_id: int):
    member = selectors.member_get(request.auth, member_id)
    return _member_out(request.auth, member, revealed=False)


@router.post("/members/{member_id}/reveal", response={200: MemberDuesOut, **ERRORS}, url_name="dues_member_reveal",
             summary="查看党员党费金额（需事由，留审计）")
def dues_member_reveal(request, member_id: int, payload: RevealIn):
    member = selectors.member_get(request.auth, member_id)
    services.amounts_reveal(actor=request.auth, org_path=member.org_path, reason=payload.reason, member=member)
    return _member_out(request.auth, member, revealed=True)


@router.get("/me", response={200: MemberDuesOut, **ERRORS}, url_name="dues_self", summary="我的党费")
def dues_self(request):
    from grassroots.members.models import Member

    member = Member.objects.filter(user=request.auth).first()
    if member is None or not selectors_can(request.auth, DuesPerm.VIEW_SELF):
        return Status(404, {"code": "not_found", "message": "记录不存在或不在您的管辖范围内"})
    return _member_out(request.auth, member, revealed=True)


@router.post("/members/{member_id}/declarations", response={201: DeclarationOut, **ERRORS},
             url_name="dues_declare", summary="党费基数申报")
def dues_declare(request, member_id: int, payload: DeclarationIn):
    member = selectors.member_get(request.auth, member_id, perm=DuesPerm.COLLECT)
    data = payload.model_dump()
    declaration = services.declaration_create(
        actor=request.auth, member=member, category=data["category"],
        effective_month=_month(data["effective_month"], "effective_month"), base=data["base"],
        fixed_amount=data["fixed_amount"], quarter_incomes=data["quarter_incomes"], note=data["note"])
    return Status(201, {"id": declaration.pk, "effective_month": declaration.effective_month,
                        "category": declaration.category})


@router.post("/members/{member_id}/payments", response={201: PaymentOut, 200: PaymentOut, **ERRORS},
             url_name="dues_pay", summary="登记交纳党费（幂等键：重复提交只记一笔）")
def dues_pay(request, member_id: int, payload: PaymentIn):
    from grassroots.members.models import Member

    actor = request.auth
    member = selectors.member_get(actor, member_id, perm=DuesPerm.COLLECT)
    data = payload.model_dump()
    payer = None
    if data["payer_member"]:
        payer = Member.objects.visible_to(actor, "members.view").filter(pk=data["payer_member"]).first()
        if payer is None:
            raise ValidationFailed({"payer_member": ["代交党员不存在或不在您的管辖范围内"]})
    before = selectors.Payment.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    payment = services.payment_record(
        actor=actor, member=member, idempotency_key=data["idempotency_key"],
        months=[_month(m, "months") for m in data["months"]], paid_on=data["paid_on"] or timezone.localdate(),
        extra_amount=data["extra_amount"], method=data["method"], payer_kind=data["payer_kind"],
        payer_name=data["payer_name"], payer_member=payer, back_pay_reason=data["back_pay_reason"])
    return Status(200 if before else 201, payment)


class HostedPaymentIn(InputSchema):
    idempotency_key: text(64, strip=True) = Field(min_length=8)
    months: list[Month] = Field(default_factory=list, max_length=36)
    extra_amount: Money = Decimal("0")
    paid_on: Date | None = None
    method: PayMethod = PayMethod.CASH
    back_pay_reason: text(300) = ""


class HostedPaymentOut(Schema):
    id: int
    receipt_no: str
    member_id: int
    month_labels: str
    paid_on: dt.date
    collected_by_org_id: int


@router.post("/hosted/{whereabouts_id}/payments", response={201: HostedPaymentOut, 200: HostedPaymentOut, **ERRORS},
             url_name="dues_pay_hosted", summary="流入地党组织代收流入党员党费（仍记入原党支部）")
def dues_pay_hosted(request, whereabouts_id: int, payload: HostedPaymentIn):
    stay = selectors.hosted_stay(request.auth, whereabouts_id)
    data = payload.model_dump()
    before = selectors.Payment.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    payment = services.payment_record(
        actor=request.auth, member=stay.member, idempotency_key=data["idempotency_key"],
        months=[_month(m, "months") for m in data["months"]], paid_on=data["paid_on"] or timezone.localdate(),
        extra_amount=data["extra_amount"], method=data["method"], back_pay_reason=data["back_pay_reason"],
        host_org=stay.host_org)
    return Status(200 if before else 201, payment)


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS}, url_name="dues_payment",
            summary="交纳记录（收据）")
def dues_payment(request, payment_id: int):
    payment = selectors.payment_get(request.auth, payment_id)
    if payment.member.user_id != request.auth.pk:
        from grassroots.access.scoping import require

        require(request.auth, DuesPerm.REVEAL, payment.org_path)
    return payment


@router.post("/members/{member_id}/reductions", response={201: ReductionOut, **ERRORS},
             url_name="dues_reduction_request", summary="少交免交（支部研究后报上级党委批准）")
def dues_reduction_request(request, member_id: int, payload: ReductionIn):
    member = selectors.member_get(request.auth, member_id, perm=DuesPerm.COLLECT)
    data = payload.model_dump()
    reduction = services.reduction_request(
        actor=request.auth, member=member, kind=data["kind"], amount=data["amount"],
        from_month=_month(data["from_month"], "from_month"), to_month=_month(data["to_month"], "to_month"),
        reason=data["reason"], studied_on=data["studied_on"])
    return Status(201, reduction)


@router.post("/reductions/{reduction_id}/decide", response={200: ReductionOut, **ERRORS},
             url_name="dues_reduction_decide", summary="上级党委批准或不批准少交免交")
def dues_reduction_decide(request, reduction_id: int, payload: DecideIn):
    reduction = selectors.reduction_get(request.auth, reduction_id)
    return services.reduction_decide(actor=request.auth, reduction=reduction, approve=payload.approve,
                                     decided_on=payload.decided_on, decision_ref=payload.decision_ref,
                                     version=payload.version)


@router.post("/members/{member_id}/quarterly", response={201: dict, **ERRORS}, url_name="dues_quarterly",
             summary="支部同意按季度交纳")
def dues_quarterly(request, member_id: int, payload: ConsentIn):
    member = selectors.member_get(request.auth, member_id, perm=DuesPerm.COLLECT)
    consent = services.quarterly_consent_record(
        actor=request.auth, member=member, consented_on=payload.consented_on,
        from_month=_month(payload.from_month, "from_month"), reason=payload.reason)
    return Status(201, {"id": consent.pk})


@router.post("/runs", response={202: RunOut, **ERRORS}, url_name="dues_run", summary="核定月度党费（后台任务）")
def dues_run(request, payload: RunIn):
    org = org_get(request.auth, payload.org, perm=DuesPerm.COLLECT)
    run = services.assessment_run_request(actor=request.auth, org=org, month=_month(payload.month))
    run.refresh_from_db()
    return Status(202, run)


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS}, url_name="dues_run_detail", summary="核定进度")
def dues_run_detail(request, run_id: int):
    return selectors.run_get(request.auth, run_id)


def _collection_out(c) -> dict:
    return {"org_id": c.org.pk, "name": c.org.name, "due": c.due, "paid": c.paid, "outstanding": c.outstanding,
            "rate": c.rate, "members": c.members, "in_arrears": c.in_arrears}


@router.get("/collection", response={200: CollectionReportOut, **ERRORS}, url_name="dues_collection",
            summary="收缴情况（月、季、年）")
def dues_collection(request, query: Query[CollectionQuery]):
    org = org_get(request.auth, query.org, perm=DuesPerm.VIEW)
    if query.period == "quarter" and query.n > 4:
        raise ValidationFailed({"n": ["季度应为1至4"]})
    start, end = selectors.period_bounds(query.period, query.year, query.n)
    report = selectors.collection_report(org, start, end)
    return {"start": start, "end": end, "total": _collection_out(report.total),
            "children": [_collection_out(c) for c in report.children], "extra": report.extra,
            "centre_one_offs": report.centre_one_offs}


@router.get("/arrears", response={200: list[ArrearsOut], **ERRORS}, url_name="dues_arrears",
            summary="连续欠交名单（3、5个月提示，6个月列入审查）")
def dues_arrears(request, org: Id, min_months: int = Query(3, ge=1, le=120)):
    target = org_get(request.auth, org, perm=DuesPerm.VIEW)
    rows = selectors.arrears(target.path, timezone.localdate(), min_months=min_months)
    return [{"member_id": r.member_id, "name": r.name, "org_name": r.org_name,
             "months": [rules.month_label(m) for m in r.months], "count": r.count, "level": r.level} for r in rows]


@router.post("/remittances", response={201: RemittanceOut, **ERRORS}, url_name="dues_remittance",
             summary="提交年度党费上缴（5%及一次多交1000元以上）")
def dues_remittance(request, payload: RemittanceIn):
    org = org_get(request.auth, payload.org, perm=DuesPerm.COLLECT)
    return Status(201, services.remittance_submit(actor=request.auth, org=org, year=payload.year))


@router.post("/remittances/{remittance_id}/approve", response={200: RemittanceOut, **ERRORS},
             url_name="dues_remittance_approve", summary="上级党委批准上缴")
def dues_remittance_approve(request, remittance_id: int, payload: ApproveIn):
    record = selectors.remittance_get(request.auth, remittance_id)
    return services.remittance_approve(actor=request.auth, remittance=record, version=payload.version)
