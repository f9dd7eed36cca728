"""``plan-extract``: the command line. Each subcommand is one pipeline stage.

Errors print ONE line, ``plan-extract: FILE: reason``, and exit with the error class's code
(see README, "Exit codes"); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Arrow's default allocator (mimalloc) keeps freed memory for reuse; this tool allocates in
# one burst at the end, so the system allocator keeps the peak lower for the same speed.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# numpy (imported by pyarrow while the workers parse) starts one OpenBLAS thread per core,
# which spin at start-up: 0.1 s of CPU taken from the page workers, for no matrix algebra.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipeline import __version__  # noqa: E402
from pipeline.errors import PlanExtractError  # noqa: E402
from pipeline.interrupt import Interrupted, stop_on_signals, stopped_line  # noqa: E402


def cmd_extract(args) -> None:
    from pipeline.stages import extract_stage, pdf_paths

    extract_stage(pdf_paths(args.pdf), args.out, settings=args.settings, password=args.password,
                  allow_unaccounted=args.allow_unaccounted, progress=not args.quiet)


def cmd_validate(args) -> None:
    from pipeline.validate.command import validate_command

    validate_command(args.dir, args.report, args.settings.vocabulary)


def cmd_export(args) -> None:
    from pipeline.publish import export_dir

    files = export_dir(args.dir, args.out, args.encoding, args.settings.publication)
    print(f"wrote {len(files)} files to {args.out}")


def cmd_metrics(args) -> None:
    from pipeline.metrics import metrics_stage

    metrics = metrics_stage(args.dir, args.validation, args.diff, args.out, args.plots)
    print(f"wrote {args.out} ({sum(metrics['rows'].values())} rows, "
          f"{metrics['expectations']['failed']} failed expectations) and {args.plots}/")


def cmd_report(args) -> None:
    from pipeline.stages import report_stage

    path = report_stage(args.dir, args.out, args.validation, args.diff, args.sources, args.exports,
                        limits=args.settings.limits)
    print(f"wrote {path}")


def cmd_diff(args) -> None:
    from pipeline.compare.output import write_diff
    from pipeline.staging import atomic_dir

    with atomic_dir(args.out) as tmp:
        changes = write_diff(args.old, args.new or args.old, tmp, args.old_source, args.new_source)
    print(f"{len(changes)} changes written to {args.out}")


def cmd_editions_diff(args) -> None:
    from pipeline.stages import editions_diff_stage

    print(editions_diff_stage(args.dir, args.out))


def cmd_publish(args) -> None:
    from pipeline.stages import publish_stage

    for line in publish_stage(args.dir, args.validation, settings=args.settings,
                              exports=args.exports, diff=args.diff, reports=args.reports,
                              metrics=args.metrics, plots=args.plots, sources=args.sources):
        print(line)


def cmd_inspect(args) -> None:
    from pipeline.inspect import inspect_page

    print(f"wrote {inspect_page(args.pdf, args.page, args.out, settings=args.settings, password=args.password)}")


def cmd_warm(args) -> None:
    from pipeline.warm import serve

    serve(args.socket, args.settings.limits.memory_bytes)


def cmd_run(args) -> None:
    from pipeline.stages import run_all

    run_all(Path(args.raw), settings=args.settings, progress=not args.quiet)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plan-extract",
        description="Turn 群馬県行財政改革大綱 実施計画 PDFs into validated open-data tables.",
    )
    parser.add_argument("--version", action="version", version=f"plan-extract {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"),
                        help="parameters file (vocabulary overrides, limits); default params.yaml")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="PDF(s) → staged Parquet tables + coverage report",
                       description="Extract the contract tables from plan PDFs (files or folders) "
                       "into DIR/<table>.parquet, all editions together; DIR is replaced only "
                       "when every PDF succeeded. Writes DIR/coverage.json.")
    p.add_argument("pdf", nargs="+", type=Path, help="PDF files or folders of PDFs")
    p.add_argument("--out", type=Path, required=True, help="staged output folder")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.add_argument("--allow-unaccounted", action="store_true",
                   help="succeed even when characters on a plan page were not accounted for")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("validate", help="check staged tables against the expectation suites",
                       description="Run the Great Expectations suites in expectations/ on DIR. "
                       "Exits 18 and prints one line per failed expectation.")
    p.add_argument("dir", type=Path, help="staged folder (output of extract)")
    p.add_argument("--report", type=Path, help="write the validation result as JSON here")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="staged tables → open-data CSV + datapackage.json",
                       description="One CSV per table following the 総務省 統一ルール, with "
                       "全国地方公共団体コード 100005, tables.xlsx and a Frictionless datapackage.json; "
                       "the newest edition in OUT, each earlier one in OUT/editions/<版>/.")
    p.add_argument("dir", type=Path, help="staged folder")
    p.add_argument("--out", type=Path, required=True, help="export folder (replaced atomically)")
    p.add_argument("--encoding", choices=("utf-8-sig", "cp932"), default="utf-8-sig",
                   help="utf-8-sig (UTF-8 with BOM, default) or cp932 (Shift_JIS)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="HTML report: plan tree, validation, indicator charts")
    p.add_argument("dir", type=Path, help="staged folder")
    p.add_argument("--out", type=Path, required=True, help="report folder (index.html)")
    p.add_argument("--validation", type=Path, help="validation JSON from `validate --report`")
    p.add_argument("--diff", type=Path, help="folder with changes.parquet from `diff`")
    p.add_argument("--sources", type=Path,
                   help="the PDFs (folder or file): each value links to an image of its cell")
    p.add_argument("--exports", type=Path, help="export folder: the report links to its CSVs")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("metrics", help="numbers for `dvc metrics`, indicator series for `dvc plots`",
                       description="Rows per table of the newest edition, expectations passed/"
                       "failed, unaccounted and suspect characters, changes since the previous "
                       "edition (JSON); one CSV per indicator: baseline and actuals by year.")
    p.add_argument("dir", type=Path, help="staged folder")
    p.add_argument("--validation", type=Path, help="validation JSON from `validate --report`")
    p.add_argument("--diff", type=Path, help="diff folder (its summary.json)")
    p.add_argument("--out", type=Path, required=True, help="metrics JSON file to write")
    p.add_argument("--plots", type=Path, required=True, help="folder for the indicator CSVs (replaced)")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("diff", help="changes between two extracted editions",
                       description="Compare two staged folders (or two editions in one folder, "
                       "chosen with --old-source/--new-source) into changes.parquet/csv/md.")
    p.add_argument("old", type=Path, help="staged folder of the older edition")
    p.add_argument("new", type=Path, nargs="?", help="staged folder of the newer edition")
    p.add_argument("--out", type=Path, required=True, help="diff output folder")
    p.add_argument("--old-source", help="source_sha256 of the old edition (if the folder has several)")
    p.add_argument("--new-source", help="source_sha256 of the new edition")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("editions-diff", help="diff the two newest editions in one staged folder",
                       description="Used by `make run`: writes the diff of the two newest "
                       "editions in DIR, or an empty diff with a note when there is only one.")
    p.add_argument("dir", type=Path, help="staged folder")
    p.add_argument("--out", type=Path, required=True, help="diff output folder")
    p.set_defaults(func=cmd_editions_diff)

    p = sub.add_parser("publish", help="export + editions-diff + report, in one process",
                       description="What `make run` publishes once validation passed: the "
                       "open-data export, the diff of the two newest editions and the HTML "
                       "report, as `export`, `editions-diff` and `report` write them, then the "
                       "numbers and indicator series of `metrics`.")
    p.add_argument("dir", type=Path, help="staged folder")
    p.add_argument("--validation", type=Path, help="validation JSON from `validate --report`")
    p.add_argument("--exports", type=Path, default=Path("exports"), help="default exports/")
    p.add_argument("--diff", type=Path, default=Path("diff"), help="default diff/")
    p.add_argument("--reports", type=Path, default=Path("reports"), help="default reports/")
    p.add_argument("--metrics", type=Path, default=Path("metrics/pipeline.json"),
                   help="numbers for `dvc metrics`; default metrics/pipeline.json")
    p.add_argument("--plots", type=Path, default=Path("metrics/indicators"),
                   help="indicator series for `dvc plots`; default metrics/indicators/")
    p.add_argument("--sources", type=Path,
                   help="the PDFs (folder or file): the report's values link to images of their cells")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("inspect", help="draw what the extractor saw on one page (PNG)",
                       description="Cells with spans, schedule bars with fiscal years, text per "
                       "field, and unaccounted characters in red.")
    p.add_argument("pdf", type=Path)
    p.add_argument("--page", type=int, required=True, help="1-based physical page")
    p.add_argument("--out", type=Path, required=True, help="PNG file to write")
    p.add_argument("--password", help="password of an encrypted PDF")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("run", help="the whole pipeline on raw/ (what dvc.yaml runs stage by stage)")
    p.add_argument("raw", nargs="?", default="raw", help="folder of plan PDFs (default raw/)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("warm", help="a process that keeps `make run`'s stages warm (see README)",
                       description="Import what validate and publish need, then fork one child "
                       "per stage command that finds this process through "
                       "PLAN_EXTRACT_WARM_SOCKET; stops on SIGTERM, with the process that "
                       "started it, or when idle.")
    p.add_argument("--socket", type=Path, required=True, help="socket to create (mode 0600)")
    p.set_defaults(func=cmd_warm)
    return parser


#: ``make run`` names a file here: a failing stage leaves its exit code in it, so make can
#: stop with the tool's documented code instead of DVC's 255.
EXIT_FILE_ENV = "PLAN_EXTRACT_EXIT_FILE"


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
    except SystemExit as e:  # argparse: a usage error (2), or --help / --version (0)
        _record_exit(e.code if isinstance(e.code, int) else 0 if e.code is None else 2)
        raise
    _record_exit(code)
    return code


def _record_exit(code: int) -> None:
    path = os.environ.get(EXIT_FILE_ENV)
    if code and path:
        try:
            Path(path).write_text(f"{code}\n", encoding="ascii")
        except OSError:
            pass  # make falls back to DVC's own code


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet is False and not sys.stderr.isatty():
        args.quiet = True  # progress only on a terminal
    if not args.debug:  # pdfminer warns on stderr about damaged pages; the error says it once
        logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        from pipeline.settings import load_settings

        with stop_on_signals():  # SIGTERM like Ctrl-C
            args.settings = load_settings(args.params)
            args.func(args)
    except PlanExtractError as e:
        if args.debug:
            raise
        print(e.one_line(), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:
        signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
        print(stopped_line(signum), file=sys.stderr)
        return 128 + signum
    return 0


def entry() -> None:
    """The ``plan-extract`` console script: :func:`main`, then exit without a last collection.

    At exit the interpreter's collector walks every object still alive (GX leaves ~240 000)
    before freeing them: 0.6 s of a validate run, for memory the OS takes back anyway.
    Frozen objects are skipped; atexit handlers and stream flushes still run.
    Under ``make run`` a stage runs in a child of the warm process instead (``pipeline.warm``).
    """
    code = None
    if os.environ.get("PLAN_EXTRACT_WARM_SOCKET"):  # `make run`: in a child of the warm process
        from pipeline.warm import relay

        code = relay(sys.argv[1:])
    if code is None:
        code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
