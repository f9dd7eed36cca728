"""Japanese open-data headers for the contract tables, in one place.

The CSV header row and the datapackage.json fields are both built from these entries, so a
header can never drift from its documentation. Headers follow the wording Japanese portals
use (自治体標準オープンデータセット); every file starts with the region columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pipeline.contract import TABLES


@dataclass(frozen=True)
class Column:
    """One CSV column: Japanese header (= datapackage field name) and what it means."""

    title: str
    description: str
    #: Frictionless type when the Arrow type does not say it (years, derived columns).
    type: str | None = None
    #: Fixed unit of every value in the column (emitted as the custom field property ``unit``).
    unit: str | None = None


def local_government_code(code5: str) -> str:
    """全国地方公共団体コード with its check digit (JIS X 0402 / 総務省 rule).

    Weights 6,5,4,3,2 on the five digits; the check digit is the last digit of
    11 - (sum mod 11) (so remainder 0 gives 1 and remainder 1 gives 0).
    """
    if len(code5) != 5 or not code5.isascii() or not code5.isdigit():
        raise ValueError(f"a local government code has 5 digits, got {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return code5 + str((11 - total % 11) % 10)


#: The publishing local government, repeated as the first columns of every file.
REGION_CODE5 = "10000"
REGION_NAME = "群馬県"
REGION_VALUES = {"lg_code": local_government_code(REGION_CODE5), "lg_name": REGION_NAME}

#: Booleans are written as 1/0 (documented in each boolean field's trueValues/falseValues).
TRUE, FALSE = "1", "0"


#: Contract columns left out of the CSVs: page-layout coordinates are extraction provenance,
#: not a fact about the plan; the PDF's hash is a fact about the source, so only ``documents``
#: keeps it (every other table names its edition by 版, the key an analyst joins on).
OMITTED = frozenset({"bbox"})
SOURCE_ONLY = frozenset({"source_sha256"})

#: Contract columns holding a list, written as one fact instead (one fact per cell).
REPLACED = {"pages": "last_page"}

#: Columns the CSV adds right after a contract column, so the unit sits next to its value.
ADDED_AFTER: dict[tuple[str, str], str] = {
    ("baselines", "value"): "unit",
    ("actuals", "value"): "unit",
    ("departments", "bureau"): "bureau_source",
}

#: Where a department's 部局 came from (the ``bureau_source`` column).
BUREAU_FROM_DOCUMENT, BUREAU_FROM_ORGANISATION = "計画書", "組織表"

_NUMBER_UNIT = "単位は同じ行の「単位」列。"

COLUMNS: dict[str, Column] = {
    "lg_code": Column("全国地方公共団体コード", "総務省の全国地方公共団体コード（検査数字付き6桁）。", "string"),
    "lg_name": Column("地方公共団体名", "データを公開する地方公共団体の名称。", "string"),
    "source_file": Column("出典ファイル名", "抽出元PDFのファイル名。"),
    "source_sha256": Column("出典ファイルSHA-256", "抽出元PDFのSHA-256ハッシュ値（16進数）。"),
    "edition": Column("版", "計画の版（公表年月 YYYY-MM）。"),
    "page_count": Column("ページ数", "抽出元PDFの総ページ数。", unit="ページ"),
    "declared_goals": Column("目標数", "体系図に記載された目標の数。", unit="件"),
    "declared_policies": Column("方針数", "体系図に記載された方針の数。", unit="件"),
    "declared_items": Column("実施項目数", "体系図に記載された実施項目の数。", unit="件"),
    "plan_start_fy": Column("計画開始年度", "計画期間の最初の年度（西暦）。", "year"),
    "plan_end_fy": Column("計画終了年度", "計画期間の最後の年度（西暦）。", "year"),
    "goal_no": Column("目標番号", "目標の番号。"),
    "policy_no": Column("方針番号", "方針の番号（計画全体の通し番号）。"),
    "item_no": Column("実施項目番号", "実施項目の番号（計画全体の通し番号）。"),
    "description": Column("説明", "体系図に記載された説明文。"),
    "data_utilization_plan": Column(
        "データ利活用計画", "データ利活用計画に該当する実施項目（体系図の★）なら1、そうでなければ0。"),
    "page": Column("ページ", "記載されているPDFのページ（1始まり）。"),
    "last_page": Column("終了ページ", "記載が続く最後のPDFのページ（1始まり）。", "integer"),
    "department": Column("所属名", "所属（課・室等）の正式名称。略称は展開済み。"),
    "bureau": Column("部局名", "所属が属する部局。計画書にも組織表にも記載がない場合は空欄（推測しない）。"),
    "bureau_source": Column(
        "部局名の根拠", f"部局名の出典: {BUREAU_FROM_DOCUMENT}（所属名に部局名が記載されている）または"
        f"{BUREAU_FROM_ORGANISATION}（params.yaml の publication.organisation）。部局名が空欄なら空欄。", "string"),
    "project_seq": Column("事業番号", "実施項目内の事業の番号。"),
    "name": Column("事業名", "事業の名称。"),
    "current_issues": Column("現状・課題", "事業の現状と課題。"),
    "actions": Column("取組内容", "事業の取組内容。"),
    "related_info": Column("関連情報", "関連するウェブサイト等の情報。ない場合は空欄。"),
    "role": Column("区分", "取組所属（事業を担当する所属）または関係所属。"),
    "track": Column("区分", "工程表の行の種類: 計画/実績 または 評価。"),
    "block_seq": Column("ブロック番号", "事業内の「計画/実績」「評価」欄の番号。"),
    "bar_seq": Column("工程番号", "区分ごとの工程（線表）の通し番号。"),
    "heading": Column("見出し", "工程の見出し。"),
    "start_fy": Column("開始年度", "工程の開始年度（西暦）。", "year"),
    "end_fy": Column("終了年度", "工程の終了年度（西暦）。", "year"),
    "indicator_id": Column("指標ID", "参考指標の識別子（実施項目番号-指標番号）。"),
    "unit": Column("単位", "値の単位。単位のない値・値がない場合は空欄。", "string"),
    "fiscal_year": Column("年度", "値の年度（西暦）。", "year"),
    "value": Column("値", "数値（単位・桁区切りなし）。値がない（―）場合は空欄。" + _NUMBER_UNIT),
    "text": Column("表記", "計画書に記載された表記（NFKC正規化済み）。"),
}

#: The same English name meaning a different thing in one table.
TABLE_COLUMNS: dict[tuple[str, str], Column] = {
    ("goals", "title"): Column("目標名", "目標の名称（番号を除く）。"),
    ("policies", "title"): Column("方針名", "方針の名称（番号を除く）。"),
    ("items", "title"): Column("実施項目名", "実施項目の名称（番号・★を除く）。"),
    ("indicators", "name"): Column("指標名", "参考指標の名称。"),
    ("indicators", "seq"): Column("指標番号", "実施項目内の参考指標の番号。"),
    ("item_departments", "seq"): Column("掲載順", "実施項目の取組所属欄での記載順。"),
    ("project_departments", "seq"): Column("掲載順", "区分ごとの所属欄での記載順。"),
    ("schedule", "text"): Column("内容", "工程の内容。"),
    ("baselines", "fiscal_year"): Column("年度", "策定時の値の年度（西暦）。", "year"),
    ("baselines", "value"): Column("値", "策定時の値（単位・桁区切りなし）。値がない（―）場合は空欄。" + _NUMBER_UNIT),
    ("baselines", "text"): Column("表記", "計画書に記載された策定時の値の表記（NFKC正規化済み）。"),
    ("actuals", "value"): Column("値", "実績値（単位・桁区切りなし）。" + _NUMBER_UNIT),
}

TABLE_TITLES: dict[str, str] = {
    "documents": "出典資料",
    "goals": "目標",
    "policies": "方針",
    "items": "実施項目",
    "departments": "所属",
    "item_departments": "実施項目の取組所属",
    "projects": "事業",
    "project_departments": "事業の取組所属・関係所属",
    "schedule": "工程表",
    "indicators": "参考指標",
    "baselines": "参考指標の策定時の値",
    "actuals": "参考指標の実績値",
}

TABLE_DESCRIPTIONS: dict[str, str] = {
    "documents": "抽出元のPDF（版ごとに1行）: ファイル名、SHA-256、ページ数、体系図に記載された目標・方針・実施項目の数、計画期間。",
    "goals": "体系図の目標: 番号、名称、説明文。",
    "policies": "体系図の方針: 番号、属する目標、名称、説明文。",
    "items": "体系図の実施項目: 番号、属する方針・目標、名称、データ利活用計画（★）の該当。",
    "departments": "計画に記載された所属（課・室等）と部局。",
    "item_departments": "体系図で実施項目ごとに記載された取組所属（記載順）。",
    "projects": "個票の事業: 事業名、現状・課題、取組内容、関連情報。",
    "project_departments": "個票の事業ごとの取組所属・関係所属（記載順）。",
    "schedule": "個票の工程表: 計画/実績・評価の各工程の見出し、内容、開始・終了年度（線表の範囲）。",
    "indicators": "個票の参考指標: 指標ID、名称、単位。",
    "baselines": "参考指標の策定時の値（年度、数値、計画書の表記）。",
    "actuals": "参考指標の実績値（記入済みの年度のみ、年度ごとに1行）。",
}

_ARROW_TYPES = {pa.int64(): "integer", pa.float64(): "number", pa.bool_(): "boolean", pa.string(): "string"}


def column(table: str, name: str) -> Column:
    """The Japanese column for an English column of ``table`` (KeyError if unmapped)."""
    return TABLE_COLUMNS.get((table, name)) or COLUMNS[name]


def csv_columns(table: str) -> list[str]:
    """English names of the CSV's columns, in order: region first, then the contract's."""
    names = list(REGION_VALUES)
    for name in TABLES[table].column_names:
        if name in OMITTED or (name in SOURCE_ONLY and table != "documents"):
            continue
        names.append(REPLACED.get(name, name))
        if (table, name) in ADDED_AFTER:
            names.append(ADDED_AFTER[(table, name)])
    return names


def field_type(table: str, name: str) -> str:
    """Frictionless type of a CSV column: the explicit one, else from the contract's Arrow type."""
    explicit = column(table, name).type
    if explicit:
        return explicit
    return _ARROW_TYPES[TABLES[table].schema.field(name).type]
