"""Animation files: GIF through Pillow, MP4 (H.264) through imageio and imageio-ffmpeg's own
ffmpeg binary, written atomically (no Qt).

Frames arrive one at a time from an iterable (the window renders them on the GUI thread while
this encodes on another), and go to a temporary file beside the target through the data
layer's :func:`~kmeans_gui.data.write_all`: the target appears complete or not at all, and a
cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmeans_gui.data import DataError, write_all

ANIMATION_FORMATS = {".gif": "gif", ".mp4": "mp4"}
MAX_FPS = 60.0
MIN_SIDE, MAX_SIDE = 64, 4096  # pixels per side of a frame
MP4_QUALITY = 8  # imageio's 0-10 scale for libx264 (8: sharp edges on flat colours, small files)


class ExportCancelled(DataError):
    """The user cancelled the export; nothing was written."""

    def __init__(self) -> None:
        super().__init__("The export was cancelled; no file was written.")


def check_animation_path(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """(path, "gif" | "mp4") if an animation can be written there, else one sentence why."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise DataError(f"{target} is a folder; give a file name such as {target / 'run.gif'}.")
    fmt = ANIMATION_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise DataError(
            f"Cannot tell the animation format of '{target.name}'; end the name with .gif or .mp4."
        )
    folder = target.parent
    if not folder.is_dir():
        raise DataError(f"Cannot write {target.name}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(
            f"Cannot write {target.name} in {folder}: permission denied; "
            "choose a folder you can write to."
        )
    return target, fmt


def frame_size(fmt: str, width: int, height: int) -> tuple[int, int]:
    """The frame size a format stores: H.264 in yuv420p needs even sides."""
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise DataError(
            f"An animation frame of {width}x{height} pixels is out of range; "
            f"give each side between {MIN_SIDE} and {MAX_SIDE}."
        )
    if fmt == "mp4":
        return width - width % 2, height - height % 2
    return width, height


def load_encoder(fmt: str) -> None:
    """Import the encoder now (a few hundred milliseconds that hold the interpreter's lock):
    at the start of an export rather than on the encoder thread while frames are drawn."""
    if fmt == "gif":
        import PIL.GifImagePlugin  # noqa: F401
    else:
        import imageio.v2
        import imageio_ffmpeg

        imageio.v2.get_writer  # noqa: B018  (the plugin registry)
        imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True, eq=False)
class AnimationWrite:
    """A planned animation (a :class:`~kmeans_gui.data.StagedWrite`): ``frames`` are
    (H, W, 3) uint8 RGB arrays of one size; iterating them may raise :class:`ExportCancelled`."""

    target: Path
    format: str
    fps: float
    frames: Iterable[np.ndarray]
    on_frame: Callable[[int], None] | None = None  # frames encoded so far

    def write(self, tmp: Path) -> None:
        if self.format == "gif":
            self._write_gif(tmp)
        else:
            self._write_mp4(tmp)

    def _counted(self) -> Iterable[np.ndarray]:
        for count, frame in enumerate(self.frames, start=1):
            yield frame
            if self.on_frame is not None:
                self.on_frame(count)

    def _write_gif(self, tmp: Path) -> None:
        from PIL import Image

        # Each frame gets its own palette (quantised as it arrives: one byte a pixel is kept,
        # not three); no dithering, so flat cluster colours stay flat.
        images = [
            Image.fromarray(frame, "RGB").quantize(
                256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
            )
            for frame in self._counted()
        ]
        if not images:
            raise DataError("There are no frames to write.")
        images[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=max(round(1000 / self.fps), 10),  # GIF counts in hundredths of a second
            loop=0,
            disposal=1,
        )

    def _write_mp4(self, tmp: Path) -> None:
        import imageio.v2 as imageio

        writer = imageio.get_writer(
            tmp,
            format="FFMPEG",
            mode="I",
            fps=self.fps,
            codec="libx264",
            quality=MP4_QUALITY,
            pixelformat="yuv420p",
            macro_block_size=2,
            ffmpeg_log_level="error",
        )
        written = 0
        try:
            for frame in self._counted():
                writer.append_data(frame)
                written += 1
        finally:
            writer.close()
        if not written:
            raise DataError("There are no frames to write.")


def write_animation(
    target: Path,
    fmt: str,
    fps: float,
    frames: Iterable[np.ndarray],
    on_frame: Callable[[int], None] | None = None,
) -> Path:
    """Encode ``frames`` into ``target`` atomically; raises DataError (or ExportCancelled)."""
    return write_all([AnimationWrite(target, fmt, fps, frames, on_frame)])[0]
