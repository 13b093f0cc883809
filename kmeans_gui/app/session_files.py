"""Keeping and reusing results from the window: model files, session files, a Python script.

File > Export model writes the run on screen as ``cluster --model-out`` does; File > Save
session writes the data file's path and SHA-256, the choices, every run parameter and the
result; File > Open session (or ``kmeans-gui SESSION``, or Open recent) reloads the data, sets
everything as it was and runs again, then says whether the result is the saved one. Copy as
Python puts a script that reproduces the run on the clipboard. The formats live in the data
layer (``kmeans_gui.data.model_file``, ``kmeans_gui.data.session``); hashing and writing run
in background jobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from . import jobs
from .data_panel import PLOT_FEATURES
from .preferences import AlgorithmChoices
from .run_parameters import PLACE, refine_choices

SESSION_FILTER = "kmeans-gui sessions (*.session.json *.json)"
MODEL_FILTER = "kmeans-gui models (*.model.json *.json)"
SAME_RESULT_RTOL = 1e-9  # same seed, same device: equal to the last bits; this allows for none


class SessionFiles:
    """The window's File-menu actions for models, sessions and scripts (``window``: its
    session, table, panels, preferences, background jobs, ``show_error``)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self._expected: Any = None  # the saved result a re-opened session must reproduce

    # ------------------------------------------------------------------ the run on screen
    def finished_run(self) -> jobs.FinishedRun | None:
        """The frame shown, as the files record it (None, with a message, before a run)."""
        window = self.window
        current = window.session.current()
        if current is None:
            window.show_error("run k-means first: there is no result to keep yet")
            return None
        frame, labels = current
        params = window.session.params
        first, last = window.session.history.restart_range(frame.restart)
        frames = window.session.history.frames[first : last + 1]
        return jobs.FinishedRun(
            features=window.session.request.features,
            labels=np.asarray(labels, dtype=np.int64),
            centroids=frame.centroids,
            sizes=frame.sizes,
            inertia=frame.inertia,
            n_iter=frame.n_iter,
            converged=frame.converged,
            device=frame.device,
            algorithm=params.algorithm,
            metric=params.metric,
            seed=params.seed,
            history=tuple(f.inertia for f in frames),
        )

    def _specs(self) -> tuple[Any, Any]:
        """(FeatureSpec, RunSpec) of the run on screen, or of the panels before a run."""
        from kmeans_gui.data.session import FeatureSpec, RunSpec

        window = self.window
        request = window.session.request
        if request is not None:
            features, params, kwargs = request.features, request.params, request.engine_kwargs()
            columns = tuple(c for c in features.columns if c not in features.encoded)
            one_hot = features.one_hot_columns
            missing, scale = features.missing, features.scaler.kind
            weight = features.weight_column
        else:
            choice = window.data_panel.feature_choice()
            params = window.algorithm_panel.parameters()
            kwargs = params.engine_kwargs()
            features, columns, one_hot = None, choice.columns, choice.one_hot
            missing, scale, weight = choice.missing, choice.scale, params.weight_column
        spec = FeatureSpec(
            columns=columns, missing=missing, scale=scale, weight_column=weight, one_hot=one_hot
        )
        return spec, RunSpec.from_engine_kwargs(params.k, kwargs, features)

    # ------------------------------------------------------------------ model files
    def export_model_dialog(self) -> None:
        if self.finished_run() is None:
            return
        path = self._save_path("Export model", ".model.json", MODEL_FILTER)
        if path:
            self.export_model(path)

    def export_model(self, path: str) -> None:
        run = self.finished_run()
        if run is None:
            return
        window = self.window
        window.statusBar().showMessage(f"Writing the model {Path(path).name}…")
        window.background.run(
            jobs.export_model,
            window.table,
            run,
            path,
            on_result=window.exporter.on_exported,
            on_error=window.show_exception,
        )

    # ------------------------------------------------------------------ sessions
    def save_session_dialog(self) -> None:
        if self.window.table is None:
            self.window.show_error("open a table first: a session keeps a run on a table")
            return
        path = self._save_path("Save session", ".session.json", SESSION_FILTER)
        if path:
            self.save_session(path)

    def save_session(self, path: str) -> None:
        window = self.window
        features, run_spec = self._specs()
        run = self.finished_run() if window.session.current() is not None else None
        plot = window.data_panel.plot_choice()
        axes = window.plot.axes if window.plot is not None else None
        view = {"plot": plot.mode}
        if axes is not None and plot.mode == PLOT_FEATURES:
            names = list(window.plot.features.columns)
            view.update(x=names[axes[0]], y=names[axes[1]])
        window.background.run(
            jobs.save_session,
            window.table,
            features,
            run_spec,
            run,
            view,
            path,
            on_result=self._on_session_saved,
            on_error=window.show_exception,
        )

    def _on_session_saved(self, path: str) -> None:
        self.window.preferences.add_recent(path)
        self.window.refresh_recent_menu()
        self.window.exporter.on_exported(path)

    def open_session_dialog(self) -> None:
        window = self.window
        path, _ = QFileDialog.getOpenFileName(
            window, "Open a session", window.preferences.folder("sessions"), SESSION_FILTER
        )
        if path:
            self.open_session(path)

    def open_session(self, path: str) -> None:
        """Read the session and find its data in the background, then load and re-run."""
        window = self.window
        window.statusBar().showMessage(f"Opening the session {Path(path).name}…")
        window.background.run(
            jobs.open_session,
            path,
            on_result=lambda opened: self._on_opened(path, opened),
            on_error=window.show_exception,
        )

    def _on_opened(self, path: str, opened: jobs.OpenedSession) -> None:
        window = self.window
        window.preferences.set_folder("sessions", path)
        data_path = opened.data_path
        if data_path is None:  # moved or deleted: ask where it is now
            if not window.interactive:
                window.show_error(opened.note)
                return
            QMessageBox.information(window, "kmeans-gui", opened.note)
            data_path, _ = QFileDialog.getOpenFileName(
                window, f"Where is {opened.session.data.path.name} now?", str(Path(path).parent)
            )
            if not data_path:
                return
            window.background.run(
                jobs.session_data_changed,
                opened.session,
                data_path,
                on_result=lambda changed: self._load(path, opened.session, data_path, "", changed),
                on_error=window.show_exception,
            )
            return
        self._load(path, opened.session, data_path, opened.note, opened.changed)

    def _load(self, path: str, session: Any, data_path: str, note: str, changed: str) -> None:
        """Load the data with the session's choices; run it once the points are drawn (after
        asking, when the data file changed since the session was saved)."""
        window = self.window
        if note:
            window.statusBar().showMessage(note, 15_000)
        run = True
        if changed:
            if window.interactive:
                answer = QMessageBox.question(window, "kmeans-gui", f"{changed} Run it anyway?")
                run = answer == QMessageBox.StandardButton.Yes
            else:
                print(f"warning: {changed}", flush=True)

        def when_plotted() -> None:
            window.preferences.add_recent(path)  # above the data file it opened
            window.refresh_recent_menu()
            self._apply_run(session)
            if run:
                self._expected = session.result
                window.start_run(init=self._initial_centroids(session))

        window.open_file(data_path, feature_spec=session.features, then=when_plotted)

    def _apply_run(self, session: Any) -> None:
        """The panels as the session had them."""
        spec = session.run
        window = self.window
        params = dict(spec.params)
        choices = {
            "k": spec.k,
            "algorithm": spec.algorithm,
            "metric": spec.metric,
            "init": spec.init if isinstance(spec.init, str) else PLACE,
            "tol": spec.tol,
            "max_iter": spec.max_iter,
            "seed": spec.seed,
            "n_init": spec.n_init,
            "device": spec.device,
        }
        choices.update(
            {key: params[key] for key in params if key in AlgorithmChoices.__dataclass_fields__}
        )
        choices.update(refine_choices(params))
        window.algorithm_panel.apply(choices)
        view = session.view or {}
        if view.get("plot") == PLOT_FEATURES and view.get("x") and view.get("y"):
            window.data_panel.set_plot_choice(PLOT_FEATURES, view["x"], view["y"])

    def _initial_centroids(self, session: Any) -> np.ndarray | None:
        init = session.run.init
        if isinstance(init, str) or self.window.prepared is None:
            return None
        return self.window.prepared.features.to_fit_units(np.asarray(init, dtype=np.float64))

    def check_reproduced(self) -> None:
        """After a re-opened session's run: say whether it gave the saved result."""
        expected, self._expected = self._expected, None
        window = self.window
        if expected is None or window.session.error is not None:
            return
        run = self.finished_run()
        if run is None:
            return
        window.background.run(
            _compare,
            window.table,
            run,
            expected,
            on_result=self._said_reproduced,
            on_error=window.show_exception,
        )

    def _said_reproduced(self, sentence: tuple[bool, str]) -> None:
        same, text = sentence
        window = self.window
        window.statusBar().showMessage(text, 20_000)
        window.data_panel.set_session_note(text, warning=not same)
        window.sessionChecked.emit(same, text)

    # ------------------------------------------------------------------ script
    def copy_as_python(self) -> str | None:
        """A script that reproduces the run (or the current settings) on the clipboard."""
        from kmeans_gui.data.reproduce import script_for

        window = self.window
        if window.table_path is None:
            window.show_error("open a table first: the script reproduces a run on a table")
            return None
        features, run_spec = self._specs()
        script = script_for(Path(window.table_path).absolute(), features, run_spec)
        QApplication.clipboard().setText(script)
        window.statusBar().showMessage(
            "Copied a Python script that reproduces this run: paste it into a notebook.", 8000
        )
        return script

    # ------------------------------------------------------------------ internals
    def _save_path(self, title: str, suffix: str, filters: str) -> str | None:
        window = self.window
        preferences = window.preferences
        stem = Path(window.table_path).stem if window.table_path else "clusters"
        folder = preferences.folder("sessions" if "session" in suffix else "exports")
        path, _ = QFileDialog.getSaveFileName(
            window, title, str(Path(folder) / f"{stem}{suffix}"), filters
        )
        if path:
            preferences.set_folder("sessions" if "session" in suffix else "exports", path)
        return path or None


def _compare(table: Any, run: jobs.FinishedRun, expected: Any) -> tuple[bool, str]:
    """(same, sentence): the re-run against the session's saved result."""
    centroids = jobs.reported_centroids(table, run)
    same_shape = centroids.shape == expected.centroids.shape
    same = (
        same_shape
        and np.allclose(centroids, expected.centroids, rtol=SAME_RESULT_RTOL, atol=0.0)
        and np.isclose(run.inertia, expected.inertia, rtol=SAME_RESULT_RTOL, atol=0.0)
        and run.n_iter == expected.n_iter
    )
    if same:
        return True, (
            f"Re-ran the session: the same result as saved (inertia {run.inertia:.10g}, "
            f"{run.n_iter} iterations)."
        )
    device = (
        f" It was saved on {expected.device} and ran on {run.device} now."
        if expected.device and expected.device != run.device
        else ""
    )
    return False, (
        f"Re-ran the session: the result differs from the saved one (inertia {run.inertia:.10g} "
        f"now, {expected.inertia:.10g} saved; {run.n_iter} iterations now, "
        f"{expected.n_iter} saved).{device} A random seed, another device or changed data "
        "give another result."
    )
