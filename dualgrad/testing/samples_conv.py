"""Samples of the N-d convolution ops and pooling composites (ops.conv), merged into
`samples.OPS`/`COMPOSITES`: tiny planes (the sympy forms sum whole windows), 1-, 2- and 3-d,
strides, padding, dilation and groups; max pool's values never tie."""

from __future__ import annotations


def tables(Samples, _s) -> tuple[dict, dict]:  # noqa: N803 - samples.py's class and maker, passed in (no import circle)
    """(OPS, COMPOSITES) entries of ops.conv."""
    ops = {
        "conv": Samples(
            (
                _s((1, 2, 2, 3), (1, 2, 2, 2)),
                _s(
                    (2, 2, 3, 2),
                    (2, 1, 2, 1),
                    groups=2,
                    stride=(2, 1),
                    pads=((0, 0), (0, 0)),
                    dilation=(1, 1),
                ),
                _s((1, 1, 3, 3), (1, 1, 2, 2), pads=((1, 0), (0, 1)), dilation=(1, 2)),
                _s((2, 2, 5), (3, 2, 2), stride=(2,), pads=((1, 2),), dilation=(2,), groups=1),
                _s(
                    (1, 2, 3, 2, 2),
                    (2, 1, 2, 1, 2),
                    stride=(1, 2, 1),
                    pads=((0, 1), (1, 0), (0, 0)),
                    dilation=(1, 1, 1),
                    groups=2,
                ),
            )
        ),
        "conv_transpose": Samples(
            (
                _s((1, 1, 1, 2), (1, 2, 2, 2), size=(2, 3)),
                _s(
                    (2, 2, 2, 2),
                    (2, 1, 2, 1),
                    size=(4, 2),
                    groups=2,
                    stride=(2, 1),
                    pads=((0, 0), (0, 0)),
                    dilation=(1, 1),
                ),
                _s(
                    (1, 1, 3, 2),
                    (1, 1, 2, 2),
                    size=(3, 4),
                    stride=(1, 2),
                    pads=((1, 0), (0, 1)),
                    dilation=(1, 2),
                ),
                _s((2, 3, 3), (3, 2, 2), size=(5,), stride=(2,), pads=((1, 2),), dilation=(2,), groups=1),
            )
        ),
        "conv_weight_grad": Samples(
            (
                _s((1, 2, 2, 3), (1, 1, 1, 2), kernel=(2, 2)),
                _s(
                    (2, 2, 3, 2),
                    (2, 2, 1, 2),
                    kernel=(2, 1),
                    groups=2,
                    stride=(2, 1),
                    pads=((0, 0), (0, 0)),
                    dilation=(1, 1),
                ),
                _s(
                    (1, 1, 3, 4),
                    (1, 1, 3, 2),
                    kernel=(2, 2),
                    stride=(1, 2),
                    pads=((1, 0), (0, 1)),
                    dilation=(1, 2),
                ),
                _s((2, 2, 5), (2, 3, 3), kernel=(2,), stride=(2,), pads=((1, 2),), dilation=(2,), groups=1),
            )
        ),
    }
    max_pool = Samples(
        (
            _s((1, 1, 2, 4)),
            _s((1, 2, 2), kernel=(2, 2), stride=(1, 1), pads=((1, 0), (0, 1))),
            _s((1, 1, 2, 3), kernel=(1, 2), stride=(1, 1), dilation=(1, 2)),
            _s((2, 5), kernel=(2,), stride=(2,), pads=((1, 1),), dilation=(1,)),
            _s((1, 2, 2, 3), kernel=(2, 1, 2), stride=(1, 1, 1), pads=((0, 0),) * 3, dilation=(1, 1, 1)),
        ),
        distinct=True,
    )
    adaptive_max = Samples(
        (
            _s((1, 1, 3, 4), output_size=(2, 2)),  # overlapping rows
            _s((2, 5), output_size=(3,)),  # overlapping windows
            _s((1, 2, 3), output_size=(2,)),
        ),
        distinct=True,
    )
    composites = {
        "max_pool": max_pool,
        "max_pool_indices": max_pool,  # (the same calls: where each of those values came from)
        "avg_pool": Samples(
            (
                _s((1, 2, 4, 4)),
                _s((2, 3, 3), kernel=(2, 2), stride=(1, 1), pads=((1, 0), (0, 1)), count_include_pad=False),
                _s((1, 1, 3, 4), kernel=(3, 2), stride=(1, 2), pads=((1, 1), (0, 0)), divisor=5),
                _s((2, 5), kernel=(3,), stride=(2,), pads=((1, 1),), count_include_pad=False),
                _s((1, 2, 2, 3), kernel=(2, 1, 2), stride=(1, 1, 1), pads=((0, 0), (0, 1), (1, 0))),
            ),
        ),
        "adaptive_max_pool": adaptive_max,
        "adaptive_max_pool_indices": adaptive_max,  # (the same calls, as max_pool_indices)
        "adaptive_avg_pool": Samples(
            (
                _s((1, 2, 4, 4), output_size=(2, 2)),
                _s((2, 5), output_size=(3,)),
                _s((1, 3, 5), output_size=(2, 4)),
                _s((1, 5, 3), output_size=(2, 1)),
            )
        ),
        "unfold": Samples(
            (
                _s((1, 2, 3, 3)),
                _s((2, 3, 4), kernel=(2, 2), stride=(2, 1), pads=((1, 0), (0, 1)), dilation=(1, 2)),
                _s((1, 2, 5), kernel=(2,), stride=(2,), pads=((1, 1),), dilation=(2,)),
            )
        ),
        "fold": Samples(
            (
                _s((1, 2, 4, 4), size=(3, 3)),
                _s((2, 4, 6), size=(3, 4), kernel=(2, 2), stride=(2, 1), pads=((1, 0), (0, 1)),
                   dilation=(1, 2)),
                _s((1, 2, 3), size=(5,), kernel=(2,), stride=(2,), pads=((1, 1),), dilation=(2,)),
            )
        ),
    }
    return ops, composites
