"""Lists grown in loops whose trip count is known at run time only (issue 25, item 5), as
autograd's rnn and lstm examples write them."""
import numpy as np


def rnn_outputs(W, inputs):
    """``outputs = []; for t in range(inputs.shape[0]): ...; outputs.append(h)``."""
    h = np.zeros(W.shape[1])
    outputs = []
    for t in range(inputs.shape[0]):
        h = np.tanh(inputs[t] @ W[:-W.shape[1]] + h @ W[-W.shape[1]:])
        outputs.append(h)
    return np.sum(np.array(outputs) ** 2) + np.sum(outputs[-1])


def _predict(params, inputs):
    hiddens = params[0] * 0.5
    output = [np.tanh(hiddens)]
    for x in inputs:
        hiddens = np.tanh(x @ params[1:] + hiddens)
        output.append(np.sin(hiddens))
    return output


def rnn_log_likelihood(params, inputs, targets):
    """autograd's rnn.py: a list started with one item, returned by a helper, indexed."""
    logprobs = _predict(params, inputs)
    loglik = 0.0
    for t in range(len(logprobs)):
        loglik += np.sum(logprobs[t] * targets[t])
    return loglik / len(logprobs)


def scalars(x, n):
    losses = []
    for i in range(n):
        losses.append(np.sum(x ** (i + 1)))
    return np.sum(np.array(losses) * np.arange(1.0, n + 1))


def stacked_axis(X):
    rows = []
    for i in range(X.shape[0]):
        rows.append(X[i] * (i + 1.0))
    a = np.stack(rows, axis=1)
    b = np.concatenate(rows)
    c = np.vstack(rows)
    return np.sum(a[0] ** 2) + np.sum(np.sin(b)) + np.sum(c * c) + np.sum(sum(rows))


def joined_by_keywords(X):
    rows = []
    for i in range(X.shape[0]):
        rows.append(np.cos(X[i]) * (i + 1.0))
    a = np.stack(arrays=rows, axis=-1)
    b = np.concatenate(rows[1:], axis=None)
    c = np.hstack(tup=rows)
    d = np.asarray(rows, dtype=np.float64)
    return np.sum(a[1] * a[2]) + np.sum(b ** 3) + np.sum(np.tanh(c)) + np.sum(d[:, 0])


def matrices(X):
    mats = []
    for i in range(X.shape[0] - 1):
        mats.append(np.outer(X[i], X[i + 1]))
    return np.sum(np.concatenate(mats, axis=1) ** 2) + np.sum(np.stack(mats)[0])


def conditional_append(x):
    kept = []
    for i in range(x.shape[0]):
        if x[i] > 0:
            kept.append(x[i] ** 2)
    return np.sum(np.array(kept)) + len(kept)


def read_while_growing(x):
    seq = [x[0]]
    for i in range(1, x.shape[0]):
        seq.append(seq[-1] * np.cos(x[i]))
    return np.sum(np.array(seq))


def step_two(x):
    out = []
    for i in range(0, x.shape[0], 2):
        out.append(x[i:i + 2] * x[i])
    return np.sum(np.array(out) ** 2)


def two_lists(X):
    hs, cs = [], []
    h = np.zeros(X.shape[1])
    c = np.zeros(X.shape[1])
    for t in range(X.shape[0]):
        c = c * 0.5 + np.tanh(X[t] + h)
        h = np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.sum(np.array(hs) * np.array(cs)) + np.sum(hs[0])


def grown_twice(x):
    out = []
    for i in range(x.shape[0]):
        out.append(x[i])
    out.append(1.0)
    for i in range(x.shape[0]):
        out.append(x[i] ** 3)
    return np.sum(np.array(out) ** 2) + out[-2] * len(out)


def list_plus_list(x):
    a = [x[0], x[1]]
    b = []
    for i in range(x.shape[0]):
        b.append(np.sin(x[i]))
    both = a + b
    return np.sum(np.array(both) ** 2)


def loop_over_grown(x):
    ys = []
    for i in range(x.shape[0]):
        ys.append(x[i] * x[0])
    total = 0.0
    for y in ys:
        total = total + y ** 2
    return total


def with_break(x):
    out = []
    for i in range(x.shape[0]):
        if x[i] > 1.5:
            break
        out.append(np.exp(x[i]))
    return np.sum(np.array(out))


def read_empty_while_growing(x):
    out = []
    for i in range(x.shape[0]):
        out.append(x[i] + len(out))
    return np.sum(np.array(out))


def nested_append(X):
    out = []
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            out.append(X[i, j])
    return np.sum(np.array(out))


def while_append(x):
    out = []
    i = 0
    while i < x.shape[0]:
        out.append(x[i])
        i += 1
    return np.sum(np.array(out))


def whole_list_inside(x):
    out = [x[0]]
    for i in range(x.shape[0]):
        out.append(np.sum(np.array(out)) * x[i])
    return out[-1]


def stacked_vector(x):
    out = []
    for i in range(x.shape[0]):
        out.append(np.sin(x[i]) * x[0])
    return np.array(out)


def scalars_sq(x):
    return np.sum(stacked_vector(x) ** 2)


def stacks_of_numbers(x):
    out = []
    for i in range(x.shape[0]):
        out.append(x[i] ** 2)
    return (np.sum(np.vstack(out) * np.arange(x.shape[0])[:, None]) + np.sum(np.hstack(out))
            + np.sum(np.stack(out[1:]) ** 3) + np.sum(np.array(out[::2])))


def _plus_one_sq(v):
    return v ** 2 + 1


def maps(x):
    """map() with a lambda, a helper, a NumPy function and two iterables; x.item() of a
    number; list() and tuple() of what they give."""
    f = lambda v: np.sin(v) * 2                          # noqa: E731
    t = 0.0
    for v in map(np.tanh, x):
        t = t + v
    pairs = list(map(lambda u, w: u * w, x, x[::-1]))
    return (sum(map(f, x)) + sum(map(_plus_one_sq, x[:3])) + np.sum(np.array(pairs))
            + t + x[0].item() * 2 + np.sum(x).item() + len(tuple(map(f, x))))
