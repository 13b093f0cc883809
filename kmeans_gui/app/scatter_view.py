"""The scatter canvas: points coloured by cluster, centroids with trails, optional Voronoi regions.

Point positions never change during a run, only their labels do, so nothing here re-sends
positions per frame. Small sets are drawn as a ScatterPlotItem whose per-point brushes come from
a cached brush per cluster. Large sets are rasterised: the points are binned once per view
change into the pixels of the view (each occupied pixel remembers one "winner" point and how
many points fell in it), and a new frame is a gather of the winners' labels into an RGBA image,
about a millisecond per hundred thousand occupied pixels, whatever N is. Binning goes over all N
points (tens of milliseconds at a million), so it runs on a worker thread; the picture shown
stays until the newest request's bins arrive (``pointsBinned``), and an export bins at once.

A label equal to k means "no centroid" (the user removed it; the next assignment gives the
points another) and is drawn grey. Helpers that draw over the frame (membership lines, the
centroid handles) follow ``frameDrawn``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor

from .axes import transform_with_range
from .background import lower_thread_priority
from .legend import ClusterLegend
from .palette import UNASSIGNED, cluster_colours
from .plot_space import xy_bounds
from .regions import region_labels
from .uniform_scatter import UniformScatter

RASTER_THRESHOLD = 5_000  # more points than this are drawn as an image (per-point brushes
# in a ScatterPlotItem cost ~3 µs a point per frame: 60 ms at 20,000)
SVG_VECTOR_POINTS = 20_000  # up to this many points an SVG gets one vector shape per point;
# beyond, the points are the one raster image the screen shows (centroids stay vectors)
RGBA_WORD = np.dtype("<u4")  # an RGBA pixel's four bytes, as the image holds them
VORONOI_GRID = 200  # cells along each axis of the Voronoi image
VORONOI_ALPHA = 64  # faint enough for the points to stay readable; 46 made tints look alike


def _qcolor(rgba: np.ndarray | tuple[int, ...], alpha: int | None = None) -> QColor:
    r, g, b, a = (int(v) for v in rgba)
    return QColor(r, g, b, a if alpha is None else alpha)


def _with_unassigned(k: int) -> np.ndarray:
    """(k + 1, 4) colours: the k clusters', then grey for label k (no centroid)."""
    return np.vstack([cluster_colours(k), np.array(UNASSIGNED, np.uint8)])


@dataclass(frozen=True)
class PointStyle:
    """How points are drawn: ``size`` in pixels (0: by density, 6 below RASTER_THRESHOLD),
    ``opacity`` from 0.05 to 1, ``jitter`` for columns of tied values (display only)."""

    size: float = 0.0
    opacity: float = 1.0
    jitter: bool = False


VECTOR_SIZE = 6  # the automatic size of vector-drawn points


def _dot_offsets(n_points: int, size: float = 0.0) -> list[tuple[int, int]]:
    """Pixel offsets that make one raster dot of ``size`` pixels (0: sparse sets get bigger
    dots to stay visible, dense ones single pixels)."""
    if size > 0:
        radius = max(0, round((size - 1) / 2))
    else:
        radius = 2 if n_points <= 50_000 else 1 if n_points <= 250_000 else 0
    if radius == 0:
        return [(0, 0)]
    span = range(-radius, radius + 1)
    return [(dx, dy) for dx in span for dy in span if dx * dx + dy * dy <= radius * radius + 1]


@dataclass(frozen=True, eq=False)
class BinRequest:
    """What bins are made for: these very points (``xy``), a view rectangle (plot units), its
    (height, width) in device pixels and the point style (dot size, opacity)."""

    xy: np.ndarray
    rect: QRectF
    shape: tuple[int, int]
    style: PointStyle

    def same(self, other: BinRequest) -> bool:
        return (
            self.xy is other.xy
            and self.rect == other.rect
            and self.shape == other.shape
            and self.style == other.style
        )


