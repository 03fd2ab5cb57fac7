"""Lists of sizes and read-only objects describing a model (issue 25, item 6), written as
autograd's convnet and bayesian_neural_net examples write them."""
import numpy as np

LAYER_SIZES = [3, 4, 2]
SHAPES = [(3, 4), (4,), (4, 2), (2,)]
SCALE = np.array([1.0, 2.0])
CONFIG = {"power": 2, "offsets": (0.5, -0.25)}


def mlp_over_sizes(params, x):
    """``for m, n in zip(layer_sizes[:-1], layer_sizes[1:])`` over a module-level list."""
    start = 0
    h = x
    for m, n in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        W = params[start:start + m * n].reshape(m, n)
        start += m * n
        h = np.tanh(h @ W)
    return np.sum(h ** 2)


def unpack_by_shapes(flat):
    """bayesian_neural_net: shapes as a list of tuples, the parameters one flat vector."""
    total, start = 0.0, 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        piece = flat[start:start + size].reshape(shape)
        start += size
        total = total + np.sum(np.sin(piece)) * len(shape)
    return total


def closure_sizes(sizes):
    def f(w):
        acc = 0.0
        for k in sizes:
            acc = acc + np.sum(w[:k] ** 2) * k
        return acc
    return f


def read_config(x):
    return np.sum((x + CONFIG["offsets"][0]) ** CONFIG["power"]) * SCALE[1]


class Dense:
    def __init__(self, n_in, n_out):
        self.n_in, self.n_out = n_in, n_out
        self.shape = (n_in, n_out)

    @property
    def size(self):
        return self.n_in * self.n_out

    def forward_pass(self, x, params):
        return np.tanh(x @ params.reshape(self.shape))


class Scaled(Dense):
    """A layer with a fixed (not trained) array attribute and a helper method."""

    def __init__(self, n_in, n_out, scale):
        super().__init__(n_in, n_out)
        self.scale = scale

    def forward_pass(self, x, params):
        return self._act(x @ params.reshape(self.shape)) * self.scale

    def _act(self, z):
        return np.sin(z)


class Net:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, flat, x):
        start = 0
        for layer in self.layers:
            x = layer.forward_pass(x, flat[start:start + layer.size])
            start += layer.size
        return np.sum(x ** 2)


LAYERS = [Dense(3, 4), Scaled(4, 2, np.array([0.5, 1.5]))]
NET = Net(LAYERS)


def convnet_style(flat, x):
    """``for layer in layers: x = layer.forward_pass(x, params_i)`` over a module list."""
    start = 0
    for layer in LAYERS:
        x = layer.forward_pass(x, flat[start:start + layer.size])
        start += layer.size
    return np.sum(x ** 2)


def layers_argument(flat, x, layers):
    """The same, with the list of layer objects passed in as an argument."""
    start = 0
    for layer in layers:
        x = layer.forward_pass(x, flat[start:start + layer.size])
        start += layer.size
    return np.sum(x ** 2)


def net_argument(flat, x, net):
    return net(flat, x)


def closed_over_net(flat, x):
    return NET(flat, x)


def writes_attribute(flat, x, layer):
    layer.n_in = 3
    return np.sum(flat)


class Holder:
    def __init__(self, f):
        self.f = f


def unreadable_attribute(x):
    return HOLDER.f.real * x


HOLDER = Holder(3 + 4j)


class Stack:
    """A model holding a list of weight arrays and its activation function."""

    def __init__(self, Ws):
        self.Ws = Ws
        self.act = np.tanh

    def __call__(self, x):
        for W in self.Ws:
            x = self.act(x @ W)
        return x


STACK = Stack([np.full((3, 2), 0.3), np.full((2, 2), 0.2)])


def list_attribute(x):
    return np.sum(STACK(x) ** 2)


def sizes_argument(params, sizes):
    """Layer sizes passed in (a list of ints is an int array; a tuple, a tuple of ints)."""
    total, start = 0.0, 0
    for m, n in zip(sizes[:-1], sizes[1:]):
        W = params[start:start + m * n].reshape(m, n)
        start += m * n
        total = total + np.sum(np.sin(W)) * m
    return total


def shapes_argument(flat, shapes):
    total, start = 0.0, 0
    for shape in shapes:
        size = int(np.prod(shape))
        total = total + np.sum(np.cos(flat[start:start + size].reshape(shape)))
        start += size
    return total


def _make_helper():
    layer = Scaled(4, 2, np.ones(2))

    def helper(x):
        return x * layer.scale * layer.n_out

    return helper


_HELPER = _make_helper()


def helper_closure_array(x):
    return np.sum(_HELPER(x))


class WeightsParser:
    """autograd's convnet example: a helper class to index into a parameter vector."""

    def __init__(self):
        self.idxs_and_shapes = {}
        self.N = 0

    def add_weights(self, name, shape):
        start = self.N
        self.N += np.prod(shape)
        self.idxs_and_shapes[name] = (slice(start, self.N), shape)

    def get(self, vect, name):
        idxs, shape = self.idxs_and_shapes[name]
        return np.reshape(vect[idxs], shape)


class FullLayer:
    def __init__(self, size):
        self.size = size

    def build_weights_dict(self, input_shape):
        input_size = np.prod(input_shape, dtype=int)
        self.parser = WeightsParser()
        self.parser.add_weights('params', (input_size, self.size))
        self.parser.add_weights('biases', (self.size,))
        return self.parser.N, (self.size,)

    def forward_pass(self, inputs, param_vector):
        params = self.parser.get(param_vector, 'params')
        biases = self.parser.get(param_vector, 'biases')
        if inputs.ndim > 2:
            inputs = inputs.reshape((inputs.shape[0], np.prod(inputs.shape[1:])))
        return self.nonlinearity(np.dot(inputs[:, :], params) + biases)


class TanhLayer(FullLayer):
    def nonlinearity(self, x):
        return np.tanh(x)


class PoolLayer:
    def __init__(self, pool_shape):
        self.pool_shape = pool_shape

    def build_weights_dict(self, input_shape):
        output_shape = list(input_shape)
        for i in [0, 1]:
            output_shape[i + 1] = output_shape[i + 1] // self.pool_shape[i]
        return 0, tuple(output_shape)

    def forward_pass(self, inputs, param_vector):
        new_shape = inputs.shape[:2]
        for i in [0, 1]:
            pool_width = self.pool_shape[i]
            img_width = inputs.shape[i + 2]
            new_shape += (img_width // pool_width, pool_width)
        result = inputs.reshape(new_shape)
        return np.max(np.max(result, axis=3), axis=4)


def make_nn_funs(input_shape, layer_specs):
    """The convnet example's make_nn_funs: a parser keyed by layer objects, closed over."""
    parser = WeightsParser()
    cur_shape = input_shape
    for layer in layer_specs:
        N_weights, cur_shape = layer.build_weights_dict(cur_shape)
        parser.add_weights(layer, (N_weights,))

    def loss(W_vect, inputs):
        cur_units = inputs
        for layer in layer_specs:
            cur_weights = parser.get(W_vect, layer)
            cur_units = layer.forward_pass(cur_units, cur_weights)
        return np.sum(cur_units ** 2) + 0.1 * np.dot(W_vect, W_vect)

    return parser.N, loss


def skip_last_activation(flat, x, layers):
    """``layer is layers[-1]``: compared while compiling."""
    start = 0
    for layer in layers:
        z = x @ flat[start:start + layer.size].reshape(layer.shape)
        start += layer.size
        x = z if layer is layers[-1] else np.tanh(z)
    return np.sum(x ** 2)
