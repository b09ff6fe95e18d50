"""Reading a firm's data: transactions, cohort tables and journey event logs.

Every loader takes a CSV or Parquet file (or a DataFrame) and an optional column mapping
(``{"customer_id": "CustID"}``: our name -> the file's name), and returns a :class:`Table`:
the clean rows plus an account of every row dropped and why. Problems a fit cannot work around
raise :class:`DataError`, whose text is one line naming the file, the column and the row
(``orders.csv:17: column 'date': cannot read 'yesterday' as a date``); the CLI prints it and
exits with code 2. Nothing is dropped silently: :attr:`Table.dropped` lists each reason with its
count, and the fit report prints it.

Rules (docs/calibration.md, "Bad data"):

- a required column missing (or misnamed): error, listing the file's columns and the closest one;
- a date that does not parse, or a date after today (the future): error naming the row;
- time zones: offsets are converted to ``tz`` (default UTC) and dropped; mixing dates with and
  without an offset in one column is an error (their order would be ambiguous);
- amounts: not a number is an error; negative ones (refunds, returns) are dropped and counted;
  zero ones count as purchases but stay out of the basket fit (counted in the notes);
- exact duplicate rows are dropped and counted;
- rows after the end of observation (``end=``) are dropped and counted;
- an empty segment cell is an error (fill it, or leave the segment column out);
- customers with a single record are kept (they are information: no repeat purchase) and
  counted in :attr:`Table.notes`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from journeysim.errors import ScenarioError

__all__ = [
    "DataError",
    "Dropped",
    "Table",
    "load_cohorts",
    "load_event_log",
    "load_transactions",
    "read_cdnow",
]


class DataError(ScenarioError):
    """A data file a fit cannot use; ``str`` is one line: file:row: column: what is wrong."""


@dataclass
class Dropped:
    """Rows left out of a fit for one reason."""

    reason: str
    rows: int
    first_row: int | None = None

    def __str__(self) -> str:
        where = f" (first at row {self.first_row})" if self.first_row is not None else ""
        return f"{self.rows} rows dropped: {self.reason}{where}"


@dataclass
class Table:
    """Clean rows of one data file, with the account of what was dropped and noticed."""

    frame: pd.DataFrame
    source: str
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0

    def summary(self) -> list[str]:
        """Lines for the fit report: rows read, kept, each drop and each note."""
        lines = [f"{self.source}: {self.rows_read} rows read, {len(self.frame)} used"]
        lines += [f"  {d}" for d in self.dropped]
        lines += [f"  note: {n}" for n in self.notes]
        return lines


# -- reading --------------------------------------------------------------------------------------


def _read(data: str | Path | pd.DataFrame, source: str | None) -> tuple[pd.DataFrame, str, int]:
    """The raw frame, a name for messages, and the offset from index to file row."""
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True), source or "<DataFrame>", 1
    path = Path(data)
    name = source or str(data)
    if not path.exists():
        raise DataError("no such file", source=name)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path).reset_index(drop=True), name, 1
        if suffix in (".csv", ".txt", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            # everything as text: we parse and report each column ourselves
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False), name, 2
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read the file: {first}", source=name) from None
    raise DataError(f"unknown file type {suffix!r}; allowed: .csv, .tsv, .parquet", source=name)


def _columns(
    raw: pd.DataFrame,
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    mapping: dict[str, str] | None,
) -> pd.DataFrame:
    """Rename the file's columns to ours; error on a missing required one."""
    mapping = dict(mapping or {})
    unknown = set(mapping) - set(required) - set(optional)
    if unknown:
        allowed = ", ".join(required + optional)
        raise DataError(
            f"column mapping names unknown field {sorted(unknown)[0]!r}; allowed: {allowed}",
            source=name,
        )
    have = [str(c) for c in raw.columns]
    out = {}
    for ours in required + optional:
        theirs = mapping.get(ours, ours)
        if theirs in have:
            out[ours] = raw[theirs]
        elif ours in required or ours in mapping:
            close = difflib.get_close_matches(theirs, have, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}? (map it: {ours}={close[0]})" if close else ""
            raise DataError(
                f"missing column {theirs!r}; the file has: {', '.join(have) or 'no columns'}{hint}",
                source=name,
            )
    return pd.DataFrame(out)


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def _dates(
    series: pd.Series, name: str, column: str, offset: int, tz: str, today: pd.Timestamp
) -> tuple[pd.Series, list[str]]:
    """Parse a date/time column to naive timestamps in ``tz``; one-line error on a bad cell."""
    notes: list[str] = []
    blank = _blank(series)
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0]) + offset
        raise DataError(f"column {column!r}: empty date", source=name, line=row)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        text = series.astype(str).str.strip()
        has_tz = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
        if has_tz.any() and not has_tz.all():
            row = int(np.flatnonzero((~has_tz).to_numpy())[0]) + offset
            first = int(np.flatnonzero(has_tz.to_numpy())[0]) + offset
            raise DataError(
                f"column {column!r}: {text.iloc[row - offset]!r} has no time-zone offset but "
                f"row {first} has one; give every date an offset or none",
                source=name,
                line=row,
            )
        compact = text.str.fullmatch(r"\d{8}")
        fmt = "%Y%m%d" if compact.all() else "ISO8601"
        parsed = pd.to_datetime(text, errors="coerce", format=fmt, utc=bool(has_tz.any()))
        bad = parsed.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {column!r}: cannot read {text.iloc[row]!r} as a date "
                "(write ISO 8601, e.g. 2024-03-01 or 2024-03-01T14:05:00+01:00)",
                source=name,
                line=row + offset,
            )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(tz).dt.tz_localize(None)
        notes.append(f"column {column!r}: times with offsets converted to {tz}")
    future = parsed > today
    if future.any():
        row = int(np.flatnonzero(future.to_numpy())[0])
        raise DataError(
            f"column {column!r}: {parsed.iloc[row]} is in the future (today is {today.date()})",
            source=name,
            line=row + offset,
        )
    return parsed.astype("datetime64[ns]"), notes


