"""Japanese display names for tables, fields and change kinds (changes.md and the report)."""

from __future__ import annotations

TABLES = {
    "documents": "文書", "goals": "目標", "policies": "方針", "items": "実施項目",
    "departments": "所属", "item_departments": "実施項目の取組所属", "projects": "事業",
    "project_departments": "事業の取組所属・関係所属", "schedule": "工程表",
    "indicators": "参考指標", "baselines": "参考指標の策定時", "actuals": "参考指標の実績",
}

CHANGES = {"added": "追加", "removed": "削除", "changed": "変更", "renamed": "番号変更"}

FIELDS = {
    "title": "名称", "name": "名称", "description": "説明", "goal_no": "目標番号",
    "policy_no": "方針番号", "item_no": "実施項目番号", "data_utilization_plan": "データ活用(★)",
    "bureau": "部局", "seq": "順序", "current_issues": "現状・課題", "actions": "取組内容",
    "related_info": "関連情報", "block_seq": "ブロック", "heading": "見出し", "text": "内容",
    "start_fy": "開始年度", "end_fy": "終了年度", "unit": "単位", "fiscal_year": "年度",
    "value": "値", "declared_goals": "目標数", "declared_policies": "方針数",
    "declared_items": "実施項目数", "plan_start_fy": "計画開始年度", "plan_end_fy": "計画終了年度",
}


def field_label(field: str | None) -> str:
    """``start_fy`` → ``開始年度 (start_fy)``; key lists like ``item_no/project_seq`` kept as is."""
    if not field:
        return ""
    return f"{FIELDS[field]} ({field})" if field in FIELDS else field
