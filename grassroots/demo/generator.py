"""A realistic demo county, built deterministically from a seed.

Three steps:
1. `build_plan` lays out the organization tree in memory (a county committee, its working committees, county
   agencies, townships with villages and communities, enterprises, social organizations, a mobile branch, a
   school and a hospital) and shares the members out over the branches. A few rule warnings are planted on
   purpose (a branch below 3 full members, one above 50, one without a committee, one without a secretary,
   expired village terms).
2. `member_rows` draws each branch's members from a random generator seeded by (seed, branch), with
   distributions per kind of branch (villages older and more often farmers; agencies younger, with degrees),
   valid GB 11643 ID numbers unique across the run, and the same encrypted, indexed and masked columns the
   member service writes.
3. `loader.load` (grassroots/demo/loader.py) writes it all in batches (COPY for members on PostgreSQL,
   bulk_create elsewhere), one audit event per batch, creates the demo logins and rebuilds the county's rollups.

Nothing here goes through member_create: at a million members the per-row service (one transaction, one
duplicate check and one audit row each) would take hours. The columns are computed by the same functions the
services use (members.services.secret_columns, members.rules.name_initials)."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import math
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone
from faker import Faker
from faker.providers.person.zh_CN import Provider as PersonProvider

from grassroots.core.identity import make_id_number
from grassroots.demo import data
from grassroots.orgs.models import encode_segment
from grassroots.orgs.rules import add_years

DEMO_PASSWORD = "Demo#Grassroots2026"
DEFAULT_SEED = 2026
DEFAULT_MEMBERS = 15_000
DESIGN_MEMBERS = 15_000  # the size the default layout (10 townships × 15–25 villages) is drawn for
BATCH_SIZE = 5_000
BRANCH_MAX = 50
SPLIT_SIZE = 38  # a village above 50 members becomes a general branch with branches of about this size
ACTOR_NAME = "manage.py demo"

Log = Callable[[str], None]


# --- the plan -------------------------------------------------------------------------------------------


@dataclass
class OrgPlan:
    index: int
    parent: int | None
    suffix: str  # path below the root ("" for the root)
    depth: int
    name: str
    short_name: str
    kind: str
    sector: str
    form: str = "regular"
    covered_units: list = field(default_factory=list)
    founded_on: dt.date | None = None
    term_started_on: dt.date | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_gender: str = "M"
    address: str = ""
    profile: str = ""  # kind of membership (data.PROFILES key); branches only
    place: str = ""  # address prefix of the members
    size: int = 0  # members (branches only)
    warn: str = ""  # planted warning: few | large | no_committee | no_secretary | expired
    groups: list = field(default_factory=list)
    numchild: int = 0


@dataclass
class Plan:
    seed: int
    members: int
    today: dt.date
    orgs: list[OrgPlan]
    township: int  # index of the township of the demo logins
    village: int  # index of the village branch of the demo logins

    @property
    def branches(self) -> list[OrgPlan]:
        return [o for o in self.orgs if o.kind == "branch"]

    def counts(self) -> dict:
        kinds: dict[str, int] = {}
        for org in self.orgs:
            kinds[org.kind] = kinds.get(org.kind, 0) + 1
        return kinds


class NamePool:
    """Chinese names from Faker's zh_CN tables (weighted surnames, given names by gender), drawn with our own
    seeded generator: a million Faker calls cost about 25 s, a million draws from its tables about 2 s."""

    def __init__(self):
        surnames = list(PersonProvider.last_names.items())
        self.surnames = [name for name, _ in surnames]
        self.surname_weights = list(itertools.accumulate(w for _, w in surnames))
        self.male = list(PersonProvider.first_names_male)
        self.female = list(PersonProvider.first_names_female)
        self.male_chars = [n for n in self.male if len(n) == 1]
        self.female_chars = [n for n in self.female if len(n) == 1]

    def surname(self, rng: random.Random) -> str:
        return self.surnames[bisect.bisect(self.surname_weights, rng.random() * self.surname_weights[-1])]

    def name(self, rng: random.Random, gender: str) -> str:
        pool, chars = (self.male, self.male_chars) if gender == "M" else (self.female, self.female_chars)
        if rng.random() < 0.45:
            given = rng.choice(pool)
        else:
            first, second = rng.sample(chars, 2)
            given = first + second
        return self.surname(rng) + given


NAMES = NamePool()


def _phone(rng: random.Random) -> str:
    return rng.choice(data.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _days_ago(today: dt.date, low: int, high: int, rng: random.Random) -> dt.date:
    return today - dt.timedelta(days=rng.randint(low, high))


def _year_day(rng: random.Random, first: int, last: int) -> dt.date:
    return dt.date(rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28))


def chinese_ordinal(number: int) -> str:
    """1 → 第一, 12 → 第十二, 25 → 第二十五."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    if number < 10:
        text = digits[ones]
    elif number < 100:
        text = ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    else:
        text = str(number)
    return "第" + text


