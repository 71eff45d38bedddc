"""Registered domains: install hints when missing, and real sources where installed."""

from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest

from codesign.data import (DEFAULT_DOMAINS, DOMAINS, SOURCE_DOMAIN, DataError, DomainInfo,
                           SourceMissingError, format_domain_table, list_domains, prepare_domain)
from codesign.data.glyphs import SOURCE_CHARS, mpl_font_dir, render_domain
from codesign.data.images import read_idx, to_channels
from codesign.data.pickled_arrays import read_pickled_array

ALL = DOMAINS.names()


@pytest.mark.parametrize("name", ALL)
def test_missing_source_names_the_install_command(name, tmp_path):
    entry = DOMAINS.get(name)
    with pytest.raises(SourceMissingError) as err:
        entry.load(root=tmp_path / "not-installed")
    message = str(err.value)
    assert entry.install in message and name in message and "\n" not in message
    with pytest.raises(SourceMissingError, match="install it with"):
        prepare_domain(name, tmp_path / "cache", root=tmp_path / "not-installed")


def test_table_lists_install_commands_of_missing_sources():
    infos = [DomainInfo("here", True, 10, 100, (28, 28), "npm x", "MIT", None, ["32px 3ch seed0"]),
             DomainInfo("gone", False, 5, 50, (8, 8), "Debian y", "MIT", "apt-get install y")]
    table = format_domain_table(infos)
    assert "apt-get install y" in table and "32px 3ch seed0" in table
    assert table.splitlines()[2].split()[:2] == ["here", "yes"]


def test_default_and_source_domains_are_registered_and_pip_only():
    assert set(DEFAULT_DOMAINS) <= set(ALL) and SOURCE_DOMAIN in ALL
    for name in (*DEFAULT_DOMAINS, SOURCE_DOMAIN):
        assert DOMAINS.get(name).install.startswith("pip install"), name
    rows = {i.name: i for i in list_domains(None)}
    assert rows[SOURCE_DOMAIN].role == "source" and rows[DEFAULT_DOMAINS[0]].role == "default"


def test_source_glyphs_share_no_class_with_target_glyphs():
    from codesign.data.glyphs import CYRILLIC_UPPER, GREEK_LOWER, LATIN_UPPER

    assert not set(SOURCE_CHARS) & set(LATIN_UPPER + GREEK_LOWER + CYRILLIC_UPPER + "0123456789")


@pytest.mark.skipif(mpl_font_dir() is None, reason="matplotlib fonts not installed")
def test_glyph_rendering_is_deterministic():
    a = render_domain("t", "AB", mpl_font_dir(), ["DejaVuSans.ttf", "DejaVuSerif.ttf"], per_class=3)
    b = render_domain("t", "AB", mpl_font_dir(), ["DejaVuSans.ttf", "DejaVuSerif.ttf"], per_class=3)
    assert np.array_equal(a.images, b.images) and a.class_names == ["A", "B"]
    assert a.images.shape == (6, 64, 64) and a.images.max() == 255 and a.images[:, 0, 0].max() == 0


def test_pickled_array_reader_round_trips_and_refuses_code():
    for arr in (np.arange(12, dtype=">f4").reshape(3, 4), np.asfortranarray(np.eye(3, dtype=np.uint8))):
        for protocol in (3, 4):
            out = read_pickled_array(pickle.dumps(arr, protocol=protocol))
            assert np.array_equal(out, arr) and out.shape == arr.shape
    with pytest.raises(DataError, match="only numpy arrays"):
        read_pickled_array(pickle.dumps(os.system))
    with pytest.raises(DataError, match="plain numeric"):
        read_pickled_array(pickle.dumps(np.array([{}, None], dtype=object)))


def test_idx_reader_and_channel_conversion(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in data.shape)
    with gzip.open(tmp_path / "x-idx3-ubyte.gz", "wb") as f:
        f.write(header + data.tobytes())
    assert np.array_equal(read_idx(tmp_path / "x-idx3-ubyte.gz"), data)
    rgb = to_channels(data, 3)
    assert rgb.shape == (2, 3, 4, 3) and np.array_equal(to_channels(rgb, 1), data)


# One check per real source, skipped where that source is not installed. The caps
# keep each one to about a second (rendering and PNG decoding are the slow parts).
@pytest.mark.parametrize("name", ALL)
def test_installed_domain_loads(name):
    entry = DOMAINS.get(name)
    if not entry.installed():
        pytest.skip(f"{name} not installed: {entry.install}")
    raw = entry.load(size=32, max_per_class=3)
    assert raw.images.dtype == np.uint8 and raw.images.ndim in (3, 4) and len(raw.images)
    assert raw.images.shape[1:] == (entry.shape if len(entry.shape) == 2 or name != "clipart"
                                    else (32, 32, 3))
    assert raw.labels.min() >= 0 and raw.labels.max() < len(raw.class_names)
    assert len(raw.class_names) == entry.classes
    assert raw.images.std() > 0  # not blank
