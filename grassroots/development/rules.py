"""The rules of 发展党员 (RULES.md §3, 《中国共产党发展党员工作细则》2014) as data and pure functions: the 25-step
transition table, the time limits, the vote arithmetic of the 支部大会, notice periods in working days, and the next
due step. No ORM, no request: the services feed these functions plain facts and act on the answer.

Values marked "configurable" are not fixed by a national text (RULES.md ⚠); a province may override them with
settings.GRASSROOTS_DEVELOPMENT = {"activist_min_months": 6, "notice_working_days": 7, ...}.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.development.choices import NoticeStage, Stage
from grassroots.orgs.rules import add_months, add_years

DETAILED_RULES = "《中国共产党发展党员工作细则》"


@dataclass(frozen=True)
class Rule:
    code: str
    value: int | None
    source: str


# --- time limits and thresholds (each with its source) -------------------------------------------------------
MIN_AGE = Rule("min_age", 18, f"{DETAILED_RULES}第五条；党章第一条（年满十八岁）")
TALK_WITHIN_MONTHS = Rule("talk_within", 1, f"{DETAILED_RULES}第七条（收到入党申请书后一个月内派人谈话）")
ACTIVIST_MIN_MONTHS = Rule("activist_min_months", 0, "全国细则无最短时限（RULES.md §3 ⚠，可配置；地方规定如递交申请6个月以上）")
MENTORS_MIN = Rule("mentors_min", 1, f"{DETAILED_RULES}第九条（一至二名正式党员作培养联系人）")
MENTORS_MAX = Rule("mentors_max", 2, f"{DETAILED_RULES}第九条（一至二名正式党员作培养联系人）")
ASSESSMENT_EVERY_MONTHS = Rule("assessment_every", 6, f"{DETAILED_RULES}第十一条（党支部每半年对入党积极分子进行一次考察）")
ACTIVIST_TRAINING_YEARS = Rule("activist_years", 1, f"{DETAILED_RULES}第十三条（经过一年以上培养教育和考察）")
ASSESSMENTS_BEFORE_CANDIDATE = Rule(
    "assessments_before_candidate", 2, f"{DETAILED_RULES}第十一条、第十三条（一年以上培养，每半年考察一次：至少两次）"
)
SPONSORS = Rule("sponsors", 2, f"{DETAILED_RULES}第十四条（两名正式党员作入党介绍人；受留党察看处分、尚未恢复党员权利的党员不能作入党介绍人）")
TRAINING_DAYS = Rule("training_days", 3, f"{DETAILED_RULES}第十七条（培训时间一般不少于三天）")
TRAINING_HOURS = Rule("training_hours", 24, f"{DETAILED_RULES}第十七条（或不少于二十四个学时）")
APPROVAL_MONTHS = Rule("approval_months", 3, f"{DETAILED_RULES}（党委对接收预备党员的决议应当在三个月内审批，RULES.md §3）")
APPROVAL_MAX_MONTHS = Rule("approval_max_months", 6, f"{DETAILED_RULES}（如遇特殊情况可适当延长审批时间，但不得超过六个月）")
PROBATION_YEARS = Rule("probation_years", 1, f"{DETAILED_RULES}第三十二条；党章第七条（预备期为一年，从支部大会通过之日算起）")
EXTENSION_MIN_MONTHS = Rule("extension_min", 6, f"{DETAILED_RULES}第三十二条（延长时间不能少于半年）")
EXTENSION_MAX_MONTHS = Rule("extension_max", 12, f"{DETAILED_RULES}第三十二条（最长不超过一年）")
EXTENSIONS_ALLOWED = Rule("extensions_allowed", 1, f"{DETAILED_RULES}第三十二条（可以延长一次预备期）")
NOTICE_WORKING_DAYS = Rule("notice_working_days", 5, "地方通行做法：公示不少于5个工作日（RULES.md §3 ⚠ 全国细则未见，可配置）")
REMINDER_DAYS = Rule("reminder_days", 30, "系统提醒：30天内到期的步骤在看板提示")

CONFIGURABLE = {rule.code: rule for rule in (ACTIVIST_MIN_MONTHS, NOTICE_WORKING_DAYS, REMINDER_DAYS)}


def configured(rule: Rule) -> int:
    """The rule's value, or the province's override from settings.GRASSROOTS_DEVELOPMENT for configurable rules."""
    from django.conf import settings

    if rule.code in CONFIGURABLE:
        overrides = getattr(settings, "GRASSROOTS_DEVELOPMENT", {}) or {}
        return int(overrides.get(rule.code, rule.value))
    return int(rule.value)


# --- working days ---------------------------------------------------------------------------------------------
# 《国务院办公厅关于2026年部分节假日安排的通知》（国务院办公厅 2025年11月4日，新华社北京11月4日电，光明网转载
# politics.gmw.cn/2025-11/04/content_38391083.htm）. Holidays on weekdays and the make-up working days on weekends.
HOLIDAY_SOURCE = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"


def _days(start: dt.date, end: dt.date) -> set[dt.date]:
    return {start + dt.timedelta(days=n) for n in range((end - start).days + 1)}


HOLIDAYS: frozenset[dt.date] = frozenset(
    _days(dt.date(2026, 1, 1), dt.date(2026, 1, 3))  # 元旦
    | _days(dt.date(2026, 2, 15), dt.date(2026, 2, 23))  # 春节
    | _days(dt.date(2026, 4, 4), dt.date(2026, 4, 6))  # 清明节
    | _days(dt.date(2026, 5, 1), dt.date(2026, 5, 5))  # 劳动节
    | _days(dt.date(2026, 6, 19), dt.date(2026, 6, 21))  # 端午节
    | _days(dt.date(2026, 9, 25), dt.date(2026, 9, 27))  # 中秋节
    | _days(dt.date(2026, 10, 1), dt.date(2026, 10, 7))  # 国庆节
)
MAKEUP_WORKDAYS: frozenset[dt.date] = frozenset(
    {dt.date(2026, 1, 4), dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 5, 9), dt.date(2026, 9, 20),
     dt.date(2026, 10, 10)}
)


def is_working_day(day: dt.date) -> bool:
    if day in MAKEUP_WORKDAYS:
        return True
    if day in HOLIDAYS:
        return False
    return day.weekday() < 5


def notice_ends_on(published_on: dt.date, working_days: int) -> dt.date:
    """The last day of a notice of `working_days` working days; the day of publication counts when it is one."""
    day, counted = published_on, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted >= working_days:
                return day
        day += dt.timedelta(days=1)


# --- the 25 steps -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """One piece of evidence a step records: name, kind (text | choice | int | decimal | members), label."""

    name: str
    kind: str
    label: str
    required: bool = True
    choices: str = ""  # for kind "choice": the name of a TextChoices class in choices.py


@dataclass(frozen=True)
class StepDef:
    number: int
    code: str
    title: str
    stage: str  # the stage the person is in when the step is recorded
    source: str
    approve: bool = False  # done by the committee above: DevelopmentPerm.APPROVE strictly above the branch
    repeatable: bool = False
    vote: str = ""  # VoteKind for the 支部大会 steps
    evidence: tuple[Evidence, ...] = ()


E_DONE_BY = Evidence("done_by", "text", gettext_lazy("经办人"))
E_NOTE = Evidence("note", "text", gettext_lazy("记录/说明"), required=False)
E_RECEIPT = Evidence("receipt", "text", gettext_lazy("备案回执编号"))

STEPS: tuple[StepDef, ...] = (
    StepDef(1, "application", gettext_lazy("递交入党申请书"), Stage.APPLICANT, f"{DETAILED_RULES}第五、六条",
            evidence=(E_NOTE,)),
    StepDef(2, "talk", gettext_lazy("党组织派人谈话"), Stage.APPLICANT, TALK_WITHIN_MONTHS.source,
            evidence=(Evidence("done_by", "text", gettext_lazy("谈话人")), Evidence("note", "text", gettext_lazy("谈话记录")))),
    StepDef(3, "activist", gettext_lazy("推荐和确定入党积极分子"), Stage.APPLICANT, f"{DETAILED_RULES}第八条",
            evidence=(Evidence("method", "choice", gettext_lazy("推荐方式"), choices="RecommendationMethod"),
                      Evidence("done_by", "text", gettext_lazy("决定会议（支委会/支部大会）")), E_NOTE)),
    StepDef(4, "activist_filing", gettext_lazy("报上级党委备案（入党积极分子）"), Stage.ACTIVIST, f"{DETAILED_RULES}第八条",
            evidence=(E_RECEIPT, E_NOTE)),
    StepDef(5, "mentors", gettext_lazy("指定培养联系人"), Stage.ACTIVIST, MENTORS_MAX.source,
            evidence=(Evidence("mentors", "members", gettext_lazy("培养联系人（1–2名正式党员）")), E_NOTE)),
    StepDef(6, "assessment", gettext_lazy("培养教育考察（每半年一次）"), Stage.ACTIVIST, ASSESSMENT_EVERY_MONTHS.source,
            repeatable=True, evidence=(Evidence("note", "text", gettext_lazy("考察意见")), E_DONE_BY)),
    StepDef(7, "candidate", gettext_lazy("确定发展对象"), Stage.ACTIVIST, ACTIVIST_TRAINING_YEARS.source,
            evidence=(Evidence("note", "text", gettext_lazy("党小组、培养联系人、党员和群众意见")),
                      Evidence("done_by", "text", gettext_lazy("决定会议（支委会）")))),
    StepDef(8, "candidate_filing", gettext_lazy("报上级党委备案（发展对象）"), Stage.CANDIDATE, f"{DETAILED_RULES}第十三条",
            evidence=(E_RECEIPT, E_NOTE)),
    StepDef(9, "sponsors", gettext_lazy("确定入党介绍人"), Stage.CANDIDATE, SPONSORS.source,
            evidence=(Evidence("sponsors", "members", gettext_lazy("入党介绍人（2名正式党员）")), E_NOTE)),
    StepDef(10, "political_review", gettext_lazy("进行政治审查"), Stage.CANDIDATE, f"{DETAILED_RULES}第十五、十六条",
            evidence=(Evidence("result", "choice", gettext_lazy("政审结论"), choices="ReviewResult"),
                      Evidence("note", "text", gettext_lazy("政审材料摘要")), E_DONE_BY)),
    StepDef(11, "training", gettext_lazy("开展集中培训"), Stage.CANDIDATE, TRAINING_DAYS.source,
            evidence=(Evidence("days", "decimal", gettext_lazy("培训天数"), required=False),
                      Evidence("hours", "int", gettext_lazy("培训学时"), required=False),
                      Evidence("receipt", "text", gettext_lazy("结业证书编号")), E_DONE_BY)),
    StepDef(12, "committee_review", gettext_lazy("支部委员会审查"), Stage.CANDIDATE, f"{DETAILED_RULES}第十九条",
            evidence=(Evidence("note", "text", gettext_lazy("审查意见")),)),
    StepDef(13, "prereview", gettext_lazy("上级党委预审"), Stage.CANDIDATE, f"{DETAILED_RULES}第十九条",
            evidence=(Evidence("result", "choice", gettext_lazy("预审结论"), choices="ReviewResult"),
                      Evidence("receipt", "text", gettext_lazy("预审通知书编号")))),
    StepDef(14, "admission_form", gettext_lazy("填写入党志愿书"), Stage.CANDIDATE, f"{DETAILED_RULES}第十九条",
            evidence=(Evidence("receipt", "text", gettext_lazy("入党志愿书编号")),)),
    StepDef(15, "admission_meeting", gettext_lazy("支部大会讨论（接收预备党员）"), Stage.CANDIDATE,
            f"{DETAILED_RULES}第二十、二十一条", vote="admission"),
    StepDef(16, "committee_talk", gettext_lazy("上级党委派人谈话"), Stage.CANDIDATE, f"{DETAILED_RULES}第二十三条",
            evidence=(Evidence("done_by", "text", gettext_lazy("谈话人（党委委员或组织员）")), Evidence("note", "text", gettext_lazy("谈话记录")))),
    StepDef(17, "approval", gettext_lazy("上级党委审批"), Stage.CANDIDATE, APPROVAL_MONTHS.source, approve=True,
            evidence=(Evidence("done_by", "text", gettext_lazy("审批会议（党委会）")),
                      Evidence("special_reason", "text", gettext_lazy("超过三个月审批的特殊原因"), required=False), E_NOTE)),
    StepDef(18, "approval_filing", gettext_lazy("报再上一级党委组织部门备案"), Stage.PROBATIONARY, APPROVAL_MONTHS.source,
            evidence=(E_RECEIPT,)),
    StepDef(19, "placement", gettext_lazy("编入党支部和党小组"), Stage.PROBATIONARY, f"{DETAILED_RULES}第二十八条",
            evidence=(Evidence("note", "text", gettext_lazy("编入的党小组")),)),
    StepDef(20, "oath", gettext_lazy("入党宣誓"), Stage.PROBATIONARY, f"{DETAILED_RULES}第二十九条",
            evidence=(Evidence("done_by", "text", gettext_lazy("领誓人")), E_NOTE)),
    StepDef(21, "probation_education", gettext_lazy("继续教育考察"), Stage.PROBATIONARY, f"{DETAILED_RULES}第三十、三十一条",
            repeatable=True, evidence=(Evidence("note", "text", gettext_lazy("考察意见")), E_DONE_BY)),
    StepDef(22, "confirmation_application", gettext_lazy("提出转正申请"), Stage.PROBATIONARY, f"{DETAILED_RULES}第三十三条",
            evidence=(E_NOTE,)),
    StepDef(23, "confirmation_meeting", gettext_lazy("支部大会讨论（转正）"), Stage.PROBATIONARY, f"{DETAILED_RULES}第三十三条",
            vote="confirmation"),
    StepDef(24, "confirmation_approval", gettext_lazy("上级党委审批（转正）"), Stage.PROBATIONARY, f"{DETAILED_RULES}第三十三条",
            approve=True, evidence=(Evidence("done_by", "text", gettext_lazy("审批会议（党委会）")), E_NOTE)),
    StepDef(25, "archive", gettext_lazy("材料归档"), Stage.FULL, f"{DETAILED_RULES}第三十七条",
            evidence=(Evidence("receipt", "text", gettext_lazy("档案编号")),)),
)
STEP_BY_CODE = {step.code: step for step in STEPS}
STEP_CHOICES = [(step.code, format_lazy("{}. {}", step.number, step.title)) for step in STEPS]

# The stage a completed step moves the person into (others keep the stage).
STAGE_AFTER = {"activist": Stage.ACTIVIST, "candidate": Stage.CANDIDATE, "approval": Stage.PROBATIONARY,
               "confirmation_approval": Stage.FULL}

# Public notices: a notice of this stage, ended and without open objections, before this step.
NOTICE_BEFORE_STEP = {
    "activist_filing": NoticeStage.ACTIVIST,
    "candidate_filing": NoticeStage.CANDIDATE,
    "approval": NoticeStage.ADMISSION,
    "confirmation_approval": NoticeStage.CONFIRMATION,
}
# …and the step after which that notice may be published.
NOTICE_AFTER_STEP = {NoticeStage.ACTIVIST: "activist", NoticeStage.CANDIDATE: "candidate",
                     NoticeStage.ADMISSION: "admission_meeting", NoticeStage.CONFIRMATION: "confirmation_meeting"}
NOTICE_SOURCE = NOTICE_WORKING_DAYS.source


# --- the state a check looks at --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeFacts:
    published_on: dt.date
    ends_on: dt.date
    open_objections: int = 0


@dataclass
class PipelineFacts:
    """What the rules need to know about one person: completed steps (code → dates), the notices, the stage."""

    stage: str
    done: dict[str, list[dt.date]] = field(default_factory=dict)
    notices: dict[str, NoticeFacts] = field(default_factory=dict)
    probation_ends_on: dt.date | None = None
    extensions: int = 0
    birth_date: dt.date | None = None

    def first(self, code: str) -> dt.date | None:
        dates = self.done.get(code)
        return min(dates) if dates else None

    def last(self, code: str) -> dt.date | None:
        dates = self.done.get(code)
        return max(dates) if dates else None


@dataclass(frozen=True)
class Refusal:
    rule: str  # the rule's source, named in the message
    message: str
    earliest: dt.date | None = None


@dataclass
class StepCheck:
    refusals: list[Refusal] = field(default_factory=list)
    late: bool = False
    late_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.refusals

    def refuse(self, rule: str, message: str, earliest: dt.date | None = None) -> None:
        self.refusals.append(Refusal(rule, message, earliest))


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def check_step(code: str, on: dt.date, facts: PipelineFacts, today: dt.date) -> StepCheck:
    """May this step be recorded on this date? Refusals name the rule and, for "too early", the earliest date."""
    check = StepCheck()
    step = STEP_BY_CODE[code]
    if on > today:
        check.refuse("", _("日期不能晚于今天"))
    if facts.stage == Stage.CLOSED:
        check.refuse("", _("该发展档案已终止，不能再登记步骤"))
        return check
    if code == "application":
        check.refuse("", _("入党申请在建立档案时登记"))
        return check
    # order: every earlier step done (repeatable steps at least once), this one not yet (unless repeatable)
    for earlier in STEPS[: step.number - 1]:
        if not facts.done.get(earlier.code):
            check.refuse(step.source, _("须先完成第%(n)d步「%(t)s」，再登记「%(s)s」")
                         % {"n": earlier.number, "t": earlier.title, "s": step.title})
            return check
    if facts.done.get(code) and not step.repeatable:
        check.refuse(step.source, _("「%(s)s」已登记") % {"s": step.title})
        return check
    following = STEPS[step.number] if step.number < len(STEPS) else None
    if step.repeatable and following is not None and facts.done.get(following.code):
        check.refuse(step.source, _("已进入下一步「%(t)s」，不能再登记「%(s)s」") % {"t": following.title, "s": step.title})
        return check
    previous = STEPS[step.number - 2] if step.number > 1 else None
    if previous is not None:
        prev_on = facts.last(previous.code)
        if prev_on and on < prev_on:
            check.refuse(step.source, _("日期不能早于上一步「%(t)s」的日期，最早为%(d)s")
                         % {"t": previous.title, "d": _fmt(prev_on)}, prev_on)
    _time_limits(code, on, facts, check)
    notice_stage = NOTICE_BEFORE_STEP.get(code)
    if notice_stage:
        _notice_done(notice_stage, on, facts, check)
    return check


def _time_limits(code: str, on: dt.date, facts: PipelineFacts, check: StepCheck) -> None:
    applied = facts.first("application")
    if code == "talk" and applied:
        deadline = add_months(applied, TALK_WITHIN_MONTHS.value)
        if on > deadline:
            check.late = True
            check.late_note = _("谈话晚于收到入党申请书后一个月（应在%(d)s前，%(r)s）") % {"d": _fmt(deadline), "r": TALK_WITHIN_MONTHS.source}
    elif code == "activist" and applied:
        earliest = add_months(applied, configured(ACTIVIST_MIN_MONTHS))
        if on < earliest:
            check.refuse(ACTIVIST_MIN_MONTHS.source, _("递交入党申请书后满%(m)d个月方可确定为入党积极分子，最早为%(d)s")
                         % {"m": configured(ACTIVIST_MIN_MONTHS), "d": _fmt(earliest)}, earliest)
    elif code == "candidate":
        activist_on = facts.first("activist")
        earliest = add_years(activist_on, ACTIVIST_TRAINING_YEARS.value)
        if on < earliest:
            check.refuse(ACTIVIST_TRAINING_YEARS.source, _("确定为入党积极分子（%(a)s）后须经过一年以上培养教育和考察，最早可于%(d)s列为发展对象")
                         % {"a": _fmt(activist_on), "d": _fmt(earliest)}, earliest)
        count = len(facts.done.get("assessment", []))
        if count < ASSESSMENTS_BEFORE_CANDIDATE.value:
            check.refuse(ASSESSMENTS_BEFORE_CANDIDATE.source, _("列为发展对象前应有至少%(n)d次半年考察记录（现有%(c)d次）")
                         % {"n": ASSESSMENTS_BEFORE_CANDIDATE.value, "c": count})
    elif code == "approval":
        meeting = facts.last("admission_meeting")
        normal, limit = add_months(meeting, APPROVAL_MONTHS.value), add_months(meeting, APPROVAL_MAX_MONTHS.value)
        if on > limit:
            check.refuse(APPROVAL_MAX_MONTHS.source, _("支部大会（%(m)s）后超过六个月，不得再审批（最迟%(d)s）")
                         % {"m": _fmt(meeting), "d": _fmt(limit)})
        elif on > normal:
            check.late = True
            check.late_note = _("超过三个月审批（应在%(d)s前），须说明特殊原因") % {"d": _fmt(normal)}
    elif code == "confirmation_meeting":
        ends = facts.probation_ends_on
        if ends and on < ends:
            check.refuse(PROBATION_YEARS.source, _("预备期至%(d)s期满，支部大会讨论转正最早为%(d)s") % {"d": _fmt(ends)}, ends)


def _notice_done(stage: str, on: dt.date, facts: PipelineFacts, check: StepCheck) -> None:
    notice = facts.notices.get(stage)
    label = dict(NoticeStage.choices)[stage]
    if notice is None:
        check.refuse(NOTICE_SOURCE, _("须先发布「%(n)s」并公示期满") % {"n": label})
        return
    earliest = notice.ends_on + dt.timedelta(days=1)
    if on < earliest:
        check.refuse(NOTICE_SOURCE, _("「%(n)s」公示期至%(e)s，最早可于%(d)s办理下一步") % {"n": label, "e": _fmt(notice.ends_on), "d": _fmt(earliest)},
                     earliest)
    if notice.open_objections:
        check.refuse(NOTICE_SOURCE, _("「%(n)s」收到的%(c)d条异议尚未处理完毕") % {"n": label, "c": notice.open_objections})


def check_notice(stage: str, published_on: dt.date, facts: PipelineFacts, today: dt.date) -> list[Refusal]:
    refusals = []
    after = NOTICE_AFTER_STEP[stage]
    done_on = facts.last(after)
    if published_on > today:
        refusals.append(Refusal("", _("日期不能晚于今天")))
    if done_on is None:
        refusals.append(Refusal(NOTICE_SOURCE, _("须先完成「%(t)s」再发布公示") % {"t": STEP_BY_CODE[after].title}))
    elif published_on < done_on:
        refusals.append(Refusal(NOTICE_SOURCE, _("公示日期不能早于「%(t)s」（%(d)s）") % {"t": STEP_BY_CODE[after].title, "d": _fmt(done_on)},
                                done_on))
    if stage in facts.notices:
        refusals.append(Refusal(NOTICE_SOURCE, _("该阶段已有公示，如需重新公示请先撤回原公示")))
    return refusals


# --- corrections: re-validating the whole recorded chain -------------------------------------------------------
@dataclass(frozen=True)
class RecordedStep:
    """One completed step as recorded (its id, code and date), for replaying the chain."""

    key: int
    code: str
    on: dt.date


@dataclass
class ChainCheck:
    refusals: list[tuple[RecordedStep, Refusal]] = field(default_factory=list)
    late: dict[int, tuple[bool, str]] = field(default_factory=dict)  # record key → (late, note) as replayed

    @property
    def ok(self) -> bool:
        return not self.refusals

    def messages(self) -> list[str]:
        out = []
        for record, refusal in self.refusals:
            step = STEP_BY_CODE[record.code]
            text = _("更正后，第%(n)d步「%(t)s」（%(d)s）不再符合规定：%(m)s") % {
                "n": step.number, "t": step.title, "d": _fmt(record.on), "m": refusal.message}
            if refusal.rule and refusal.rule not in refusal.message:
                text += _("（%(r)s）") % {"r": refusal.rule}
            out.append(text)
        return out


def check_chain(records: list[RecordedStep], notices: dict[str, NoticeFacts], today: dt.date,
                probation_ends_on: dt.date | None = None) -> ChainCheck:
    """Replay every completed step in order through check_step, as if each were recorded again with the dates now
    on file, and check each published notice against the step it follows. A correction is accepted only when the
    whole chain still satisfies the transition table; the replay also gives each step's late flag anew. Notices'
    objections are left out: they were resolved before the steps they blocked could be recorded."""
    check = ChainCheck()
    facts = PipelineFacts(stage=Stage.APPLICANT, probation_ends_on=probation_ends_on,
                          notices={k: NoticeFacts(n.published_on, n.ends_on, 0) for k, n in notices.items()})
    for record in sorted(records, key=lambda r: (STEP_BY_CODE[r.code].number, r.on, r.key)):
        if record.code != "application":
            step_check = check_step(record.code, record.on, facts, today)
            check.refusals.extend((record, refusal) for refusal in step_check.refusals)
            check.late[record.key] = (step_check.late, step_check.late_note)
        facts.done.setdefault(record.code, []).append(record.on)
    for stage, notice in notices.items():
        after = NOTICE_AFTER_STEP[stage]
        done_on = facts.last(after)
        if done_on is not None and notice.published_on < done_on:
            record = next(r for r in records if r.code == after and r.on == done_on)
            label = dict(NoticeStage.choices)[stage]
            check.refusals.append((record, Refusal(NOTICE_SOURCE, _("「%(n)s」已于%(p)s发布，此步日期不能晚于公示日期")
                                                   % {"n": label, "p": _fmt(notice.published_on)})))
    return check


# Steps whose date cannot be corrected here: the 支部大会's roster and quorum were computed for the meeting date.
UNCORRECTABLE = {code for code, step in STEP_BY_CODE.items() if step.vote}


# --- evidence checks -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberFacts:
    """A member named as mentor or sponsor, as the roster shows them on the step's date."""

    id: int
    name: str
    full: bool  # active, full member confirmed on or before the date
    suspended: bool = False  # 受留党察看处分、尚未恢复党员权利


