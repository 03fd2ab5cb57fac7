"""A module made from source text, for the tests of what flatgrad rejects (it reads a
function's source, so the function must live in a file)."""
import importlib.util


def module_from(tmp_path, name: str, text: str):
    """Import ``text`` written to ``tmp_path/name.py``."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
