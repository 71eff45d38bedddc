"""``codesign estimate --input-size PX``: bad values are one line naming the option, exit
2, nothing written; a good one reaches the estimate as a spec of that size."""

from __future__ import annotations

import pytest

import codesign.api.estimate
from codesign.cli import build_parser, main

MV2 = "mobilenet_v2_attention"
BAD = [
    # (size, expected substring of the error line)
    ("abc", "argument --input-size: expected an image side in pixels from 8 to 512, got 'abc'"),
    ("64.0", "argument --input-size: expected an image side in pixels"),
    ("7", "argument --input-size: expected an image side in pixels from 8 to 512, got 7"),
    ("513", "argument --input-size: expected an image side in pixels from 8 to 512, got 513"),
    ("-32", "argument --input-size"),
    ("16", "--input-size 16: mobilenet_v2: input_size must be a multiple of 32 px and >= 32"),
    ("40", "--input-size 40: mobilenet_v2: input_size must be a multiple of 32 px"),
    ("100", "--input-size 100: mobilenet_v2: input_size must be a multiple of 32 px"),
]


@pytest.mark.parametrize("size,expected", BAD, ids=[s for s, _ in BAD])
def test_bad_size_is_one_line_exit_2_nothing_written(size, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODESIGN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    status = main(["estimate", MV2, "--device", "zcu104", f"--input-size={size}",
                   "--json", str(tmp_path / "out.json")])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert expected in err, err
    assert list(tmp_path.iterdir()) == []  # no JSON, no cache folder


def test_cnv_checkpoint_trained_at_32_px_is_refused_at_64(tmp_path, capsys):
    status = main(["estimate", "cnv_head", "--device", "pynq-z1", "--input-size", "64",
                   "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err.strip()
    assert status == 2 and err.count("\n") == 0, err
    assert "--input-size 64: the backbone weights checkpoints/cnv_x0.5_w4a4_glyphs.safetensors were " \
           "trained at another input size" in err
    assert not (tmp_path / "cache").exists()


class _Stop(Exception):
    """Raised by the stand-in estimate: the test only needs the spec it was given."""


def test_good_size_reaches_the_estimate_as_a_spec_of_that_size(monkeypatch, tmp_path, capsys):
    seen = []

    def fake_estimate_design(spec, device, *args, **kwargs):
        seen.append(spec)
        raise _Stop

    monkeypatch.setattr(codesign.api.estimate, "estimate_design", fake_estimate_design)
    monkeypatch.setenv("CODESIGN_DEBUG", "1")  # main re-raises instead of reporting an internal error
    for argv in ([], ["--input-size", "96"]):
        with pytest.raises(_Stop):
            main(["estimate", MV2, "--device", "zcu104", "--cache-dir", str(tmp_path), *argv])
    plain, sized = seen
    assert (plain.backbone.input_size, sized.backbone.input_size) == (32, 96)
    assert sized.fingerprint() != plain.fingerprint()
    assert sized.name == plain.name and sized.backbone.weights == "imagenet"


def test_help_says_what_each_backbone_is_meant_for():
    estimate = build_parser()._subparsers._group_actions[0].choices["estimate"]
    text = " ".join(estimate.format_help().split())
    assert "--input-size PX" in text
    assert "cnv is built for 32" in text and "mobilenet_v2 for 32..224 in multiples of 32" in text
