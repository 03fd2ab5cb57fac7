"""The pseudo-inverse as users call it: tall, wide and square matrices, least squares."""
import numpy as np

rng = np.random.default_rng(4)
B = rng.normal(size=(4, 3))
y = rng.normal(size=4)

def f_tall(w):
    A = B + np.outer(np.ones(4), w)
    return np.sum(np.linalg.pinv(A) ** 2)

def f_wide(w):
    A = (B + np.outer(np.ones(4), w)).T
    return np.sum(np.linalg.pinv(A) @ np.arange(3.0))

def f_lstsq(w):
    A = B * w
    coef = np.linalg.pinv(A) @ y
    return np.sum((A @ coef - y) ** 2) + np.sum(coef ** 2)

def f_square(w):
    A = np.eye(3) * 2 + np.outer(w, w)
    return np.sum(np.linalg.pinv(A) * np.arange(9.0).reshape(3, 3))
FUNCS = [f_tall, f_wide, f_lstsq, f_square]