def check_evidence(code: str, evidence: dict, people: list[MemberFacts], late: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    step = STEP_BY_CODE[code]
    for item in step.evidence:
        value = evidence.get(item.name)
        if item.required and item.kind != "members" and (value is None or value == ""):
            add(item.name, _("请填写%(f)s") % {"f": item.label})
    if code == "mentors":
        if not MENTORS_MIN.value <= len(people) <= MENTORS_MAX.value:
            add("mentors", _("培养联系人应为1至2名正式党员（%(r)s）") % {"r": MENTORS_MAX.source})
        for person in people:
            if not person.full:
                add("mentors", _("%(n)s不是正式党员，不能作培养联系人") % {"n": person.name})
    elif code == "sponsors":
        if len(people) != SPONSORS.value:
            add("sponsors", _("应有两名入党介绍人（%(r)s）") % {"r": SPONSORS.source})
        for person in people:
            if not person.full:
                add("sponsors", _("%(n)s不是正式党员，不能作入党介绍人（%(r)s）") % {"n": person.name, "r": SPONSORS.source})
            elif person.suspended:
                add("sponsors", _("%(n)s受留党察看处分、尚未恢复党员权利，不能作入党介绍人（%(r)s）") % {"n": person.name, "r": SPONSORS.source})
    elif code == "training":
        days, hours = evidence.get("days") or 0, evidence.get("hours") or 0
        if not (float(days) >= TRAINING_DAYS.value or int(hours) >= TRAINING_HOURS.value):
            add("hours", _("培训时间一般不少于三天或二十四个学时（%(r)s），现为%(d)s天、%(h)s学时")
                % {"r": TRAINING_DAYS.source, "d": days, "h": hours})
    elif code == "approval" and late and not (evidence.get("special_reason") or "").strip():
        add("special_reason", _("超过三个月审批，须说明特殊原因（%(r)s）") % {"r": APPROVAL_MAX_MONTHS.source})
    return errors


# A review found "unqualified" is recorded as a finding but does not complete its step: the pipeline stops there.
BLOCKING_RESULTS = {"political_review": f"{DETAILED_RULES}第十六条（政治审查不合格的，不能发展入党）",
                    "prereview": f"{DETAILED_RULES}第十九条（预审不合格的，不能办理接收手续）"}


def check_age(birth: dt.date, applied_on: dt.date) -> str | None:
    age = applied_on.year - birth.year - ((applied_on.month, applied_on.day) < (birth.month, birth.day))
    if age < MIN_AGE.value:
        return _("递交入党申请时应年满十八周岁（%(r)s），此时仅%(a)d岁") % {"r": MIN_AGE.source, "a": age}
    return None


# --- the 支部大会 vote --------------------------------------------------------------------------------------------
VOTE_SOURCE = f"{DETAILED_RULES}第二十条、第二十一条（第三十三条：转正同此）"


@dataclass(frozen=True)
class VoteCount:
    eligible: int  # 应到会有表决权的正式党员
    present: int  # 到会有表决权的正式党员
    yes: int  # 到会者赞成票
    no: int
    abstain: int
    written_yes: int = 0  # 因故不能到会、会前正式提出书面意见者
    written_no: int = 0
    written_abstain: int = 0


@dataclass(frozen=True)
class VoteResult:
    outcome: str  # passed | rejected | invalid
    quorum_met: bool
    total_yes: int
    explanation: str
    errors: dict


def tally(count: VoteCount) -> VoteResult:
    """第二十条: 有表决权的到会人数必须超过应到会有表决权人数的半数; 第二十一条: 赞成人数超过应到会有表决权的
    正式党员的半数才能通过; 不能到会者会前正式提出的书面意见统计在票数内. Both measured against 应到会."""
    errors: dict[str, list[str]] = {}
    written = count.written_yes + count.written_no + count.written_abstain
    if min(count.eligible, count.present, count.yes, count.no, count.abstain, count.written_yes, count.written_no,
           count.written_abstain) < 0:
        errors.setdefault("present", []).append(_("人数不能为负数"))
    if count.present > count.eligible:
        errors.setdefault("present", []).append(_("到会人数（%(p)d）不能超过应到会有表决权人数（%(e)d）") % {"p": count.present, "e": count.eligible})
    if count.yes + count.no + count.abstain > count.present:
        errors.setdefault("yes", []).append(_("收回的表决票（%(b)d）不能多于到会人数（%(p)d）")
                                            % {"b": count.yes + count.no + count.abstain, "p": count.present})
    if written > count.eligible - count.present:
        errors.setdefault("written_yes", []).append(_("书面意见（%(w)d）不能多于未到会的有表决权人数（%(a)d）")
                                                    % {"w": written, "a": max(count.eligible - count.present, 0)})
    if count.eligible <= 0:
        errors.setdefault("eligible", []).append(_("应到会有表决权的正式党员人数为0，不能召开表决"))
    total_yes = count.yes + count.written_yes
    if errors:
        return VoteResult("invalid", False, total_yes, "", errors)
    quorum = count.present * 2 > count.eligible
    passed = total_yes * 2 > count.eligible
    facts = _("应到会有表决权的正式党员%(e)d人，实到%(p)d人；赞成%(y)d票（含书面意见%(wy)d票），反对%(n)d票，弃权%(a)d票。") % {
        "e": count.eligible, "p": count.present, "y": total_yes, "wy": count.written_yes,
        "n": count.no + count.written_no, "a": count.abstain + count.written_abstain}
    if not quorum:
        return VoteResult("invalid", False, total_yes, facts + _("到会人数未超过应到会人数的半数（须至少%(q)d人），会议不能进行表决，表决无效（%(r)s）。")
                          % {"q": count.eligible // 2 + 1, "r": VOTE_SOURCE}, {})
    if passed:
        return VoteResult("passed", True, total_yes, facts + _("赞成人数超过应到会有表决权人数的半数（须至少%(q)d票），通过（%(r)s）。")
                          % {"q": count.eligible // 2 + 1, "r": VOTE_SOURCE}, {})
    return VoteResult("rejected", True, total_yes, facts + _("赞成人数未超过应到会有表决权人数的半数（须至少%(q)d票），未通过（%(r)s）。")
                      % {"q": count.eligible // 2 + 1, "r": VOTE_SOURCE}, {})


@dataclass(frozen=True)
class ExclusionReason:
    code: str
    label: str
    source: str
    needs_approval: bool  # 经上级同意、党员大会通过 before leaving the person out of 应到会


EXCLUSION_REASONS = (
    ExclusionReason("probation_discipline", gettext_lazy("受留党察看处分，在留党察看期间没有表决权"),
                    "《中国共产党基层组织选举工作条例》第五条", False),
    ExclusionReason("detained", gettext_lazy("被依法留置、逮捕，党组织中止其表决权"), "《中国共产党基层组织选举工作条例》第五条", False),
    ExclusionReason("incapacitated", gettext_lazy("患有精神病或因其他原因不能表达本人意志"), "中组部关于应到会人数的答复（RULES.md §5）", True),
    ExclusionReason("abroad", gettext_lazy("自费出国半年以上"), "中组部关于应到会人数的答复（RULES.md §5）", True),
    ExclusionReason("serving_sentence", gettext_lazy("正在服刑（未受留党察看以上处分）"), "中组部关于应到会人数的答复（RULES.md §5）", True),
    ExclusionReason("bedridden", gettext_lazy("年老体弱卧床不起或长期生病生活不能自理"), "中组部关于应到会人数的答复（RULES.md §5）", True),
    ExclusionReason("away_untransferred", gettext_lazy("工作调动、下派、外出学习或工作半年以上，应转走组织关系而未转走"),
                    "中组部关于应到会人数的答复（RULES.md §5）", True),
)
EXCLUSION_BY_CODE = {reason.code: reason for reason in EXCLUSION_REASONS}


# --- probation ---------------------------------------------------------------------------------------------------
def probation_ends_on(meeting_on: dt.date) -> dt.date:
    return add_years(meeting_on, PROBATION_YEARS.value)


def check_extension(months: int, extensions_so_far: int) -> str | None:
    if extensions_so_far >= EXTENSIONS_ALLOWED.value:
        return _("预备期只能延长一次（%(r)s）") % {"r": EXTENSIONS_ALLOWED.source}
    if not EXTENSION_MIN_MONTHS.value <= months <= EXTENSION_MAX_MONTHS.value:
        return _("延长预备期不能少于半年、最长不超过一年（6–12个月，%(r)s）") % {"r": EXTENSION_MIN_MONTHS.source}
    return None


# --- what is due next ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    code: str
    on: dt.date
    deadline: bool  # True: a time limit (overdue after it); False: the earliest allowed date


def next_due(facts: PipelineFacts) -> Due | None:
    if facts.stage in (Stage.CLOSED,):
        return None
    pending = next((s for s in STEPS if not facts.done.get(s.code)), None)
    if pending is None:
        return None
    code = pending.code
    applied = facts.first("application")
    if code == "talk":
        return Due(code, add_months(applied, TALK_WITHIN_MONTHS.value), True)
    if code == "activist":
        return Due(code, add_months(applied, configured(ACTIVIST_MIN_MONTHS)), False)
    if code == "assessment" or (code == "candidate" and len(facts.done.get("assessment", [])) < ASSESSMENTS_BEFORE_CANDIDATE.value):
        base = facts.last("assessment") or facts.first("activist")
        return Due("assessment", add_months(base, ASSESSMENT_EVERY_MONTHS.value), True)
    if code == "candidate":
        return Due(code, add_years(facts.first("activist"), ACTIVIST_TRAINING_YEARS.value), False)
    if code in ("committee_talk", "approval"):
        return Due(code, add_months(facts.last("admission_meeting"), APPROVAL_MONTHS.value), True)
    if code in ("confirmation_application", "confirmation_meeting") and facts.probation_ends_on:
        return Due(code, facts.probation_ends_on, code == "confirmation_meeting")
    notice_stage = NOTICE_BEFORE_STEP.get(code)
    if notice_stage and notice_stage in facts.notices:
        return Due(code, facts.notices[notice_stage].ends_on + dt.timedelta(days=1), False)
    previous = STEPS[pending.number - 2]
    return Due(code, facts.last(previous.code) or applied, False)