def _numbers(series: pd.Series, name: str, column: str, offset: int) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)  # missing cells (NaN) are the caller's business
    else:
        text = series.astype(str).str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"column {column!r}: {series.iloc[row]!r} is not a number",
            source=name,
            line=row + offset,
        )
    return values.astype(float)


def _drop(table: Table, mask: pd.Series, reason: str, offset: int) -> None:
    """Drop the rows where ``mask`` holds, counting them under ``reason``."""
    mask = mask.to_numpy(dtype=bool)
    if mask.any():
        first = int(np.flatnonzero(mask)[0]) + offset
        table.dropped.append(Dropped(reason, int(mask.sum()), first))
        table.frame = table.frame.loc[~mask]


def _segments(frame: pd.DataFrame, name: str, offset: int) -> None:
    if "segment" not in frame:
        return
    blank = _blank(frame["segment"])
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0]) + offset
        raise DataError(
            "column 'segment': empty segment; fill it or leave the segment column out",
            source=name,
            line=row,
        )
    frame["segment"] = frame["segment"].astype(str).str.strip()


def _check_tz(tz: str, name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone {tz!r} (use an IANA name, e.g. UTC or Europe/Paris)",
            source=name,
            field="tz",
        ) from None


def _today(today: Any) -> pd.Timestamp:
    if today is None:
        return pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() + pd.Timedelta(days=1)
    return pd.Timestamp(today)


# -- transactions ---------------------------------------------------------------------------------


def load_transactions(
    data: str | Path | pd.DataFrame,
    columns: dict[str, str] | None = None,
    *,
    end: Any = None,
    tz: str = "UTC",
    today: Any = None,
    source: str | None = None,
) -> Table:
    """Read a transaction table: ``customer_id, date, amount[, segment]``, one row a purchase.

    Parameters
    ----------
    data:
        CSV/TSV/Parquet path, or a DataFrame.
    columns:
        Our column name -> the file's (e.g. ``{"date": "OrderDate"}``).
    end:
        End of observation; later rows are dropped and counted. Default: the last date.
    tz:
        Time zone that dates with an offset are converted to before the offset is dropped.
    today:
        What counts as the future (default: the current UTC date); tests pin it.
    source:
        Name used in messages (default: the path).

    Returns
    -------
    Table
        Columns ``customer_id`` (str), ``date`` (datetime64), ``amount`` (float >= 0) and
        ``segment`` (str, if given), sorted by customer and date.

    Raises
    ------
    DataError
        Missing column, unreadable date or amount, future date, empty segment, nothing left.
    """
    raw, name, offset = _read(data, source)
    _check_tz(tz, name)
    frame = _columns(raw, name, ("customer_id", "date", "amount"), ("segment",), columns)
    table = Table(frame, name, rows_read=len(frame))
    if frame.empty:
        raise DataError("no transactions in the file", source=name)
    blank = _blank(frame["customer_id"])
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0]) + offset
        raise DataError("column 'customer_id': empty customer id", source=name, line=row)
    frame["customer_id"] = frame["customer_id"].astype(str).str.strip()
    frame["date"], notes = _dates(frame["date"], name, "date", offset, tz, _today(today))
    table.notes += notes
    frame["amount"] = _numbers(frame["amount"], name, "amount", offset)
    _segments(frame, name, offset)
    table.frame = frame
    _drop(table, frame["amount"].isna(), "amount missing", offset)
    _drop(table, table.frame["amount"] < 0, "amount negative (refund or return)", offset)
    zero = int((table.frame["amount"] == 0).sum())
    if zero:
        table.notes.append(
            f"{zero} purchases with amount 0 kept as purchases, left out of the basket fit"
        )
    _drop(table, table.frame.duplicated(keep="first"), "exact duplicate of an earlier row", offset)
    if end is not None:
        stop = pd.Timestamp(end)
        _drop(
            table,
            table.frame["date"] > stop,
            f"dated after the end of observation {stop.date()}",
            offset,
        )
    if table.frame.empty:
        raise DataError(
            "no purchase left after dropping bad rows: " + "; ".join(str(d) for d in table.dropped),
            source=name,
        )
    if "segment" in table.frame:
        mixed = table.frame.groupby("customer_id")["segment"].nunique()
        if (mixed > 1).any():
            who = mixed.index[mixed > 1][0]
            raise DataError(
                f"column 'segment': customer {who!r} appears in more than one segment",
                source=name,
            )
    table.frame = table.frame.sort_values(["customer_id", "date"], kind="stable").reset_index(
        drop=True
    )
    counts = table.frame.groupby("customer_id").size()
    single = int((counts == 1).sum())
    if single:
        table.notes.append(
            f"{single} of {len(counts)} customers have a single purchase (kept: no repeat)"
        )
    return table


