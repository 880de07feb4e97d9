"""One evaluation pass: every enabled rule over the snapshots it has not seen yet.

Reads rules, persisted state and the snapshots that arrived since the last pass (set-based),
runs the pure core, and writes events, the new state and the webhook outbox messages in ONE
transaction: a pass that dies midway leaves nothing behind, and a rerun over the same
snapshots adds nothing (each rule's arrival cursor and watermark have moved past them).

Of the snapshots that arrived, those observed at or before a rule's watermark are late: they
are counted, never evaluated out of order; the others are evaluated in observed_at order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from compliance_pipeline.alerts import storage
from compliance_pipeline.alerts.machine import ACTIVE, CLEAR, ONSET, RuleState
from compliance_pipeline.alerts.rule_outcome import Edge, clear_detail, evaluate_rule, onset_detail
from compliance_pipeline.alerts.rules import Rule, split_valid
from compliance_pipeline.outbox import enqueue_many, topics
from compliance_pipeline.redact import safe_name
from compliance_pipeline.warehouse import Connection, Warehouse

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    rules: int = 0
    readings: int = 0
    evaluated: int = 0
    skipped_schedule: int = 0
    skipped_missing: int = 0
    late: int = 0
    opened: int = 0
    cleared: int = 0
    reset_rules: int = 0
    invalid_rules: list[dict] = field(default_factory=list)
    per_rule: list[dict] = field(default_factory=list)


@dataclass
class _RuleRun:
    rule: Rule
    state: RuleState
    watermark: datetime | None
    seen_before: int
    late_total: int
    stored_seen: int = 0
    arrival_cursor: int = 0
    # State stored before arrival cursors existed: its unit is read in full once and the
    # snapshots it had already seen (stored_seen) are not late.
    legacy: bool = False
    # False while nothing about the stored row would change (bar updated_at): a pass with
    # nothing new then writes nothing.
    changed: bool = True


def _label(rule: Rule) -> str:
    """The rule as a log line names it; control characters in user-typed names escaped."""
    return f"{safe_name(rule.unit_id)} '{safe_name(rule.name)}'"


def _restore(conn: Connection, rules: list[Rule], report: PassReport, messages: list,
             log: logging.Logger) -> list[_RuleRun]:
    stored = storage.load_states(conn)
    runs, closes = [], []
    for rule in rules:
        saved = stored.get((rule.unit_id, rule.id))
        if saved is None:
            runs.append(_RuleRun(rule, RuleState(), None, 0, 0))
            continue
        run = _RuleRun(rule, RuleState(), saved.watermark, 0, saved.late_total, saved.readings_seen,
                       saved.arrival_cursor or 0, saved.arrival_cursor is None)
        run.changed = saved.arrival_cursor is None
        if saved.fingerprint == rule.fingerprint:
            run.state = RuleState(saved.phase, None if saved.edge_since_us is None else saved.edge_since_us / 1e6,
                                  0.0 if saved.peak is None else saved.peak, saved.open_event_id)
        else:  # the rule was edited: start its machine afresh from the watermark on
            report.reset_rules += 1
            run.changed = True
            if saved.open_event_id is not None:
                closes.append((saved.watermark, None, saved.peak, "closed: rule changed", saved.open_event_id))
                messages.append(_message(rule, saved.open_event_id, "clear", saved.watermark, None, saved.peak,
                                         reason="rule_changed"))
                log.warning(f"[ALERT:CLEAR] {_label(rule)}: rule changed, open alert closed")
        runs.append(run)
    storage.clear_events(conn, closes)
    return runs


def _message(rule: Rule, event_id: int | None, kind: str, at: datetime, value: float | None,
             peak: float | None, reason: str | None = None) -> tuple[str, dict]:
    """The webhook message for one event edge, keyed so it is queued and delivered once."""
    key = f"alert:{rule.unit_id}:{rule.id}:{kind}:{at.isoformat()}"
    payload = {"kind": kind, "event_id": event_id, "unit_id": rule.unit_id, "rule_id": rule.id,
               "rule_name": rule.name, "metric": rule.metric, "comparison": rule.comparison,
               "threshold_db": rule.threshold_db, "at": at.isoformat(), "value": value, "peak_value": peak}
    if reason:
        payload["reason"] = reason
    return key, payload


def evaluate_pass(warehouse: Warehouse, *, now: datetime, log: logging.Logger = logger) -> PassReport:
    """`now` stamps only the outbox rows; every alert time is a snapshot's observed_at."""
    report = PassReport()
    with warehouse.transaction() as conn:
        storage.lock_pass(conn)
        rules, invalid = split_valid(storage.enabled_rule_rows(conn))
        report.invalid_rules.extend(invalid)
        messages: list[tuple[str, dict]] = []
        runs = _restore(conn, rules, report, messages, log)
        horizon = storage.arrival_horizon(conn)
        cursors: dict[str, int] = {}
        for run in runs:
            unit = run.rule.unit_id
            cursors[unit] = min(cursors.get(unit, run.arrival_cursor), run.arrival_cursor)
        readings = storage.read_arrivals(conn, cursors, horizon, sorted({r.rule.metric for r in runs}))
        outcomes = [_evaluate(run, readings.get(run.rule.unit_id), report) for run in runs]
        for run in runs:
            run.changed = run.changed or run.arrival_cursor != horizon
            run.arrival_cursor = horizon
        _write(conn, runs, outcomes, report, messages, now, log)
    report.rules = len(runs)
    return report


