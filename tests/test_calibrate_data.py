"""Bad data: one clear line (file, column, row) or an explicit count of what was dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from journeysim.calibrate.data import DataError, load_cohorts, load_event_log, load_transactions

TODAY = "2025-01-01"


def write(tmp_path, text, name="orders.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "customer_id,date,amount\nA,2024-01-02,10\nA,2024-02-01,12.5\nB,2024-01-05,7\n"


def test_good_file_loads(tmp_path):
    table = load_transactions(write(tmp_path, GOOD), today=TODAY)
    assert len(table.frame) == 3 and not table.dropped
    assert str(table.frame["date"].dtype) == "datetime64[ns]"


def test_missing_column_names_file_and_columns(tmp_path):
    path = write(tmp_path, "customer_id,date\nA,2024-01-02\n")
    with pytest.raises(DataError) as err:
        load_transactions(path, today=TODAY)
    text = str(err.value)
    assert text.startswith(str(path)) and "missing column 'amount'" in text
    assert "\n" not in text


def test_misnamed_column_suggests_the_mapping(tmp_path):
    path = write(tmp_path, "CustomerID,date,amount\nA,2024-01-02,3\n")
    with pytest.raises(DataError, match=r"did you mean 'CustomerID'\? \(map it: customer_id="):
        load_transactions(path, today=TODAY)
    table = load_transactions(path, {"customer_id": "CustomerID"}, today=TODAY)
    assert list(table.frame["customer_id"]) == ["A"]


def test_unparseable_date_names_row_and_column(tmp_path):
    path = write(tmp_path, GOOD + "C,yesterday,4\n")
    with pytest.raises(DataError, match=r"orders.csv:5: column 'date': cannot read 'yesterday'"):
        load_transactions(path, today=TODAY)


def test_time_zones_converted_and_mixing_refused(tmp_path):
    path = write(
        tmp_path,
        "customer_id,date,amount\nA,2024-01-02T23:30:00-02:00,1\nA,2024-01-04T10:00:00+01:00,2\n",
    )
    table = load_transactions(path, today=TODAY)
    assert table.frame["date"].iloc[0] == pd.Timestamp("2024-01-03 01:30")
    assert any("converted to UTC" in n for n in table.notes)
    paris = load_transactions(path, today=TODAY, tz="Europe/Paris")
    assert paris.frame["date"].iloc[0] == pd.Timestamp("2024-01-03 02:30")
    with pytest.raises(DataError, match="unknown time zone 'Mars/Base'"):
        load_transactions(path, today=TODAY, tz="Mars/Base")
    mixed = write(tmp_path, "customer_id,date,amount\nA,2024-01-02T23:30:00Z,1\nA,2024-01-04,2\n")
    with pytest.raises(DataError, match=r":3: column 'date': .* has no time-zone offset"):
        load_transactions(mixed, today=TODAY)


def test_negative_amounts_dropped_and_counted_zero_kept(tmp_path):
    path = write(tmp_path, GOOD + "B,2024-02-01,-7\nB,2024-03-01,0\n")
    table = load_transactions(path, today=TODAY)
    assert [(d.reason, d.rows, d.first_row) for d in table.dropped] == [
        ("amount negative (refund or return)", 1, 5)
    ]
    assert any("1 purchases with amount 0 kept" in n for n in table.notes)
    assert "1 rows dropped: amount negative" in "\n".join(table.summary())


def test_amount_not_a_number_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r":5: column 'amount': 'ten' is not a number"):
        load_transactions(write(tmp_path, GOOD + "C,2024-01-02,ten\n"), today=TODAY)


def test_duplicates_dropped_and_counted(tmp_path):
    table = load_transactions(write(tmp_path, GOOD + "A,2024-01-02,10\n"), today=TODAY)
    assert table.dropped[0].reason.startswith("exact duplicate") and table.dropped[0].rows == 1
    assert len(table.frame) == 3


def test_single_record_customers_kept_and_counted(tmp_path):
    table = load_transactions(write(tmp_path, GOOD), today=TODAY)
    assert "B" in set(table.frame["customer_id"])
    assert any("1 of 2 customers have a single purchase" in n for n in table.notes)


def test_empty_segment_cell_is_an_error(tmp_path):
    path = write(
        tmp_path, "customer_id,date,amount,segment\nA,2024-01-02,1,gold\nB,2024-01-03,2,\n"
    )
    with pytest.raises(DataError, match=r":3: column 'segment': empty segment"):
        load_transactions(path, today=TODAY)


def test_future_dates_are_an_error_and_after_end_dropped(tmp_path):
    with pytest.raises(DataError, match=r":5: column 'date': 2030-01-01 00:00:00 is in the future"):
        load_transactions(write(tmp_path, GOOD + "C,2030-01-01,3\n"), today=TODAY)
    table = load_transactions(write(tmp_path, GOOD), end="2024-01-31", today=TODAY)
    assert table.dropped[0].rows == 1 and "after the end of observation" in table.dropped[0].reason


def test_nothing_left_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no purchase left"):
        load_transactions(
            write(tmp_path, "customer_id,date,amount\nA,2024-01-02,-1\n"), today=TODAY
        )


def test_log_without_any_purchase_is_an_error(tmp_path):
    path = write(
        tmp_path,
        "customer_id,timestamp,touchpoint,outcome\nA,2024-01-02T10:00,web,\nA,2024-01-02T10:05,web,exit\n",
        "log.csv",
    )
    with pytest.raises(
        DataError, match=r"log.csv: column 'outcome': no journey ends in a purchase"
    ):
        load_event_log(path, today=TODAY)
    assert len(load_event_log(path, today=TODAY, require_purchase=False).frame) == 2


def test_event_log_bad_values_named(tmp_path):
    path = write(
        tmp_path,
        "customer_id,timestamp,touchpoint,wait\nA,2024-01-02T10:00,web,1\nA,2024-01-02T10:05,web,-2\n",
        "log.csv",
    )
    with pytest.raises(DataError, match=r"log.csv:3: column 'wait': negative value"):
        load_event_log(path, today=TODAY)


def test_cohort_table_that_grows_is_an_error(tmp_path):
    path = write(tmp_path, "cohort,0,1,2\n2020,100,80,90\n", "cohorts.csv")
    with pytest.raises(DataError, match=r"cohorts.csv:2: column '2': more customers alive"):
        load_cohorts(path)


def test_parquet_reads_like_csv(tmp_path):
    frame = pd.DataFrame({"id": ["A", "B"], "date": ["2024-01-02", "2024-01-03"], "amount": [1, 2]})
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    table = load_transactions(path, {"customer_id": "id"}, today=TODAY)
    assert list(table.frame["amount"]) == [1.0, 2.0]


def test_a_segment_too_small_to_fit_is_named(tmp_path):
    from journeysim.calibrate.transactions import fit_transactions

    rows = ["customer_id,date,amount,segment"]
    for i in range(40):
        rows += [f"c{i},2024-01-0{1 + i % 5},10,big", f"c{i},2024-03-0{1 + i % 5},12,big"]
    rows += ["x1,2024-01-02,5,tiny", "x1,2024-02-02,5,tiny"]
    table = load_transactions(write(tmp_path, "\n".join(rows) + "\n"), today=TODAY)
    with pytest.raises(DataError, match="segment 'tiny' has 1 customers .* at least 30"):
        fit_transactions(table, calibration_end="2024-03-01")


def test_a_minimal_event_log_fits(tmp_path):
    from journeysim.calibrate.eventlog import fit_event_log

    lines = ["customer_id,timestamp,touchpoint,outcome"]
    for i in range(60):
        day = f"2024-01-{1 + i % 28:02d}"
        lines += [f"c{i},{day}T10:00,web,", f"c{i},{day}T10:07,checkout,purchase" if i % 3 else
                  f"c{i},{day}T10:07,checkout,exit"]  # fmt: skip
    fit = fit_event_log(load_event_log(write(tmp_path, "\n".join(lines) + "\n", "log.csv"),
                                       today=TODAY))  # fmt: skip
    routes = fit.routes.set_index(["from", "to"])
    assert routes.loc[("web", "checkout"), "p"] == 1.0
    assert routes.loc[("checkout", "purchase"), "count"] == 40
    assert fit.capacity == {"web": "unlimited", "checkout": "unlimited"}
    assert fit.service["web"].distribution == "deterministic"  # 7 minutes to the next visit
    assert fit.service["web"].mean.value == pytest.approx(7.0)