@dataclass(frozen=True, eq=False)
class PixelBins:
    """Points binned into the pixels of one view rectangle: the occupied pixels (flat
    indices), for each the point drawn there (its "winner") and an opacity by how many points
    fell in it. Only labels of ``made_for.xy``'s points may be painted through them."""

    made_for: BinRequest
    occupied: np.ndarray  # int64
    winner: np.ndarray  # int64, rows of made_for.xy
    alpha: np.ndarray  # uint8

    @cached_property
    def alpha_word(self) -> np.ndarray:
        """The opacities as the top byte of little-endian RGBA words (a frame ORs colours in)."""
        return self.alpha.astype(RGBA_WORD) << 24


def bin_points(request: BinRequest) -> PixelBins:
    """Assign the points (N, 2) to the pixels of the request's rectangle. Plain NumPy over all
    N points (about 80 ms at a million): the view runs it on a worker thread, and NumPy
    releases the GIL meanwhile."""
    xy, rect, style = request.xy, request.rect, request.style
    height, width = request.shape
    if width < 1 or height < 1 or rect.width() <= 0 or rect.height() <= 0:
        empty = np.empty(0, np.int64)
        return PixelBins(request, empty, empty, np.empty(0, np.uint8))
    fx = (xy[:, 0] - rect.left()) * (width / rect.width())
    fy = (xy[:, 1] - rect.top()) * (height / rect.height())
    inside = (fx >= 0) & (fx < width) & (fy >= 0) & (fy < height)
    index = np.flatnonzero(inside)
    ix = fx[index].astype(np.int64)
    iy = fy[index].astype(np.int64)
    offsets = _dot_offsets(index.size, style.size)
    if len(offsets) > 1:
        ix = np.concatenate([ix + dx for dx, _ in offsets])
        iy = np.concatenate([iy + dy for _, dy in offsets])
        index = np.tile(index, len(offsets))
        keep = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        ix, iy, index = ix[keep], iy[keep], index[keep]
    pixel = iy * width + ix
    winner = np.full(width * height, -1, np.int64)
    winner[pixel] = index  # one of the points in each pixel (the last one written)
    occupied = np.flatnonzero(winner >= 0)
    counts = np.bincount(pixel, minlength=width * height)[occupied]
    density = np.log1p(counts) / np.log1p(max(int(counts.max(initial=1)), 2))
    alpha = ((150 + 105 * density) * style.opacity).astype(np.uint8)
    return PixelBins(request, occupied, winner[occupied], alpha)


# One worker bins for every view: binning is short, and a newer request makes the ones queued
# before it return at once.
_BINNING = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="point-bins", initializer=lower_thread_priority
)


