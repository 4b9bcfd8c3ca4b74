import numpy as np

from workbench.benchmark.baselines import make_sindy
from workbench.benchmark.protocol import BenchmarkModel, DatasetInfo
from workbench.systems import lorenz63


def test_sindy_recovers_lorenz_and_follows_the_protocol():
    data = lorenz63(6000, seed=2, zscore=False)
    model = make_sindy(DatasetInfo("l", 3, 0.01, 5000, 1000, noisy=False), True)
    assert isinstance(model, BenchmarkModel) and model.warmup == 1
    info = model.fit(data[:5000], seed=0)
    assert info["threshold"] in (0.01, 0.05, 0.1)
    assert model.n_parameters == 7      # the seven terms of the Lorenz field
    gen = model.generate(data[:1], 30)
    np.testing.assert_array_equal(gen[0], data[0])
    np.testing.assert_allclose(gen[:30], data[:30], rtol=0, atol=0.2)   # |x| up to ~45
    pred = model.predict(data[None, :1], 5)
    np.testing.assert_allclose(pred[0], gen[1:6])


def test_discrete_sindy_without_dt():
    rng = np.random.default_rng(0)
    x = np.zeros((800, 2))
    x[0] = [0.5, -0.2]
    for t in range(799):
        x[t + 1] = [0.9 * x[t, 0] - 0.2 * x[t, 1], 0.2 * x[t, 0] + 0.9 * x[t, 1] + 0.3]
    model = make_sindy(DatasetInfo("d", 2, None, 800, 200, noisy=False), True)
    info = model.fit(x + 1e-9 * rng.normal(size=x.shape), seed=0)
    assert info["discrete_time"]
    np.testing.assert_allclose(model.generate(x[:1], 50), x[:50], atol=1e-5)
