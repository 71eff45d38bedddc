"""Image decoding and array conversions shared by all loaders (Pillow + numpy only).

Conventions: images are uint8 0..255; grey arrays are (N, H, W), colour (N, H, W, 3).
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from codesign.data.domains import DataError

# Larger images are skipped, not decoded: 16 MP is ~64 MB as RGBA and far above any
# useful source for a 32x32 model. openclipart has ~19 files of 20-600 MP.
MAX_PIXELS = 16_000_000
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


class ImageSkip(Exception):
    """One source image cannot be used; ``reason`` is the key counted in ``skipped``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _normalise_mode(im: Image.Image) -> Image.Image:
    """L, RGB or RGBA: the modes fit_square and _flatten_alpha handle."""
    if im.mode in ("P", "LA", "PA", "RGBA"):
        return im.convert("RGBA")
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        # 16-bit / float greys: Pillow's convert("L") clips at 255, so scale instead
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        return Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")
    return im if im.mode in ("L", "RGB") else im.convert("RGB")


def _flatten_alpha(im: Image.Image) -> Image.Image:
    """Transparent pixels become white: clip art and emoji are drawn for a white page."""
    if im.mode != "RGBA":
        return im
    page = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(page, im).convert("RGB")


def fit_square(im: Image.Image, size: int) -> Image.Image:
    """Pad to a square (keeping the aspect ratio), then resize to size x size pixels.

    The pad value is the median of the border pixels so padding looks like background.
    """
    w, h = im.size
    if w != h:
        arr = np.asarray(im)
        border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]]).reshape(-1, *arr.shape[2:])
        fill = tuple(int(v) for v in np.median(border, axis=0).reshape(-1))
        side = max(w, h)
        canvas = Image.new(im.mode, (side, side), fill if len(fill) > 1 else fill[0])
        canvas.paste(im, ((side - w) // 2, (side - h) // 2))
        im = canvas
    if im.size[0] > size:
        # LANCZOS with reducing_gap: fast box pre-reduction for big images, then a sharp filter
        im = im.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    elif im.size[0] < size:
        # enlarging (8x8 digits -> 32x32): bilinear, as LANCZOS rings visibly at 4x
        im = im.resize((size, size), Image.Resampling.BILINEAR)
    return im


def decode_image(source: str | Path | BinaryIO, size: int) -> np.ndarray:
    """Decode a file (path or binary stream) to (size, size, 3) uint8 RGB; or raise ImageSkip."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (and at 2x errors) on decompression bombs; treat both as "huge"
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    raise ImageSkip("huge", f"{im.size[0]}x{im.size[1]}")
                im.load()
                if im.size[0] == 0 or im.size[1] == 0:
                    raise ImageSkip("corrupt", "empty image")
                # shrink before flattening: compositing at full resolution costs ~10x more,
                # and Pillow resizes RGBA with premultiplied alpha, so edges stay clean
                im = _flatten_alpha(fit_square(_normalise_mode(im), size)).convert("RGB")
                return np.asarray(im, dtype=np.uint8).copy()
    except ImageSkip:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
        raise ImageSkip("huge", str(err)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as err:
        # Pillow reports truncated/garbled files through all of these
        raise ImageSkip("corrupt", f"{err.__class__.__name__}: {err}") from None


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize (N,H,W[,3]) uint8 images to size x size (non-square ones are padded first)."""
    if images.shape[1:3] == (size, size):
        return images
    out = np.empty((len(images), size, size, *images.shape[3:]), dtype=np.uint8)
    for i, img in enumerate(images):
        out[i] = np.asarray(fit_square(Image.fromarray(img), size))
    return out


def to_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """Return (N,H,W) for channels=1 or (N,H,W,3) for channels=3 from either layout."""
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 or 3, got {channels}")
    if images.ndim == 3:
        return images if channels == 1 else np.repeat(images[..., None], 3, axis=3)
    if channels == 3:
        return images
    # ITU-R 601 luma, the same weights as Pillow's convert("L")
    luma = images.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)


def to_nchw(images: np.ndarray) -> np.ndarray:
    """(N,H,W) -> (N,1,H,W); (N,H,W,3) -> (N,3,H,W): the layout the models take."""
    return images[:, None] if images.ndim == 3 else np.ascontiguousarray(images.transpose(0, 3, 1, 2))


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST format, optionally .gz): big-endian header, then data."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path}: not an IDX file")
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in dtypes:
        raise DataError(f"{path}: unknown IDX element type {data[2]:#x}")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(dtypes[data[2]])
    offset = 4 + 4 * ndim
    if len(data) - offset != int(np.prod(shape)) * dtype.itemsize:
        raise DataError(f"{path}: IDX header says {shape} but the file size does not match")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))
