"""What a user asks a run for, as one record: the panel builds it, the run session keeps it,
settings persist its choices, legends name runs by it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmeans_gui.engine.choices import ALGORITHM_TITLES

PLACE = "place"  # initial centroids given by the user on the plot (the window supplies them)


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
    refine_budget: int | None = None  # swap trials; None: the engine's default for k

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
