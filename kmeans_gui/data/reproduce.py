"""A short Python script that reproduces a session's run with the project's own API.

For File > Copy as Python: the script loads the same file with ``kmeans_gui.data``, prepares the
same features with the same missing-value rule and scaling, and fits ``kmeans_gui.engine.KMeans``
with every parameter of the run, then reports the centroids as the window does and builds the
labelled table. Ready to paste into a notebook; the same seed on the same device gives the same
labels.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from kmeans_gui import __version__

from .session import FeatureSpec, RunSpec, Session


def reproduction_script(session: Session, data_path: str | os.PathLike[str] | None = None) -> str:
    """The script for ``session``; ``data_path`` overrides where the data file is read from
    (default: the session's, made absolute so the script runs from any folder)."""
    path = Path(data_path if data_path is not None else session.data.path).expanduser()
    return script_for(path.absolute(), session.features, session.run)


def script_for(data_path: Path, features: FeatureSpec, run: RunSpec) -> str:
    """The script loading ``data_path`` and fitting ``run`` on ``features`` of it."""
    weighted = features.weight_column is not None
    array_init = not isinstance(run.init, str)
    prepare_args = [
        "table.frame",
        _literal(list(features.columns)),
        f"missing={_literal(features.missing)}",
        f"scale={_literal(features.scale)}",
    ]
    if weighted:
        prepare_args.append(f"weight_column={_literal(features.weight_column)}")
    if features.one_hot:
        prepare_args.append(f"one_hot={_literal(list(features.one_hot))}")
    kmeans_args = [
        str(run.k),
        f"algorithm={_literal(run.algorithm)}",
        f"init={'init' if array_init else _literal(run.init)}",
        f"n_init={run.n_init!r}",
        f"tol={run.tol!r}",
        f"max_iter={run.max_iter!r}",
        f"seed={run.seed!r}",
        f"device={_literal(run.device)}",
        f"metric={_literal(run.metric)}",
        *(f"{name}={_literal(value)}" for name, value in run.params.items()),
    ]
    lines = [
        f"# Reproduces a kmeans-gui {__version__} run: k = {run.k}, {run.algorithm}, "
        f"{run.metric}, seed {run.seed}.",
        *(["import numpy as np"] if array_init else []),
        "from kmeans_gui.data import final_centroids, labelled_frame, load_table, prepare_features",
        "from kmeans_gui.engine import KMeans",
        "",
        f"table = load_table({_literal(str(data_path))})",
        f"features = prepare_features({_arguments(prepare_args)})",
    ]
    if array_init:
        rows = [_literal(row) for row in np.asarray(run.init).tolist()]
        array = f"np.array([{', '.join(rows)}])"
        if len(array) > 80:
            array = "np.array(\n        [\n" + "".join(f"            {r},\n" for r in rows)
            array += "        ]\n    )"
        lines += [
            "# the initial centroids, in the data's own units",
            f"init = features.to_fit_units(\n    {array}\n)",
        ]
    fit_args = "features.X, features.weights" if weighted else "features.X"
    lines += [
        "",
        f"model = KMeans({_arguments(kmeans_args)}).fit({fit_args})",
        "",
        "# the centroids in the data's own units, as kmeans-gui reports them",
        "centroids = final_centroids(",
        "    features,",
        "    model.labels_,",
        "    model.cluster_centers_,",
        f"    algorithm={run.algorithm!r},",
        f"    metric={run.metric!r},",
        "    frame=table.frame,",
        ")",
        "# every row of the table plus its cluster (empty for rows left out of the fit)",
        "labelled = labelled_frame(table.frame, features, model.labels_)",
        'print(f"inertia {model.inertia_:.10g} after {model.n_iter_} iterations")',
    ]
    return "\n".join(lines) + "\n"


def _arguments(items: list[str]) -> str:
    """Call arguments, one per line when they do not fit on one (as ruff would format them)."""
    one_line = ", ".join(items)
    if len(one_line) <= 60:
        return one_line
    return "\n" + "".join(f"    {item},\n" for item in items)


def _literal(value: object) -> str:
    """Python source for a plain value; texts in double quotes (a JSON string is a valid
    Python string literal, escapes included)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)
