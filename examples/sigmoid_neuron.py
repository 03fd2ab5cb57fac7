"""The sigmoid neuron of lecture 000: f(w, x) = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))).

Run it to see the flat backward pass flatgrad generates and the lecture's values:
    python examples/sigmoid_neuron.py
"""
from flatgrad import sigmoid


def f(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


if __name__ == "__main__":
    import flatgrad as fg

    print(fg.source(f, argnums=(0, 1, 2, 3, 4), optimize=False))
    df = fg.value_and_grad(f, argnums=(0, 1, 2, 3, 4))
    value, grads = df(2.0, -1.0, -3.0, -2.0, -3.0)
    print(f"f = {value:.2f}")
    for name, g in zip(["w0", "x0", "w1", "x1", "w2"], grads):
        print(f"df/d{name} = {g:.2f}")
