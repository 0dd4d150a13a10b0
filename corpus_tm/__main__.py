"""``python -m corpus_tm`` runs the command line (see :mod:`corpus_tm.cli`)."""

from corpus_tm.cli import main

raise SystemExit(main())
