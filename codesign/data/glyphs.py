"""Glyph domains: isolated characters rendered with Pillow from installed fonts.

Omniglot-like domains that need nothing but pip: matplotlib ships 21 usable DejaVu,
STIX and Computer Modern fonts. Each class is one character; each image is that
character in a random font with random size, stroke weight, rotation, shear and
position. The randomness is seeded by the domain name (and, for the target domains,
the character), so a domain is the same set of images on every machine with the same
fonts. Images are white on black, 64x64. These domains are synthetic (SYNTHETIC).

The target domains split by font: their test images are drawn only in held-out fonts
(a whole typeface, STIX for matplotlib's fonts, Noto Serif for Devanagari) that no
training or validation image uses, so a test score says how well a model reads a
typeface it never saw. ``max_per_class`` caps the training renderings only.

``glyphs_source`` (backbone pre-training) uses scripts and symbols that share no
class with any target domain (no Latin, Greek, Cyrillic letters and no digits).
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.Image import Transform

from codesign.data.domains import DataError, RawDomain, register_domain
from codesign.data.sources import INSTALL_ALL, pip_package_dir

SIDE = 64  # output image side, pixels
BOX = 48  # the glyph's ink is scaled to fit a BOX x BOX square (MNIST: 20 in 28)
RENDER_PT = 64  # rendering size (pixels per em) before scaling the ink to BOX: smooth strokes

# matplotlib's fonts that map characters to the right glyphs. Excluded on purpose:
# cmex10/cmsy10 (TeX encodings: "A" is a delimiter), *Display and STIX size/NonUni
# variants (almost no letters).
MPL_FONTS = [f"DejaVu{family}{style}.ttf" for family in ("Sans", "Serif", "SansMono")
             for style in ("", "-Bold", "-Oblique" if family != "Serif" else "-Italic",
                           "-BoldOblique" if family != "Serif" else "-BoldItalic")]
MPL_FONTS += ["STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
              "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmmi10.ttf"]
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")  # Debian fonts-noto-core
# Held-out typeface of the matplotlib domains: STIX is neither DejaVu nor Computer Modern.
MPL_TEST_FONTS = ["STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf"]
MPL_TRAIN_FONTS = [f for f in MPL_FONTS if f not in MPL_TEST_FONTS]
TRAIN_RENDERINGS = 280  # per class, in the training fonts (train + validation)
TEST_RENDERINGS = 20  # per class, in the held-out fonts: 480-520 test images per domain
SYNTHETIC = ("font renderings: each image is one character drawn by Pillow in a font with random size, "
             "weight, rotation, shear and position (not handwriting)")


def _chars(first: int, last: int, skip: tuple[int, ...] = ()) -> str:
    return "".join(chr(c) for c in range(first, last + 1) if c not in skip)


LATIN_UPPER = _chars(0x41, 0x5A)  # A..Z, 26
GREEK_LOWER = _chars(0x3B1, 0x3C9, skip=(0x3C2,))  # alpha..omega without final sigma, 24
CYRILLIC_UPPER = _chars(0x410, 0x42F)  # А..Я, 32
DEVANAGARI_CONSONANTS = _chars(0x915, 0x939)  # क..ह, 37
SOURCE_CHARS = (
    _chars(0x531, 0x556) + _chars(0x561, 0x586)  # Armenian capital and small letters, 76
    + _chars(0x10D0, 0x10F0)  # Georgian Mkhedruli, 33
    + _chars(0x5D0, 0x5EA)  # Hebrew letters incl. final forms, 27
    + "∀∂∃∅∇∈∏∑√∞∧∨∩∪∫≈≠≡≤≥⊂⊃⊕⊗⊥←↑→↓↔⇐⇒⇔"  # math operators and arrows, 33
)


def mpl_font_dir() -> Path | None:
    pkg = pip_package_dir("matplotlib")
    path = pkg / "mpl-data" / "fonts" / "ttf" if pkg else None
    return path if path is not None and path.is_dir() else None


def noto_font_dir() -> Path | None:
    return NOTO_DIR if NOTO_DIR.is_dir() else None


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # a matplotlib dependency

    return frozenset(TTFont(path, lazy=True).getBestCmap() or {})


@lru_cache(maxsize=None)
def _font(path: Path) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), RENDER_PT)


def fonts_covering(font_dir: Path, names: list[str], char: str) -> list[Path]:
    """The fonts among ``names`` (in ``font_dir``) whose character map has ``char``."""
    return [font_dir / n for n in names if (font_dir / n).exists() and ord(char) in _cmap(font_dir / n)]


def render_glyph(char: str, font: Path, rng: np.random.Generator) -> np.ndarray:
    """One (SIDE, SIDE) uint8 image of ``char``: white ink on black, randomly deformed."""
    face = _font(font)
    stroke = int(rng.integers(0, 4))  # extra stroke width, pixels at RENDER_PT: weight variation
    left, top, right, bottom = face.getbbox(char, stroke_width=stroke)
    pad = RENDER_PT // 2
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), char, font=face, fill=255,
                                stroke_width=stroke, stroke_fill=255)
    # rotation (+-15 degrees) and horizontal shear (+-0.25) about the canvas centre
    angle = np.deg2rad(rng.uniform(-15, 15))
    shear = rng.uniform(-0.25, 0.25)
    c, s = np.cos(angle), np.sin(angle)
    inverse = np.linalg.inv(np.array([[c, -s], [s, c]]) @ np.array([[1, shear], [0, 1]]))
    cx, cy = canvas.width / 2, canvas.height / 2
    ox, oy = np.array([cx, cy]) - inverse @ np.array([cx, cy])
    canvas = canvas.transform(canvas.size, Transform.AFFINE,
                              (*inverse[0], ox, *inverse[1], oy), resample=Image.Resampling.BILINEAR)
    ink = canvas.getbbox()
    if ink is None:
        raise DataError(f"{font}: renders {char!r} (U+{ord(char):04X}) as blank")
    glyph = canvas.crop(ink)
    # scale the ink to fit BOX (times 0.75..1 for size variation), keep the aspect ratio
    scale = BOX * rng.uniform(0.75, 1.0) / max(glyph.size)
    w, h = max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale))
    glyph = glyph.resize((w, h), Image.Resampling.LANCZOS)
    out = Image.new("L", (SIDE, SIDE), 0)
    # centre, then shift by up to 4 pixels while staying inside the image
    x = int(np.clip((SIDE - w) // 2 + rng.integers(-4, 5), 0, SIDE - w))
    y = int(np.clip((SIDE - h) // 2 + rng.integers(-4, 5), 0, SIDE - h))
    out.paste(glyph, (x, y))
    return np.asarray(out, dtype=np.uint8)


def render_domain(name: str, chars: str, font_dir: Path, font_names: list[str],
                  per_class: int, min_fonts: int = 1) -> RawDomain:
    """``per_class`` images of each character in ``chars``; seeded by ``name``."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    images = np.empty((len(chars) * per_class, SIDE, SIDE), dtype=np.uint8)
    skipped = 0
    classes = []
    for char in chars:
        fonts = fonts_covering(font_dir, font_names, char)
        if len(fonts) < min_fonts:
            skipped += 1  # a character few fonts draw would be a font-recognition class
            continue
        start = len(classes) * per_class
        for i in range(per_class):
            images[start + i] = render_glyph(char, fonts[int(rng.integers(len(fonts)))], rng)
        classes.append(char)
    if len(classes) < 2:
        raise DataError(f"{font_dir}: fonts cover fewer than 2 of the characters of {name!r}")
    labels = np.repeat(np.arange(len(classes)), per_class)
    return RawDomain(images[:len(labels)], labels, classes,
                     {"char_without_fonts": skipped} if skipped else {})


