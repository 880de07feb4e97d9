"""The ERPNext ToDos of the monthly determination, pure: one when a profile newly becomes
engaged (High priority, dated the notice due date), one when it may exit (Medium)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from compliance_pipeline.access_stimulation.monthly_core import MonthlySettings, MonthStatus, month_end, month_label

TODO_ROLE = "Accounting Advisor"


def todo_key(status: MonthStatus, event: str) -> str:
    """One ToDo per profile, month and event: a rerun of the month queues nothing new."""
    return f"access-stim-monthly:profile:{status.profile_id}:month:{month_label(status.month)}:{event}"


def todos(statuses: Sequence[MonthStatus], settings: MonthlySettings) -> list[tuple[str, dict]]:
    """(key, ERPNext ToDo body) for each profile that newly became engaged or may now exit."""
    out = []
    for s in statuses:
        if s.newly_engaged:
            out.append((todo_key(s, "engaged"), _engaged_todo(s)))
        elif s.exited:
            out.append((todo_key(s, "exited"), _exit_todo(s, settings)))
    return out


def _engaged_todo(s: MonthStatus) -> dict:
    bases = ", ".join(s.evidence["bases"])
    text = (f"Profile {s.profile_id} ({s.carrier_class}) is engaged in access stimulation under 47 CFR {bases} "
            f"as of calendar month {month_label(s.month)}: interstate terminating {s.term_minutes:,} / originating "
            f"{s.orig_minutes:,} minutes (ratio {s.evidence['ratio']}; minutes from {s.term_source}/{s.orig_source} "
            f"columns). Notices and tariff revisions are due by {s.notice_due_on.isoformat()} "
            f"(47 CFR 61.26(g) / 69.3(e)(12), 51.914).")
    return {"description": f"[access-stim-monthly] profile_id={s.profile_id} month={month_label(s.month)}\n\n"
                           f"{text}\n\nEvidence: {s.evidence['triggers']}",
            "priority": "High", "role": TODO_ROLE, "date": s.notice_due_on.isoformat()}


def _exit_todo(s: MonthStatus, settings: MonthlySettings) -> dict:
    review_by = month_end(s.month) + timedelta(days=settings.notice_days)
    text = (f"Profile {s.profile_id} ({s.carrier_class}) no longer meets 47 CFR 61.3(bbb)'s conditions to remain "
            f"engaged in access stimulation as of {month_label(s.month)} (months below the ratio trigger: "
            f"{s.months_below}; revenue sharing agreement in force: {'yes' if s.has_agreement else 'no'}). "
            f"Review whether to revise tariffs and notices.")
    return {"description": f"[access-stim-monthly] profile_id={s.profile_id} month={month_label(s.month)}\n\n{text}",
            "priority": "Medium", "role": TODO_ROLE, "date": review_by.isoformat()}
