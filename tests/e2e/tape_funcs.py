import numpy as np


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h * h)


def rnn_while(Wh, h0, steps):
    h = h0
    k = 0
    while k < steps:
        h = np.tanh(Wh @ h)
        k += 1
    return np.sum(h)