def _render_char(seed: list[int], char: str, fonts: list[Path], count: int) -> np.ndarray:
    """``count`` renderings of ``char``, each in a font drawn from ``fonts``. The generator
    is the character's own, so a smaller count renders a prefix of a larger one."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, SIDE, SIDE), dtype=np.uint8)
    for i in range(count):
        out[i] = render_glyph(char, fonts[int(rng.integers(len(fonts)))], rng)
    return out


def render_font_split_domain(name: str, chars: str, font_dir: Path, train_fonts: list[str],
                             test_fonts: list[str], train_per_class: int,
                             test_per_class: int = TEST_RENDERINGS) -> RawDomain:
    """Each character ``train_per_class`` times in ``train_fonts`` and ``test_per_class``
    times in ``test_fonts`` (marked in ``test_mask``); the two font lists must not share a
    font. Characters that either list cannot draw are skipped (counted)."""
    if set(train_fonts) & set(test_fonts):
        shared = sorted(set(train_fonts) & set(test_fonts))
        raise DataError(f"{name}: fonts {shared} are both training and test fonts; expected disjoint lists")
    images, labels, mask, classes, skipped = [], [], [], [], 0
    used: dict[str, set[str]] = {"train_fonts": set(), "test_fonts": set()}
    for char in chars:
        train, test = fonts_covering(font_dir, train_fonts, char), fonts_covering(font_dir, test_fonts, char)
        if not train or not test:
            skipped += 1  # no held-out typeface for it: it could not be tested on unseen fonts
            continue
        key = [zlib.crc32(name.encode()), ord(char)]
        images += [_render_char(key + [0], char, train, train_per_class),
                   _render_char(key + [1], char, test, test_per_class)]
        labels += [len(classes)] * (train_per_class + test_per_class)
        mask += [False] * train_per_class + [True] * test_per_class
        used["train_fonts"].update(f.name for f in train)
        used["test_fonts"].update(f.name for f in test)
        classes.append(char)
    if len(classes) < 2:
        raise DataError(f"{font_dir}: fonts cover fewer than 2 of the characters of {name!r}")
    return RawDomain(np.concatenate(images), np.array(labels), classes,
                     {"char_without_fonts": skipped} if skipped else {}, test_mask=np.array(mask),
                     notes={**{k: sorted(v) for k, v in used.items()},
                            "held_out": f"renderings in {len(used['test_fonts'])} held-out fonts "
                                        f"({', '.join(sorted(f.split('.')[0] for f in used['test_fonts']))}) "
                                        f"that no training image uses"})


def _cap(per_class: int, max_per_class: int | None) -> int:
    """Rendering is the cost (~2 ms per image), so a cap renders fewer, not subsamples."""
    return per_class if max_per_class is None else max(1, min(per_class, max_per_class))


_MPL = dict(source="PyPI matplotlib (bundled DejaVu/STIX/CM fonts)",
            licence="fonts: DejaVu (Bitstream Vera), STIX OFL-1.1, CM (BaKoMa) free",
            install="pip install matplotlib", locate=mpl_font_dir, shape=(SIDE, SIDE), synthetic=SYNTHETIC)
_SPLIT = dict(version=2, caps_train_only=True)  # 2: split by font
_PER_CLASS = TRAIN_RENDERINGS + TEST_RENDERINGS


def _mpl_split_domain(name: str, chars: str, root: Path, max_per_class: int | None) -> RawDomain:
    return render_font_split_domain(name, chars, root, MPL_TRAIN_FONTS, MPL_TEST_FONTS,
                                    _cap(TRAIN_RENDERINGS, max_per_class))


@register_domain("glyphs_latin", classes=26, images=26 * _PER_CLASS, **_MPL, **_SPLIT)
def load_glyphs_latin(root: Path, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Latin capitals A-Z: 280 renderings each in 17 DejaVu/CM fonts, 20 in the 4 STIX test fonts."""
    return _mpl_split_domain("glyphs_latin", LATIN_UPPER, root, max_per_class)


