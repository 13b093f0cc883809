"""k-means on rows that never sit in memory together: :class:`StreamedKMeans`.

The streamed counterpart of :class:`~.api.KMeans` for Lloyd's algorithm. Its input is a
:class:`~.streamed_data.ChunkedRows` (the data layer reads a file into one); every pass
streams the rows through the engine's own kernels and keeps only per-cluster sums, so from
the same initial centroids it ends where ``KMeans`` ends (labels, iterations; inertia and
centroids to float64 rounding) while its memory depends on the batch size, not on the rows.
The labels of every row go to the ``scratch`` (the data layer's ``DiskScratch`` keeps them on
disk) and are read back, in row order, to write the outputs.

Initial centroids: "k-means||" (the default: k-means++ would take k passes), "random",
"uniform" or a (k, D) array; from the same seed "k-means||" and "uniform" start where an
in-memory run starts. Under a ``MultiWorkerMirroredStrategy`` each worker's source holds its
own share of the rows and the strategy's all-reduce adds up every pass (see
``streamed_data.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from .api import _check_run_params, restart_generators
from .choices import DEFAULT_INIT_ROUNDS, DEFAULT_OVERSAMPLING
from .devices import resolve_device
from .distributed import check_strategy, collective_for, local_devices, strategy_description
from .errors import KMeansInputError
from .init import given_centroids
from .kmeans_parallel import CandidateState, Piece, check_init_params, kmeans_parallel
from .lloyd import lloyd_pass_states
from .row_keys import new_key
from .scratch import Scratch, ScratchColumn
from .state import IterationState
from .streamed_data import BATCH_ROWS, ChunkedRows, ProgressCallback, StreamedData, as_tensor
from .streamed_lloyd import StreamedPasses

STREAMED_INITS = ("k-means||", "random", "uniform")


class StreamedKMeans:
    """Lloyd's k-means over a :class:`ChunkedRows`, with ``KMeans``' names and meanings.

    Parameters beyond ``KMeans``' (``algorithm`` is always Lloyd):

    scratch : where per-row values live between passes (labels, the cached float32 rows);
        default in memory. Pass the data layer's ``DiskScratch`` to bound memory.
    batch_rows : rows per batch of blocks (about ``batch_rows`` x D x 4 bytes of staging, twice;
        at most ``MAX_BATCH_BLOCKS`` blocks).
    cache : keep the centred float32 rows in ``scratch`` after the first pass that makes
        them, when it has room (later passes then read it instead of the source).
    track : sorted row indices whose labels every state carries (a window's sample); the
        states' ``labels`` are those rows' labels, in that order (empty by default).
    on_progress : ``(phase, rows done, rows in this pass)``, called per batch.

    After ``fit``: ``cluster_centers_``, ``inertia_``, ``n_iter_``, ``converged_``, ``device_``,
    ``restart_inertias_``, ``n_relocated_``, ``sizes_``, ``n_rows_``, and ``labels_``: a scratch
    column holding every row's label (this process's rows), read with ``labels_.reader()``;
    ``close()`` releases it.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | np.ndarray = "k-means||",
        n_init: int = 1,
        tol: float = 1e-4,
        max_iter: int = 300,
        seed: int | None = None,
        device: str = "auto",
        metric: str = "euclidean",
        strategy: tf.distribute.Strategy | None = None,
        oversampling: float = DEFAULT_OVERSAMPLING,
        init_rounds: int = DEFAULT_INIT_ROUNDS,
        scratch: Scratch | None = None,
        batch_rows: int = BATCH_ROWS,
        cache: bool = True,
        track: np.ndarray | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.tol = tol
        self.max_iter = max_iter
        self.seed = seed
        self.device = device
        self.metric = metric
        self.strategy = strategy
        self.oversampling = oversampling
        self.init_rounds = init_rounds
        self.scratch = scratch
        self.batch_rows = batch_rows
        self.cache = cache
        self.track = track
        self.on_progress = on_progress
        self.labels_: ScratchColumn | None = None

    def _checked(self) -> tuple[float, int, int, str | np.ndarray]:
        if self.metric not in ("euclidean", "cosine"):
            raise KMeansInputError(
                f"a streamed run supports metric euclidean or cosine, not {self.metric!r}"
            )
        tol, max_iter, n_init = _check_run_params(self.tol, self.max_iter, self.n_init)
        check_init_params(self.oversampling, self.init_rounds)
        if isinstance(self.batch_rows, bool) or not isinstance(self.batch_rows, int):
            raise KMeansInputError(f"batch_rows must be a whole number, got {self.batch_rows!r}")
        init = self.init
        if isinstance(init, str):
            if init == "k-means++":
                raise KMeansInputError(
                    "k-means++ needs every row in memory (one pass per centre); a streamed run "
                    "starts from k-means|| (its few-pass form), random or uniform"
                )
            if init not in STREAMED_INITS:
                raise KMeansInputError(
                    f"unknown init {init!r}: choose {', '.join(STREAMED_INITS)} or give a "
                    "(k, D) array"
                )
        elif n_init > 1:
            n_init = 1  # explicit centroids: one run, as KMeans (which warns)
        if isinstance(self.n_clusters, bool) or not isinstance(self.n_clusters, (int, np.integer)):
            raise KMeansInputError(f"n_clusters must be a whole number, got {self.n_clusters!r}")
        if self.n_clusters < 1:
            raise KMeansInputError(f"n_clusters must be at least 1, got {self.n_clusters}")
        return tol, max_iter, n_init, init

    def states(self, source: ChunkedRows) -> Iterator[IterationState]:
        """Every restart's states, as ``engine.iterate`` streams them; ``labels_`` and the
        fitted attributes are set once the last state has been taken."""
        tol, max_iter, n_init, init = self._checked()
        k = int(self.n_clusters)
        collective = collective_for(self.strategy)
        if self.strategy is not None:
            check_strategy(self.strategy)
            device = local_devices(self.strategy)[0]
            device_name = strategy_description(self.strategy)
        else:
            device = device_name = resolve_device(self.device)
        rngs = restart_generators(self.seed, n_init)
        parallel = isinstance(init, str) and init == "k-means||"
        first_keys = [new_key(rng) for rng in rngs] if parallel else []
        data = StreamedData(
            source,
            device=device,
            metric=self.metric,
            collective=collective,
            scratch=self.scratch,
            batch_rows=self.batch_rows,
            cache=self.cache,
            progress=self.on_progress,
        ).open(k, first_keys)
        best: tuple[IterationState, StreamedPasses] | None = None
        inertias: list[float] = []
        relocated: dict[int, int] = {}
        try:
            for restart, rng in enumerate(rngs):
                key = first_keys[restart] if first_keys else None
                centroids = self._initial(data, k, init, rng, key, collective)
                passes = StreamedPasses(data, k, device_name=device_name, track=self.track)
                kept = False
                try:
                    for state in lloyd_pass_states(
                        passes,
                        centroids,
                        tol=tol,
                        max_iter=max_iter,
                        restart=restart,
                        n_restarts=n_init,
                        metric=self.metric,
                    ):
                        relocated[restart] = relocated.get(restart, 0) + state.n_relocated
                        yield state
                        if state.final:
                            inertias.append(state.inertia)
                            if best is None or state.inertia < best[0].inertia:
                                if best is not None:
                                    best[1].labels.close()
                                best, kept = (state, passes), True
                finally:
                    passes.close(keep_labels=kept)
        except BaseException:
            if best is not None:
                best[1].labels.close()
            raise
        finally:
            data.close()
        assert best is not None
        state, passes = best
        self.cluster_centers_ = state.centroids
        self.inertia_ = state.inertia
        self.n_iter_ = state.n_iter
        self.converged_ = state.converged
        self.device_ = state.device
        self.sizes_ = state.sizes
        self.tracked_labels_ = state.labels
        self.n_relocated_ = relocated.get(state.restart, 0)
        self.restart_inertias_ = inertias
        self.n_rows_ = data.n
        self.labels_ = passes.labels

    def fit(
        self, source: ChunkedRows, *, on_state: Callable[[IterationState], object] | None = None
    ) -> StreamedKMeans:
        """Run every restart and keep the one of lowest inertia (the first on ties)."""
        for state in self.states(source):
            if on_state is not None:
                on_state(state)
        return self

    def close(self) -> None:
        """Release the fitted labels' scratch column."""
        if self.labels_ is not None:
            self.labels_.close()
            self.labels_ = None

    def _initial(
        self,
        data: StreamedData,
        k: int,
        init: str | np.ndarray,
        rng: np.random.Generator,
        key: int | None,
        collective: Any,
    ) -> np.ndarray:
        if not isinstance(init, str):
            return given_centroids(data, k, init)  # type: ignore[arg-type]
        if init == "uniform":
            return rng.uniform(data.low, data.high, size=(k, data.d))
        if init == "random":
            return data.random_rows(new_key(rng), k)
        assert key is not None
        rounds = iter(range(1, 1 << 30))
        return kmeans_parallel(
            lambda: _pieces(data, next(rounds)),
            data.first_rows[key],
            k,
            rng,
            CandidateState(data.n_local, tuple(data.scratch.column(t) for t in _STATE_TYPES)),
            row_index=data.row_index,
            collective=collective,
            device=data.device,
            oversampling=self.oversampling,
            rounds=self.init_rounds,
        )


_STATE_TYPES = (np.float32, np.int32, np.float32, np.int32)


def _pieces(data: StreamedData, round_number: int) -> Iterator[Piece]:
    """k-means||' passes over streamed batches."""
    data.phase = f"k-means|| pass {round_number}"
    for batch in data.batches():
        blocks = as_tensor(batch.blocks, data.device)
        weights = batch.weights.reshape(-1)[: batch.count].astype(np.float64)
        yield Piece(blocks, weights, batch.rows(), batch.start, batch.count, batch.direct)
