"""A small convolutional network built from layer objects with forward methods, as in
autograd's examples/convnet.py (own port; the convolution is written with slices of the
padded input instead of scipy.signal)."""
import numpy as np
from scipy.special import logsumexp

from . import Program


class conv_layer:
    def __init__(self, kernel_shape, num_filters):
        self.kernel_shape = kernel_shape
        self.num_filters = num_filters

    def forward_pass(self, inputs, params):
        # inputs: (N, H, W); one output channel per filter, 'valid' convolution
        kh, kw = self.kernel_shape
        n, h, w = inputs.shape
        out = 0.0
        for i in range(kh):
            for j in range(kw):
                patch = inputs[:, i:h - kh + 1 + i, j:w - kw + 1 + j]
                out = out + patch * params[i, j]
        return np.tanh(out)


class full_layer:
    def __init__(self, size):
        self.size = size

    def forward_pass(self, inputs, params):
        flat = np.reshape(inputs, (inputs.shape[0], -1))
        return np.dot(flat, params)


def make_loss(layers):
    def loss(all_params, images, labels):
        x = images
        for layer, params in zip(layers, all_params):
            x = layer.forward_pass(x, params)
        logprobs = x - logsumexp(x, axis=1, keepdims=True)
        return -np.sum(logprobs * labels)
    return loss


def cases():
    rs = np.random.RandomState(9)
    layers = [conv_layer((2, 2), 1), full_layer(3)]
    params = [rs.randn(2, 2) * 0.5, rs.randn(16, 3) * 0.3]
    images = rs.randn(4, 5, 5)
    labels = np.eye(3)[rs.randint(0, 3, 4)]
    return [Program("loss", make_loss(layers), (params, images, labels))]
