"""flatgrad's benchmark suite: run ``python bench/run.py [--quick] [--only NAME]``."""
