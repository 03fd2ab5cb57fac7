"""jinja2 templates laying out generated modules, one per target."""
