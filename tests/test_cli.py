"""The command line: exit codes, one-line errors, staged outputs left intact on failure."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import errors
from pipeline.cli import main
from pipeline.extract import extract_pdf
from pipeline.stages import check_counts
from tests.bad_inputs import BAD_INPUTS, EXCERPT, unrelated_pdf

NO_PARAMS = ["--params", "/nonexistent/params.yaml"]


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "staged"
    assert main([*NO_PARAMS, "extract", str(EXCERPT), "--out", str(out)]) == 0
    return out


def test_extract_writes_every_contract_table_and_coverage(staged):
    names = {p.stem for p in staged.glob("*.parquet")}
    assert {"documents", "goals", "policies", "items", "departments", "item_departments", "projects",
            "project_departments", "schedule", "indicators", "baselines", "actuals"} <= names
    assert len(pd.read_parquet(staged / "items.parquet")) == 35
    coverage = json.loads((staged / "coverage.json").read_text(encoding="utf-8"))["sources"][0]
    assert coverage["unaccounted"] == 0
    assert coverage["suspect"] == 0  # no glyph of the excerpt needed a repair
    assert all(p["suspect"] == 0 and p["suspects"] == {} for p in coverage["pages"])


def test_validate_passes_on_the_excerpt(staged):
    assert main([*NO_PARAMS, "validate", str(staged)]) == 0


def test_publish_does_not_import_pandas(staged, tmp_path):
    """The publish stage reads and writes its tables through pyarrow: importing pandas would
    cost a fifth of a second of every ``make run`` (and is the validate stage's business)."""
    args = [*NO_PARAMS, "publish", str(staged), "--exports", str(tmp_path / "exports"),
            "--diff", str(tmp_path / "diff"), "--reports", str(tmp_path / "reports"),
            "--metrics", str(tmp_path / "pipeline.json"), "--plots", str(tmp_path / "indicators"),
            "--sources", str(EXCERPT)]
    code = (f"import sys; from pipeline.cli import main; assert main({args!r}) == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pandas')[:3])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "reports" / "index.html").is_file()


def test_publish_writes_what_export_editions_diff_and_report_write(staged, tmp_path):
    """``make run``'s publish stage is the three commands in one process, outputs unchanged."""
    report = tmp_path / "validation.json"
    assert main([*NO_PARAMS, "validate", str(staged), "--report", str(report)]) == 0
    one, three = tmp_path / "one", tmp_path / "three"
    assert main([*NO_PARAMS, "publish", str(staged), "--validation", str(report),
                 "--exports", str(one / "exports"), "--diff", str(one / "diff"),
                 "--reports", str(one / "reports"), "--metrics", str(tmp_path / "pipeline.json"),
                 "--plots", str(tmp_path / "indicators")]) == 0
    assert main([*NO_PARAMS, "export", str(staged), "--out", str(three / "exports")]) == 0
    assert main([*NO_PARAMS, "editions-diff", str(staged), "--out", str(three / "diff")]) == 0
    assert main([*NO_PARAMS, "report", str(staged), "--out", str(three / "reports"),
                 "--validation", str(report), "--diff", str(three / "diff"),
                 "--exports", str(three / "exports")]) == 0
    published, separate = snapshot(one), snapshot(three)
    assert published.keys() == separate.keys() and len(published) > 10
    # datapackage.json, the workbook and the report record when they were made; all else is
    # byte for byte
    differ = {name for name in published if published[name] != separate[name]}
    assert differ <= {"exports/datapackage.json", "exports/tables.xlsx", "reports/index.html"}
    made = re.compile(r"<tr><td>作成日時</td><td>[^<]*</td></tr>")

    def page(root: Path) -> str:
        return made.sub("", (root / "reports" / "index.html").read_text(encoding="utf-8"))

    assert page(one) == page(three)


@pytest.mark.parametrize("bad", BAD_INPUTS + [None], ids=[b.name for b in BAD_INPUTS] + ["unrelated"])
def test_bad_input_one_line_exit_code_and_staged_untouched(bad, staged, tmp_path, capsys):
    before = snapshot(staged)
    path = unrelated_pdf(tmp_path) if bad is None else bad.make(tmp_path)
    error = errors.NotAPlanError if bad is None else bad.error
    code = main([*NO_PARAMS, "extract", str(path), "--out", str(staged)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == error.exit_code
    assert len(err) == 1 and err[0].startswith(f"plan-extract: {path}: ")
    assert snapshot(staged) == before


def test_encrypted_pdf_opens_with_its_password(tmp_path):
    enc = next(b for b in BAD_INPUTS if b.name == "encrypted").make(tmp_path)
    out = tmp_path / "staged"
    assert main([*NO_PARAMS, "extract", str(enc), "--password", "secret", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out / "goals.parquet")) == 4


def test_count_mismatch_names_the_missing_item():
    ex = extract_pdf(EXCERPT, workers=1)
    ex.rows["items"] = [r for r in ex.rows["items"] if r["item_no"] != 17]
    with pytest.raises(errors.CountMismatchError, match=r"items: declared 35, found 34 — item 17 missing"):
        check_counts(ex)


def test_validate_failure_is_reported_per_expectation(staged, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for p in staged.glob("*.parquet"):
        df = pd.read_parquet(p)
        if p.stem == "items":
            df = df[df.item_no != 17]
        df.to_parquet(broken / p.name)
    assert main([*NO_PARAMS, "validate", str(broken)]) == errors.ValidationFailed.exit_code
    err = capsys.readouterr().err
    assert "17" in err and "Traceback" not in err


def test_console_script_prints_no_traceback(tmp_path):
    page = tmp_path / "page.pdf"
    page.write_text("<html><body>404</body></html>", encoding="utf-8")
    exe = Path(sys.executable).with_name("plan-extract")
    run = subprocess.run([str(exe), *NO_PARAMS, "extract", str(page), "--out", str(tmp_path / "s")],
                         capture_output=True, text=True)
    assert run.returncode == errors.NotPdfError.exit_code
    assert run.stderr.count("\n") == 1 and "looks like HTML" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "s").exists()


def test_stray_text_on_a_plan_page_is_reported_and_fails_the_run(tmp_path, capsys):
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    overlay = tmp_path / "overlay.pdf"
    c = canvas.Canvas(str(overlay), pagesize=landscape(A4))
    c.drawString(100, 45, "STRAY NOTE 42")  # below the last table of page 4: nobody's field
    c.save()
    writer = PdfWriter(clone_from=EXCERPT)
    writer.pages[3].merge_page(PdfReader(overlay).pages[0])
    stray = tmp_path / "stray.pdf"
    with stray.open("wb") as f:
        writer.write(f)
    out = tmp_path / "staged"
    assert main([*NO_PARAMS, "extract", str(stray), "--out", str(out)]) == errors.UnaccountedTextError.exit_code
    err = capsys.readouterr().err
    assert "page(s) 4" in err and "STRAY NOTE 42" in err and not out.exists()
    assert main([*NO_PARAMS, "extract", str(stray), "--allow-unaccounted", "--out", str(out)]) == 0
    assert "STRAY NOTE 42" in (out / "coverage.json").read_text(encoding="utf-8")

