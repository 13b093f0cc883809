"""What a user asks a run for, as one record: the panel builds it, the run session keeps it,
settings persist its choices, legends name runs by it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmeans_gui.engine.choices import ALGORITHM_TITLES
from kmeans_gui.engine.refine_options import parse_refine_budget

PLACE = "place"  # initial centroids given by the user on the plot (the window supplies them)
#: What the panel's swap budget counts (the engine takes trials as a number, seconds as "5s").
REFINE_BUDGET_UNITS = ("trials", "seconds")


@dataclass(frozen=True)
class RunParameters:
    """``engine_kwargs()`` turns it into ``engine.iterate`` keywords."""

    k: int
    algorithm: str
    init: str  # one of the engine's INIT_CHOICES, or PLACE
    metric: str
    tol: float
    max_iter: int
    seed: int | None
    n_init: int
    device: str
    weight_column: str | None = None
    algorithm_params: dict[str, Any] = field(default_factory=dict)
    refine: str = "none"  # "swap": swap trials after Lloyd (engine ``refine``)
    refine_budget: int | str | None = None  # trials, or seconds as "5s"; None: the default

    def engine_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "algorithm": self.algorithm,
            "n_init": self.n_init,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "seed": self.seed,
            "device": self.device,
            "metric": self.metric,
        }
        if self.init != PLACE:
            kwargs["init"] = self.init
        kwargs.update(self.algorithm_params)
        if self.refine != "none":
            kwargs["refine"] = self.refine
            if self.refine_budget is not None:
                kwargs["refine_budget"] = self.refine_budget
        return kwargs

    def label(self) -> str:
        """How a legend tells this run from others: algorithm, initialiser, k, and the rest
        only where it is not the default."""
        parts = [ALGORITHM_TITLES[self.algorithm].short, self.init, f"k = {self.k}"]
        if self.metric != "euclidean":
            parts.append(self.metric)
        if self.refine != "none":
            parts.append(f"{self.refine} refined")
        if self.n_init > 1:
            parts.append(f"{self.n_init} restarts")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return ", ".join(parts)


def refine_budget(amount: int, unit: str) -> int | str | None:
    """The engine's ``refine_budget`` for the panel's amount and unit (0: the default)."""
    if amount <= 0:
        return None
    return f"{amount}s" if unit == "seconds" else amount


def refine_choices(engine_params: dict[str, Any]) -> dict[str, Any]:
    """The panel's refinement choices for a run's engine keywords (an opened session): what
    they leave out is the default, not whatever the panel showed before."""
    choices = {"refine": engine_params.get("refine") or "none", "refine_budget": 0}
    given = engine_params.get("refine_budget")
    budget = None if given is None else parse_refine_budget(given, k=1)
    if budget is not None and budget.seconds is not None:
        seconds = max(1, round(budget.seconds))  # the panel counts whole seconds
        return {**choices, "refine_budget": seconds, "refine_budget_unit": "seconds"}
    trials = 0 if budget is None or budget.trials is None else budget.trials
    return {**choices, "refine_budget": trials, "refine_budget_unit": "trials"}
