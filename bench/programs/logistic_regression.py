"""Logistic regression: the negative log-likelihood of labels under a linear model, as in
autograd's examples/logistic_regression.py (own port)."""
import numpy as np

from . import Program


def sigmoid(x):
    return 0.5 * (np.tanh(x / 2.0) + 1.0)


def logistic_predictions(weights, inputs):
    # the probability of label 1 for each input row
    return sigmoid(np.dot(inputs, weights))


def training_loss(weights, inputs, targets):
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))


def cases():
    rs = np.random.RandomState(0)
    inputs = rs.randn(8, 3)
    targets = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    return [Program("training_loss", training_loss, (rs.randn(3) * 0.5, inputs, targets))]
