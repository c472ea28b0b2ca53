"""Demo records of the committees module for the demo county (grassroots/core/modules.py): dated committee posts
that agree with the members' posts, a few approved postponements and terms ending soon, first secretaries in
some villages with their work logs, reserve cadres with training, and one completed, published election.
Set-based: a handful of queries and bulk inserts, whatever the county's size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from grassroots.committees.choices import CadreStatus, ElectionMethod, ElectionStage, TermChangeKind
from grassroots.committees.models import (
    CadreTraining,
    Candidate,
    CommitteePost,
    Election,
    ElectionRound,
    FirstSecretary,
    Nomination,
    NominationRound,
    ReserveCadre,
    TermChange,
    Vote,
    WorkLogEntry,
)
from grassroots.committees.rules import add_months, add_years, term_ends_on
from grassroots.core.paths import subtree_q
from grassroots.members.choices import COMMITTEE_POSTS, Education, MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.orgs.choices import VILLAGE_SECTORS
from grassroots.orgs.models import Organization

UNITS = ("县委组织部", "县农业农村局", "县财政局", "县人民医院", "县自然资源局", "县交通运输局", "县教育局",
         "县供电公司", "县农商银行", "县委宣传部")
LOG_ITEMS = ("走访脱贫户和监测户{n}户，了解就业和医疗情况", "召开支部委员会会议，研究{t}工作", "协调{t}项目资金到位",
             "带领党员开展主题党日活动，清理村内环境", "组织村两委学习党的二十届三中全会精神", "入户宣传医保政策{n}户",
             "对接县直单位帮扶{t}产业发展", "参加乡镇党委组织的第一书记培训")
TOPICS = ("道路硬化", "集体经济", "人居环境", "饮水安全", "特色种植", "就业帮扶")
TRAININGS = ("村级后备干部培训班", "乡村振兴专题培训", "农村电商实务培训", "基层党务知识培训", "村务监督业务培训")
POSITIONS = ("村文书", "村妇联主席", "村团支部书记", "网格员", "致富带头人", "返乡大学生", "退役军人")


def _post_order(post: str) -> int:
    order = [p.value for p in Post]
    return order.index(post) if post in order else 99


def extend(ctx) -> None:
    rng, today = ctx.rng, ctx.today
    orgs = {o.pk: o for o in Organization.objects.filter(subtree_q("path", ctx.root_path))
            .only("id", "path", "kind", "sector", "parent_id", "term_started_on", "founded_on", "name")}
    counts = dict.fromkeys(("posts", "term_changes", "first_secretaries", "work_log", "cadres", "trainings",
                            "elections"), 0)

    # 1. Committee posts from the members' posts (the members' loader planted them; CommitteePost is the truth).
    holders = list(Member.objects.filter(subtree_q("org_path", ctx.root_path), state=MemberState.ACTIVE)
                   .exclude(posts=[]).values_list("id", "org_id", "posts", "joined_on", "confirmed_on"))
    rows = []
    for member_id, org_id, posts, joined_on, confirmed_on in holders:
        org = orgs[org_id]
        start = org.term_started_on or confirmed_on or joined_on
        start = max(start, confirmed_on or joined_on)
        for post in posts:
            if post in COMMITTEE_POSTS:
                rows.append(CommitteePost(org_id=org_id, member_id=member_id, post=post, started_on=min(start, today)))
    CommitteePost.objects.bulk_create(rows, batch_size=2000)
    counts["posts"] = len(rows)

    # 2. Terms: a few approved postponements of overdue terms (by the township above).
    villages = [o for o in orgs.values() if o.sector in VILLAGE_SECTORS and o.kind == "branch"]
    villages.sort(key=lambda o: o.path)
    overdue = [o for o in villages if o.term_started_on and (term_ends_on(o.kind, o.sector, o.term_started_on) or today) <= today]
    changes = []
    for org in overdue[: max(1, len(overdue) // 4)]:
        original = term_ends_on(org.kind, org.sector, org.term_started_on)
        new = min(add_months(today, rng.randint(2, 5)), add_years(original, 1))
        if new <= original or org.parent_id is None:
            continue
        changes.append(TermChange(org_id=org.pk, kind=TermChangeKind.POSTPONE, term_started_on=org.term_started_on,
                                  original_ends_on=original, new_ends_on=new, reason="汛期防汛任务重，经乡镇党委批准延期换届",
                                  decision_ref=f"镇组字〔{today.year}〕{rng.randint(1, 40)}号", approver_org_id=org.parent_id,
                                  approved_on=today - dt.timedelta(days=rng.randint(5, 40))))
    TermChange.objects.bulk_create(changes)
    counts["term_changes"] = len(changes)

    # 3. First secretaries in about one village in six, with dated work logs.
    from grassroots.demo.generator import NamePool

    names = NamePool()
    chosen = [o for o in villages if rng.random() < 0.17] or villages[:1]
    secretaries = []
    for org in chosen:
        gender = "M" if rng.random() < 0.7 else "F"
        started = today - dt.timedelta(days=rng.randint(60, 700))
        secretaries.append(FirstSecretary(org_id=org.pk, name=names.name(rng, gender), unit=rng.choice(UNITS),
                                          started_on=started))
    FirstSecretary.objects.bulk_create(secretaries)
    entries = []
    for fs in FirstSecretary.objects.filter(org_id__in=[o.pk for o in chosen], user__isnull=True):
        span = (today - fs.started_on).days
        for _ in range(rng.randint(3, 8)):
            text = rng.choice(LOG_ITEMS).format(n=rng.randint(3, 15), t=rng.choice(TOPICS))
            entries.append(WorkLogEntry(first_secretary=fs, occurred_on=fs.started_on + dt.timedelta(days=rng.randint(0, span)),
                                        content=text))
    WorkLogEntry.objects.bulk_create(entries, batch_size=2000)
    counts["first_secretaries"], counts["work_log"] = len(secretaries), len(entries)

    # 4. Reserve cadres: one to three per village in about half the villages, some with training.
    cadres = []
    educations = [Education.HIGH_SCHOOL, Education.SECONDARY_VOCATIONAL, Education.COLLEGE, Education.BACHELOR]
    for org in villages:
        if rng.random() < 0.5:
            continue
        for _ in range(rng.randint(1, 3)):
            gender = "M" if rng.random() < 0.6 else "F"
            birth = today - dt.timedelta(days=rng.randint(23 * 365, 42 * 365))
            cadres.append(ReserveCadre(org_id=org.pk, name=names.name(rng, gender), gender=gender, birth_date=birth,
                                       education=rng.choice(educations), position=rng.choice(POSITIONS),
                                       status=rng.choice([CadreStatus.CANDIDATE] * 3 + [CadreStatus.TRAINING] * 2
                                                         + [CadreStatus.PROMOTED])))
    ReserveCadre.objects.bulk_create(cadres, batch_size=2000)
    trainings = []
    for cadre in ReserveCadre.objects.filter(org_id__in=[o.pk for o in villages]).exclude(status=CadreStatus.CANDIDATE):
        for _ in range(rng.randint(1, 2)):
            trainings.append(CadreTraining(cadre=cadre, occurred_on=today - dt.timedelta(days=rng.randint(10, 500)),
                                           title=rng.choice(TRAININGS), hours=Decimal(rng.choice((8, 16, 24, 40))),
                                           organizer="县委组织部"))
    CadreTraining.objects.bulk_create(trainings, batch_size=2000)
    counts["cadres"], counts["trainings"] = len(cadres), len(trainings)

    # 5. One completed election, published: the branch's current committee, elected on its term start.
    counts["elections"] = _completed_election(ctx, orgs, villages, names)
    ctx.counts["committees"] = sum(counts.values())
    ctx.log(f"  班子与换届：任职 {counts['posts']:,} 条，第一书记 {counts['first_secretaries']} 名，"
            f"后备干部 {counts['cadres']} 名，换届选举 {counts['elections']} 次")


def _completed_election(ctx, orgs, villages, names) -> int:
    rng, today = ctx.rng, ctx.today
    for org in villages:
        if not org.term_started_on or org.term_started_on >= today or org.parent_id is None:
            continue
        posts = list(CommitteePost.objects.filter(org_id=org.pk, ended_on__isnull=True).select_related("member"))
        posts.sort(key=lambda p: _post_order(p.post))
        members = {p.member_id: p.member for p in posts}
        if len(members) < 3 or not any(p.post == Post.SECRETARY for p in posts):
            continue
        if any((m.confirmed_on or today) > org.term_started_on for m in members.values()):
            continue
        others = list(Member.objects.filter(org_id=org.pk, state=MemberState.ACTIVE, status=MemberStatus.FULL,
                                            confirmed_on__lte=org.term_started_on)
                      .exclude(pk__in=list(members)).order_by("id")[:1])
        eligible = Member.objects.filter(org_id=org.pk, status=MemberStatus.FULL, confirmed_on__lte=org.term_started_on).filter(
            Q(state=MemberState.ACTIVE) | Q(left_on__gt=org.term_started_on)).count()
        if not others or eligible < 7:
            continue
        meeting = org.term_started_on
        seats = len(members)
        present = eligible - rng.randint(0, max(0, eligible - int(eligible * 4 / 5) - 1))
        election = Election.objects.create(
            org_id=org.pk, title=f"{org.name}换届选举", stage=ElectionStage.FILED, method=ElectionMethod.TWO_RECOMMEND,
            seats=seats, planned_on=meeting, plan="按照“两推一选”方式，党员推荐占60%，群众推荐占40%。",
            plan_approved_on=meeting - dt.timedelta(days=30), plan_approver_org_id=org.parent_id, meeting_on=meeting,
            eligible_count=eligible, present_count=present, result_approved_on=meeting + dt.timedelta(days=5),
            result_approver_org_id=org.parent_id, result_decision_ref="镇组字〔换届〕1号",
            filed_on=meeting + dt.timedelta(days=10), filing_ref="镇组备字1号", published_at=timezone.now(),
        )
        everyone = [*members.values(), others[0]]
        party = NominationRound.objects.create(election=election, name="党员推荐", weight=Decimal("60"),
                                               participants=present, held_on=meeting - dt.timedelta(days=20))
        public = NominationRound.objects.create(election=election, name="群众推荐", weight=Decimal("40"),
                                                participants=present * 6, held_on=meeting - dt.timedelta(days=18))
        Nomination.objects.bulk_create(
            [Nomination(round=party, member=m, votes=rng.randint(present // 2 + 1, present)) for m in everyone]
            + [Nomination(round=public, member=m, votes=rng.randint(present * 3, present * 6)) for m in everyone])
        by_member: dict[int, list[str]] = {}
        for p in posts:
            by_member.setdefault(p.member_id, []).append(p.post)
        candidates = []
        for m in everyone:
            held = by_member.get(m.pk, [])
            candidates.append(Candidate(election=election, member=m, pledge="履职尽责，服务群众，带头发展集体经济",
                                        elected_in_round=1 if held else None, post=held[0] if held else "",
                                        extra_posts=held[1:]))
        Candidate.objects.bulk_create(candidates)
        vote_round = ElectionRound.objects.create(election=election, number=1, seats=seats, ballots_issued=present,
                                                  ballots_returned=present)
        saved = list(Candidate.objects.filter(election=election))
        Vote.objects.bulk_create([Vote(round=vote_round, candidate=c,
                                       yes=(rng.randint(eligible // 2 + 1, present) if c.elected_in_round
                                            else rng.randint(1, eligible // 2))) for c in saved])
        CommitteePost.objects.filter(org_id=org.pk, ended_on__isnull=True).update(election=election, started_on=meeting)
        return 1
    return 0


def reset(prefix: str) -> None:
    scope = subtree_q("org__path", prefix)
    WorkLogEntry.objects.filter(subtree_q("first_secretary__org__path", prefix)).delete()
    FirstSecretary.objects.filter(scope).delete()
    CadreTraining.objects.filter(subtree_q("cadre__org__path", prefix)).delete()
    ReserveCadre.objects.filter(scope).delete()
    CommitteePost.objects.filter(scope).delete()
    Election.objects.filter(scope).delete()  # nominations, candidates, rounds and votes cascade
    TermChange.objects.filter(scope).delete()
