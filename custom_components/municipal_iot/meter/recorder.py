"""Recorder reads for the water glue (run in the recorder's executor).

Reports must stay fast for thousands of meters, so :func:`boundary_rows` does not
load every hourly row of a period: it counts the rows inside the period in SQL
and loads only the rows :mod:`.water.report` needs around the two boundaries
(the row holding the reading at each boundary, else its nearest neighbours).
Volumes are converted to m³ with the statistic's own unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.recorder.db_schema import Statistics
from homeassistant.components.recorder.statistics import (
    get_last_statistics,
    get_metadata_with_session,
    statistics_during_period,
)
from homeassistant.const import UnitOfVolume
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.util.unit_conversion import VolumeConverter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..const import DOMAIN
from .sources import to_m3_factor

HOUR_S = 3600
_CHUNK = 500  # statistic ids per IN (...) clause

type Row = dict[str, float | None]


class RecorderUnavailableError(HomeAssistantError):
    """The recorder is not set up or its database is not ready."""

    def __init__(self) -> None:
        """Raise with a translated message."""
        super().__init__(translation_domain=DOMAIN, translation_key="recorder_unavailable")


def recorder_loaded(hass: HomeAssistant) -> bool:
    """Return True when the recorder integration is set up."""
    return "recorder" in hass.config.components


async def async_run[T](hass: HomeAssistant, job: Callable[..., T], *args: Any) -> T:
    """Run a database job in the recorder's executor once the database is ready."""
    if not recorder_loaded(hass):
        raise RecorderUnavailableError
    instance = get_instance(hass)
    if not await instance.async_db_ready:
        raise RecorderUnavailableError
    return await instance.async_add_executor_job(job, *args)


def last_row(hass: HomeAssistant, statistic_id: str) -> Row | None:
    """Return the newest hourly row (start, state, sum) of a statistic."""
    rows = get_last_statistics(hass, 1, statistic_id, convert_units=False, types={"state", "sum"})
    found = rows.get(statistic_id)
    if not found:
        return None
    row = found[0]
    return {"start": row["start"], "state": row.get("state"), "sum": row.get("sum")}


def existing_statistics(hass: HomeAssistant, statistic_ids: set[str]) -> dict[str, str | None]:
    """Return the statistic ids that exist, with their units."""
    with session_scope(hass=hass, read_only=True) as session:
        metadata = get_metadata_with_session(
            get_instance(hass), session, statistic_ids=statistic_ids
        )
    return {stat_id: meta["unit_of_measurement"] for stat_id, (_id, meta) in metadata.items()}


def hourly_sums(
    hass: HomeAssistant, statistic_ids: set[str], start: datetime
) -> dict[str, list[tuple[datetime, float]]]:
    """Return ``(start, sum in m³)`` of the hourly rows since ``start``, per statistic."""
    if not statistic_ids:
        return {}
    stats = statistics_during_period(
        hass,
        start,
        None,
        statistic_ids,
        "hour",
        {VolumeConverter.UNIT_CLASS: UnitOfVolume.CUBIC_METERS},
        {"sum"},
    )
    return {
        stat_id: [
            (datetime.fromtimestamp(row["start"], UTC), total)
            for row in rows
            if (total := row.get("sum")) is not None
        ]
        for stat_id, rows in stats.items()
    }


@dataclass(slots=True)
class BoundaryRows:
    """The rows of one statistic around a period's boundaries, in m³."""

    unit: str | None
    rows: list[Row] = field(default_factory=list)
    count: int = 0  # rows starting inside the period


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]


def _neighbour(
    session: Session, metadata_id: int, below: float, above: float, *, last: bool
) -> tuple[float, float | None, float | None] | None:
    """Return the last (or first) valid row with ``above < start < below``."""
    order = Statistics.start_ts.desc() if last else Statistics.start_ts.asc()
    stmt = (
        select(Statistics.start_ts, Statistics.state, Statistics.sum)
        .where(
            Statistics.metadata_id == metadata_id,
            Statistics.start_ts < below,
            Statistics.start_ts > above,
            Statistics.sum.is_not(None),
        )
        .order_by(order)
        .limit(1)
    )
    found = session.execute(stmt).first()
    return None if found is None else (found[0], found[1], found[2])


def boundary_rows(
    hass: HomeAssistant, statistic_ids: set[str], t0: float, t1: float, max_gap: float
) -> dict[str, BoundaryRows]:
    """Return, per existing statistic, the boundary rows and the row count of ``[t0, t1)``."""
    b0, b1 = t0 - HOUR_S, t1 - HOUR_S
    with session_scope(hass=hass, read_only=True) as session:
        metadata = get_metadata_with_session(
            get_instance(hass), session, statistic_ids=statistic_ids
        )
        by_id = {meta_id: stat_id for stat_id, (meta_id, _meta) in metadata.items()}
        out = {
            stat_id: BoundaryRows(unit=meta["unit_of_measurement"])
            for stat_id, (_id, meta) in metadata.items()
        }
        exact: dict[int, dict[float, tuple[float, float | None, float | None]]] = {}
        for chunk in _chunks(sorted(by_id)):
            counted = session.execute(
                select(Statistics.metadata_id, func.count())
                .where(
                    Statistics.metadata_id.in_(chunk),
                    Statistics.start_ts >= t0,
                    Statistics.start_ts < t1,
                )
                .group_by(Statistics.metadata_id)
            )
            for meta_id, count in counted:
                out[by_id[meta_id]].count = int(count)
            rows = session.execute(
                select(
                    Statistics.metadata_id, Statistics.start_ts, Statistics.state, Statistics.sum
                ).where(
                    Statistics.metadata_id.in_(chunk),
                    Statistics.start_ts.in_((b0, b1)),
                    Statistics.sum.is_not(None),
                )
            )
            for meta_id, start, state, total in rows:
                exact.setdefault(meta_id, {})[start] = (start, state, total)
        for meta_id, stat_id in by_id.items():
            found = exact.get(meta_id, {})
            picked = list(found.values())
            if b0 not in found:
                picked += _around(
                    session, meta_id, b0, lower=b0 - max_gap, upper=max(b0 + max_gap, b1)
                )
            if b1 not in found:
                picked += _around(
                    session, meta_id, b1, lower=min(b1 - max_gap, b0), upper=b1 + max_gap
                )
            factor = to_m3_factor(out[stat_id].unit)
            out[stat_id].rows = [
                {
                    "start": start,
                    "state": None if state is None else state * factor,
                    "sum": None if total is None else total * factor,
                }
                for start, state, total in sorted(set(picked))
            ]
    return out


def _around(
    session: Session, metadata_id: int, at: float, *, lower: float, upper: float
) -> list[tuple[float, float | None, float | None]]:
    """Return the nearest valid rows before and after ``at`` (within the bounds)."""
    return [
        row
        for row in (
            _neighbour(session, metadata_id, at, lower - 1, last=True),
            _neighbour(session, metadata_id, upper + 1, at, last=False),
        )
        if row is not None
    ]
