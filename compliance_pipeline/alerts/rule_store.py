"""Rules and events as users edit them: CRUD with validation on every write, listing, ack.

A rule is validated (rules.validate_rule) before any SQL runs, so a bad rule is never
stored. Editing a rule's evaluated fields changes its fingerprint, and the next pass resets
its state machine (see evaluation._restore); deleting a rule drops its state too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance_pipeline.alerts.rules import FIELDS, Rule, validate_rule, with_changes
from compliance_pipeline.errors import InputError
from compliance_pipeline.warehouse import Connection

EVENT_STATUSES = ("active", "cleared")
_COLUMNS = ", ".join(("id",) + FIELDS)


def _rule(row: dict) -> Rule:
    fields = dict(row)
    rule_id = fields.pop("id")
    return Rule(id=int(rule_id), **fields)


def list_rules(conn: Connection, unit_id: str | None = None) -> list[Rule]:
    sql, params = f"SELECT {_COLUMNS} FROM alert_rules", []
    if unit_id is not None:
        sql, params = sql + " WHERE unit_id = ?", [unit_id]
    return [_rule(r) for r in conn.query_dicts(sql + " ORDER BY id", params)]


def get_rule(conn: Connection, rule_id: int) -> Rule:
    rows = conn.query_dicts(f"SELECT {_COLUMNS} FROM alert_rules WHERE id = ?", (rule_id,))
    if not rows:
        raise InputError(f"id: no alert rule {rule_id}")
    return _rule(rows[0])


def add_rule(conn: Connection, fields: dict[str, Any]) -> Rule:
    rule = validate_rule(fields)
    rule_id = conn.scalar("SELECT nextval('alert_rules_id_seq')")
    values = [rule_id] + [getattr(rule, f) for f in FIELDS]
    conn.execute(f"INSERT INTO alert_rules ({_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values)
    return get_rule(conn, int(rule_id))


def update_rule(conn: Connection, rule_id: int, changes: dict[str, Any]) -> Rule:
    rule = with_changes(get_rule(conn, rule_id), changes)
    assignments = ", ".join(f"{f} = ?" for f in FIELDS)
    conn.execute(f"UPDATE alert_rules SET {assignments} WHERE id = ?",
                 [getattr(rule, f) for f in FIELDS] + [rule_id])
    return rule


def delete_rule(conn: Connection, rule_id: int) -> Rule:
    """The rule and its state go; its events stay as history (an open one is marked)."""
    rule = get_rule(conn, rule_id)
    conn.execute("DELETE FROM alert_state WHERE rule_id = ?", (rule_id,))
    conn.execute("UPDATE alert_events SET notes = COALESCE(notes || '; ', '') || 'rule deleted'"
                 " WHERE rule_id = ? AND status = 'active'", (rule_id,))
    conn.execute("DELETE FROM alert_rules WHERE id = ?", (rule_id,))
    return rule


def apply_rules(conn: Connection, rules: list[Rule]) -> dict[str, list[str]]:
    """Declarative: each file rule is matched to a stored one by (unit_id, name); added, updated
    (when any field differs) or left unchanged. Rules not in the file are left alone."""
    existing = {(r.unit_id, r.name): r for r in list_rules(conn)}
    result: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    for rule in rules:
        label = f"{rule.unit_id}/{rule.name}"
        stored = existing.get((rule.unit_id, rule.name))
        fields = {f: getattr(rule, f) for f in FIELDS}
        if stored is None:
            add_rule(conn, fields)
            result["added"].append(label)
        elif any(getattr(stored, f) != fields[f] for f in FIELDS):
            update_rule(conn, stored.id, fields)
            result["updated"].append(label)
        else:
            result["unchanged"].append(label)
    return result


def list_events(conn: Connection, unit_id: str | None = None, status: str | None = None,
                limit: int = 1000) -> list[dict]:
    if status is not None and status not in EVENT_STATUSES:
        raise InputError(f"status must be one of {', '.join(EVENT_STATUSES)}; got {status!r}")
    where, params = [], []
    if unit_id is not None:
        where.append("unit_id = ?")
        params.append(unit_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    sql = ("SELECT id, rule_id, unit_id, rule_name, metric, comparison, threshold_db, onset_at, onset_value,"
           " peak_value, clear_at, clear_value, status, acknowledged_at, acknowledged_by, notes FROM alert_events")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return conn.query_dicts(sql + " ORDER BY onset_at DESC, id DESC LIMIT ?", params + [limit])


def acknowledge(conn: Connection, event_id: int, *, by: str, notes: str | None, now: datetime) -> dict:
    """Stamp who acknowledged an event; a second ack changes nothing and says so."""
    if not by or not by.strip():
        raise InputError("by: the acknowledging person's name must not be empty")
    row = conn.query_dicts("SELECT id, acknowledged_at, acknowledged_by, notes FROM alert_events WHERE id = ?",
                           (event_id,))
    if not row:
        raise InputError(f"id: no alert event {event_id}")
    if row[0]["acknowledged_at"] is not None:
        return {"event_id": event_id, "acknowledged": False, "already_acknowledged_by": row[0]["acknowledged_by"],
                "acknowledged_at": row[0]["acknowledged_at"]}
    conn.execute("UPDATE alert_events SET acknowledged_at = ?, acknowledged_by = ?, notes = ? WHERE id = ?",
                 (now, by.strip(), "; ".join(n for n in (row[0]["notes"], notes) if n) or None, event_id))
    return {"event_id": event_id, "acknowledged": True, "acknowledged_by": by.strip(), "acknowledged_at": now}
