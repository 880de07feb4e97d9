"""The 47 CFR 61.3(bbb) monthly determination, pure: no dagster, no database, no clock.

Per profile and calendar month (UTC), from that month's interstate minutes, the same month a
year earlier, the two months before (rate-of-return period) and the revenue sharing agreements
in force, and from what the previous month carried (which bases are active, months in a row
below the ratio trigger, engaged since):

    (bbb)(1)(i)   agreement in force AND (ratio >= 3:1 OR growth > 100% vs the month a year earlier)
    (bbb)(1)(ii)  CLEC: ratio >= 6:1 in the month
    (bbb)(1)(iii) rate-of-return: ratio >= 10:1 over three calendar months AND >= 500,000
                  terminating minutes in each of them
    (bbb)(2)      basis (i) ends once no agreement is in force (all terminated)
    (bbb)(3)/(4)  basis (ii)/(iii) ends after six consecutive months below the trigger
                  (rate-of-return: ratio below 10:1 and under 500,000 terminating minutes)

Comparisons are exact (integers against Fraction thresholds): 3:1 exactly meets "at least 3:1";
growth of exactly 100% does not meet "more than 100%".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from compliance_pipeline.errors import InputError
from compliance_pipeline.inputs import EARLIEST_DAY, LATEST_DAY

CLEC, RATE_OF_RETURN = "clec", "rate_of_return"
CARRIER_CLASSES = (CLEC, RATE_OF_RETURN)
ENGAGED, NOT_ENGAGED = "engaged", "not_engaged"
RATE_OF_RETURN_PERIOD_MONTHS = 3  # (bbb)(1)(iii): "a three-calendar month period"
# Where a month's minutes came from: direction-tagged interstate columns, the retail/wholesale
# proxy, both (some studies tagged), or no studies at all.
INTERSTATE, PROXY, MIXED, NO_STUDIES = "interstate", "proxy", "mixed", "none"


@dataclass(frozen=True)
class MonthlySettings:
    """The regulation's numbers (defaults) as run config may override them."""

    agreement_ratio: float = 3.0  # (bbb)(1)(i)(B)
    growth_pct: float = 100.0  # (bbb)(1)(i)(B), "more than"
    clec_ratio: float = 6.0  # (bbb)(1)(ii)
    rate_of_return_ratio: float = 10.0  # (bbb)(1)(iii)
    rate_of_return_min_terminating_minutes: int = 500_000  # (bbb)(1)(iii)
    exit_consecutive_months: int = 6  # (bbb)(3), (bbb)(4)
    notice_days: int = 45  # 47 CFR 61.26(g), 69.3(e)(12): within 45 days of commencing

    def validate(self) -> MonthlySettings:
        for name in ("agreement_ratio", "growth_pct", "clec_ratio", "rate_of_return_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value <= 0:
                raise InputError(f"{name} must be a positive number, got {value!r}")
        for name in ("rate_of_return_min_terminating_minutes", "exit_consecutive_months", "notice_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "notice_days" else 1):
                raise InputError(f"{name} must be a {'non-negative' if name == 'notice_days' else 'positive'}"
                                 f" integer, got {value!r}")
        return self

    def as_dict(self) -> dict:
        return asdict(self)


class Traffic(NamedTuple):
    """A profile's interstate minutes in one calendar month (NULL minutes counted as 0)."""

    term: int
    orig: int
    term_source: str = NO_STUDIES
    orig_source: str = NO_STUDIES


NO_TRAFFIC = Traffic(0, 0)


class Agreement(NamedTuple):
    counterparty: str
    starts_on: date
    ends_on: date | None  # last day in force; None = open-ended


class Carried(NamedTuple):
    """What one month hands to the next."""

    engaged: bool
    basis_agreement: bool
    basis_ratio: bool
    months_below: int
    engaged_since: date | None


FRESH = Carried(False, False, False, 0, None)


class MonthStatus(NamedTuple):
    """One profile's determination for one month; the fields are the output table's columns."""

    month: date
    profile_id: int
    carrier_class: str
    term_minutes: int
    orig_minutes: int
    term_source: str
    orig_source: str
    ratio: float | None  # None when there are no originating minutes
    year_ago_term_minutes: int
    year_ago_orig_minutes: int
    term_growth_pct: float | None  # None when the month a year earlier had no such minutes
    orig_growth_pct: float | None
    has_agreement: bool
    agreement_trigger_met: bool  # (bbb)(1)(i)
    clec_ratio_trigger_met: bool | None  # (bbb)(1)(ii); None for a rate-of-return LEC
    ror_ratio_trigger_met: bool | None  # (bbb)(1)(iii); None for a CLEC
    period_term_minutes: int | None  # rate-of-return: the three months' minutes
    period_orig_minutes: int | None
    state: str
    basis_agreement: bool
    basis_ratio: bool
    engaged_since: date | None
    months_below: int
    may_exit_month: date | None
    newly_engaged: bool
    exited: bool
    notice_due_on: date | None
    evidence: dict | None  # for profiles with something to show (a trigger met, engaged, exited)

    @property
    def engaged(self) -> bool:
        return self.state == ENGAGED

    def carried(self) -> Carried:
        return Carried(self.state == ENGAGED, self.basis_agreement, self.basis_ratio, self.months_below,
                       self.engaged_since)

    def traffic(self) -> Traffic:
        return Traffic(self.term_minutes, self.orig_minutes, self.term_source, self.orig_source)

    def as_dict(self) -> dict:
        """JSON-ready (dates as ISO strings, months as YYYY-MM)."""
        out = self._asdict()
        for name in ("engaged_since", "may_exit_month", "month"):
            out[name] = month_label(out[name]) if out[name] is not None else None
        out["notice_due_on"] = self.notice_due_on.isoformat() if self.notice_due_on else None
        return out


# -- calendar months -------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, field: str = "month") -> date:
    """'YYYY-MM' -> the month's first day; anything else is an error naming the field."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise InputError(f"{field} must be YYYY-MM (a calendar month), got {text!r}")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if not EARLIEST_DAY <= month <= LATEST_DAY:  # room for the month arithmetic around it
        raise InputError(f"{field} must be a month from {EARLIEST_DAY:%Y-%m} to {LATEST_DAY:%Y-%m}, got {text!r}")
    return month


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_between(first: date, last: date) -> list[date]:
    count = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(first, i) for i in range(count + 1)]


def source_of(studies: int, tagged: int) -> str:
    if studies == 0:
        return NO_STUDIES
    return INTERSTATE if tagged == studies else PROXY if tagged == 0 else MIXED


# -- the determination -----------------------------------------------------------------------

class _Thresholds(NamedTuple):
    agreement: Fraction
    growth: Fraction
    clec: Fraction
    ror: Fraction


def thresholds(settings: MonthlySettings) -> _Thresholds:
    # Fraction(str(x)): the decimal the user wrote, exactly (3.0 -> 3, 0.1 -> 1/10).
    return _Thresholds(*(Fraction(str(v)) for v in (settings.agreement_ratio, settings.growth_pct,
                                                    settings.clec_ratio, settings.rate_of_return_ratio)))


def _at_least(term: int, orig: int, ratio: Fraction) -> bool:
    """term/orig >= ratio, exactly; no originating minutes with terminating ones is unbounded."""
    if orig <= 0:
        return term > 0
    return term * ratio.denominator >= ratio.numerator * orig


def _grew_more_than(current: int, year_ago: int, pct: Fraction) -> bool:
    """current > year_ago * (1 + pct/100), exactly; no minutes a year earlier: no growth figure."""
    if year_ago <= 0:
        return False
    return 100 * pct.denominator * current > year_ago * (100 * pct.denominator + pct.numerator)


def _growth_pct(current: int, year_ago: int) -> float | None:
    return None if year_ago <= 0 else (current - year_ago) * 100 / year_ago


def agreements_in_force(agreements: Sequence[Agreement], month: date) -> list[Agreement]:
    """Agreements in force on any day of the month (one starting or ending mid-month counts)."""
    first, last = month, month_end(month)
    return [a for a in agreements if a.starts_on <= last and (a.ends_on is None or a.ends_on >= first)]


class _Assessment(NamedTuple):
    in_force: list[Agreement]
    ratio_3: bool
    growth: bool
    agreement_trigger: bool
    clec_trigger: bool | None
    ror_trigger: bool | None
    period_term: int | None
    period_orig: int | None
    ratio_trigger: bool
    carried: Carried


def _assess(carrier_class: str, month: date, traffic: Traffic, year_ago: Traffic, before: Sequence[Traffic],
            agreements: Sequence[Agreement], previous: Carried, settings: MonthlySettings,
            limits: _Thresholds) -> _Assessment:
    """The triggers of the month and the state it hands on (all a replayed month needs)."""
    term, orig = traffic.term, traffic.orig
    in_force = agreements_in_force(agreements, month) if agreements else []
    ratio_3 = _at_least(term, orig, limits.agreement)
    growth = (_grew_more_than(term, year_ago.term, limits.growth)
              or _grew_more_than(orig, year_ago.orig, limits.growth))
    agreement_trigger = bool(in_force) and (ratio_3 or growth)
    period_term = period_orig = None
    if carrier_class == CLEC:
        clec_trigger, ror_trigger = _at_least(term, orig, limits.clec), None
        ratio_trigger, below = clec_trigger, not clec_trigger
    else:
        months = [*before, traffic]
        period_term, period_orig = sum(t.term for t in months), sum(t.orig for t in months)
        minimum = settings.rate_of_return_min_terminating_minutes
        clec_trigger = None
        ror_trigger = (_at_least(period_term, period_orig, limits.ror) and all(t.term >= minimum for t in months))
        ratio_trigger = ror_trigger
        below = not _at_least(term, orig, limits.ror) and term < minimum  # (bbb)(4)
    # Counted while the ratio basis is active (from its trigger): what (bbb)(3)/(4)'s exit needs,
    # and independent of how far back a profile's data goes.
    counting = ratio_trigger or previous.basis_ratio
    months_below = (previous.months_below + 1 if below else 0) if counting else 0
    basis_agreement = agreement_trigger or (previous.basis_agreement and bool(in_force))
    basis_ratio = ratio_trigger or (previous.basis_ratio and months_below < settings.exit_consecutive_months)
    engaged = basis_agreement or basis_ratio
    engaged_since = ((month if not previous.engaged else previous.engaged_since) if engaged else None)
    return _Assessment(in_force, ratio_3, growth, agreement_trigger, clec_trigger, ror_trigger, period_term,
                       period_orig, ratio_trigger,
                       Carried(engaged, basis_agreement, basis_ratio, months_below, engaged_since))


def decide(profile_id: int, carrier_class: str, month: date, traffic: Traffic, year_ago: Traffic,
           before: Sequence[Traffic], agreements: Sequence[Agreement], previous: Carried,
           settings: MonthlySettings, *, limits: _Thresholds | None = None,
           with_evidence: bool = True) -> MonthStatus:
    """One profile's status for `month`. before: the traffic of the two months before (oldest first)."""
    a = _assess(carrier_class, month, traffic, year_ago, before, agreements, previous, settings,
                limits or thresholds(settings))
    term, orig, now = traffic.term, traffic.orig, a.carried
    newly, exited = now.engaged and not previous.engaged, previous.engaged and not now.engaged
    may_exit = (_may_exit(month, now.basis_agreement, now.basis_ratio, now.months_below, a.in_force, settings)
                if now.engaged else None)
    notice_due = month_end(month) + timedelta(days=settings.notice_days) if newly else None
    status = MonthStatus(
        month, profile_id, carrier_class, term, orig, traffic.term_source, traffic.orig_source,
        term / orig if orig > 0 else None, year_ago.term, year_ago.orig,
        _growth_pct(term, year_ago.term), _growth_pct(orig, year_ago.orig),
        bool(a.in_force), a.agreement_trigger, a.clec_trigger, a.ror_trigger, a.period_term, a.period_orig,
        ENGAGED if now.engaged else NOT_ENGAGED, now.basis_agreement, now.basis_ratio, now.engaged_since,
        now.months_below, may_exit, newly, exited, notice_due, None)
    if with_evidence and (now.engaged or exited or a.agreement_trigger or a.ratio_trigger or a.growth):
        status = status._replace(evidence=evidence(status, before, a.in_force, a.ratio_3, a.growth, settings))
    return status


def _may_exit(month: date, basis_agreement: bool, basis_ratio: bool, months_below: int,
              in_force: Sequence[Agreement], settings: MonthlySettings) -> date | None:
    """The earliest month the profile can be not engaged if no trigger is met again; None when an
    open-ended agreement keeps basis (i) alive."""
    candidates = []
    if basis_ratio:
        candidates.append(add_months(month, settings.exit_consecutive_months - months_below))
    if basis_agreement:
        if any(a.ends_on is None for a in in_force):
            return None
        candidates.append(add_months(max(a.ends_on for a in in_force).replace(day=1), 1))
    return max(candidates)


def _ratio_text(term: int, orig: int) -> float | str:
    return round(term / orig, 3) if orig > 0 else ("unbounded" if term > 0 else "no traffic")


def evidence(status: MonthStatus, before: Sequence[Traffic], in_force: Sequence[Agreement],
             ratio_3: bool, growth: bool, settings: MonthlySettings) -> dict:
    """What a reviewer needs to check the determination by hand."""
    s = status
    payload = {
        "month": month_label(s.month), "carrier_class": s.carrier_class,
        "terminating_minutes": s.term_minutes, "originating_minutes": s.orig_minutes,
        "minutes_source": {"terminating": s.term_source, "originating": s.orig_source},
        "ratio": _ratio_text(s.term_minutes, s.orig_minutes),
        "year_ago": {"month": month_label(add_months(s.month, -12)), "terminating_minutes": s.year_ago_term_minutes,
                     "originating_minutes": s.year_ago_orig_minutes,
                     "terminating_growth_pct": _round(s.term_growth_pct),
                     "originating_growth_pct": _round(s.orig_growth_pct)},
        "agreements_in_force": [{"counterparty": a.counterparty, "starts_on": a.starts_on.isoformat(),
                                 "ends_on": a.ends_on.isoformat() if a.ends_on else None} for a in in_force],
        "triggers": {
            "61.3(bbb)(1)(i)": {"met": s.agreement_trigger_met, "agreement": s.has_agreement,
                                f"ratio_at_least_{settings.agreement_ratio:g}": ratio_3,
                                f"growth_more_than_{settings.growth_pct:g}_pct": growth},
        },
        "state": s.state, "bases": [name for name, on in (("61.3(bbb)(1)(i)", s.basis_agreement),
                                                          (_ratio_basis(s.carrier_class), s.basis_ratio)) if on],
        "engaged_since": month_label(s.engaged_since) if s.engaged_since else None,
        "months_below_ratio_trigger": s.months_below,
        "settings": settings.as_dict(),
    }
    if s.carrier_class == CLEC:
        payload["triggers"]["61.3(bbb)(1)(ii)"] = {"met": s.clec_ratio_trigger_met,
                                                   f"ratio_at_least_{settings.clec_ratio:g}": s.clec_ratio_trigger_met}
    else:
        months = [*before, s.traffic()]
        payload["triggers"]["61.3(bbb)(1)(iii)"] = {
            "met": s.ror_ratio_trigger_met,
            "period": [{"month": month_label(add_months(s.month, i - len(months) + 1)),
                        "terminating_minutes": t.term, "originating_minutes": t.orig} for i, t in enumerate(months)],
            "period_ratio": _ratio_text(s.period_term_minutes, s.period_orig_minutes),
            "min_terminating_minutes_per_month": settings.rate_of_return_min_terminating_minutes,
        }
    return payload


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ratio_basis(carrier_class: str) -> str:
    return "61.3(bbb)(1)(ii)" if carrier_class == CLEC else "61.3(bbb)(1)(iii)"


# -- a profile's history, month by month ------------------------------------------------------

def replay(profile_id: int, carrier_class: str, history: Mapping[date, Traffic], agreements: Sequence[Agreement],
           first: date, last: date, settings: MonthlySettings, *, limits: _Thresholds | None = None) -> MonthStatus:
    """Every month from `first` to `last` in order, from a fresh state; returns `last`'s status.
    A month computed this way equals the same months run one by one (the carried state and the
    traffic are the same)."""
    limits = limits or thresholds(settings)
    carried, get = FRESH, history.get
    steps = _steps(first, last)
    for month, year_ago, two_back, one_back in steps[:-1]:
        carried = _assess(carrier_class, month, get(month, NO_TRAFFIC), get(year_ago, NO_TRAFFIC),
                          (get(two_back, NO_TRAFFIC), get(one_back, NO_TRAFFIC)), agreements, carried, settings,
                          limits).carried
    month, year_ago, two_back, one_back = steps[-1]
    return decide(profile_id, carrier_class, month, get(month, NO_TRAFFIC), get(year_ago, NO_TRAFFIC),
                  (get(two_back, NO_TRAFFIC), get(one_back, NO_TRAFFIC)), agreements, carried, settings,
                  limits=limits)


@lru_cache(maxsize=64)
def _steps(first: date, last: date) -> tuple[tuple[date, date, date, date], ...]:
    """(month, a year before, two before, one before) for each month: shared by every profile's replay."""
    return tuple((m, add_months(m, -12), add_months(m, -2), add_months(m, -1)) for m in months_between(first, last))


def first_month(history: Mapping[date, Traffic], agreements: Sequence[Agreement], last: date) -> date:
    """Where a replay starts: the profile's first month with studies or an agreement (at most `last`)."""
    starts = [m for m in history if m <= last] + [a.starts_on.replace(day=1) for a in agreements
                                                   if a.starts_on.replace(day=1) <= last]
    return min(starts, default=last)
