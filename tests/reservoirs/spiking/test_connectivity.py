"""Tests of reservoirs.spiking.connectivity: Bernoulli wiring without autapses."""

import numpy as np
import pytest

from reservoirs.spiking.connectivity import bernoulli_edges


def test_density_matches_probability_and_is_reproducible():
    pre, post = bernoulli_edges(300, 300, 0.1, 1)
    n_pairs = 300 * 299
    # 3 standard deviations of a Binomial(n_pairs, 0.1)
    assert abs(pre.size - 0.1 * n_pairs) < 3 * np.sqrt(n_pairs * 0.09)
    pre2, post2 = bernoulli_edges(300, 300, 0.1, 1)
    np.testing.assert_array_equal(pre, pre2)
    np.testing.assert_array_equal(post, post2)


def test_no_self_connections_or_duplicates_in_overlapping_populations():
    # I -> I block of a network whose I neurons start at global index 40 in both roles
    pre, post = bernoulli_edges(10, 10, 0.9, 2, offset_pre=40, offset_post=40)
    assert not np.any(pre == post)
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size
    # all-to-all without autapses
    pre, post = bernoulli_edges(5, 5, 1.0, 0)
    assert pre.size == 20 and not np.any(pre == post)


def test_disjoint_populations_can_connect_every_pair():
    # I (global 8..9) -> E (global 0..7): no index is shared, so p = 1 gives all 16 pairs
    pre, post = bernoulli_edges(2, 8, 1.0, 0, offset_pre=8, offset_post=0)
    assert pre.size == 16


def test_invalid_probability_is_rejected():
    with pytest.raises(ValueError, match="p must be in"):
        bernoulli_edges(5, 5, 1.5)
