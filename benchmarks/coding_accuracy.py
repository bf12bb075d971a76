"""Accuracy of the dictionary coder against hand codes, from any CSV of text and gold codes.

    python benchmarks/coding_accuracy.py tests/fixtures/coding/clauses.csv
    python benchmarks/coding_accuracy.py dev.csv --codebook my.yaml --split doc_id

The CSV needs ``text`` and ``gold`` (leaf codes joined by ``;``); ``field`` (default
``measure``) and ``doc_id`` are used when present.  Prints precision, recall and F1 per code,
micro-averaged and per top-level family, the coverage (share of clauses with at least one
code) of machine and gold, and the disagreements.  ``--split doc_id`` also reports the
documents in two halves (odd and even positions in sorted order), to compare a tuning half
with a held-out half.  ``--learn`` (with ``--split``) simulates the correction loop: keywords
suggested by ``suggest_keywords`` from half A's gold codes are added unreviewed, and half B is
scored with the extended codebook (nothing learned is written anywhere).  ``--review``
simulates checking by hand: the gold codes replace the machine's (``apply_checks``) for the
first 10–50% of the clauses in ``review_order``, and for comparison in file order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cqanalysis import (
    apply_checks,
    code_units,
    extend_codebook,
    load_codebook,
    machine_agreement,
    review_order,
    suggest_keywords,
)


def evaluate(data: pd.DataFrame, codebook: object) -> object:
    """Machine versus gold for the rows whose field ``codebook`` applies to."""
    units, human = _units(data, codebook)
    coded = code_units(units, codebook)  # type: ignore[arg-type]
    return machine_agreement(coded, human, codebook=codebook, codes="gold")


def _units(data: pd.DataFrame, codebook: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coding units of the rows ``codebook`` applies to, and their gold codes."""
    fields = data.get("field", pd.Series("measure", index=data.index)).replace("", "measure")
    data = data[fields.isin(load_codebook(codebook).fields)].reset_index(drop=True)
    units = pd.DataFrame(
        {
            "doc_id": data.get("doc_id", pd.Series("csv", index=data.index)).astype(str),
            "table_id": "",
            "row_no": 0,
            "field": data.get("field", pd.Series("measure", index=data.index)).fillna("measure"),
            "clause_no": range(len(data)),
            "text": data["text"].astype(str),
        }
    )
    units["unit_id"] = [f"u{i}" for i in range(len(units))]
    human = units[["unit_id", "text"]].assign(gold=data["gold"].to_numpy())
    return units, human


def review_curve(data: pd.DataFrame, codebook: str, *,
                 shares: tuple[float, ...] = (0, 0.1, 0.2, 0.3, 0.4, 0.5),
                 shuffles: int = 20) -> pd.DataFrame:
    """Micro F1 once a checker has replaced the machine's codes of the first ``share`` of
    the units by the gold codes: units in ``review_order``, in file order, and in random
    orders (the mean over ``shuffles`` seeded permutations)."""
    units, human = _units(data, codebook)
    coded = code_units(units, codebook)
    book = load_codebook(codebook)
    gold = human.assign(code=human["gold"].str.replace("；", ";").str.split(";"))
    gold = gold.explode("code").assign(codebook=book.name)
    gold["code"] = gold["code"].fillna("").str.strip().replace("", "none")
    listed = list(units["unit_id"])
    rng = np.random.default_rng(0)
    orders = {
        "review order": [list(review_order(coded, codebooks=[book])["unit_id"])],
        "file order": [listed],
        f"random (mean of {shuffles})": [list(rng.permutation(listed)) for _ in range(shuffles)],
    }
    rows = []
    for share in shares:
        row: dict[str, object] = {"checked": f"{share:.0%}"}
        for name, runs in orders.items():
            scores = []
            for order in runs:
                picked = set(order[: round(share * len(order))])
                checks = gold[gold["unit_id"].isin(picked)][["unit_id", "codebook", "code"]]
                fixed = apply_checks(coded, checks, codebooks=[book]) if len(checks) else coded
                result = machine_agreement(fixed, human, codebook=book, codes="gold")
                scores.append(float(result.summary["f1"].iloc[0]))
            row[name] = round(float(np.mean(scores)), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def report(result: object, title: str, *, show_disagreements: bool) -> None:
    print(f"\n== {title}")
    with pd.option_context("display.width", 160, "display.max_rows", 500, "display.precision", 2):
        print(result.summary.to_string(index=False))  # type: ignore[attr-defined]
        print(result.per_code.to_string(index=False))  # type: ignore[attr-defined]
        if show_disagreements:
            print(result.disagreements.drop(columns=["unit_id"]).to_string(index=False))  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--codebook", action="append", help="default: instruments, outcomes")
    parser.add_argument("--split", default=None, help="column to split the rows in two halves by")
    parser.add_argument("--quiet", action="store_true", help="do not list the disagreements")
    parser.add_argument("--learn", action="store_true", help="learn keywords on half A, score B")
    parser.add_argument("--review", action="store_true",
                        help="F1 after checking the first 10–50%% of clauses by hand, in "
                        "review order against file order")
    args = parser.parse_args(argv)
    data = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    missing = {"text", "gold"} - set(data.columns)
    if missing:
        print(f"{args.csv}: no column(s) {sorted(missing)}", file=sys.stderr)
        return 2
    for book in args.codebook or ["instruments", "outcomes"]:
        result = evaluate(data, book)
        if not result.summary["n_units"].iloc[0]:  # type: ignore[attr-defined]
            continue
        report(result, f"{args.csv}, {book}", show_disagreements=not args.quiet)
        if args.split:
            groups = sorted(data[args.split].unique())
            for name, half in (("half A", groups[0::2]), ("half B", groups[1::2])):
                part = data[data[args.split].isin(half)].reset_index(drop=True)
                title = f"{book}, {name}: {len(half)} groups"
                report(evaluate(part, book), title, show_disagreements=False)
            if args.learn:
                learn_on_a(data, args.split, book)
        if args.review:
            print(f"\n== {book}: micro F1 after checking a share of the clauses by hand")
            print(review_curve(data, book).to_string(index=False))
    return 0


def learn_on_a(data: pd.DataFrame, split: str, book: str) -> None:
    """Suggestions from half A's gold codes, added unreviewed; half B scored with them."""
    groups = sorted(data[split].unique())
    half_a = data[data[split].isin(groups[0::2])]
    half_b = data[data[split].isin(groups[1::2])].reset_index(drop=True)
    fields = load_codebook(book).fields
    train = half_a[half_a.get("field", "measure").isin(fields)]
    hints = suggest_keywords(train[["text", "gold"]], book, codes="gold")
    print(
        f"\n== {book}: {len(hints)} keywords learned on half A: "
        + ", ".join(f"{c}:{k}" for c, k in zip(hints["code"], hints["keyword"], strict=True))
    )
    extended = extend_codebook(book, hints) if len(hints) else load_codebook(book)
    report(evaluate(half_b, extended), f"{book}, half B with them", show_disagreements=False)


if __name__ == "__main__":
    raise SystemExit(main())
