"""The saved boosted trees score exactly as the scikit-learn model they were fitted as."""

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from bot.config import get_settings
from bot.content.vocabulary import DIMENSIONS
from bot.critic import fitting
from bot.critic.fitted import Boosted, load_fit

pytestmark = pytest.mark.without_index


def test_saved_trees_predict_what_scikit_learn_predicts():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 6))
    y = np.clip(3 + x[:, 0] - 0.5 * x[:, 1] * (x[:, 2] > 0) + rng.normal(scale=0.3, size=300), 1, 5)
    saved = Boosted.from_json(fitting._boost(x, y))
    model = GradientBoostingRegressor(**fitting.BOOST).fit(x, y)
    probe = rng.normal(size=(200, 6)) * 1.5
    ours = [saved.predict(list(row)) for row in probe]
    assert np.allclose(ours, np.clip(model.predict(probe), 1, 5), atol=1e-9)
    # a value exactly at a threshold goes left, as in scikit-learn
    tree = model.estimators_[0][0].tree_
    at = np.zeros(6)
    at[tree.feature[0]] = tree.threshold[0]
    assert saved.predict(list(at)) == pytest.approx(float(np.clip(model.predict(at[None])[0], 1, 5)))


def test_trees_with_mismatched_arrays_are_refused():
    raw = fitting._boost(np.arange(40.0).reshape(20, 2), np.linspace(1, 5, 20))
    raw["value"] = raw["value"][:-1]
    with pytest.raises(ValueError, match="differ in shape"):
        Boosted.from_json(raw)


def test_the_committed_critic_has_a_boosted_map_per_path_and_dimension():
    fit = load_fit(get_settings().knowledge_dir)
    assert fit.boosted is not None
    for path in ("bank", "derived"):
        assert set(fit.boosted[path]) == set(fit.weights[path]) == set(DIMENSIONS)
        for model in fit.boosted[path].values():
            assert len(model.feature) == fitting.BOOST["n_estimators"] and 0 < model.rate <= 0.1
            assert (model.feature[:, 0] >= 0).all()  # every tree splits at least once
