"""Demo records of the member lifecycle for the demo county (grassroots/core/modules.py): whereabouts for the
members flagged mobile (with the county's mobile branches as hosts where the city matches), failed contact
attempts for the unreachable, pending transfers in and out of the demo village, transfer
letters out of and into the system (one expired), and a suspension awaiting the township's approval.
Set-based: a few queries and bulk inserts, whatever the county's size."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateField, Q, Value, When

from grassroots.core import crypto
from grassroots.core.masking import mask_phone
from grassroots.core.paths import subtree_q
from grassroots.lifecycle import rules
from grassroots.lifecycle.choices import ContactMethod, DecisionKind, DecisionStatus, TransferKind, TransferStatus
from grassroots.lifecycle.models import (
    ContactAttempt,
    Decision,
    ReviewOutcome,
    Transfer,
    Whereabouts,
    WorkAssignment,
    WorkReport,
)
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

CITY_PLACES = {
    "广州": ("广东省广州市白云区", "广东省广州市番禺区"), "深圳": ("广东省深圳市宝安区", "广东省深圳市龙岗区"),
    "郑州": ("河南省郑州市金水区", "河南省郑州市航空港区"), "北京": ("北京市朝阳区", "北京市大兴区"),
    "上海": ("上海市松江区", "上海市浦东新区"), "杭州": ("浙江省杭州市萧山区",), "苏州": ("江苏省苏州市昆山市",),
    "东莞": ("广东省东莞市长安镇",),
}
OTHER_PLACES = ("浙江省义乌市", "福建省晋江市", "天津市滨海新区", "湖北省武汉市东西湖区", "陕西省西安市未央区")
EMPLOYERS = ("电子厂", "建筑公司", "物流公司", "服装厂", "家政服务公司", "汽车配件厂", "餐饮店", "快递网点", "")
NOTES = ("电话关机", "号码已停用", "亲属称多年未联系", "原工作单位称已离职", "微信未回复", "上门未见到本人")


def _login_org(username: str) -> Organization | None:
    from grassroots.access.models import RoleGrant

    grant = RoleGrant.objects.filter(user__username=username).select_related("org").first()
    return grant.org if grant else None


def extend(ctx) -> None:
    rng, today, root = ctx.rng, ctx.today, ctx.root_path
    counts = {"whereabouts": 0, "contacts": 0, "decisions": 0, "transfers": 0, "work": 0}
    in_demo = subtree_q("org_path", root)

    # Mobile members: where they went. Hosts: the county's mobile branches where the city matches.
    hosts = {}
    for org in Organization.objects.filter(subtree_q("path", root), form="mobile"):
        for city in CITY_PLACES:
            if f"驻{city}" in org.name:
                hosts[city] = org
    mobile = list(Member.objects.filter(in_demo, is_mobile=True, state=MemberState.ACTIVE)
                  .values_list("id", "org_id").order_by("id"))
    rows = []
    for member_id, org_id in mobile:
        city = rng.choice(list(CITY_PLACES)) if rng.random() < 0.8 else None
        place = rng.choice(CITY_PLACES[city]) if city else rng.choice(OTHER_PLACES)
        host = hosts.get(city) if city and rng.random() < 0.6 else None
        if host is not None and host.pk == org_id:
            host = None
        phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
        rows.append(Whereabouts(
            member_id=member_id, place=place, employer=(place[:2] + rng.choice(EMPLOYERS)) if rng.random() < 0.7 else "",
            left_on=today - dt.timedelta(days=rng.randint(20, 900)), fixed_place=rng.random() < 0.75,
            contact_enc=crypto.encrypt(phone), contact_masked=mask_phone(phone), host_org=host,
            host_path=host.path if host else "", card_no=f"流动证{rng.randint(10000, 99999)}" if host else "",
            card_issued_on=today - dt.timedelta(days=rng.randint(10, 300)) if host else None,
        ))
    Whereabouts.objects.bulk_create(rows, batch_size=1000)
    counts["whereabouts"] = len(rows)

    # Unreachable members: since when and the failed attempts. Deciding on them is left to the demo users (the
    # demo county's member counts stay those of the roster it loaded).
    lost = list(Member.objects.filter(in_demo, is_unreachable=True, state=MemberState.ACTIVE)
                .values_list("id", "joined_on").order_by("id"))
    contacts, decisions, since_by_id = [], [], {}
    for member_id, joined_on in lost:
        since = max(joined_on, today - dt.timedelta(days=rng.randint(60, 1300)))
        since_by_id[member_id] = since
        for _ in range(rng.randint(0, 4) if rng.random() < 0.85 else 0):
            on = since + dt.timedelta(days=rng.randint(0, max(1, (today - since).days)))
            contacts.append(ContactAttempt(member_id=member_id, on=min(on, today), method=rng.choice(ContactMethod.values),
                                           reached=False, note=rng.choice(NOTES)))
    items = list(since_by_id.items())
    for start in range(0, len(items), 500):  # one UPDATE … CASE per 500 members
        chunk = dict(items[start:start + 500])
        Member.objects.filter(pk__in=chunk).update(unreachable_since=Case(
            *(When(pk=pk, then=Value(day)) for pk, day in chunk.items()), output_field=DateField()))
    ContactAttempt.objects.bulk_create(contacts, batch_size=1000)
    counts["contacts"] = len(contacts)

    village = _login_org("village_secretary")
    if village is not None:
        counts["transfers"] += _village_transfers(ctx, village)
        # One candidate of the demo village awaits the township's approval of its suspension.
        candidate = (Member.objects.filter(org=village, state=MemberState.ACTIVE, is_mobile=False)
                     .exclude(transfers__status=TransferStatus.PENDING).order_by("id").first())
        if candidate is not None:
            since = rules.add_months(today, -8)
            Member.objects.filter(pk=candidate.pk).update(is_unreachable=True, unreachable_since=since)
            contacts = [ContactAttempt(member_id=candidate.pk, on=rules.add_months(since, m), method=method,
                                       reached=False, note=note)
                        for m, method, note in ((1, "phone", "电话关机"), (3, "relatives", "亲属称去向不明"),
                                                (6, "visit", "上门未见到本人"))]
            ContactAttempt.objects.bulk_create(contacts)
            decisions.append(Decision(
                member_id=candidate.pk, kind=DecisionKind.SUSPENSION, status=DecisionStatus.PROPOSED,
                occurred_on=today - dt.timedelta(days=3), reason="失联8个月，多方查找未果", meeting="支部党员大会",
                meeting_on=today - dt.timedelta(days=3), org_id=village.pk, org_path=village.path,
            ))
        counts["work"] = _village_work(ctx, village)
    Decision.objects.bulk_create(decisions, batch_size=1000)
    counts["decisions"] = len(decisions)
    ctx.counts["lifecycle"] = sum(counts.values())
    ctx.log(f"  党员管理：外出登记 {counts['whereabouts']:,} 条，联系记录 {counts['contacts']:,} 条，"
            f"处置决定 {counts['decisions']:,} 条，转接 {counts['transfers']} 件，工作任务 {counts['work']} 项")


def _village_transfers(ctx, village: Organization) -> int:
    rng, today = ctx.rng, ctx.today
    others = list(Organization.objects.filter(subtree_q("path", ctx.root_path), kind="branch", status="active",
                                              form="regular").exclude(pk=village.pk).order_by("path"))
    if not others:
        return 0
    local = list(Member.objects.filter(org=village, state=MemberState.ACTIVE, is_unreachable=False)
                 .order_by("-id")[:6])
    rows = []
    reasons = ("到县城工作，经常居住地变动", "随子女迁居", "外出务工满6个月，地点固定", "工作单位变动")
    for i, member in enumerate(local[:3]):
        dest = rng.choice(others)
        rows.append(Transfer(kind=TransferKind.INTERNAL, member=member, person_name=member.name, from_org=village,
                             from_path=village.path, to_org=dest, to_path=dest.path, reason=rng.choice(reasons),
                             issued_on=today - dt.timedelta(days=(4, 19, 47)[i]),
                             dues_paid_through=f"{today.year}-{max(1, today.month - 1):02d}"))
    if len(local) > 3:
        member = local[3]
        rows.append(Transfer(kind=TransferKind.OUTBOUND, member=member, person_name=member.name, from_org=village,
                             from_path=village.path, to_name="浙江省宁波市某物流公司党委", letter_no=f"组转〔{today.year}〕7号",
                             issued_on=today - dt.timedelta(days=130),
                             valid_until=rules.letter_valid_until(today - dt.timedelta(days=130)),
                             reason="外出工作满6个月且地点固定，转往工作单位党组织",
                             dues_paid_through=f"{today.year}-{max(1, today.month - 4):02d}"))
    incoming = list(Member.objects.filter(org__in=others[:40], state=MemberState.ACTIVE, is_unreachable=False,
                                          is_mobile=False).exclude(pk__in=[m.pk for m in local]).order_by("id")[:2])
    for i, member in enumerate(incoming):
        rows.append(Transfer(kind=TransferKind.INTERNAL, member=member, person_name=member.name,
                             from_org_id=member.org_id, from_path=member.org_path, to_org=village, to_path=village.path,
                             reason="婚嫁迁入", issued_on=today - dt.timedelta(days=(6, 33)[i])))
    rows.append(Transfer(kind=TransferKind.INBOUND, person_name="赵建军", from_name="邻省某县某镇党委", to_org=village,
                         to_path=village.path, letter_no="外组转〔2026〕15号", issued_on=today - dt.timedelta(days=9),
                         valid_until=rules.letter_valid_until(today - dt.timedelta(days=9)), reason="返乡创业"))
    Transfer.objects.bulk_create(rows)
    return len(rows)


TASKS = ("村级党员先锋岗（环境整治）", "联系帮扶困难群众3户", "协助开展矛盾纠纷调解", "参与村务监督", "宣讲惠农政策")


def _village_work(ctx, village: Organization) -> int:
    """Tasks the demo village assigned, with work reports; one left without any report for 7 months, so the
    self-withdrawal review shows its "work" ground."""
    rng, today = ctx.rng, ctx.today
    people = list(Member.objects.filter(org=village, state=MemberState.ACTIVE, is_unreachable=False, is_mobile=False)
                  .exclude(transfers__status=TransferStatus.PENDING).order_by("id")[:6])
    rows = [WorkAssignment(member=m, org=village, org_path=village.path, title=TASKS[i % len(TASKS)],
                           assigned_on=rules.add_months(today, -(7 if i == 0 else rng.randint(2, 14))))
            for i, m in enumerate(people)]
    WorkAssignment.objects.bulk_create(rows)
    reports = [WorkReport(assignment=row, org_path=village.path, note=rng.choice(("完成本月值守", "走访2户", "参加调解1次")),
                          on=max(row.assigned_on, today - dt.timedelta(days=rng.randint(3, 40))))
               for row in rows[1:]]
    WorkReport.objects.bulk_create(reports)
    return len(rows)


def reset(prefix: str) -> None:
    members = Q(member__org_path__gte=prefix, member__org_path__lt=prefix + "~")
    WorkReport.objects.filter(assignment__member__org_path__gte=prefix,
                              assignment__member__org_path__lt=prefix + "~").delete()
    WorkReport.objects.filter(subtree_q("org_path", prefix)).delete()
    WorkAssignment.objects.filter(members | subtree_q("org_path", prefix)).delete()
    ReviewOutcome.objects.filter(members).delete()
    Decision.objects.filter(members).delete()
    ContactAttempt.objects.filter(members).delete()
    Whereabouts.objects.filter(members).delete()
    Transfer.objects.filter(subtree_q("from_path", prefix) | subtree_q("to_path", prefix) | members).delete()