class _Planner:
    def __init__(self, members: int, seed: int, today: dt.date, scale: float):
        self.rng = random.Random(f"grassroots-demo-plan:{seed}")
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self.members, self.seed, self.today, self.scale = members, seed, today, scale
        self.orgs: list[OrgPlan] = []

    def add(self, parent: OrgPlan | None, **fields) -> OrgPlan:
        if parent is None:
            suffix, depth = "", 1
        else:
            parent.numchild += 1
            suffix, depth = parent.suffix + encode_segment(parent.numchild), parent.depth + 1
        org = OrgPlan(index=len(self.orgs), parent=parent.index if parent else None, suffix=suffix, depth=depth,
                      **fields)
        name, gender = self.person()
        org.contact_name, org.contact_gender, org.contact_phone = name, gender, _phone(self.rng)
        self.orgs.append(org)
        return org

    def person(self) -> tuple[str, str]:
        gender = "F" if self.rng.random() < 0.25 else "M"
        return NAMES.name(self.rng, gender), gender

    def founded(self, first: int, last: int) -> dt.date:
        return min(_year_day(self.rng, first, last), self.today - dt.timedelta(days=400))

    def term(self, years: int, expired: bool = False) -> dt.date:
        """Start of the current term: mostly well inside it, some within six months of its end (a reminder),
        and the planted ones past it."""
        span = int(years * 365.25)
        if expired:
            return _days_ago(self.today, span + 20, span + 400, self.rng)
        if self.rng.random() < 0.04:
            return _days_ago(self.today, span - 170, span - 10, self.rng)
        return _days_ago(self.today, 30, span - 200, self.rng)

    def branch(self, parent: OrgPlan, name: str, sector: str, profile: str, size: float, *, short: str = "",
               place: str = "", founded: tuple[int, int] = (1985, 2010), **fields) -> OrgPlan:
        founded_on = self.founded(*founded)
        years = 5 if sector in ("village", "community") else 3
        term = max(self.term(years), founded_on)
        return self.add(
            parent, name=name, short_name=short or name, kind="branch", sector=sector, profile=profile,
            founded_on=founded_on, term_started_on=term, size=size, place=place or data.COUNTY,
            address=(place or data.COUNTY) + ("村委会" if sector == "village" else ""), **fields,
        )

    def committee(self, parent: OrgPlan | None, name: str, short: str, sector: str, founded: tuple[int, int],
                  years: int, kind: str = "committee", **fields) -> OrgPlan:
        founded_on = self.founded(*founded)
        return self.add(parent, name=name, short_name=short, kind=kind, sector=sector, founded_on=founded_on,
                        term_started_on=max(self.term(years), founded_on), **fields)

    # --- layout ---

    def build(self) -> Plan:
        rng, r = self.rng, self.scale
        county = data.COUNTY
        root = self.committee(None, f"中共{county}委员会", f"{county}委", "county_committee", (1948, 1949), 3,
                              address=f"{county}人民路1号")
        organs = self.committee(root, f"中共{county}直属机关工作委员会", "县直机关工委", "county_agency", (1984, 1990), 3)
        agencies = max(3, round(15 * r))
        for i in range(agencies):
            base = data.AGENCIES[i % len(data.AGENCIES)]
            name = base + ("" if i < len(data.AGENCIES) else chinese_ordinal(i // len(data.AGENCIES) + 1)) + "党支部"
            self.branch(organs, name.replace("县", county, 1), "county_agency", "agency",
                        rng.uniform(12, 36), short=name, founded=(1980, 2005))
        for i in range(max(1, round(r))):
            name = data.SCHOOLS[i % len(data.SCHOOLS)] + (chinese_ordinal(i // len(data.SCHOOLS) + 1) if i >= len(
                data.SCHOOLS) else "") + "党支部"
            self.branch(organs, name.replace("县", county, 1), "school", "school", rng.uniform(32, 46),
                        short=name, founded=(1978, 1995))
        for i in range(max(1, round(r))):
            name = data.HOSPITALS[i % len(data.HOSPITALS)] + (chinese_ordinal(i // len(data.HOSPITALS) + 1) if i >= len(
                data.HOSPITALS) else "") + "党支部"
            self.branch(organs, name.replace("县", county, 1), "hospital", "hospital", rng.uniform(36, 46),
                        short=name, founded=(1978, 1995))

        two_new = self.committee(root, f"中共{county}非公有制经济组织和社会组织委员会", "县两新组织党委",
                                 "private_enterprise", (2010, 2013), 3)
        used: set[str] = set()
        for _ in range(max(2, round(8 * r))):
            name = self.unique(used, lambda: county[:2] + rng.choice(data.ENTERPRISE_WORDS) + rng.choice(
                data.ENTERPRISE_TRADES))
            self.branch(two_new, name + "党支部", "private_enterprise", "enterprise", rng.uniform(5, 16),
                        founded=(2006, 2022))
        for i in range(max(1, round(4 * r))):
            base = data.SOCIAL_ORGS[i % len(data.SOCIAL_ORGS)].replace("县", county, 1)
            name = base + (chinese_ordinal(i // len(data.SOCIAL_ORGS) + 1) if i >= len(data.SOCIAL_ORGS) else "")
            self.branch(two_new, name + "党支部", "social_organization", "social", rng.uniform(4, 10),
                        founded=(2012, 2023))
        for i in range(max(1, round(3 * r))):
            units = [self.unique(used, lambda: county[:2] + rng.choice(data.ENTERPRISE_WORDS) + rng.choice(
                data.SMALL_UNITS)) for _ in range(rng.randint(2, 5))]
            town = data.TOWNSHIP_NAMES[i % len(data.TOWNSHIP_NAMES)]
            self.branch(two_new, f"{county}{town}片区非公企业{chinese_ordinal(i + 1)}联合党支部", "private_enterprise",
                        "enterprise", rng.uniform(5, 12), form="joint", covered_units=units, founded=(2016, 2023))
        for i in range(max(1, round(r))):
            city = data.MOBILE_CITIES[i % len(data.MOBILE_CITIES)]
            self.branch(root, f"{county}驻{city}流动党员党支部", "other", "mobile", rng.uniform(18, 34),
                        short=f"驻{city}流动党员党支部", form="mobile", founded=(2016, 2022))

        townships = max(2, round(10 * r))
        low, high = max(4, round(15 * r)), max(6, round(25 * r))
        for t, town in enumerate(self.township_names(townships)):
            self.township(root, t, town, rng.randint(low, high))
        return self.finish(root)

    def unique(self, used: set[str], make: Callable[[], str]) -> str:
        for attempt in range(50):
            name = make()
            if attempt > 40:
                name += chinese_ordinal(attempt)
            if name not in used:
                used.add(name)
                return name
        raise RuntimeError("name pool exhausted")

    def township_names(self, count: int) -> list[str]:
        """The curated names, then Faker's zh_CN district names, then both with a direction in front."""
        names = list(dict.fromkeys([*data.TOWNSHIP_NAMES, *(self.faker.district() for _ in range(400))]))
        names += [d + n for d in data.DIRECTIONS for n in names if len(n) == 2]
        if count > len(names):
            names += [f"{chinese_ordinal(i)}{n}" for i in range(2, count // len(names) + 2) for n in names]
        return names[:count]

    def township(self, root: OrgPlan, t: int, town: str, villages: int) -> None:
        rng, county = self.rng, data.COUNTY
        kind_roll = rng.random()
        if t == 0 or kind_roll < 0.7:
            full, committee_name = town + "镇", f"中共{county}{town}镇委员会"
        elif kind_roll < 0.9:
            full, committee_name = town + "乡", f"中共{county}{town}乡委员会"
        else:
            full, committee_name = town + "街道", f"中共{county}{town}街道工作委员会"
        town_org = self.committee(root, committee_name, full + ("党工委" if full.endswith("街道") else "党委"),
                                  "township", (1950, 1985), 5, address=f"{county}{full}人民政府院内")
        place = county + full
        self.branch(town_org, f"{full}机关党支部", "township", "township", rng.uniform(20, 40), place=place,
                    founded=(1955, 1990))
        communities = max(2, round(3 * self.scale)) if t == 0 or full.endswith("街道") else int(rng.random() < 0.3)
        used: set[str] = set()
        for _ in range(communities):
            name = self.unique(used, lambda: rng.choice(data.COMMUNITY_NAMES) + "社区")
            self.branch(town_org, f"{full}{name}党支部", "community", "community", rng.lognormvariate(0, 0.4) * 0.9,
                        short=f"{name}党支部", place=place + name, founded=(1995, 2015))
        for _ in range(villages):
            name = self.unique(used, self.village_name)
            self.branch(town_org, f"{full}{name}党支部", "village", "village", rng.lognormvariate(0, 0.45),
                        short=f"{name}党支部", place=place + name, founded=(1950, 1995))

    def village_name(self) -> str:
        rng = self.rng
        roll = rng.random()
        surname = NAMES.surnames[rng.randrange(80)]
        suffix = rng.choice(data.VILLAGE_SUFFIXES)
        if suffix == "家":
            suffix += rng.choice(("庄", "营", "湾", "寨", "洼"))
        if roll < 0.6:
            base = surname + suffix
        elif roll < 0.85:
            base = rng.choice(data.DIRECTIONS) + surname + suffix
        else:
            base = surname + ("" if suffix.startswith("家") else rng.choice(("家", "老", "新"))) + suffix
        return base + "村"

    # --- sizes, planted warnings, splitting ---

    def finish(self, root: OrgPlan) -> Plan:
        rng = self.rng
        leaves = [o for o in self.orgs if o.kind == "branch"]
        villages = [o for o in leaves if o.profile == "village"]
        small = [o for o in leaves if o.profile in ("enterprise", "social") and o.form != "joint"]
        per_kind = max(1, round(len(villages) * 0.01))  # planted warnings of each kind
        # Fixed sizes first: a village branch above 50 members, branches below 3 full members.
        for org in rng.sample(villages, 1 + per_kind // 2):
            org.warn, org.size = "large", rng.randint(51, 58)
        for org in rng.sample(small, min(len(small), max(1, round(len(leaves) * 0.005)))):
            org.warn, org.size = "few", 2
        # The other non-village branches keep their drawn sizes (scaled down for a tiny county); villages and
        # communities share the rest in proportion to their drawn weights.
        fixed = [o for o in leaves if o.warn]
        others = [o for o in leaves if o.profile not in ("village", "community") and not o.warn]
        weighted = [o for o in leaves if o.profile in ("village", "community") and not o.warn]
        budget = self.members - sum(o.size for o in fixed)
        other_total = sum(o.size for o in others)
        factor = min(1.0, 0.35 * budget / other_total) if other_total else 1.0
        for org in others:
            org.size = max(3, round(org.size * factor))
        shares = _apportion(budget - sum(o.size for o in others), [o.size for o in weighted])
        for org, share in zip(weighted, shares, strict=True):
            org.size = share
        if min(o.size for o in weighted) < 3:
            raise ValueError("too few members for the layout; use at least 300")
        # Then the warnings that need an ordinary village branch (10–50 members).
        ordinary = [o for o in weighted if o.profile == "village" and 10 <= o.size <= BRANCH_MAX] or weighted
        picks = rng.sample(ordinary, min(len(ordinary), 2 * per_kind + max(1, round(len(villages) * 0.03))))
        for org in picks[:per_kind]:
            org.warn = "no_committee"
        for org in picks[per_kind: 2 * per_kind]:
            org.warn = "no_secretary"
        for org in picks[2 * per_kind:]:
            org.warn = "expired"
            org.term_started_on = max(self.term(5, expired=True), org.founded_on)
        for org in weighted:
            if org.size > BRANCH_MAX and not org.warn:
                self.split(org)
        for org in self.orgs:
            if org.kind == "branch" and org.size >= 25:
                org.groups = [f"{chinese_ordinal(i + 1)}党小组" for i in range(max(2, round(org.size / 12)))]
        village = next(o for o in self.orgs if o.profile == "village" and not o.warn and 15 <= o.size <= BRANCH_MAX)
        township = next(o for o in self.orgs if o.sector == "township" and o.kind == "committee")
        return Plan(seed=self.seed, members=self.members, today=self.today, orgs=self.orgs, township=township.index,
                    village=village.index)

    def split(self, org: OrgPlan) -> None:
        """A big village: a general branch with branches below it (RULES.md §5: more than 50 members)."""
        parts = math.ceil(org.size / SPLIT_SIZE)
        sizes = _apportion(org.size, [1.0] * parts)
        village = org.short_name.removesuffix("党支部")
        org.kind, org.name, org.short_name = "general_branch", org.name.removesuffix("党支部") + "党总支", village + "党总支"
        total, profile = org.size, org.profile
        org.size, org.profile = 0, ""
        for i, size in enumerate(sizes):
            self.add(org, name=f"{org.name.removesuffix('党总支')}{chinese_ordinal(i + 1)}党支部",
                     short_name=f"{village}{chinese_ordinal(i + 1)}党支部", kind="branch", sector=org.sector,
                     profile=profile, founded_on=org.term_started_on, term_started_on=org.term_started_on,
                     size=size, place=org.place, address=org.address)
        assert total == sum(sizes)


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder shares of `total` in proportion to the weights (exact sum)."""
    if not weights:
        return []
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    shares = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def build_plan(members: int = DEFAULT_MEMBERS, seed: int = DEFAULT_SEED, today: dt.date | None = None,
               orgs: int | None = None) -> Plan:
    """The layout of the county. Without `orgs` the number of townships and villages grows with the square root
    of the members (10 townships × 15–25 villages at 15,000); with `orgs` it is tuned to about that many
    organizations (tier M: 1 M members, 50 k organizations)."""
    today = today or timezone.localdate()
    scale = math.sqrt(members / DESIGN_MEMBERS)
    plan = _Planner(members, seed, today, scale).build()
    if orgs:
        for _ in range(8):
            if abs(len(plan.orgs) - orgs) <= orgs * 0.02:
                break
            scale *= math.sqrt(orgs / len(plan.orgs))
            plan = _Planner(members, seed, today, scale).build()
    return plan


# --- members --------------------------------------------------------------------------------------------


class IdNumbers:
    """Valid, unique citizen ID numbers: per (region, birth date, gender) a counter over the 500 sequence
    numbers of that gender (odd = male), starting at a fixed offset."""

    def __init__(self, seed: int):
        self.seed = seed
        self.used: dict[tuple, int] = {}

    def make(self, region: str, birth: dt.date, gender: str) -> str:
        regions = (region, *data.OTHER_REGIONS, data.COUNTY_REGION)
        for candidate in regions:
            key = (candidate, birth, gender)
            count = self.used.get(key, 0)
            if count < 500:
                self.used[key] = count + 1
                offset = zlib.crc32(f"{self.seed}:{candidate}:{birth}:{gender}".encode()) % 500
                sequence = ((offset + count) % 500) * 2 + (1 if gender == "M" else 0)
                return make_id_number(candidate, birth, sequence)
        raise RuntimeError("ran out of ID sequence numbers")


@functools.lru_cache(maxsize=200_000)
def _initials(name: str) -> str:
    from grassroots.members.rules import name_initials

    return name_initials(name)


def _cumulative(weights: dict) -> tuple[list[str], list[float]]:
    keys = list(weights)
    return keys, list(itertools.accumulate(weights[k] for k in keys))


@functools.cache
def _tables(profile: str) -> dict:
    spec = data.PROFILES[profile]
    edu = {group: _cumulative(w) for group, w in spec["edu"].items()}
    occ = {group: _cumulative(w) for group, w in spec["occ"].items()}
    return {"edu": edu, "occ": occ}


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    keys, cumulative = table
    return keys[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


_MINORITY_TABLE = _cumulative(dict(data.MINORITIES))
_VILLAGE_SHAPE = (6, 6, 7, 8, 10, 12, 12)
_COMMUNITY_SHAPE = (9, 9, 9, 9, 10, 11, 11)


def _age_weights(org: OrgPlan, rng: random.Random) -> list[float]:
    spec = data.PROFILES[org.profile]
    if spec["ages"] is not None:
        return list(itertools.accumulate(spec["ages"]))
    shape, (low, high) = ((_VILLAGE_SHAPE, (0.35, 0.55)) if org.profile == "village"
                          else (_COMMUNITY_SHAPE, (0.30, 0.50)))
    old = rng.uniform(low, high)  # share aged 60 and over, drawn per branch
    young = sum(shape)
    return list(itertools.accumulate([w * (1 - old) / young for w in shape] + [old]))


def _draw_age(rng: random.Random, cumulative: list[float]) -> int:
    band = bisect.bisect(cumulative, rng.random() * cumulative[-1])
    low, high = data.AGE_BANDS[min(band, len(data.AGE_BANDS) - 1)]
    if low >= 60:
        return min(high, low + int(rng.expovariate(1 / 9)))
    return rng.randint(low, high)


def _group(age: int) -> str:
    return "young" if age < 40 else ("middle" if age < 60 else "old")


def _from_group(tables: dict, age: int) -> tuple:
    return tables.get(_group(age)) or tables.get("middle") or tables["young"]


@dataclass
class MemberDraft:
    age: int
    birth: dt.date
    gender: str
    status: str
    joined_on: dt.date
    confirmed_on: dt.date | None
    education: str
    occupation: str
    ethnicity: str
    is_mobile: bool
    is_unreachable: bool
    household_plaque: bool
    household_hub: bool
    posts: list = field(default_factory=list)
    group: int | None = None


def _draft(org: OrgPlan, rng: random.Random, today: dt.date, ages: list[float], allow_probationary: bool
           ) -> MemberDraft:
    spec = data.PROFILES[org.profile]
    tables = _tables(org.profile)
    probationary = allow_probationary and rng.random() < spec["probationary"]
    age = _draw_age(rng, ages)
    if probationary and age > 45:
        age = rng.randint(20, 45)
    birth = today - dt.timedelta(days=int(age * 365.2425) + rng.randrange(1, 365))
    adult = add_years(birth, 18) + dt.timedelta(days=1)
    if probationary:
        joined, confirmed = max(adult, today - dt.timedelta(days=rng.randint(5, 360))), None
    else:
        mean, spread = spec["join_age"]
        join_age = max(18.1, rng.gauss(mean, spread))
        joined = birth + dt.timedelta(days=int(join_age * 365.2425))
        latest = today - dt.timedelta(days=400)
        if joined > latest:
            joined = latest - dt.timedelta(days=rng.randint(0, 900))
        joined = max(joined, adult)
        confirmed = add_years(joined, 1) + dt.timedelta(days=rng.randint(0, 15))
    gender = "F" if rng.random() < spec["women"] else "M"
    mobile = rng.random() < (spec["mobile"] if age < 60 else spec["mobile"] / 5)
    return MemberDraft(
        age=age, birth=birth, gender=gender, status="probationary" if probationary else "full", joined_on=joined,
        confirmed_on=confirmed, education=_pick(rng, _from_group(tables["edu"], age)),
        occupation=_pick(rng, _from_group(tables["occ"], age)),
        ethnicity=_pick(rng, _MINORITY_TABLE) if rng.random() < data.MINORITY_SHARE else "汉族",
        is_mobile=mobile, is_unreachable=rng.random() < (0.06 if mobile else 0.0008),
        household_plaque=rng.random() < spec["plaque"],
        household_hub=not probationary and 35 <= age <= 70 and rng.random() < spec["hub"] * 1.6,
    )


def _assign_posts(org: OrgPlan, drafts: list[MemberDraft], rng: random.Random) -> int | None:
    """Committee posts (支部工作条例 第二十条): 3–5 members with 7 or more full members, else a secretary.
    Returns the index of the member whose name and gender are the branch's contact person."""
    full = [i for i, d in enumerate(drafts) if d.status == "full"]
    if not full:
        return None
    fit = [i for i in full if 28 <= drafts[i].age <= 65] or full
    rng.shuffle(fit)
    pool = fit + [i for i in full if i not in fit]
    if org.warn == "no_secretary":
        posts = [["deputy_secretary"], ["organization_officer"], ["publicity_officer", "discipline_officer"]]
    elif len(full) >= 7 and org.warn != "no_committee":
        size = 3 if len(drafts) < 15 else (4 if len(drafts) < 30 else 5)
        posts = [["secretary"], ["organization_officer"], ["publicity_officer"]]
        if size == 3:
            posts[1].append("discipline_officer")
        if size >= 4:
            posts.append(["discipline_officer"])
        if size == 5:
            posts.append(["deputy_secretary"])
    else:
        posts = [["secretary"]] + ([["deputy_secretary"]] if len(full) >= 5 and rng.random() < 0.3 else [])
    for i, held in zip(pool, posts, strict=False):
        drafts[i].posts = list(held)
    if org.groups:
        for i, draft in enumerate(drafts):
            draft.group = i % len(org.groups)
        leaders: set[int] = set()
        for i in full:
            group = drafts[i].group
            if group not in leaders and not drafts[i].posts:
                drafts[i].posts = ["group_leader"]
                leaders.add(group)
    return pool[0]


def _address(org: OrgPlan, rng: random.Random) -> str:
    if org.profile in ("village",):
        return f"{org.place}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    if org.profile == "community":
        return f"{org.place}{rng.choice(data.STREETS)}{rng.randint(1, 300)}号{rng.randint(1, 20)}栋{rng.randint(1, 6)}01"
    return (f"{data.COUNTY}城关镇{rng.choice(data.STREETS)}{rng.randint(1, 300)}号院{rng.randint(1, 12)}号楼"
            f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")


LOCAL_SHARE = {"village": 0.92, "community": 0.8, "township": 0.8, "mobile": 0.97, "enterprise": 0.75}


def member_rows(plan: Plan, org: OrgPlan, ids: IdNumbers, secret_columns: Callable[[dict], dict]
                ) -> Iterator[tuple[dict, dict]]:
    """Yields (row, info) per member of one branch: row holds the Member columns except org/group ids and
    tenant, info the plaintext ID number and the group index."""
    rng = random.Random(f"grassroots-demo-members:{plan.seed}:{org.index}")
    today = plan.today
    ages = _age_weights(org, rng)
    drafts = [
        _draft(org, rng, today, ages, allow_probationary=org.warn not in ("no_committee", "few"))
        for _ in range(org.size)
    ]
    contact = _assign_posts(org, drafts, rng)
    if contact is not None:
        drafts[contact].gender = org.contact_gender
    local = LOCAL_SHARE.get(org.profile, 0.68)
    for i, draft in enumerate(drafts):
        if i == contact:
            name, phone = org.contact_name, org.contact_phone
        else:
            name = NAMES.name(rng, draft.gender)
            phone = "" if draft.age >= 75 and rng.random() < 0.3 else _phone(rng)
        region = data.COUNTY_REGION if rng.random() < local else rng.choice(data.OTHER_REGIONS)
        id_number = ids.make(region, draft.birth, draft.gender)
        address = "" if rng.random() < 0.04 else _address(org, rng)
        row = {
            "name": name, "name_initials": _initials(name), "gender": draft.gender, "ethnicity": draft.ethnicity,
            "birth_date": draft.birth, "education": draft.education, "occupation": draft.occupation,
            "joined_on": draft.joined_on, "confirmed_on": draft.confirmed_on, "status": draft.status,
            "posts": draft.posts, "is_mobile": draft.is_mobile, "is_unreachable": draft.is_unreachable,
            "household_plaque": draft.household_plaque, "household_hub": draft.household_hub,
            **secret_columns({"id_number": id_number, "phone": phone, "address": address}),
        }
        yield row, {"id_number": id_number, "group": draft.group, "posts": draft.posts}


# --- writing --------------------------------------------------------------------------------------------
