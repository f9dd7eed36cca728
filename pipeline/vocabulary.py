"""Every word of the document that the readers look for, in one configurable place.

The readers never spell a heading or label themselves: they ask this module. A revised
edition that renames a label (say 取組所属 → 担当所属) is handled by overriding the entry in
``params.yaml`` under ``vocabulary:``, not by editing code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Vocabulary:
    # 体系図 (plan overview)
    overview_title: str = "体系図"
    goal: str = "目標"
    policy: str = "方針"
    item: str = "実施項目"
    department_header: str = "取組所属"
    data_utilization_mark: str = "★"
    #: How a department name ends: a line that is full AND ends so is still one whole name
    #: (unless it is only a bureau, like 教育委員会事務局, that the next line continues).
    department_endings: tuple[str, ...] = ("課", "室", "所", "センター", "局", "部", "館", "院")
    # detail sheets
    project: str = "事業"
    lead_departments: str = "取組所属"
    related_departments: str = "関係所属"
    current_issues: str = "現状・課題"
    actions: str = "取組内容"
    related_info: str = "関連情報"
    schedule: str = "工程表"
    plan_actual: tuple[str, ...] = ("計画/実績", "計画・実績")
    evaluation: tuple[str, ...] = ("評価",)
    indicator: str = "参考指標"
    indicator_header: tuple[str, ...] = ("指標",)
    baseline: str = "策定時"
    baseline_year: tuple[str, ...] = ("年・年度", "年度")
    baseline_value: tuple[str, ...] = ("現状",)
    footnote_mark: str = "※"
    none_marks: tuple[str, ...] = ("-", "―", "‐", "−", "ー", "—", "–")
    #: Units a value may carry; extend here (or in params.yaml) when a new one appears.
    units: tuple[str, ...] = (
        "%", "億円", "百万円", "千円", "万円", "円", "件", "者", "人", "日", "時間", "回",
        "施設", "団体", "箇所", "か所", "社", "校", "台", "km", "t", "点", "pt", "ポイント",
        "倍", "割", "市町村", "事業", "講座", "本", "冊", "名", "世帯", "箇月", "か月", "年",
    )

    def with_overrides(self, overrides: dict | None) -> "Vocabulary":
        """A copy with entries from params.yaml's ``vocabulary:`` mapping applied."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown vocabulary entries: {sorted(unknown)}")
        cast = {k: tuple(v) if isinstance(getattr(self, k), tuple) else v for k, v in overrides.items()}
        return replace(self, **cast)


DEFAULT = Vocabulary()