def _evaluate(run: _RuleRun, unit: storage.UnitReadings | None, report: PassReport):
    rule = run.rule
    if unit is not None:
        unit = unit.arrived_from(run.arrival_cursor)  # a unit is read from its rules' lowest cursor
        run.changed = run.changed or len(unit.epoch_us) > 0
    # Arrived snapshots observed at or before the watermark: the first `through` (observed_at order).
    through = 0 if unit is None or run.watermark is None else int(
        np.searchsorted(unit.epoch_us, storage.to_epoch_us(run.watermark), side="right"))
    already_seen = run.stored_seen if run.legacy else 0
    late = max(0, through - already_seen)
    run.late_total += late
    run.seen_before = (through if run.legacy else run.stored_seen + through)
    report.late += late
    if unit is None:
        epoch_us, values, present = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=bool)
    else:
        epoch_us = unit.epoch_us[through:]
        values, present = unit.values[rule.metric][through:], unit.present[rule.metric][through:]
    outcome = evaluate_rule(rule, run.state, epoch_us / 1e6, values, present)
    if len(epoch_us):
        run.watermark = storage.to_datetime(int(epoch_us[-1]))
    run.seen_before += len(epoch_us)
    report.readings += outcome.readings
    report.evaluated += outcome.evaluated
    report.skipped_schedule += outcome.skipped_schedule
    report.skipped_missing += outcome.skipped_missing
    report.per_rule.append({
        "rule_id": rule.id, "unit_id": rule.unit_id, "name": rule.name, "readings": outcome.readings,
        "evaluated": outcome.evaluated, "skipped_schedule": outcome.skipped_schedule,
        "skipped_missing": outcome.skipped_missing, "late": late,
        "onsets": sum(e.kind == ONSET for e in outcome.edges),
        "clears": sum(e.kind == CLEAR for e in outcome.edges), "phase": run.state.phase})
    return outcome


def _at(edge: Edge) -> datetime:
    return storage.to_datetime(round(edge.at * 1e6))


def _write(conn: Connection, runs: list[_RuleRun], outcomes: list, report: PassReport, messages: list,
           now: datetime, log: logging.Logger) -> None:
    ids = iter(storage.next_event_ids(conn, sum(e.kind == ONSET for o in outcomes for e in o.edges)))
    new_rows: dict[int, dict] = {}  # events opened in this pass, by id, column -> value
    clears, states = [], []
    for run, outcome in zip(runs, outcomes):
        rule, open_id = run.rule, run.state.event_id
        for edge in outcome.edges:
            at = _at(edge)
            if edge.kind == ONSET:
                open_id = next(ids)
                new_rows[open_id] = dict.fromkeys(storage.EVENT_COLUMNS) | {
                    "id": open_id, "rule_id": rule.id, "unit_id": rule.unit_id, "rule_name": rule.name,
                    "metric": rule.metric, "comparison": rule.comparison, "threshold_db": rule.threshold_db,
                    "onset_at": at, "onset_value": edge.value, "peak_value": edge.value, "status": "active"}
                report.opened += 1
                log.warning(f"[ALERT:ONSET] {_label(rule)}: {onset_detail(rule, edge.value)}")
            else:
                if open_id in new_rows:
                    new_rows[open_id].update(peak_value=edge.peak, clear_at=at, clear_value=edge.value,
                                             status="cleared")
                elif open_id is not None:
                    clears.append((at, edge.value, edge.peak, None, open_id))
                report.cleared += 1
                log.warning(f"[ALERT:CLEAR] {_label(rule)}: {clear_detail(edge.value, edge.peak)}")
            messages.append(_message(rule, open_id, edge.kind, at, edge.value, edge.peak))
            if edge.kind == CLEAR:
                open_id = None
        if not run.changed:
            continue
        state = run.state
        state.event_id = open_id if state.phase == ACTIVE else None
        edge_since = None if state.edge_since is None else storage.to_datetime(round(state.edge_since * 1e6))
        states.append((rule.unit_id, rule.id, rule.fingerprint, state.phase, edge_since, state.peak,
                       state.event_id, run.watermark, run.seen_before, run.late_total, now,
                       run.arrival_cursor))
    storage.insert_events(conn, [tuple(row[c] for c in storage.EVENT_COLUMNS) for row in new_rows.values()])
    storage.clear_events(conn, clears)
    if states:
        storage.replace_states(conn, [r.rule.id for r in runs if r.changed], states)
    enqueue_many(conn, topic=topics.ALERT_WEBHOOK, messages=messages, now=now)
