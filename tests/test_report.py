"""Text tables for the terminal: numbers people can read."""

import pandas as pd

from journeysim.report import comparison_table, format_kpi, number


def test_numbers_keep_what_matters_and_never_use_scientific_notation():
    assert number(-0.0045834, signed=True) == "-0.00458"  # not "-0.00"
    assert number(23.4321) == "23.43"
    assert number(-94300.2) == "-94,300"
    assert number(0.0) == "0" and number(25.0, signed=True) == "+25"  # counts stay whole
    assert "e" not in number(1.234e-7) and "e" not in number(9.9e9)
    assert format_kpi("retention_rate", 0.95316) == "95.3%"
    assert format_kpi("nps", 19.27) == "+19.3"
    assert format_kpi("customers_churned", 0.0) == "0"


def test_comparison_table_marks_significant_differences_with_readable_precision():
    rows = []
    for strategy, diff, low, high in (("baseline", 0, 0, 0), ("cem", -0.0046, -0.0055, -0.0036)):
        rows.append(
            {
                "strategy": strategy,
                "kpi": "csat",
                "mean": 4.02 + diff,
                "ci_low": 4.0,
                "ci_high": 4.04,
                "diff": diff,
                "diff_ci_low": low,
                "diff_ci_high": high,
                "n": 8,
            }
        )
    text = comparison_table(pd.DataFrame(rows), ["baseline", "cem"], "baseline")
    assert "-0.00460* ±0.000950" in text
