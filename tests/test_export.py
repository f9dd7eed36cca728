"""Open-data CSV export: 統一ルール formatting, region columns, datapackage, encodings."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from frictionless import validate

from pipeline.contract import TABLES
from pipeline.errors import ExportError, UsageError
from pipeline.publish import export_dir
from pipeline.publish.columns import column, csv_columns, local_government_code
from tests.truth_tables import SHARED, load_truth, sha256_of, truth_tables

EXCERPT = SHARED / "jisshi-keikaku-2025-excerpt.truth.json"
EXCERPT_PDF = SHARED / "jisshi-keikaku-2025-excerpt.pdf"


def excerpt_tables() -> dict[str, pd.DataFrame]:
    return truth_tables(load_truth(EXCERPT), source_sha256=sha256_of(EXCERPT_PDF))


def stage(directory: Path, tables: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        schema = TABLES[name].schema
        pq.write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False), directory / f"{name}.parquet")
    return directory


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    tables = excerpt_tables()
    # a printed "1,234件" baseline: the staged value is 1234.0, the CSV must say 1234
    b = tables["baselines"]
    b.loc[b.indicator_id == "9-1", ["value", "text"]] = [1234.0, "1,234者"]
    return stage(tmp_path_factory.mktemp("staged"), tables)


@pytest.fixture(scope="module")
def exported(staged, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "open-data"
    export_dir(staged, out)
    return out


@pytest.mark.parametrize("code5, code6", [
    ("13101", "131016"),  # 千代田区
    ("01100", "011002"),  # 札幌市
    ("10000", "100005"),  # 群馬県
    ("22000", "220001"),  # 静岡県: remainder 0 → 11 → last digit 1
    ("09000", "090000"),  # 栃木県: remainder 1 → 10 → 0
])
def test_check_digit(code5, code6):
    assert local_government_code(code5) == code6


@pytest.mark.parametrize("bad", ["1000", "100000", "1000a", "１００００"])
def test_check_digit_rejects_malformed_codes(bad):
    with pytest.raises(ValueError):
        local_government_code(bad)


def test_returns_every_csv_and_the_datapackage(staged, tmp_path):
    files = export_dir(staged, tmp_path / "out")
    assert [p.name for p in files] == [f"{n}.csv" for n in TABLES] + ["tables.xlsx", "datapackage.json"]
    assert all(p.is_file() for p in files)


def test_headers_are_unique_japanese_titles_for_every_table():
    for name in TABLES:
        titles = [column(name, c).title for c in csv_columns(name)]
        assert len(titles) == len(set(titles)), name
        assert titles[:2] == ["全国地方公共団体コード", "地方公共団体名"]


def test_utf8_with_bom_crlf_and_japanese_headers(exported):
    raw = (exported / "items.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\n", 1)[0].endswith(b"\r")
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8").split(",")
    assert header == ["全国地方公共団体コード", "地方公共団体名", "実施項目番号", "方針番号", "目標番号",
                      "実施項目名", "データ利活用計画", "ページ", "版"]
    assert list(read_csv(exported / "baselines.csv")[0]) == [
        "全国地方公共団体コード", "地方公共団体名", "指標ID", "年度", "値", "単位", "表記", "ページ", "版"]
    assert "出典ファイルSHA-256" in read_csv(exported / "documents.csv")[0]  # the hash: a fact about the PDF only


def test_region_in_every_row_of_every_file(exported):
    for name in TABLES:
        for row in read_csv(exported / f"{name}.csv"):
            assert (row["全国地方公共団体コード"], row["地方公共団体名"]) == ("100005", "群馬県"), name


def test_numbers_are_plain_and_units_have_their_own_column(exported):
    rows = {r["指標ID"]: r for r in read_csv(exported / "baselines.csv")}
    assert (rows["9-1"]["値"], rows["9-1"]["単位"], rows["9-1"]["表記"]) == ("1234", "者", "1,234者")
    assert (rows["25-1"]["値"], rows["25-1"]["単位"]) == ("12.5", "時間")
    for row in rows.values():
        float(row["値"])  # numeric: no unit, no separator
        assert row["年度"].isdigit() and len(row["年度"]) == 4
    items = read_csv(exported / "items.csv")
    assert {r["ページ"] for r in items} == {"2"}  # integers without ".0"


def test_booleans_are_1_or_0(exported):
    flags = {r["実施項目番号"]: r["データ利活用計画"] for r in read_csv(exported / "items.csv")}
    truth = {str(i["item_no"]): i["data_utilization_plan"] for i in load_truth(EXCERPT)["items"]}
    assert flags == {k: "1" if v else "0" for k, v in truth.items()}


def test_codes_are_written_as_the_words_of_the_plan(exported):
    roles = {r["区分"] for r in read_csv(exported / "project_departments.csv")}
    assert "取組所属" in roles and roles <= {"取組所属", "関係所属"}  # the excerpt has no 関係所属
    assert {r["区分"] for r in read_csv(exported / "schedule.csv")} == {"計画/実績", "評価"}


def test_page_list_becomes_last_page(exported):
    rows = {r["事業名"]: r for r in read_csv(exported / "projects.csv")}
    assert (rows["メンタルヘルス対策"]["ページ"], rows["メンタルヘルス対策"]["終了ページ"]) == ("4", "5")


def test_datapackage_validates_and_describes_the_csvs(exported):
    report = validate(str(exported / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert [(s["file"], s["sha256"], s["edition"]) for s in package["sources"]] == [
        (EXCERPT_PDF.name, sha256_of(EXCERPT_PDF), "2025-03")]
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(TABLES) | {"workbook"}
    for res in (r for r in resources.values() if r["format"] == "csv"):
        with (exported / res["path"]).open(encoding="utf-8-sig", newline="") as f:
            assert [f["name"] for f in res["schema"]["fields"]] == next(csv.reader(f))
    items = resources["items"]["schema"]
    assert items["primaryKey"] == ["実施項目番号"]  # one edition per folder: the plan's own keys
    link = ["方針番号", "目標番号"]
    assert {"fields": link, "reference": {"resource": "policies", "fields": link}} in items["foreignKeys"]
    assert {"fields": ["版"], "reference": {"resource": "documents", "fields": ["版"]}} in items["foreignKeys"]
    fields = {f["name"]: f for f in resources["baselines"]["schema"]["fields"]}
    assert (fields["値"]["type"], fields["年度"]["type"]) == ("number", "year")
    assert "単位" in fields["値"]["description"]


def test_frictionless_cli_validates(exported):
    cli = Path(sys.executable).with_name("frictionless")
    done = subprocess.run([str(cli), "validate", str(exported / "datapackage.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cp932_export(staged, tmp_path):
    out = tmp_path / "sjis"
    export_dir(staged, out, encoding="cp932")
    raw = (out / "goals.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("cp932").startswith("全国地方公共団体コード,地方公共団体名,目標番号")
    assert validate(str(out / "datapackage.json")).valid


def test_cp932_fails_naming_table_row_and_character(tmp_path):
    tables = excerpt_tables()
    tables["projects"].loc[1, "name"] = "森鷗外記念事業"  # 鷗 is NFKC-stable but not in cp932
    staged = stage(tmp_path / "staged", tables)
    with pytest.raises(ExportError) as err:
        export_dir(staged, tmp_path / "out", encoding="cp932")
    message = err.value.one_line()
    for part in ("projects.csv data row 2", "実施項目番号=25, 事業番号=1", "事業名", "'鷗'", "U+9DD7", "cp932"):
        assert part in message
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["staged"]  # no temp dir left behind


@pytest.mark.parametrize("title, complaint", [
    ("①DX等による行政サービス", "'①' (U+2460)"),
    ("㈱との連携", "'㈱' (U+3231)"),
    ("DX等による行政サービス ", "whitespace"),
    ("DX\tサービス", "U+0009"),
])
def test_platform_dependent_characters_and_layout_space_fail(tmp_path, title, complaint):
    tables = excerpt_tables()
    tables["goals"].loc[0, "title"] = title
    with pytest.raises(ExportError, match="goals.csv data row 1 .*目標名") as err:
        export_dir(stage(tmp_path / "staged", tables), tmp_path / "out")
    assert complaint in err.value.reason


def test_broken_link_fails_validation_and_keeps_previous_export(tmp_path):
    out = tmp_path / "out"
    export_dir(stage(tmp_path / "good", excerpt_tables()), out)
    before = (out / "items.csv").read_bytes()
    tables = excerpt_tables()
    tables["items"].loc[0, "policy_no"] = 99
    with pytest.raises(ExportError, match="foreign key 方針番号/目標番号=99/1 has no row in policies.csv"):
        export_dir(stage(tmp_path / "bad", tables), out)
    assert (out / "items.csv").read_bytes() == before


def test_reexport_replaces_previous_export(staged, tmp_path):
    out = tmp_path / "out"
    export_dir(staged, out)
    (out / "stale.csv").write_text("old")
    export_dir(staged, out)
    assert not (out / "stale.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_directory_that_is_not_an_export(staged, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not made by plan-extract"):
        export_dir(staged, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_missing_staged_table_is_named(tmp_path):
    staged = stage(tmp_path / "staged", excerpt_tables())
    (staged / "schedule.parquet").unlink()
    with pytest.raises(ExportError) as err:
        export_dir(staged, tmp_path / "out")
    assert err.value.file.endswith("schedule.parquet")


def test_unknown_encoding_is_rejected(staged, tmp_path):
    with pytest.raises(ExportError, match="utf-8-sig, cp932"):
        export_dir(staged, tmp_path / "out", encoding="latin-1")
