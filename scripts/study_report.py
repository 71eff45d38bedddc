"""Merge the study's comparisons into one report with the seed-claims table (`make study`'s last step).

    python scripts/study_report.py reports/study/cnv_pynq-z1 reports/study/cnv_zcu104 ... \
        --out reports/examples/study [--wall-seconds S]

Each argument is a `codesign compare --out` folder. Writes OUT/study.json, OUT/report.md,
OUT/report.html and copies each comparison's report into OUT/<name>/. Nothing is
recomputed: everything comes from the compare.json files. Bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codesign.errors import InputError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="study_report.py", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="codesign compare output folders (each with compare.json)")
    parser.add_argument("--out", required=True, help="the study report folder (e.g. reports/examples/study)")
    parser.add_argument("--wall-seconds", type=float, help="wall time of the whole study run, seconds")
    parser.add_argument("--wall-note", help="how the wall time was measured when not in one go (e.g. in two "
                                            "segments, resumed from the cache)")
    args = parser.parse_args(argv)
    from codesign.report.study import write_study

    try:
        study = write_study(args.folders, args.out, args.wall_seconds, wall_note=args.wall_note)
    except InputError as err:
        print(f"study_report.py: error: {err}", file=sys.stderr)
        return 2
    for row in study.claims.rows:
        print(f"{row.backbone:<18} {row.device or '-':<8} {row.claim:<12} {row.verdict}")
    print(f"wrote {args.out}/study.json, report.md, report.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
