"""`python -m kmeans_gui` is the same as the `kmeans-gui` command."""

from kmeans_gui.cli import main

raise SystemExit(main())
