"""exports/ as a portal and Excel take it: the newest edition on top, earlier ones in
editions/<版>/, naive joins without duplicates, catalogue metadata, the workbook, 部局."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from frictionless import validate

from pipeline.contract import TABLES
from pipeline.errors import UsageError
from pipeline.formulas import restore
from pipeline.publication import Edition, Publication
from pipeline.publish import export_dir
from pipeline.publish.columns import TABLE_TITLES
from pipeline.settings import load_settings
from tests.test_export import excerpt_tables, read_csv, stage

ROOT = Path(__file__).resolve().parents[1]
OLD, NEW = "2025-03", "2026-03"
PUBLICATION = Publication(
    homepage="https://example.org/plan.html", publisher_url="https://example.org/",
    editions={OLD: Edition(url="https://example.org/2025.pdf"),
              NEW: Edition(url="https://example.org/2026.pdf", published="2026-03-27")})


def two_editions() -> dict[str, pd.DataFrame]:
    """The excerpt plus a revised edition of it (new 版, another PDF, a first actual)."""
    old, new = excerpt_tables(), excerpt_tables()
    for df in new.values():
        df["edition"], df["source_sha256"] = NEW, "b" * 64
    new["documents"]["source_file"] = "jisshi-keikaku-2026.pdf"
    new["actuals"] = pd.DataFrame([dict(indicator_id="25-1", fiscal_year=2025, value=11.9, text="11.9時間",
                                        page=5, bbox=None, edition=NEW, source_sha256="b" * 64)])
    # the newer edition is staged first: the order of rows in staged/ must not matter
    return {name: pd.concat([df for df in (new[name], old[name]) if len(df)], ignore_index=True) for name in TABLES}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("editions")
    out = base / "exports"
    export_dir(stage(base / "staged", two_editions()), out, publication=PUBLICATION)
    return out


def frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_newest_edition_on_top_earlier_ones_in_editions(exported):
    assert {r["版"] for r in read_csv(exported / "documents.csv")} == {NEW}
    assert sorted(p.name for p in (exported / "editions").iterdir()) == [OLD]
    assert {r["版"] for r in read_csv(exported / "editions" / OLD / "documents.csv")} == {OLD}
    assert [r["年度"] for r in read_csv(exported / "actuals.csv")] == ["2025"]
    assert read_csv(exported / "editions" / OLD / "actuals.csv") == []
    for folder in (exported, exported / "editions" / OLD):
        for name in TABLES:
            versions = {r["版"] for r in read_csv(folder / f"{name}.csv")}
            assert versions <= {folder.name if folder.name == OLD else NEW}, (folder, name)


@pytest.mark.parametrize("folder", [".", f"editions/{OLD}"])
def test_a_naive_join_does_not_duplicate_rows(exported, folder):
    items, policies = frame(exported / folder / "items.csv"), frame(exported / folder / "policies.csv")
    joined = items.merge(policies, on="方針番号", suffixes=("", "_方針"))
    assert len(joined) == len(items) == 35
    baselines, indicators = frame(exported / folder / "baselines.csv"), frame(exported / folder / "indicators.csv")
    assert len(baselines.merge(indicators, on="指標ID")) == len(baselines) == 6


def test_no_hash_in_any_key_or_column_but_documents(exported):
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        if res["format"] != "csv":
            continue
        names = [f["name"] for f in res["schema"]["fields"]]
        assert "版" in names, res["name"]
        assert ("出典ファイルSHA-256" in names) == (res["name"] == "documents")
        keys = res["schema"]["primaryKey"] + [k for fk in res["schema"]["foreignKeys"] for k in fk["fields"]]
        assert "出典ファイルSHA-256" not in keys


@pytest.mark.parametrize("folder", [".", f"editions/{OLD}"])
def test_every_folder_is_a_valid_package(exported, folder):
    report = validate(str(exported / folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_catalogue_metadata(exported):
    """What CKAN and DCAT map: title, description, license, publisher, issued/modified,
    homepage, keywords, distribution paths; sources are the configured official URLs."""
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert package["title"].startswith("群馬県行財政改革大綱 実施計画") and NEW in package["title"]
    assert "統一ルール" in package["description"] and "群馬県" in package["keywords"]
    assert package["publisher"] == {"title": "群馬県", "path": "https://example.org/"}
    assert {"title": "群馬県", "role": "publisher", "path": "https://example.org/"} in package["contributors"]
    assert package["licenses"][0]["path"].startswith("https://creativecommons.org/licenses/by/4.0/")
    assert (package["issued"], package["modified"], package["version"]) == (OLD, "2026-03-27", NEW)
    assert package["created"].endswith("Z") and package["homepage"] == "https://example.org/plan.html"
    assert [(s["path"], s["edition"]) for s in package["sources"]] == [("https://example.org/2026.pdf", NEW)]
    assert package["editions"] == [{"version": OLD, "path": f"editions/{OLD}/datapackage.json"}]
    for res in package["resources"]:
        assert res["title"] and res["description"] and res["path"] and res["mediatype"], res["name"]
    old = json.loads((exported / "editions" / OLD / "datapackage.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in old["sources"]] == ["https://example.org/2025.pdf"]
    assert (old["issued"], old["modified"]) == (OLD, OLD) and "editions" not in old


def test_the_projects_params_name_each_editions_official_url():
    publication = load_settings(ROOT / "params.yaml").publication
    assert publication.editions[OLD].url.startswith("https://www.pref.gunma.jp/")
    assert publication.publisher == "群馬県" and publication.homepage


def test_unconfigured_edition_is_exported_with_a_warning(tmp_path, capsys):
    export_dir(stage(tmp_path / "staged", excerpt_tables()), tmp_path / "out")
    assert "no publication.editions URL for 2025-03" in capsys.readouterr().err
    source = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))["sources"][0]
    assert "path" not in source and source["file"] == "jisshi-keikaku-2025-excerpt.pdf"


def test_frictionless_cli_validates_both_folders(exported):
    cli = Path(sys.executable).with_name("frictionless")
    for folder in (exported, exported / "editions" / OLD):
        done = subprocess.run([str(cli), "validate", str(folder / "datapackage.json")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr


def test_workbook_reads_back_with_ids_as_text_and_frozen_headers(exported):
    book = openpyxl.load_workbook(exported / "tables.xlsx")
    assert book.sheetnames == [TABLE_TITLES[n] for n in TABLES] + ["説明"]
    about = {row[0]: row[1] for row in book["説明"].iter_rows(values_only=True) if row[0]}
    assert (about["版"], about["出典"], about["公開者"]) == (NEW, "https://example.org/2026.pdf", "群馬県")
    columns = {(row[0], row[1]): row[2] for row in book["説明"].iter_rows(values_only=True) if row[2]}
    assert "実施項目番号-指標番号" in columns[(TABLE_TITLES["indicators"], "指標ID")]
    for name in TABLES:
        sheet = book[TABLE_TITLES[name]]
        assert sheet.freeze_panes == "A2", name
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        with (exported / f"{name}.csv").open(encoding="utf-8-sig", newline="") as f:
            csv_rows = list(__import__("csv").reader(f))
        assert rows[0] == csv_rows[0]
        assert [[_as_csv(v) for v in row] for row in rows[1:]] == [[restore(v) for v in row] for row in csv_rows[1:]]
    indicators = book[TABLE_TITLES["indicators"]]
    header = [c.value for c in indicators[1]]
    for col in ("指標ID", "版", "全国地方公共団体コード"):
        cell = indicators.cell(row=2, column=header.index(col) + 1)
        assert cell.data_type == "s" and cell.number_format == "@", col
    assert indicators.cell(row=2, column=header.index("指標ID") + 1).value == "9-1"  # not 1 September
    assert isinstance(indicators.cell(row=2, column=header.index("実施項目番号") + 1).value, int)


def _as_csv(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_a_formula_like_title_stays_text_in_the_workbook(tmp_path):
    tables = excerpt_tables()
    tables["goals"].loc[0, "title"] = "=1+1"
    export_dir(stage(tmp_path / "staged", tables), tmp_path / "out")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "tables.xlsx")[TABLE_TITLES["goals"]]
    cell = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("目標名") + 1)
    assert (cell.data_type, cell.value) == ("s", "=1+1")  # a string cell: never a formula, no quote needed


def test_bureau_only_from_the_document_without_an_organisation_table(tmp_path):
    export_dir(stage(tmp_path / "staged", excerpt_tables()), tmp_path / "out")
    rows = {r["所属名"]: r for r in read_csv(tmp_path / "out" / "departments.csv")}
    assert (rows["総務部総務課"]["部局名"], rows["総務部総務課"]["部局名の根拠"]) == ("総務部", "計画書")
    assert (rows["財政課"]["部局名"], rows["財政課"]["部局名の根拠"]) == ("", "")  # never guessed


def organisation(tmp_path: Path, text: str) -> Publication:
    path = tmp_path / "organisation.csv"
    path.write_text(text, encoding="utf-8-sig")
    return Publication(organisation=path)


def test_an_organisation_table_fills_what_the_document_does_not_say(tmp_path):
    publication = organisation(tmp_path, "所属名,部局名,備考\n財政課,総務部,\n総務部総務課,総務部,\n存在しない課,企画部,\n")
    export_dir(stage(tmp_path / "staged", excerpt_tables()), tmp_path / "out", publication=publication)
    rows = {r["所属名"]: r for r in read_csv(tmp_path / "out" / "departments.csv")}
    assert (rows["財政課"]["部局名"], rows["財政課"]["部局名の根拠"]) == ("総務部", "組織表")
    assert rows["総務部総務課"]["部局名の根拠"] == "計画書"
    assert "存在しない課" not in rows  # the table fills departments of the plan, adds none
    assert validate(str(tmp_path / "out" / "datapackage.json")).valid


@pytest.mark.parametrize("text, complaint", [
    ("所属名,部局名\n総務部総務課,企画部\n", "organisation table puts 総務部総務課 in 企画部, the plan in 総務部"),
    ("所属名,部局名\n財政課,総務部\n財政課,企画部\n", "財政課 is in 総務部 (line 2) and in 企画部 (line 3)"),
    ("名称,部局\n財政課,総務部\n", "missing column(s) 所属名, 部局名"),
])
def test_a_contradicting_or_malformed_organisation_table_is_an_error(tmp_path, text, complaint):
    with pytest.raises(UsageError) as err:
        export_dir(stage(tmp_path / "staged", excerpt_tables()), tmp_path / "out",
                   publication=organisation(tmp_path, text))
    assert complaint in err.value.one_line()
    assert not (tmp_path / "out").exists()


def test_organisation_path_in_params_is_relative_to_the_params_file(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("publication:\n  organisation: reference/org.csv\n", encoding="utf-8")
    assert load_settings(params).publication.organisation == tmp_path / "reference" / "org.csv"
    params.write_text("publication:\n  organization: x.csv\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown key"):
        load_settings(params)


def test_source_date_epoch_makes_re_exports_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    staged = stage(tmp_path / "staged", two_editions())
    export_dir(staged, tmp_path / "a", publication=PUBLICATION)
    export_dir(staged, tmp_path / "b", publication=PUBLICATION)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*")
                   if p.is_file() and not p.name.startswith("."))  # not the tool-made marker
    assert len(files) == 2 * (len(TABLES) + 2)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    package = json.loads((tmp_path / "a" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["created"] == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        export_dir(staged, tmp_path / "c")
