"""Command line: ``corpus-tm SUBCOMMAND`` (also ``python -m corpus_tm``).

In: command-line arguments. Out: tidy tables printed to stdout, files written by the figures
command. Errors a user can cause are printed as one line (no traceback) with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from corpus_tm.errors import CorpusTmError


def _print_table(table: pd.DataFrame) -> None:
    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        60,
    ):
        print(table.to_string(index=False))


def _sections(args: argparse.Namespace) -> None:
    from corpus_tm.loading import load_documents
    from corpus_tm.sectioning import sections_table, split_sections

    documents = load_documents(args.path, encoding=args.encoding)
    sections = split_sections(documents, unit=args.unit)
    table = sections_table(sections.units)
    if not args.titles:
        table = table.drop(columns=["part_title", "section_title"])
    _print_table(table)
    if args.furniture:
        print()
        _print_table(sections.furniture)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``corpus-tm`` command."""
    parser = argparse.ArgumentParser(
        prog="corpus-tm",
        description="Security domains across the sections of policy documents.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sections = commands.add_parser(
        "sections",
        help="print the section tree of a corpus with unit and token counts",
        description="Read a corpus and print one row per section: doc_id, part, section, "
        "label, number of units and tokens.",
    )
    sections.add_argument("path", help="folder of .txt/.md files, or a CSV/JSONL/Parquet file")
    sections.add_argument(
        "--unit", default="paragraph", choices=["paragraph", "section", "sentences"]
    )
    sections.add_argument(
        "--encoding", default=None, help="encoding of the files (detected when not given)"
    )
    sections.add_argument(
        "--titles", action="store_true", help="also print part and section titles"
    )
    sections.add_argument(
        "--furniture", action="store_true", help="also print the page furniture that was removed"
    )
    sections.set_defaults(handler=_sections)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.handler(args)
    except CorpusTmError as exc:
        print(f"corpus-tm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"corpus-tm {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
