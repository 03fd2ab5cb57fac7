"""The first circuit of lecture 000: f(x, y, z) = (x + y) * z.

    python examples/circuit.py
"""


def f(x, y, z):
    q = x + y
    return q * z


if __name__ == "__main__":
    import flatgrad as fg

    print(fg.source(f, argnums=(0, 1, 2), optimize=False))
    print("gradient at (-2, 5, -4):", fg.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0))
