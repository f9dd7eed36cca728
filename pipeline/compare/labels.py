"""Japanese words for a change: its kind, table, column and key (changes.csv/.md, the report).

Table and column names are the exports' own (``publish/columns.py``), so a change names a
column exactly as the CSV an analyst opens beside it.
"""

from __future__ import annotations

from pipeline.contract import VALUE_LABELS
from pipeline.publish import columns as C

CHANGES = {"added": "追加", "removed": "削除", "changed": "変更", "renamed": "番号変更",
           "respelled": "表記変更"}

#: How each key column reads in a compact key: 「実施項目25 事業2 計画/実績 工程3」.
_KEY_FORMS = {"goal_no": "目標{}", "policy_no": "方針{}", "item_no": "実施項目{}",
              "project_seq": "事業{}", "track": "{}", "bar_seq": "工程{}", "role": "{}",
              "department": "{}", "indicator_id": "指標{}", "fiscal_year": "{}年度"}


def table_title(table: str) -> str:
    return C.TABLE_TITLES.get(table, table)


def field_title(table: str, field: str | None) -> str:
    """``start_fy`` of schedule → 開始年度 (the CSV header of that column)."""
    if not field:
        return ""
    try:
        return C.column(table, field).title
    except KeyError:
        return field


def value_text(column: str, value) -> str:
    """A code value in the plan's words (``lead`` → 取組所属); anything else as text."""
    if value is None:
        return ""
    return VALUE_LABELS.get(column, {}).get(value, str(value))


def key_text(change: dict) -> str:
    """The key columns of one change, compact and in Japanese; 「文書」 for the edition row."""
    parts = [form.format(value_text(col, change.get(col))) for col, form in _KEY_FORMS.items()
             if change.get(col) is not None]
    return " ".join(parts) or "文書"