def read_cdnow(path: str | Path) -> pd.DataFrame:
    """Read the CDNOW sample file (whitespace columns: id, sample id, yyyymmdd, CDs, dollars).

    Returns a transaction frame ``customer_id, date, amount`` for :func:`load_transactions`.
    Source: Fader & Hardie's CDNOW data set as shipped by the ``lifetimes`` package.
    """
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    return raw[["customer_id", "date", "amount"]]


# -- cohort tables --------------------------------------------------------------------------------


def load_cohorts(
    data: str | Path | pd.DataFrame,
    *,
    cohort: str = "cohort",
    segment: str | None = "segment",
    source: str | None = None,
) -> Table:
    """Read a cohort retention table: customers alive by cohort (rows) and period (columns).

    The columns are ``cohort`` (a label), optionally ``segment``, and one column per period
    ``0, 1, 2, ...`` holding the number of customers still active at the end of that period
    (column ``0``: the cohort's size). Empty cells after the last observed period are allowed
    (a younger cohort). A count that grows, is negative or is not a number is an error.

    Returns
    -------
    Table
        ``frame`` with columns ``cohort``, ``segment`` (``"all"`` if absent) and ``0..K``.
    """
    raw, name, offset = _read(data, source)
    cols = [str(c) for c in raw.columns]
    raw.columns = cols
    periods = sorted((c for c in cols if c.strip().isdigit()), key=lambda c: int(c))
    if not periods or periods[0].strip() != "0" or len(periods) < 2:
        raise DataError(
            "a cohort table needs period columns 0, 1, 2, ... (customers alive at the end "
            f"of each period; 0 = cohort size); the file has: {', '.join(cols)}",
            source=name,
        )
    frame = pd.DataFrame(
        {p.strip(): _numbers(raw[p].replace("", np.nan), name, p, offset) for p in periods}
    )
    frame.insert(0, "cohort", raw[cohort].astype(str) if cohort in cols else range(len(raw)))
    if segment and segment in cols:
        frame.insert(1, "segment", raw[segment])
        _segments(frame, name, offset)
    else:
        frame.insert(1, "segment", "all")
    table = Table(frame, name, rows_read=len(frame))
    values = frame[[p.strip() for p in periods]].to_numpy(dtype=float)
    for i, row in enumerate(values):
        seen = row[~np.isnan(row)]
        if np.isnan(row[0]) or row[0] <= 0:
            raise DataError(
                "column '0': cohort size must be positive", source=name, line=i + offset
            )
        if (seen < 0).any():
            raise DataError("a negative count of customers", source=name, line=i + offset)
        if (np.diff(seen) > 0).any():
            col = periods[int(np.flatnonzero(np.diff(seen) > 0)[0]) + 1]
            raise DataError(
                f"column {col!r}: more customers alive than in the period before "
                "(a cohort can only shrink)",
                source=name,
                line=i + offset,
            )
        if np.isnan(row).any() and not np.isnan(row[np.argmax(np.isnan(row)) :]).all():
            raise DataError(
                "a gap inside the cohort's row (only trailing cells may be empty)",
                source=name,
                line=i + offset,
            )
    return table


