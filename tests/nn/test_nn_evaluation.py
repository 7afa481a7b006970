"""A network's scores on labelled images and its initial weights (sktopo.nn's one home)."""

import numpy as np
import pytest
import torch

from sktopo.nn import evaluate_accuracy, initial_weights, make_net, network_scores, train_many

CONFIG = {"arch": "M", "sizes": (4, 2, 8), "max_iter": 5, "batch_size": 32, "device": "cpu"}


@pytest.fixture(scope="module")
def trained(mnist14):
    X, y, X_valid, y_valid = mnist14
    (record,) = train_many(CONFIG, 1, X[:300], y[:300], X_valid=X_valid[:200],
                           y_valid=y_valid[:200], snapshot_iterations=[0, 5], random_state=3)
    return record, X_valid[:200], y_valid[:200]


def _module(weights, shape=(1, 14, 14)):
    module = make_net(**CONFIG, input_shape=shape).initialize().module_
    module.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items()})
    return module


def test_scores_are_the_mean_cross_entropy_and_accuracy_in_any_batch_size(trained):
    record, X, y = trained
    module = _module(record["weights"])
    with torch.no_grad():
        logits = module.eval()(torch.as_tensor(X))
    loss = float(torch.nn.functional.cross_entropy(logits, torch.as_tensor(y)))
    accuracy = float((logits.argmax(1).numpy() == y).mean())
    for batch_size in (7, 1024):
        scores = network_scores(CONFIG, record["weights"], X, y, batch_size=batch_size)
        assert scores["loss"] == pytest.approx(loss, rel=1e-5)
        assert scores["accuracy"] == pytest.approx(accuracy)
    assert scores["accuracy"] == pytest.approx(record["valid_acc"])
    assert scores["accuracy"] == pytest.approx(evaluate_accuracy(module, X, y, batch_size=7))


def test_evaluation_restores_the_training_mode(trained):
    record, X, y = trained
    module = _module(record["weights"]).train()
    evaluate_accuracy(module, X, y)
    assert module.training


def test_initial_weights_are_the_runners_start_and_depend_on_the_seed(trained):
    record, _, _ = trained
    init = initial_weights(CONFIG, record["seed"], (1, 14, 14))
    assert set(init) == set(record["weights"])
    for layer in ("features.conv1.weight", "features.conv2.weight"):
        np.testing.assert_array_equal(init[layer], record["snapshots"][0][layer])
        assert not np.array_equal(init[layer], record["snapshots"][5][layer])
    other = initial_weights(CONFIG, record["seed"] + 1, [1, 14, 14])
    assert not np.array_equal(other["features.conv1.weight"], init["features.conv1.weight"])


@pytest.mark.parametrize("shape", [(14, 14), (1, 0, 14), (1, 14.0, 14)])
def test_initial_weights_refuse_a_shape_that_is_not_c_h_w(shape):
    with pytest.raises(ValueError, match="input_shape must be"):
        initial_weights(CONFIG, 0, shape)


def test_scores_refuse_flat_rows_that_are_not_square_images(trained):
    record, X, y = trained
    with pytest.raises(ValueError, match="X holds flat rows of 195 pixels"):
        network_scores(CONFIG, record["weights"], X.reshape(len(X), -1)[:, :195], y)
