"""A module holding a generator that random_funcs reads as ``random_data.GEN``."""
import numpy as np

GEN = np.random.default_rng(0)
