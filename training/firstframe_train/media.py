"""Video files the way the product writes them, and reading them back as 64x64 frames.

ffmpeg runs as a subprocess (Debian's /usr/bin/ffmpeg, or FFMPEG in the environment).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .world import FPS, SIZE

FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
BATCH = 32   # videos per ffmpeg process in write_mp4s / read_videos


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 [F, H, W, 3], got {frames.dtype} {list(frames.shape)}")
    if frames.shape[0] < 1:
        raise ValueError("frames must hold at least one frame")
    return np.ascontiguousarray(frames)


def _run(args: list[str], stdin: bytes | None = None) -> bytes:
    result = subprocess.run([FFMPEG, "-v", "error", "-nostdin", *args], input=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({result.returncode}): {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def write_mp4(frames: np.ndarray, path: str | Path, fps: int = FPS, scale: int = 256) -> None:
    """H.264 MP4 (yuv420p, +faststart), upscaled nearest-neighbour by a whole factor so the
    shorter side is at least `scale` px, as the product shows videos to people."""
    write_mp4s([frames], [path], fps=fps, scale=scale)


def write_mp4s(videos: list[np.ndarray], paths: list[str | Path], fps: int = FPS, scale: int = 256) -> None:
    """write_mp4 for many videos, one ffmpeg process per BATCH of them (its start-up costs
    more than encoding a 16-frame clip). Each file is encoded on its own, exactly as alone."""
    if len(videos) != len(paths):
        raise ValueError(f"got {len(videos)} videos but {len(paths)} paths")
    videos = [_check_frames(v) for v in videos]
    for first in range(0, len(videos), BATCH):
        _encode(videos[first:first + BATCH], paths[first:first + BATCH], fps, scale)


def _encode(videos: list[np.ndarray], paths: list[str | Path], fps: int, scale: int) -> None:
    inputs, outputs = [], []
    with tempfile.TemporaryDirectory(prefix="firstframe-mp4-") as folder:
        for index, (frames, path) in enumerate(zip(videos, paths)):
            count, height, width, _ = frames.shape
            raw = Path(folder) / f"{index}.rgb"
            raw.write_bytes(frames.tobytes())
            factor = max(1, -(-scale // min(height, width)))   # ceil: at least `scale` px
            # yuv420p needs even sides
            out_w, out_h = width * factor + (width * factor) % 2, height * factor + (height * factor) % 2
            inputs += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps),
                       "-i", str(raw)]
            outputs += ["-map", f"{index}:v", "-vf", f"scale={out_w}:{out_h}:flags=neighbor",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                        "-threads", "1", str(path)]
        _run(["-y", *inputs, *outputs])


def read_video(path: str | Path, size: int = SIZE) -> np.ndarray:
    """Decode a video file to uint8 frames [F, size, size, 3].

    ffmpeg decodes at full resolution to RGB; numpy then averages each block of pixels that
    one output pixel covers (area downsampling), which undoes a whole-factor nearest-neighbour
    upscale exactly and averages compression noise away.
    """
    return read_videos([path], size)[0]


def read_videos(paths: list[str | Path], size: int = SIZE) -> list[np.ndarray]:
    """read_video for many files, one ffmpeg process per BATCH of them."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"no video file at {path}")
    videos = []
    for first in range(0, len(paths), BATCH):
        videos += _decode(paths[first:first + BATCH])
    return [area_downsample(frames, size) for frames in videos]


def _decode(paths: list[Path]) -> list[np.ndarray]:
    """Full-resolution RGB frames of each file: one input, one PPM stream file per video."""
    with tempfile.TemporaryDirectory(prefix="firstframe-decode-") as folder:
        streams = [Path(folder) / f"{i}.ppm" for i in range(len(paths))]
        inputs = [arg for path in paths for arg in ("-i", str(path))]
        outputs = [arg for i, stream in enumerate(streams)
                   for arg in ("-map", f"{i}:v:0", "-f", "image2pipe", "-c:v", "ppm", str(stream))]
        _run(["-y", *inputs, *outputs])
        return [_decode_ppm_stream(stream.read_bytes()) for stream in streams]


def area_downsample(frames: np.ndarray, size: int = SIZE) -> np.ndarray:
    """uint8 [F, H, W, 3] -> [F, size, size, 3] by averaging the pixels each output pixel covers."""
    count, height, width, _ = frames.shape
    rows = _area_weights(height, size)        # [size, H]
    cols = _area_weights(width, size)         # [size, W]
    out = np.einsum("yh,fhwc,xw->fyxc", rows, frames.astype(np.float32), cols, optimize=True)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _area_weights(source: int, target: int) -> np.ndarray:
    """[target, source] matrix: how much of each source pixel each target pixel covers."""
    edges = np.linspace(0, source, target + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(source, dtype=np.float64)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def _decode_ppm_stream(data: bytes) -> np.ndarray:
    """Frames from a stream of binary PPM images (ffmpeg's image2pipe), which carry their size."""
    frames, offset = [], 0
    while offset < len(data):
        fields, cursor = [], offset
        while len(fields) < 4:                # magic, width, height, maxval
            while data[cursor:cursor + 1].isspace():
                cursor += 1
            end = cursor
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[cursor:end])
            cursor = end
        if fields[0] != b"P6" or fields[3] != b"255":
            raise RuntimeError(f"unexpected image header from ffmpeg: {fields!r}")
        width, height = int(fields[1]), int(fields[2])
        start = cursor + 1                    # one whitespace byte ends the header
        stop = start + width * height * 3
        frames.append(np.frombuffer(data[start:stop], dtype=np.uint8).reshape(height, width, 3))
        offset = stop
    if not frames:
        raise RuntimeError("ffmpeg decoded no frames")
    return np.stack(frames)
