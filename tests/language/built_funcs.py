"""Objects built in the function, as users write them: a dataclass layer with __call__, a
plain class whose __init__ branches on an argument and reads a class attribute, a model
holding a list of layers, objects rebuilt in a loop and an if. Each takes (w, x) and is
differentiated with respect to w."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    scale: float = 1.0

    def __call__(self, x):
        return np.tanh(x @ self.W + self.b) * self.scale


class Dense:
    act = staticmethod(np.tanh)
    gain = 2.0

    def __init__(self, W, b, out=None):
        self.W = W
        if out is None:
            self.b = b * self.gain
        else:
            self.b = b + out
        self.n = W.shape[1]

    def forward(self, x):
        return self.act(x @ self.W + self.b)

    @property
    def norm(self):
        return np.sum(self.W ** 2)


class MLP:
    def __init__(self, w):
        self.layers = [Dense(w[:6].reshape(3, 2), w[6:8]),
                       Dense(w[8:10].reshape(2, 1), w[10:11], out=0.5)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x


def dataclass_layer(w, x):
    a = Layer(w[:6].reshape(3, 2), w[6:8])
    b = Layer(w[:6].reshape(3, 2), b=w[6:8], scale=0.5)
    return np.sum(a(x) ** 2) + np.sum(b(x))


def plain_class(w, x):
    layer = Dense(w[:6].reshape(3, 2), w[6:8])
    return np.sum(layer.forward(x) ** 2) + layer.norm + layer.n


def model(w, x):
    return np.sum(MLP(w)(x) ** 2)


def rebuilt(w, x):
    layer = Dense(w[:6].reshape(3, 2), w[6:8])
    for _ in range(2):
        layer = Dense(layer.W * 0.5, layer.b, out=x[0, :2])
    if x[0, 0] > 0:
        layer = Dense(layer.W, layer.b * 3.0)
    return np.sum(layer.forward(x))


FUNCS = [dataclass_layer, plain_class, model, rebuilt]


# ---- refused

class CallsAMethod:
    def __init__(self, W):
        self.W = W
        self.s = self.total()

    def total(self):
        return np.sum(self.W)


class Base:
    def __init__(self, W):
        self.W = W


class Derived(Base):
    def __init__(self, W):
        super().__init__(W)


def method_in_init(w, x):
    return CallsAMethod(w).s


def written_after(w, x):
    layer = Dense(w[:6].reshape(3, 2), w[6:8])
    layer.W = layer.W * 2.0
    return np.sum(layer.W)


def super_init(w, x):
    return np.sum(Derived(w).W)
