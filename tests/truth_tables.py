"""Turn a ground-truth JSON (../shared/plan/*.truth.json) into the contract tables.

Golden tests compare the extractor's tables with these; tests of later stages (validate,
export, diff) use them as staged input that does not depend on the extractor.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pandas as pd

from pipeline.contract import TABLES



def _shared(folder: str) -> Path:
    """../shared/FOLDER beside the checkout when it is there (the authoritative copy), else
    the copy kept in tests/data/FOLDER, so that a clone anywhere tests itself."""
    beside = Path(__file__).resolve().parents[1].parent / "shared" / folder
    return beside if beside.is_dir() else Path(__file__).resolve().parent / "data" / folder


#: The shared plan PDFs and their truth files.
SHARED = _shared("plan")
#: Real-world PDFs that viewers open though they need repair (none of them is the plan).
REALPDF = _shared("realpdf")


def nfkc(value):
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def load_truth(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def truth_tables(truth: dict, source_sha256: str = "truth") -> dict[str, pd.DataFrame]:
    """Contract tables (text NFKC-normalized) for one truth file."""
    edition = truth["source"]["edition"]
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    d = truth["declared_counts"]
    fys = [s["start_fy"] for s in truth["schedule"]] + [s["end_fy"] for s in truth["schedule"]]
    rows["documents"].append(dict(
        source_file=truth["source"]["file"], source_sha256=source_sha256, edition=edition,
        page_count=truth["source"]["page_count"], declared_goals=d["goals"],
        declared_policies=d["policies"], declared_items=d["items"],
        plan_start_fy=min(fys, default=None), plan_end_fy=max(fys, default=None)))
    for g in truth["goals"]:
        rows["goals"].append(dict(goal_no=g["goal_no"], title=nfkc(g["title"]),
                                  description=nfkc(g["description"])))
    for p in truth["policies"]:
        rows["policies"].append(dict(policy_no=p["policy_no"], goal_no=p["goal_no"],
                                     title=nfkc(p["title"]), description=nfkc(p["description"])))
    departments: list[str] = []
    for it in truth["items"]:
        rows["items"].append(dict(item_no=it["item_no"], policy_no=it["policy_no"],
                                  goal_no=it["goal_no"], title=nfkc(it["title"]),
                                  data_utilization_plan=it["data_utilization_plan"],
                                  page=it["page"]))
        for seq, dep in enumerate(it["departments"], 1):
            rows["item_departments"].append(dict(item_no=it["item_no"], department=nfkc(dep),
                                                 seq=seq, page=it["page"]))
            departments.append(nfkc(dep))
    for pr in truth["projects"]:
        rows["projects"].append(dict(
            item_no=pr["item_no"], project_seq=pr["project_seq"], name=nfkc(pr["name"]),
            current_issues=nfkc(pr["current_issues"]), actions=nfkc(pr["actions"]),
            related_info=nfkc(pr["related_info"]), page=pr["pages"][0],
            pages=",".join(map(str, pr["pages"]))))
        for role in ("lead", "related"):
            for seq, dep in enumerate(pr[f"{role}_departments"], 1):
                rows["project_departments"].append(dict(
                    item_no=pr["item_no"], project_seq=pr["project_seq"], role=role,
                    department=nfkc(dep), seq=seq, page=pr["pages"][0]))
                departments.append(nfkc(dep))
    for s in truth["schedule"]:
        rows["schedule"].append({k: nfkc(v) for k, v in s.items()})
    for ind in truth["indicators"]:
        rows["indicators"].append(dict(indicator_id=ind["indicator_id"], item_no=ind["item_no"],
                                       seq=ind["seq"], name=nfkc(ind["name"]), unit=nfkc(ind["unit"])))
        rows["baselines"].append(dict(indicator_id=ind["indicator_id"], fiscal_year=ind["baseline_fy"],
                                      value=ind["baseline_value"], text=nfkc(ind["baseline_text"])))
        for fy, cell in sorted(ind["actuals"].items()):
            rows["actuals"].append(dict(indicator_id=ind["indicator_id"], fiscal_year=int(fy),
                                        value=cell["value"], text=nfkc(cell["text"])))
    from pipeline.departments import bureau_of  # the canonical place for 部局 rules

    rows["departments"] = [dict(department=d, bureau=bureau_of(d)) for d in dict.fromkeys(departments)]
    out = {}
    for name, table in TABLES.items():
        df = pd.DataFrame(rows[name])
        for col, _ in table.columns + [("edition", None), ("source_sha256", None)]:
            if col not in df.columns:
                df[col] = None
        df["edition"] = edition
        df["source_sha256"] = source_sha256
        out[name] = df[table.column_names]
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
