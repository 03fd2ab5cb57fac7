"""Functions for the end-to-end tests: the lectures' examples and control flow."""
import math

from flatgrad import relu, sigmoid

RATE = 0.01
OFFSET = 2.5


def circuit(x, y, z):
    q = x + y
    return q * z


def neuron(w0, x0, w1, x1, w2):
    return sigmoid(w0 * x0 + w1 * x1 + w2)


def ln_example(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


# ------------------------------------------------------------------ branches

def if_elif_else(x, y):
    if x > 1.0:
        z = x * y
    elif x > -1.0:
        z = math.sin(x) + y * y
    else:
        z = x * x * x - y
    return z


def cond_expr(x, y):
    return x * y if x < y else x / y


def bool_ops(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x > 0.0 or not y > -1.0:
        r = x + 2.0 * y
    else:
        r = x * x
    return r


def chained(x, y):
    if 0.0 < x <= y:
        return x * y
    return x - y


def early_return(x):
    if x < 0.0:
        return -x * x
    y = x * 3.0
    if y > 6.0:
        return math.sqrt(y)
    return y * x


# ------------------------------------------------------------------ for loops

def for_one_arg(x):
    s = 1.0
    for i in range(4):
        s = s * x + i
    return s


def for_two_args(x):
    s = x
    for i in range(2, 5):
        s = s * math.cos(i * x)
    return s


def for_three_args(x):
    s = 0.0
    for i in range(1, 10, 3):
        s = s + x ** i
    return s


def for_negative_step(x):
    s = x
    for i in range(5, 0, -2):
        s = math.sin(s) * i
    return s


def for_zero_trip(x, n):
    s = x * x
    for i in range(n):
        s = s * x
    return s


def for_int_bounds(x, a, b):
    s = x
    for i in range(a, b):
        s = s + x * i
    return s


def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i + 1):
            s = s + math.sin(x * j) * i
    return s


def loop_break(x):
    s = x
    for i in range(10):
        s = s * 1.5
        if s > 20.0:
            break
    return s


def loop_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x * i
    return s


def return_in_loop(x):
    s = x
    for i in range(10):
        s = s * x
        if s > 5.0:
            return s + i
    return -s


def break_in_if_in_nested(x):
    s = 0.0
    for i in range(4):
        for j in range(5):
            if s > 3.0 * (i + 1):
                break
            s = s + x * (j + 1)
    return s


def several_carried(x, y):
    a = x
    b = y
    c = 0.0
    for i in range(5):
        a, b = b, a + b
        c = c + a * x
    return a + b * c


def int_accumulator(x, n):
    s = 0
    for i in range(n):
        s += x
    return s * x


# ------------------------------------------------------------------ while loops

def while_simple(x):
    n = 0
    while n < 4:
        x = x * 0.5 + 1.0
        n += 1
    return x


def while_value_dependent(x):
    # the trip count depends on x itself
    y = x
    while y < 100.0:
        y = y * 1.7 + x
    return y


def newton_sqrt(a):
    x = a
    for i in range(30):
        x = 0.5 * (x + a / x)
    return x


def newton_sqrt_while(a):
    x = a
    k = 0
    while k < 30:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def recurrence(x, w):
    for i in range(1000):
        x = x + RATE * math.sin(x) * w
    return x


def while_break(x):
    s = x
    while True:
        s = s * 2.0
        if s > 50.0:
            break
    return s


# ------------------------------------------------------------------ calls and constants

def helper(u, v):
    return u * math.exp(v) - OFFSET


def calls_helper(x, y):
    return helper(x, y) * helper(y, x)


def relu_net(x, w):
    h = relu(w * x + 1.0)
    return h * h


# ------------------------------------------------------------------ minimal reproducers of bugs

def loop_init_is_param(x, n):
    s = x
    for i in range(n):
        s = s + x
    return s


def return_in_loop_simple(x):
    s = 1.0
    for i in range(10):
        s = s * x
        if s > 5.0:
            return s
    return s


def while_copy_of_param(x):
    y = x * 1.0
    while y < 100.0:
        y = y * 1.7 + x
    return y


def branch_times_value(x, y):
    s = 0.25 + x
    if x > 0.0:
        r = x + math.cos(y)
    else:
        r = y
    return r * s
