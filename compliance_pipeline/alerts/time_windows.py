"""A rule's time window (days and hours), judged at each reading's local time in the rule's
IANA zone. Pure. The time is the snapshot's own observed_at and the offset comes from
zoneinfo, so a DST change day is judged correctly.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from compliance_pipeline.alerts.rules import Rule, minutes_of

_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_s(zone: ZoneInfo, epoch_s: float) -> float:
    return datetime.fromtimestamp(epoch_s, zone).utcoffset().total_seconds()


def utc_offsets(epoch_s: np.ndarray, timezone: str) -> np.ndarray:
    """The zone's UTC offset (seconds) at each instant.

    Looked up once per UTC hour: when the offset at the hour's first and last second agree,
    the whole hour shares it (zones change offset at most once an hour); otherwise each
    reading of that hour is looked up on its own.
    """
    if timezone == "UTC" or len(epoch_s) == 0:
        return np.zeros(len(epoch_s))
    zone = _zone(timezone)
    hours, inverse = np.unique(np.floor_divide(epoch_s, 3600).astype(np.int64), return_inverse=True)
    first = np.array([_offset_s(zone, float(h) * 3600) for h in hours])
    last = np.array([_offset_s(zone, float(h) * 3600 + 3599.999) for h in hours])
    offsets = first[inverse]
    for i in np.flatnonzero((first != last)[inverse]):
        offsets[i] = _offset_s(zone, float(epoch_s[i]))
    return offsets


def schedule_mask(rule: Rule, epoch_s: np.ndarray) -> np.ndarray:
    """True where the reading falls inside the rule's schedule (days and window)."""
    if rule.days is None and rule.schedule_start is None:
        return np.ones(len(epoch_s), dtype=bool)
    local = epoch_s + utc_offsets(epoch_s, rule.timezone)
    mask = np.ones(len(epoch_s), dtype=bool)
    if rule.days is not None:
        weekday = (np.floor_divide(local, 86400).astype(np.int64) + _EPOCH_WEEKDAY) % 7
        mask &= np.isin(weekday, sorted(rule.days))
    if rule.schedule_start is not None and rule.schedule_end is not None:
        minute = np.floor_divide(local, 60).astype(np.int64) % 1440
        s, e = minutes_of(rule.schedule_start), minutes_of(rule.schedule_end)
        if s < e:
            mask &= (minute >= s) & (minute < e)
        elif s > e:
            mask &= (minute >= s) | (minute < e)
    return mask