# -- journey event logs ---------------------------------------------------------------------------

EVENT_LOG_REQUIRED = ("customer_id", "timestamp", "touchpoint")
EVENT_LOG_OPTIONAL = (
    "journey_id",
    "event",
    "wait",
    "duration",
    "outcome",
    "amount",
    "ltr",
    "csat",
    "ces",
    "segment",
)
OUTCOMES = ("purchase", "exit", "abandon")


def load_event_log(
    data: str | Path | pd.DataFrame,
    columns: dict[str, str] | None = None,
    *,
    session_gap: float = 1.0,
    tz: str = "UTC",
    today: Any = None,
    require_purchase: bool = True,
    source: str | None = None,
) -> Table:
    """Read a journey event log: one row per touchpoint visit.

    Columns ``customer_id, timestamp, touchpoint`` plus optional ``journey_id`` (else a new
    journey starts after ``session_gap`` days of silence), ``event`` (``visited`` or
    ``abandoned``), ``wait`` and ``duration`` (minutes), ``outcome`` (on a journey's last row:
    ``purchase``, ``exit`` or ``abandon``), ``amount``, ``ltr`` (0-10), ``csat`` (1-5),
    ``ces`` (1-7) and ``segment``. The timestamp is the arrival at the touchpoint. See
    docs/calibration.md.

    Raises
    ------
    DataError
        Missing column, bad timestamp or number, unknown event or outcome, negative wait or
        duration, or (``require_purchase``) a log in which no journey ends in a purchase.
    """
    raw, name, offset = _read(data, source)
    _check_tz(tz, name)
    frame = _columns(raw, name, EVENT_LOG_REQUIRED, EVENT_LOG_OPTIONAL, columns)
    table = Table(frame, name, rows_read=len(frame))
    if frame.empty:
        raise DataError("no events in the file", source=name)
    for col in ("customer_id", "touchpoint"):
        blank = _blank(frame[col])
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0]) + offset
            raise DataError(f"column {col!r}: empty cell", source=name, line=row)
        frame[col] = frame[col].astype(str).str.strip()
    frame["timestamp"], notes = _dates(
        frame["timestamp"], name, "timestamp", offset, tz, _today(today)
    )
    table.notes += notes
    for col in ("wait", "duration", "amount", "ltr", "csat", "ces"):
        if col in frame:
            frame[col] = _numbers(frame[col], name, col, offset)
            negative = frame[col] < 0
            if negative.any():
                row = int(np.flatnonzero(negative.to_numpy())[0]) + offset
                raise DataError(f"column {col!r}: negative value", source=name, line=row)
    for col, allowed in (("event", ("visited", "abandoned")), ("outcome", OUTCOMES)):
        if col in frame:
            text = frame[col].fillna("").astype(str).str.strip().str.lower()
            bad = ~text.isin((*allowed, ""))
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"column {col!r}: unknown value {text.iloc[row]!r}; "
                    f"allowed: {', '.join(allowed)} (or empty)",
                    source=name,
                    line=row + offset,
                )
            frame[col] = text
    _segments(frame, name, offset)
    if "journey_id" in frame:
        frame["journey_id"] = frame["journey_id"].astype(str).str.strip()
    table.frame = frame
    _drop(table, frame.duplicated(keep="first"), "exact duplicate of an earlier row", offset)
    frame = table.frame.sort_values(["customer_id", "timestamp"], kind="stable")
    if "journey_id" not in frame:
        gap = frame.groupby("customer_id")["timestamp"].diff() > pd.Timedelta(days=session_gap)
        first = frame["customer_id"] != frame["customer_id"].shift()
        frame["journey_id"] = (
            frame["customer_id"]
            + ":"
            + (gap | first).groupby(frame["customer_id"]).cumsum().astype(str)
        )
        table.notes.append(
            f"no journey_id: a journey is a customer's visits without a gap above {session_gap:g} d"
        )
    frame = frame.sort_values(["journey_id", "timestamp"], kind="stable").reset_index(drop=True)
    table.frame = frame
    if require_purchase:
        bought = False
        if "outcome" in frame:
            bought = bool((frame["outcome"] == "purchase").any())
        if not bought and "amount" in frame:
            bought = bool((frame["amount"].fillna(0) > 0).any())
        if not bought:
            raise DataError(
                "no journey ends in a purchase (no outcome 'purchase', no amount > 0): "
                "check the outcome column, or fit with require_purchase=False",
                source=name,
                field="column 'outcome'",
            )
    single = frame.groupby("customer_id").size()
    if (single == 1).any():
        table.notes.append(f"{int((single == 1).sum())} customers with a single visit (kept)")
    return table
