"""Module-level data, as a scipy user keeps it."""
import numpy as np

X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
y = np.array([1.0, 0.0, 2.0])