class _PointRaster(QObject):
    """Paints labels into an RGBA image per frame, from bins made on the binning worker.

    Each request for bins (new points, another view rectangle, size or style) is numbered;
    only the newest one's bins are kept, and until they arrive the picture shown stays as it
    was (the image item keeps its place in plot units, so a zoom shows it scaled).
    ``binned`` is emitted once new bins are painted.
    """

    binned = Signal()
    _delivered = Signal(int, object)  # (request number, PixelBins or None), from the worker

    def __init__(self, item: pg.ImageItem, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.xy: np.ndarray | None = None
        self.style = PointStyle()
        self.bins: PixelBins | None = None
        self._number = 0  # the newest request's number; answers to older ones are dropped
        self._pending: BinRequest | None = None  # asked of the worker, not yet arrived
        self._paint_args: tuple[np.ndarray | None, np.ndarray] | None = None
        self._delivered.connect(self._on_delivered)

    def set_points(self, xy: np.ndarray | None) -> None:
        """New positions; the old picture stays until they are binned (None: cleared now)."""
        self.xy = xy
        if xy is None:
            self._number += 1
            self.bins = self._pending = None
            self.item.clear()

    def request(self, rect: QRectF, width: int, height: int) -> None:
        """Bins for ``rect`` drawn at ``width`` x ``height`` device pixels, on the worker."""
        if self.xy is None:
            return
        wanted = BinRequest(self.xy, QRectF(rect), (height, width), self.style)
        if self._pending is not None and self._pending.same(wanted):
            return
        self._number += 1  # whatever was pending is stale now
        self._pending = None
        if self.bins is not None and self.bins.made_for.same(wanted):
            return
        self._pending = wanted
        number = self._number
        job = _BINNING.submit(self._bin, number, wanted)
        job.add_done_callback(lambda done: self._deliver(number, done))

    def _bin(self, number: int, request: BinRequest) -> PixelBins | None:
        """On the worker thread; None when a newer request has come in meanwhile."""
        if number != self._number:
            return None
        return bin_points(request)

    def _deliver(self, number: int, job: Future) -> None:
        failed = job.exception() is not None
        with suppress(RuntimeError):  # the view was deleted meanwhile
            self._delivered.emit(-number if failed else number, None if failed else job.result())

    def _on_delivered(self, number: int, bins: PixelBins | None) -> None:
        if abs(number) != self._number:
            return
        if number < 0:  # it failed on the worker: bin here, where the error is seen
            self.finish()
        elif bins is not None:
            self._install(bins)

    def finish(self) -> None:
        """Bin now, on this thread, if the newest request's bins have not arrived (an
        offscreen copy or an export must draw what it was asked to)."""
        if self._pending is not None:
            request = self._pending
            self._number += 1  # the worker's answer, if any, is dropped
            self._install(bin_points(request))

    @property
    def busy(self) -> bool:
        """Bins asked for have not arrived yet."""
        return self._pending is not None

    def _install(self, bins: PixelBins) -> None:
        self._pending = None
        self.bins = bins
        if self._paint_args is not None:
            self.paint(*self._paint_args)
        self.binned.emit()

    def paint(self, labels: np.ndarray | None, colours: np.ndarray) -> None:
        """Colour the binned points by ``labels`` (or grey); remembered for the bins to come
        while the ones there are of other points."""
        self._paint_args = (labels, colours)
        bins = self.bins
        if self.xy is None:
            self.item.clear()
            return
        if bins is None or bins.made_for.xy is not self.xy:
            return  # the old picture stays until the new points are binned
        height, width = bins.made_for.shape
        if width < 1 or height < 1:
            self.item.clear()
            return
        # one 32-bit word a pixel (R, G, B, A bytes): gathers of words, not of 4-byte rows
        words = np.ascontiguousarray(colours, np.uint8).copy()
        words[:, 3] = 0
        words = words.view(RGBA_WORD).reshape(-1)
        image = np.zeros(height * width, RGBA_WORD)
        if labels is None:
            grey = np.array([*UNASSIGNED[:3], 0], np.uint8).view(RGBA_WORD)[0]
            image[bins.occupied] = bins.alpha_word | grey
        else:
            image[bins.occupied] = words[labels[bins.winner]] | bins.alpha_word
        rgba = image.view(np.uint8).reshape(height, width, 4)
        self.item.setImage(rgba, autoLevels=False, levels=None)
        self.item.setRect(bins.made_for.rect)


class ScatterView(pg.PlotWidget):
    """The main plot. Call :meth:`set_points` once per data set, :meth:`show_frame` per frame."""

    placeClicked = Signal(float, float)  # plot coordinates, while place mode is on
    frameDrawn = Signal()  # after show_frame or set_points: labels, centroids, xy are current
    pointsBinned = Signal()  # a raster-drawn set's new bins are painted (see _PointRaster)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setAntialiasing(False)
        # no grid: grid lines are re-painted with every frame and cost ~25 ms at this size
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.xy: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.k = 0
        self.centroids: np.ndarray | None = None
        self.trails: np.ndarray | None = None  # (T, K, 2)
        self._voronoi_on = False
        self._opacity = 1.0  # 0.35 while dimmed (the picture is stale)
        self._regions: Callable[[np.ndarray], np.ndarray] | None = None
        self._place_mode = False
        self._brush_cache: dict[tuple[int, int], list] = {}
        #: (codes (N,), colours (M, 4) RGBA): points coloured by a column instead of by cluster
        self.point_colours: tuple[np.ndarray, np.ndarray] | None = None

        self.voronoi_item = pg.ImageItem(axisOrder="row-major")
        self.voronoi_item.setZValue(-10)
        self.raster_item = pg.ImageItem(axisOrder="row-major")
        self.raster_item.setZValue(0)
        self.scatter_item = UniformScatter(size=6, pen=None, antialias=True)
        self.scatter_item.setZValue(1)
        # Coloured points (up to RASTER_THRESHOLD): one item per cluster, each with one brush.
        # Per-point brushes cost pyqtgraph a Python loop over the points on every frame (~20 ms
        # at 2,800 points, 4x what per-cluster items take).
        self._cluster_items: list[pg.ScatterPlotItem] = []
        # what each item holds, (jitter, brush, rows), to skip the unchanged; cleared items forget
        self._cluster_drawn: dict[pg.ScatterPlotItem, tuple] = {}
        self.style = PointStyle()
        self._jitter: np.ndarray | None = None  # display offsets (N, 2), with style.jitter
        self.trail_item = pg.PlotDataItem(connect="finite")
        self.trail_item.setZValue(5)
        # Centroids: a white disc with a dark rim (visible on any cluster colour) under the
        # cluster-coloured marker.
        self.halo_item = pg.ScatterPlotItem(
            size=24, symbol="o", pen=pg.mkPen((20, 20, 20), width=1.5), brush=pg.mkBrush("w")
        )
        self.halo_item.setZValue(9)
        self.centroid_item = pg.ScatterPlotItem(size=15, symbol="o", pen=None, antialias=True)
        self.centroid_item.setZValue(10)
        for item in (
            self.voronoi_item,
            self.raster_item,
            self.scatter_item,
            self.trail_item,
            self.halo_item,
            self.centroid_item,
        ):
            self.plotItem.addItem(item)
        self._raster = _PointRaster(self.raster_item, self)
        self._raster.binned.connect(self.pointsBinned)
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None  # of xy, for auto_range
        self._painted: tuple | None = None  # what _paint_labels drew last
        self.legend = ClusterLegend(self.plotItem.vb)
        self._voronoi_grid: tuple[int, int] | None = None  # (columns, rows); None: the screen's

        # View changes re-bin the raster once the user has stopped zooming for a moment.
        self._rebin_timer = QTimer(self, singleShot=True, interval=40)
        self._rebin_timer.timeout.connect(self._request_bins)
        transform_with_range(self.plotItem.vb)
        self.plotItem.vb.sigRangeChanged.connect(self._on_view_changed)
        self.plotItem.vb.sigResized.connect(self._on_view_changed)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    def close(self) -> None:
        """Closed for good (pyqtgraph drops the plot item): no re-bin may follow."""
        self._rebin_timer.stop()
        super().close()

    # -- data ------------------------------------------------------------------------------
    @property
    def rasterised(self) -> bool:
        return self.xy is not None and len(self.xy) > RASTER_THRESHOLD

    def set_points(
        self,
        xy: np.ndarray | None,
        x_label: str = "",
        y_label: str = "",
        bounds: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """New positions (N, 2) in plot units, with their (low, high) per axis when known
        (else they are scanned); clears labels, centroids and trails. A raster-drawn set is
        binned on a worker: the old picture stays until ``pointsBinned``."""
        self.xy = None if xy is None else np.ascontiguousarray(xy, dtype=np.float64)
        self._bounds = bounds if bounds is not None or self.xy is None else xy_bounds(self.xy)
        self.labels = None
        self.point_colours = None
        self.centroids = self.trails = None
        for side, text in (("bottom", x_label), ("left", y_label)):
            if self.plotItem.getAxis(side).labelText != text:  # a new text re-lays out the plot
                self.plotItem.setLabel(side, text)
        self.scatter_item.clear()
        self._painted = None  # cleared: draw again, even the same points
        self._jitter = None
        self._raster.set_points(self.drawn_xy() if self.rasterised else None)
        self._paint_labels()
        self._paint_centroids()
        self.legend.show_labels(None, 0)
        if self.xy is None:
            self.plotItem.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.05)
        self.auto_range()
        self.frameDrawn.emit()

    def drawn_xy(self) -> np.ndarray | None:
        """Where the points are drawn: their positions, plus the jitter when it is on."""
        if self.xy is None or not self.style.jitter:
            return self.xy
        if self._jitter is None:
            self._jitter = tie_jitter(self.xy)
        return self.xy + self._jitter

    def set_point_style(self, style: PointStyle) -> None:
        """Point size, opacity and jitter, for dense data (at any number of points)."""
        if style == self.style:
            return
        self.style = style
        self._raster.style = style
        self._brush_cache.clear()
        size = style.size or VECTOR_SIZE
        for item in (self.scatter_item, *self._cluster_items):
            item.setSize(size)
        if self.rasterised:
            self._raster.set_points(self.drawn_xy())
            self._request_bins()
        else:
            self._paint_labels()

    def auto_range(self) -> None:
        if self.xy is None or len(self.xy) == 0 or self._bounds is None:
            return
        lo, hi = self._bounds
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        self.plotItem.vb.setRange(
            xRange=(lo[0], lo[0] + span[0]), yRange=(lo[1], lo[1] + span[1]), padding=0.05
        )
        self._request_bins()

    def set_view_rect(self, rect: QRectF) -> None:
        """Show ``rect`` (plot units) without padding, points binned at once (an offscreen
        copy of another view, e.g. for an animation's frames)."""
        self.plotItem.vb.setRange(rect=rect, padding=0)
        self._request_bins()
        self.finish_binning()

    def finish_binning(self) -> None:
        """Bin the points on this thread if their bins are still on the way: a picture taken
        now (an export, an animation frame) shows the points of now."""
        self._rebin_timer.stop()
        if self.rasterised:
            self._request_bins()
            self._raster.finish()

    @property
    def binning(self) -> bool:
        """New bins are on their way (the picture shows the previous ones)."""
        return self.rasterised and self._raster.busy

    def show_frame(
        self,
        labels: np.ndarray | None,
        centroids: np.ndarray | None,
        trails: np.ndarray | None = None,
        k: int | None = None,
        regions: Callable[[np.ndarray], np.ndarray] | None = None,
        sizes: np.ndarray | None = None,
    ) -> None:
        """Colour points by ``labels`` (N,), draw ``centroids`` (K, 2) and ``trails`` (T, K, 2).

        ``regions`` maps plot points (M, 2) to their nearest centroid for the Voronoi tint
        (None when the plot is not the feature space, where regions would be misleading);
        ``sizes`` (K,) are the points per cluster of ``labels``, when known (the legend's).
        """
        self.k = k if k is not None else (0 if centroids is None else len(centroids))
        self._regions = regions
        self.labels = labels
        self.centroids = centroids
        self.trails = trails
        self._paint_labels()
        self._paint_centroids()
        self.legend.show_labels(None if self.point_colours else labels, self.k, sizes)
        self.frameDrawn.emit()

    def set_point_colours(self, codes: np.ndarray | None, colours: np.ndarray | None) -> None:
        """Colour the points by ``codes`` (N,) into ``colours`` (M, 4) RGBA, e.g. a column's
        classes, instead of by cluster; None goes back to the clusters (and their legend)."""
        self.point_colours = None if codes is None else (np.asarray(codes), colours)
        self._paint_labels()
        self.legend.show_labels(None if self.point_colours else self.labels, self.k)

    def clear_frame(self) -> None:
        self.show_frame(None, None, None, k=0, regions=None)

    def set_dimmed(self, on: bool) -> None:
        """Fade the picture: it no longer shows what the settings ask for (cluster items made
        later fade too)."""
        self._opacity = 0.35 if on else 1.0
        for item in (
            self.raster_item,
            self.scatter_item,
            self.trail_item,
            self.halo_item,
            self.centroid_item,
            self.voronoi_item,
            *self._cluster_items,
        ):
            item.setOpacity(self._opacity)

    # -- options ---------------------------------------------------------------------------
    def set_voronoi(self, on: bool) -> None:
        """Tint the view by nearest centroid (when the frame came with a ``regions`` function)."""
        self._voronoi_on = on
        self._paint_voronoi()

    def set_region_grid(self, grid: tuple[int, int] | None) -> None:
        """Draw the Voronoi tint with (columns, rows) cells, e.g. an export's own pixels so its
        edges are not stair-stepped; None goes back to the screen's :data:`VORONOI_GRID`."""
        self._voronoi_grid = grid
        self._paint_voronoi()

    def set_equal_aspect(self, on: bool) -> None:
        """One unit is as long on the x axis as on the y axis (a map stays a map)."""
        self.plotItem.vb.setAspectLocked(on, ratio=1.0)
        self.auto_range()

    @property
    def equal_aspect(self) -> bool:
        return bool(self.plotItem.vb.state["aspectLocked"])

    def set_place_mode(self, on: bool) -> None:
        """A click on the plot is a new centroid (``placeClicked``), under a cross cursor."""
        self._place_mode = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    @property
    def place_mode(self) -> bool:
        return self._place_mode

    @contextmanager
    def vector_export(self) -> Iterator[None]:
        """While active, paint for a vector file (SVG): every marker as a shape.

        On screen, pyqtgraph stamps each marker from a cached bitmap; a QSvgGenerator would
        embed one image per point. Export mode (what pyqtgraph's own exporters switch on) draws
        them as paths instead. Raster-drawn sets of up to :data:`SVG_VECTOR_POINTS` points are
        drawn as vector markers for the export too; larger ones stay one embedded image.
        """
        markers = [
            self.scatter_item,
            *self._cluster_items,
            self.halo_item,
            self.centroid_item,
        ]
        vector_points = None
        if self.rasterised and len(self.xy) <= SVG_VECTOR_POINTS:
            vector_points = pg.ScatterPlotItem(
                pos=self.drawn_xy(), size=4, pen=None, antialias=True
            )
            vector_points.setBrush(self._point_brushes())
            vector_points.setZValue(self.raster_item.zValue())
            self.plotItem.addItem(vector_points)
            self.raster_item.hide()
            markers.append(vector_points)
        for item in markers:
            item.setExportMode(True, {"antialias": True})
        try:
            yield
        finally:
            for item in markers:
                item.setExportMode(False)
            if vector_points is not None:
                self.plotItem.removeItem(vector_points)
                self.raster_item.show()

    # -- painting --------------------------------------------------------------------------
    def _point_brushes(self) -> list:
        """One brush per point: its cluster's colour, or grey before a run."""
        if self.labels is None:
            return [pg.mkBrush(_qcolor(UNASSIGNED, 180))] * len(self.xy)
        return list(np.array(self._brushes(max(self.k, 1)), dtype=object)[self.labels])

    def _brushes(self, k: int) -> list:
        """k clusters' brushes, then grey for label k (no centroid)."""
        key = (k, id(cluster_colours(k)))
        if key not in self._brush_cache:
            alpha = round(215 * self.style.opacity)
            self._brush_cache[key] = [
                *(pg.mkBrush(_qcolor(c, alpha)) for c in cluster_colours(k)),
                pg.mkBrush(_qcolor(UNASSIGNED, round(180 * self.style.opacity))),
            ]
        return self._brush_cache[key]

    def _paint_labels(self) -> None:
        k = max(self.k, 1)
        painting = (
            self.xy,
            self.labels,
            self.point_colours,
            self.style,
            k if self.labels is not None else 0,
        )
        last = self._painted
        self._painted = painting
        if (
            last is not None
            and all(a is b for a, b in zip(painting[:3], last[:3], strict=True))
            and painting[3:] == last[3:]
        ):
            # the same points in the same colours (a reload draws them grey three times)
            self._paint_voronoi()
            return
        if self.xy is None:
            self.scatter_item.clear()
            self.raster_item.clear()
            self._paint_clusters(None)
            return
        if self.point_colours is not None:
            codes, colours = self.point_colours
            if self.rasterised:
                self._raster.paint(codes, colours)
            else:
                self._clear_grey()
                self._paint_clusters(codes, colours)
        elif self.rasterised:
            self._raster.paint(self.labels, _with_unassigned(k))
        elif self.labels is None:
            self._paint_clusters(None)
            grey = pg.mkBrush(_qcolor(UNASSIGNED, round(180 * self.style.opacity)))
            self.scatter_item.setData(pos=self.drawn_xy(), brush=grey)
        else:
            self._clear_grey()
            self._paint_clusters(self.labels)
        self._paint_voronoi()

    def _clear_grey(self) -> None:
        """Empty the unlabelled points' item; clearing an empty one still re-bounds the plot."""
        if len(self.scatter_item.data):
            self.scatter_item.clear()

    def _paint_clusters(self, labels: np.ndarray | None, colours: np.ndarray | None = None) -> None:
        """Each cluster's points in its own item (one sort, no per-point brushes); the last
        item holds the points without a centroid (label k). With ``colours`` (M, 4), labels
        are codes into them (a column's colours)."""
        k = 0 if labels is None else max(self.k, 1) + 1
        if labels is not None and colours is not None:
            k = len(colours)
        while len(self._cluster_items) < k:
            item = UniformScatter(size=self.style.size or VECTOR_SIZE, pen=None, antialias=True)
            item.setZValue(1)
            item.setOpacity(self._opacity)
            self.plotItem.addItem(item)
            self._cluster_items.append(item)
        if labels is not None:
            order = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[order], np.arange(k + 1))
            brushes = (
                self._brushes(k - 1)
                if colours is None
                else [pg.mkBrush(_qcolor(c, round(215 * self.style.opacity))) for c in colours]
            )
            xy = self.drawn_xy()
            source = self.style.jitter
            for c in range(k):
                rows = order[bounds[c] : bounds[c + 1]]
                item = self._cluster_items[c]
                drawn = self._cluster_drawn.get(item)
                if (
                    drawn is not None
                    and drawn[:2] == (source, brushes[c])
                    and len(item.data) == len(rows)
                    and np.array_equal(drawn[2], rows)
                ):
                    continue  # no row left or joined this cluster: the same picture
                item.setData(pos=xy[rows], brush=brushes[c])
                self._cluster_drawn[item] = (source, brushes[c], rows)
        for item in self._cluster_items[k:]:
            item.clear()
            self._cluster_drawn.pop(item, None)

    def _paint_centroids(self) -> None:
        centroids = self.centroids
        if centroids is None or len(centroids) == 0:
            self.centroid_item.clear()
            self.halo_item.clear()
            self.trail_item.clear()
            self._paint_voronoi()
            return
        colours = cluster_colours(len(centroids))
        brushes = [pg.mkBrush(_qcolor(c)) for c in colours]
        self.halo_item.setData(pos=centroids)
        self.centroid_item.setData(pos=centroids, brush=brushes)
        trails = self.trails
        if trails is not None and len(trails) > 1:
            # One line item for all trails: each centroid's path, separated by NaN breaks.
            t, k, _ = trails.shape
            paths = np.full((k, t + 1, 2), np.nan)
            paths[:, :t] = np.transpose(trails, (1, 0, 2))
            flat = paths.reshape(-1, 2)
            self.trail_item.setData(
                flat[:, 0], flat[:, 1], pen=pg.mkPen((30, 30, 30, 200), width=2)
            )
        else:
            self.trail_item.clear()
        self._paint_voronoi()

    def _paint_voronoi(self) -> None:
        centroids = self.centroids
        if not self._voronoi_on or self._regions is None or centroids is None:
            self.voronoi_item.clear()
            return
        rect = self._view_rect()
        nx, ny = self._voronoi_grid or (VORONOI_GRID, VORONOI_GRID)
        box = (rect.left(), rect.top(), rect.width(), rect.height())
        nearest = region_labels(self._regions, box, nx, ny).reshape(-1)
        colours = cluster_colours(len(centroids))[nearest].copy()
        colours[:, 3] = VORONOI_ALPHA
        self.voronoi_item.setImage(colours.reshape(ny, nx, 4), autoLevels=False, levels=None)
        self.voronoi_item.setRect(rect)

    # -- view events -----------------------------------------------------------------------
    def _view_rect(self) -> QRectF:
        (x0, x1), (y0, y1) = self.plotItem.vb.viewRange()
        return QRectF(x0, y0, x1 - x0, y1 - y0)

    def _view_pixels(self) -> tuple[int, int]:
        vb = self.plotItem.vb
        ratio = self.devicePixelRatioF()
        return max(int(vb.width() * ratio), 1), max(int(vb.height() * ratio), 1)

    def _on_view_changed(self, *args) -> None:
        if self.rasterised:
            self._rebin_timer.start()
        if self._voronoi_on:
            self._paint_voronoi()

    def _request_bins(self) -> None:
        """Ask for bins of the view as it is now (painted when they arrive)."""
        if not self.rasterised:
            return
        width, height = self._view_pixels()
        self._raster.request(self._view_rect(), width, height)

    def _on_scene_clicked(self, event) -> None:
        if not self._place_mode or event.button() != Qt.MouseButton.LeftButton:
            return
        if event.double():  # its first click has placed the point already
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point: QPointF = vb.mapSceneToView(event.scenePos())
        event.accept()
        self.placeClicked.emit(float(point.x()), float(point.y()))

    # -- inspection (tests and the benchmark read what was drawn) ---------------------------
    def drawn_point_colours(self) -> np.ndarray:
        """(N, 4) RGBA the canvas shows for each point (raster: the colour of its pixel)."""
        if self.xy is None:
            return np.empty((0, 4), np.uint8)
        if not self.rasterised:
            if self.labels is None and self.point_colours is None:
                brushes = self.scatter_item.data["brush"]
                return np.array([b.color().getRgb() for b in brushes], dtype=np.uint8)
            drawn = np.empty((len(self.xy), 4), np.uint8)
            labels, n = self.labels, max(self.k, 1) + 1
            if self.point_colours is not None:
                labels, n = self.point_colours[0], len(self.point_colours[1])
            for c, item in enumerate(self._cluster_items[:n]):
                if len(item.data):
                    drawn[labels == c] = item.opts["brush"].color().getRgb()
            return drawn
        image = self.raster_item.image
        rect = self._raster.bins.made_for.rect
        height, width = image.shape[:2]
        xy = self.drawn_xy()
        ix = ((xy[:, 0] - rect.left()) * width / rect.width()).astype(int)
        iy = ((xy[:, 1] - rect.top()) * height / rect.height()).astype(int)
        ix = np.clip(ix, 0, width - 1)
        iy = np.clip(iy, 0, height - 1)
        return image[iy, ix]


def tie_jitter(xy: np.ndarray, seed: int = 0) -> np.ndarray:
    """Display offsets that spread points sharing a value apart (N, 2), in plot units.

    Per axis: where at least half the points share their value with another point (integer
    scores, rounded readings), each point moves by up to 35% of the smallest gap between two
    distinct values, so ties become small clouds that never reach the next value; an axis of
    mostly distinct values is left as it is. Seeded: the same picture every time.
    """
    rng = np.random.default_rng(seed)
    offsets = np.zeros_like(xy)
    for axis in range(xy.shape[1]):
        column = xy[:, axis]
        distinct = np.unique(column[np.isfinite(column)])
        if distinct.size == 0 or distinct.size > 0.5 * column.size:
            continue
        gaps = np.diff(distinct)
        step = gaps.min() if gaps.size else max(abs(float(distinct[0])), 1.0)
        offsets[:, axis] = rng.uniform(-0.35 * step, 0.35 * step, column.size)
    return offsets
