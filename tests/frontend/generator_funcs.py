"""Generator helpers as users write them: autograd's bayesian_neural_net unpacks its
weights with one; others walk an array's neighbours, chain with ``yield from``, close over
the enclosing function's values, or are a user object's method. Each function takes one
array and returns a number."""
import numpy as np

SHAPES = [(2, 3), (3, 1)]


def unpack_layers(weights):
    """(W, b) per layer, from a batch of flat weight vectors (the weights shrink as they go)."""
    num_sets = weights.shape[0]
    for m, n in SHAPES:
        yield weights[:, :m * n].reshape((num_sets, m, n)), \
            weights[:, m * n:m * n + n].reshape((num_sets, 1, n))
        weights = weights[:, (m + 1) * n:]


def neighbours(x):
    for i in range(x.shape[0] - 1):      # a run-time count: the list grows in a loop
        yield x[i] * x[i + 1]


def chained(x):
    yield from neighbours(x)
    yield x[0] * x[-1]


def bnn(w):
    weights = w.reshape(2, -1)
    inputs = np.linspace(-1.0, 1.0, 8).reshape(1, 4, 2)
    for W, b in unpack_layers(weights):
        outputs = np.einsum("mnd,mdo->mno", inputs, W) + b
        inputs = np.tanh(outputs)
    return np.sum(outputs ** 2)


def walk(w):
    total = 0.0
    for p in neighbours(w):
        total = total + np.sin(p)
    return total + sum(p ** 2 for p in chained(w)) + len(list(neighbours(w)))


def closure(w):
    k = 0.5

    def scaled(s):
        for v in w:
            yield v * s * k
    out = 0.0
    for v in scaled(2.0):
        out = out + np.cos(v)
    squares = [v ** 2 for v in scaled(3.0)]
    return out + squares[1] + np.sum(np.array(list(scaled(0.5))) ** 3) + sum(scaled(1.5))


class Stack:
    def __init__(self, scales):
        self.scales = scales

    def layers(self, w):
        for s in self.scales:
            yield np.tanh(w * s)


STACK = Stack((0.5, -1.0, 2.0))


def method(w):
    total = 0.0
    for h in STACK.layers(w):
        total = total + np.sum(h * w)
    return total


FUNCS = [bnn, walk, closure, method]
INPUTS = {"bnn": np.random.default_rng(3).normal(size=2 * 13) * 0.5}


def input_of(f):
    return INPUTS.get(f.__name__, np.random.default_rng(4).normal(size=5))


# ---- refused

def writes_what_it_reads(w):
    z = w.copy()

    def items():
        for i in range(3):
            yield z[i]
    total = 0.0
    for v in items():
        z[i] = v * 2.0
        total = total + v
    return total


def rebinds_what_it_reads(w):
    k = 1.0

    def items():
        for v in w:
            yield v * k
    total = 0.0
    for v in items():
        k = k * 2.0
        total = total + v
    return total


def counter(x):
    i = 0
    while True:
        yield x[i % 3]
        i = i + 1


def breaks_early(w):
    total = 0.0
    for v in counter(w):
        total = total + v
        if total > 1.0:
            break
    return total


def pairs(x):
    for i in range(x.shape[0] - 1):
        yield x[i], x[i + 1]


def tuples_at_run_time(w):
    return sum(a * b for a, b in pairs(w))


def is_a_generator(w):
    yield np.sum(w)


def stops_at_run_time(w):
    def g():
        for i in range(3):
            if w[i] > 0:
                return
            yield w[i]
    return sum(g())


def sends(w):
    def g():
        got = yield w[0]
        yield got
    return sum(g())