@register_domain("glyphs_greek", classes=24, images=24 * _PER_CLASS, **_MPL, **_SPLIT)
def load_glyphs_greek(root: Path, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Greek small letters: 280 renderings each in 12 DejaVu fonts, 20 in the 4 STIX test fonts."""
    return _mpl_split_domain("glyphs_greek", GREEK_LOWER, root, max_per_class)


@register_domain("glyphs_cyrillic", classes=32, images=32 * _PER_CLASS, **_MPL, **_SPLIT)
def load_glyphs_cyrillic(root: Path, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Cyrillic capitals: 280 renderings each in 12 DejaVu fonts, 20 in the 4 STIX test fonts."""
    return _mpl_split_domain("glyphs_cyrillic", CYRILLIC_UPPER, root, max_per_class)


@register_domain("glyphs_source", classes=169, images=169 * 150, **_MPL)
def load_glyphs_source(root: Path, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Backbone pre-training: Armenian, Georgian, Hebrew letters and math symbols (169)."""
    # Not split by font (STIX draws 33 of its 169 characters) and rendered as when the
    # shipped backbone was pre-trained on it: the same images, hence the same hash.
    return render_domain("glyphs_source", SOURCE_CHARS, root, MPL_FONTS, _cap(150, max_per_class),
                         min_fonts=2)


@register_domain("glyphs_devanagari", source="Debian fonts-noto-core (Noto Devanagari fonts)",
                 licence="OFL-1.1", install=f"apt-get install fonts-noto-core  (as root; or: {INSTALL_ALL})",
                 locate=noto_font_dir, classes=37, images=37 * _PER_CLASS, shape=(SIDE, SIDE),
                 synthetic=SYNTHETIC, **_SPLIT)
def load_glyphs_devanagari(root: Path, max_per_class: int | None = None, **_hints) -> RawDomain:
    """Devanagari consonants: 280 renderings each in Noto Sans Devanagari, 20 in Noto Serif (test)."""
    names = sorted(p.name for p in root.glob("Noto*Devanagari*.ttf") if "UI" not in p.name)
    train = [n for n in names if n.startswith("NotoSans")]
    test = [n for n in names if n.startswith("NotoSerif")]
    return render_font_split_domain("glyphs_devanagari", DEVANAGARI_CONSONANTS, root, train, test,
                                    _cap(TRAIN_RENDERINGS, max_per_class))
