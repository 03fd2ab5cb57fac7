"""The on-disk cache of generated modules.

Each module is a real ``.py`` file named by a key that hashes everything that
decides its text: the function's code and that of the functions it calls, the
numeric globals it reads, the request, the argument types, and flatgrad's own
compiler sources. Files are written atomically (temp file + rename) and end with a
checksum line; a file whose checksum does not match is rebuilt, never trusted.
Because the module is a real file, Numba's ``cache=True`` works across processes
and tracebacks point at real lines.
"""
from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
import threading
import types
from pathlib import Path

_lock = threading.Lock()
_compiler_hash: str | None = None


def cache_dir() -> Path:
    """``$FLATGRAD_CACHE_DIR``, else the user cache dir (``$XDG_CACHE_HOME/flatgrad``)."""
    d = os.environ.get("FLATGRAD_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "flatgrad")
    path = Path(d)
    path.mkdir(parents=True, exist_ok=True)
    return path


def compiler_hash() -> str:
    """A hash of flatgrad's compiler, templates and runtime support sources."""
    global _compiler_hash
    if _compiler_hash is None:
        from .. import compiler, templates
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for root in (Path(compiler.__file__).resolve().parent, Path(templates.__file__).resolve().parent):
            for p in sorted(root.rglob("*")):
                if p.suffix in (".py", ".j2"):
                    h.update(p.read_bytes())
        for name in ("support.py", "numba_ext.py"):
            h.update((here / name).read_bytes())
        _compiler_hash = h.hexdigest()
    return _compiler_hash


def fingerprint(fn, h=None, seen=None) -> str:
    """Hash of ``fn``'s code, the user functions it calls and the numbers it reads."""
    top = h is None
    h = h or hashlib.sha256()
    seen = seen if seen is not None else set()
    code = getattr(fn, "__code__", None)
    if code is None or code in seen:
        return ""
    seen.add(code)
    h.update(marshal.dumps(code))
    scopes = [getattr(fn, "__globals__", {})]
    if fn.__closure__:
        scopes.insert(0, {n: c.cell_contents for n, c in zip(code.co_freevars, fn.__closure__)
                          if _has_contents(c)})
    for name in _names(code):
        for scope in scopes:
            if name in scope:
                _hash_value(scope[name], h, seen)
                break
    return h.hexdigest() if top else ""


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _names(code) -> list[str]:
    names = list(code.co_names) + list(code.co_freevars)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names += _names(c)
    return names


def _hash_value(v, h, seen) -> None:
    if isinstance(v, types.FunctionType):
        h.update(b"F")
        fingerprint(v, h, seen)
    elif isinstance(v, (bool, int, float, complex)) or type(v).__module__ == "numpy" and hasattr(v, "dtype") \
            and getattr(v, "ndim", 1) == 0:
        h.update(repr((type(v).__name__, v)).encode())
    elif hasattr(v, "__flatgrad_key__"):
        h.update(v.__flatgrad_key__().encode())


def make_key(*parts) -> str:
    h = hashlib.sha256()
    h.update(compiler_hash().encode())
    h.update(sys.version.encode())
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _valid(text: str, key: str) -> bool:
    body, sep, last = text.rstrip("\n").rpartition("\n")
    return (sep == "\n" and last == f"# checksum: {_checksum(body + chr(10))}"
            and f"# key: {key}\n" in body)


def load_module(key: str, stem: str, build) -> types.ModuleType:
    """Import the module cached under ``key``, building it with ``build()`` if absent or bad."""
    path = cache_dir() / f"{stem}_{key}.py"
    with _lock:
        text = None
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            pass
        if text is None or not _valid(text, key):
            body = build()
            text = body + f"# checksum: {_checksum(body)}\n"
            _write_atomic(path, text)
        name = f"flatgrad_generated.{stem}_{key}"
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__flatgrad_text__", None) == text:
            return module
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        module.__flatgrad_text__ = text
        spec.loader.exec_module(module)
        sys.modules[name] = module
        return module


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def readable(text: str) -> str:
    """A generated module as people read it: without the cache's bookkeeping lines."""
    keep = [ln for ln in text.splitlines()
            if not ln.startswith(("# key:", "# checksum:", "__flatgrad_lines__ = "))]
    return "\n".join(keep).strip("\n") + "\n"
