"""Command line: ``corpus-tm SUBCOMMAND`` (also ``python -m corpus_tm``).

In: command-line arguments. Out: tidy tables printed to stdout, files written by the figures
command. Errors a user can cause are printed as one line (no traceback) with exit status 2;
``figures --check`` exits with status 1 when the figures folder differs from a fresh build,
``sections --check`` when part numbers have gaps, repeats or are out of order.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from corpus_tm.backends import available_backends
from corpus_tm.errors import CorpusTmError
from corpus_tm.language import available_languages
from corpus_tm.reporting import warnings_once

if TYPE_CHECKING:
    import pandas as pd


def _print_table(table: pd.DataFrame) -> None:
    import pandas as pd

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


def _sections(args: argparse.Namespace) -> int:
    from corpus_tm.loading import load_documents
    from corpus_tm.sectioning import SectioningWarning, sections_table, split_sections

    documents = load_documents(args.path, encoding=args.encoding, language=args.language)
    if args.check:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SectioningWarning)  # the report lists them
            sections = split_sections(documents, unit=args.unit)
        return _section_check(sections)
    sections = split_sections(documents, unit=args.unit)
    table = sections_table(sections.units)
    if not args.titles:
        table = table.drop(columns=["part_title", "section_title"])
    _print_table(table)
    if args.furniture:
        print()
        _print_table(sections.furniture)
    return 0


def _section_check(sections) -> int:
    """Print the per-document audit; status 1 when part numbering has gaps or repeats."""
    _print_table(sections.documents)
    anomalies = sections.numbering
    if anomalies.empty:
        print(f"\n{len(sections.documents)} documents: no gap, repeat or out-of-order part number")
        return 0
    print(f"\n{len(anomalies)} part-numbering anomalies:")
    _print_table(anomalies)
    return 1


def _figures(args: argparse.Namespace) -> int:
    import time

    from corpus_tm.figures import make_figures

    if args.check:
        return _check_figures(args)
    start = time.perf_counter()
    manifest = make_figures(
        args.study, output=args.output, progress=not args.quiet, cache=not args.no_cache
    )
    seconds = time.perf_counter() - start
    files = manifest["files"]
    print(f"wrote {len(files)} files and MANIFEST.json in {seconds:.1f} s")
    print(f"LDA and NMF with k = {manifest['n_topics']}; the sweep recommends ", end="")
    print(manifest["k_reason"])
    if args.verbose:
        import pandas as pd

        _print_table(pd.DataFrame({"file": list(files), "sha256": list(files.values())}))
    return 0


def _check_figures(args: argparse.Namespace) -> int:
    import time

    from corpus_tm.figures import blas_kernels, check_figures
    from corpus_tm.study import load_study

    start = time.perf_counter()
    study = load_study(args.study)
    folder = args.output if args.output is not None else study.output_dir
    differences = check_figures(
        study, against=folder, progress=not args.quiet, cache=not args.no_cache
    )
    seconds = time.perf_counter() - start
    kernels = ", ".join(blas_kernels()) or "no BLAS library loaded"
    if not differences:
        print(f"{folder}: every file is what a fresh build makes ({seconds:.1f} s; {kernels})")
        return 0
    count = f"{len(differences)} files differ" if len(differences) > 1 else "1 file differs"
    print(f"{folder}: {count} from a fresh build ({seconds:.1f} s; {kernels}):")
    for difference in differences:
        detail = f": {difference.detail}" if difference.detail else ""
        print(f"  {difference.name} {difference.problem}{detail}")
    return 1


def _corpus_from(path: str, args: argparse.Namespace):
    from corpus_tm.loading import load_documents
    from corpus_tm.preprocessing import build_corpus
    from corpus_tm.sectioning import split_sections

    documents = load_documents(path, language=args.language)
    units = split_sections(documents, unit=args.unit).units
    return build_corpus(
        units, n_jobs=args.n_jobs, progress=not args.quiet, cache_dir=_corpus_cache_dir(args)
    )


def _corpus_cache_dir(args: argparse.Namespace) -> str | bool:
    """Where ``topics`` and ``sweep`` cache the built corpus: ``--cache-dir``, else the folder
    of ``CORPUS_TM_CACHE_DIR``, else nowhere (``False``).

    Without a study there is no folder the cache belongs beside, and a cache in the current
    folder, or in a user-wide folder nobody looks at, would grow by a corpus for every
    corpus and setting tried. Building the corpus is the cheap step of these commands (the
    models are not cached), so it is cached only where the user asked for it.
    """
    import os

    from corpus_tm.cache import CACHE_DIR_ENV

    if args.no_cache:
        return False
    if args.cache_dir is not None:
        return args.cache_dir
    return os.environ.get(CACHE_DIR_ENV, "").strip() or False


def _add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--language",
        default="auto",
        metavar="CODE",
        help="language of the documents: 'auto' (default: the metadata's language column, "
        "else detected from the script), or a code for all of them "
        f"({', '.join(available_languages())})",
    )


def _parse_ints(text: str) -> list[int]:
    values: list[int] = []
    for piece in text.split(","):
        if "-" in piece:
            low, high = piece.split("-", 1)
            values.extend(range(int(low), int(high) + 1))
        else:
            values.append(int(piece))
    return values


def _sweep(args: argparse.Namespace) -> None:
    from corpus_tm.evaluation import recommend_k, stability, sweep, sweep_resolution

    corpus = _corpus_from(args.path, args)
    runs = sweep(
        corpus,
        method=args.method,
        n_topics=args.k,
        seeds=args.seeds,
        n_jobs=args.n_jobs,
        progress=not args.quiet,
    )
    stable = stability(runs)
    resolution = sweep_resolution(runs, corpus)
    recommendation = recommend_k(runs, stability_result=stable, resolution=resolution)
    _print_table(recommendation.table.round(4))
    print(f"\nrecommended k = {recommendation.k}\n{recommendation.reason}")


def _topics(args: argparse.Namespace) -> None:
    from corpus_tm.domains import map_topics
    from corpus_tm.lexicon import corpus_languages, default_lexicon
    from corpus_tm.models import fit_model

    corpus = _corpus_from(args.path, args)
    model = fit_model(corpus, args.method, args.k, random_state=args.random_state)
    lexicon = default_lexicon()
    mapping = map_topics(model, lexicon, languages=corpus_languages(corpus, lexicon))
    terms = model.top_terms(args.n_terms).groupby("topic")["term"].agg(", ".join)
    table = mapping[["topic", "domain", "score", "runner_up", "margin"]].copy()
    table["top_terms"] = table["topic"].map(terms)
    _print_table(table.round(3))


def _add_corpus_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="folder of .txt/.md files, or a CSV/JSONL/Parquet file")
    parser.add_argument(
        "--unit",
        default="paragraph",
        choices=["paragraph", "section", "sentences", "article"],
        help="text unit (article: one per law article 第X条 or numbered item)",
    )
    parser.add_argument(
        "--method",
        default="nmf",
        choices=available_backends(sweepable=True),
        help="topic-model backend (default nmf)",
    )
    parser.add_argument("--n-jobs", type=int, default=1, help="processes to use")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_language_option(parser)
    parser.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="cache the built corpus in DIR (default: the folder named by the "
        "CORPUS_TM_CACHE_DIR environment variable; without it, no cache)",
    )
    _add_no_cache_option(parser)


def _add_no_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compute everything and cache nothing (neither read nor write a cache)",
    )


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
        "--unit",
        default="paragraph",
        choices=["paragraph", "section", "sentences", "article"],
        help="text unit (article: one per law article 第X条 or numbered item)",
    )
    sections.add_argument(
        "--encoding", default=None, help="encoding of the files (detected when not given)"
    )
    _add_language_option(sections)
    sections.add_argument(
        "--titles", action="store_true", help="also print part and section titles"
    )
    sections.add_argument(
        "--furniture", action="store_true", help="also print the page furniture that was removed"
    )
    sections.add_argument(
        "--check",
        action="store_true",
        help="print one row per document (headings found, part-numbering anomalies, whether "
        "hard-wrapped lines were joined, furniture removed by reason) and exit with status 1 "
        "when part numbers have gaps, repeats or are out of order",
    )
    sections.set_defaults(handler=_sections)

    figures = commands.add_parser(
        "figures",
        help="rebuild every figure of a study (PNG, SVG, CSV data, MANIFEST.json)",
        description="Run a study file (TOML) and write its figures, the data behind each and "
        "MANIFEST.json into the study's figures folder. Built corpora, fitted "
        "models and figures are cached (in .corpus_tm_cache beside the study, or run.cache_dir), "
        "so a second run is fast. With --check, rebuild from scratch "
        "elsewhere and compare instead of writing: exit status 0 when every file has the "
        "same bytes, 1 when some differ.",
    )
    figures.add_argument(
        "study", nargs="?", default="study.toml", help="study file (default: study.toml)"
    )
    figures.add_argument(
        "--output",
        default=None,
        help="write here (with --check: compare with this folder) instead of the study's "
        "figures.output",
    )
    figures.add_argument(
        "--check",
        action="store_true",
        help="rebuild every figure into a temporary folder with a temporary cache (the output "
        "folder and the study's cache are left alone), list the files that differ from the "
        "output folder (for a CSV the largest absolute difference of its numbers) and exit "
        "with status 1 if any differs, 0 if none",
    )
    figures.add_argument("--quiet", action="store_true", help="no progress bars")
    figures.add_argument("--verbose", action="store_true", help="list the files written")
    _add_no_cache_option(figures)
    figures.set_defaults(handler=_figures)

    sweep = commands.add_parser(
        "sweep",
        help="fit models over k and seeds and recommend the number of topics",
        description="Fit a model for every k and seed and print coherence, diversity and "
        "stability per k, and the recommended k.",
    )
    _add_corpus_options(sweep)
    sweep.add_argument(
        "--k",
        type=_parse_ints,
        default=list(range(3, 13)),
        help="numbers of topics, e.g. 3-12 or 4,6,8 (default 3-12)",
    )
    sweep.add_argument(
        "--seeds",
        type=_parse_ints,
        default=[1, 2, 3],
        help="random seeds, e.g. 1-5 (default 1,2,3)",
    )
    sweep.set_defaults(handler=_sweep)

    topics = commands.add_parser(
        "topics",
        help="fit one model and print top terms and mapped domains",
        description="Fit one topic model (LDA, NMF or a registered backend) and print each "
        "topic's top terms, its best security domain, score, runner-up and margin.",
    )
    _add_corpus_options(topics)
    topics.add_argument("--k", type=int, default=8, help="number of topics (default 8)")
    topics.add_argument("--random-state", type=int, default=1)
    topics.add_argument("--n-terms", type=int, default=8)
    topics.set_defaults(handler=_topics)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Errors a user can cause (:class:`~corpus_tm.errors.CorpusTmError`, and files or folders
    that cannot be read or written) are printed as one line with exit status 2; warnings are
    printed as one line each. ``figures --check`` exits with status 1 when files differ.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    prefix = f"corpus-tm {args.command}"

    def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"{prefix}: {category.__name__}: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            with warnings_once():  # each distinct warning once
                status = args.handler(args)
    except CorpusTmError as exc:
        print(f"{prefix}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a disk full, a folder that cannot be written
        print(f"{prefix}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    raise SystemExit(main())
