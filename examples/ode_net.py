"""Learn a system's dynamics from one trajectory: a small tanh network ``f(y)`` whose ODE
``dy/dt = f(y)``, solved by ``fg.odeint``, should reproduce a damped spiral (autograd's
ode_net, with flatgrad's solver and its adjoint gradient). The initial state is learnt too.

    python examples/ode_net.py [--steps 300] [--target python|cpu]
"""
import argparse

import numpy as np

import flatgrad as fg

SPIRAL = np.array([[-0.1, 2.0], [-2.0, -0.1]])


def cubic_spiral(y, t, A):
    """The true system: a damped oscillator in the cubes of the state."""
    return np.dot(y ** 3, A)


def network(y, t, layers):
    """The model's dynamics: a tanh MLP of the state."""
    for W, b in layers:
        out = np.dot(y, W) + b
        y = np.tanh(out)
    return out


def loss(params, t, observed):
    pred = fg.odeint(network, params["y0"], t, params["nn"], rtol=1e-4, atol=1e-6)
    return np.mean(np.abs(pred - observed))


def init(rng, sizes, scale=0.1):
    return [(rng.normal(size=(m, n)) * scale, rng.normal(size=n) * scale)
            for m, n in zip(sizes[:-1], sizes[1:])]


def tree_map(fn, *trees):
    """``fn`` applied leaf by leaf to trees of one structure (dicts, lists, tuples, arrays)."""
    first = trees[0]
    if isinstance(first, dict):
        return {k: tree_map(fn, *(t[k] for t in trees)) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(tree_map(fn, *items) for items in zip(*trees))
    return fn(*trees)


def adam(value_and_grad, params, steps, lr=0.01, b1=0.9, b2=0.999, eps=1e-8, every=50):
    """Adam on a tree of arrays."""
    m = tree_map(np.zeros_like, params)
    v = tree_map(np.zeros_like, params)
    for k in range(1, steps + 1):
        value, g = value_and_grad(params)
        m = tree_map(lambda mi, gi: b1 * mi + (1 - b1) * gi, m, g)
        v = tree_map(lambda vi, gi: b2 * vi + (1 - b2) * gi * gi, v, g)
        params = tree_map(lambda p, mi, vi: p - lr * (mi / (1 - b1 ** k))
                          / (np.sqrt(vi / (1 - b2 ** k)) + eps), params, m, v)
        if k == 1 or k % every == 0:
            print(f"step {k:4d}  L1 loss {value:.4f}")
    return params, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--target", default="cpu", choices=("python", "cpu"))
    args = parser.parse_args()

    t = np.linspace(0.0, 1.5, 30)
    observed = fg.odeint(cubic_spiral, np.array([2.0, 0.0]), t, SPIRAL)
    rng = np.random.default_rng(0)
    params = {"nn": init(rng, [2, 32, 2]), "y0": np.array([1.0, 0.0])}

    vg = fg.value_and_grad(loss, target=args.target)
    start = loss(params, t, observed)
    params, final = adam(lambda p: vg(p, t, observed), params, args.steps)
    print(f"L1 loss {start:.4f} -> {final:.4f}; learnt y0 = {params['y0'].round(3)} "
          "(the data start at [2, 0])")


if __name__ == "__main__":
    main()
