"""The on-disk cache of generated modules.

Each module is a real ``.py`` file named by a key that hashes everything that
decides its text: the function's code and default arguments and those of the
functions it calls, the values it reads (globals, closure cells, module attribute
chains such as ``cfg.K``), the request, the argument types, and flatgrad's own
compiler sources. Files are written atomically (temp file + rename) and end with a
checksum line; a file whose checksum does not match is rebuilt, never trusted, and a
module is executed from the text that was checked (never from bytecode next to it).
Because the module is a real file, Numba's ``cache=True`` works across processes
and tracebacks point at real lines.

The cache is never a reason for a call to fail: a cache directory that cannot be
created or written, or an entry path that is taken, sends the module to a temporary
directory (else to memory, without Numba's cache) with one :class:`CacheWarning`;
damaged Numba index or data files are deleted and the function recompiled.
"""
from __future__ import annotations

import atexit
import dis
import functools
import hashlib
import linecache
import marshal
import os
import shutil
import sys
import tempfile
import threading
import types
import warnings
from pathlib import Path

import numpy as np

from .. import compiler, templates
from ..compiler.errors import CompileError
from ..compiler.objects import attributes, is_user_object
from . import forksafe

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
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for root in (Path(compiler.__file__).resolve().parent, Path(templates.__file__).resolve().parent):
            for p in sorted(root.rglob("*")):
                if p.suffix in (".py", ".j2"):
                    h.update(p.read_bytes())
        for name in ("support.py", "numba_ext.py", "hugepages.py", "tiers.py"):   # tiers: the profile line
            h.update((here / name).read_bytes())
        h.update(os.environ.get("FLATGRAD_COPIES", "").encode())   # which copy decisions
        _compiler_hash = h.hexdigest()
    return _compiler_hash


def fingerprint(fn, h=None, seen=None) -> str:
    """Hash of everything ``fn``'s compiled code can read: its code and default arguments, the
    values of the names it reads (globals and closure cells; numbers, tuples of them, NumPy
    scalars, the functions it calls, recursively), the module attribute chains it follows
    (``cfg.K``, ``helpers.h``, ``a.b.c``) and the keys of the objects that lower themselves
    (``__flatgrad_key__``, looked up on the type)."""
    top = h is None
    h = h or hashlib.sha256()
    seen = seen if seen is not None else set()
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        return ""
    if fn in seen:
        h.update(b"<seen>")
        return ""
    seen.add(fn)
    h.update(marshal.dumps(code))
    h.update(b"defaults")
    _hash_value(getattr(fn, "__defaults__", None), h, seen)
    _hash_value(getattr(fn, "__kwdefaults__", None), h, seen)
    glob = getattr(fn, "__globals__", None) or {}
    cells = {}
    if fn.__closure__:
        cells = {n: c.cell_contents for n, c in zip(code.co_freevars, fn.__closure__)
                 if _has_contents(c)}

    def lookup(name):
        return cells[name] if name in cells else glob.get(name, _MISSING)

    for name in _names(code):
        h.update(f"\0{name}=".encode())
        _hash_value(lookup(name), h, seen)
    for chain in _chains(code):
        v = lookup(chain[0])
        for i, attr in enumerate(chain[1:], 2):
            if not isinstance(v, types.ModuleType):
                break          # the compiler follows attributes of modules only
            try:
                v = getattr(v, attr)
            except Exception:  # noqa: BLE001 - a missing attribute is a CompileError later
                v = _MISSING
            h.update(f"\0{'.'.join(chain[:i])}=".encode())
            _hash_value(v, h, seen)
    return h.hexdigest() if top else ""


_MISSING = object()
_hooks = threading.local()   # the objects whose __flatgrad_key__ is being computed, per thread


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


@functools.lru_cache(maxsize=4096)
def _names(code) -> tuple[str, ...]:
    names = set(code.co_names) | set(code.co_freevars)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names.update(_names(c))
    return tuple(sorted(names))


_ROOTS = frozenset(("LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME", "LOAD_CLASSDEREF",
                    "LOAD_FROM_DICT_OR_DEREF", "LOAD_FROM_DICT_OR_GLOBALS"))
_ATTRS = frozenset(("LOAD_ATTR", "LOAD_METHOD"))


@functools.lru_cache(maxsize=4096)
def _chains(code) -> tuple[tuple[str, ...], ...]:
    """The attribute chains ``code`` (and code nested in it) follows from a global or closure
    name: ``cfg.K`` gives ``("cfg", "K")``, ``np.linalg.norm`` ``("np", "linalg", "norm")``."""
    found: set[tuple[str, ...]] = set()
    chain: list[str] | None = None
    for ins in dis.get_instructions(code):
        if ins.opname in _ATTRS and chain is not None and isinstance(ins.argval, str):
            chain.append(ins.argval)
            found.add(tuple(chain))
            continue
        chain = [ins.argval] if ins.opname in _ROOTS and isinstance(ins.argval, str) else None
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            found.update(_chains(c))
    return tuple(sorted(found))


def _hash_object(v, h, seen, depth: int) -> None:
    """A plain user object the compiler reads (compiler/objects.py): its class's methods and
    every attribute (its arrays by dtype and ndim: they are inputs of the compiled code)."""
    if ("obj", id(v)) in seen:
        h.update(b"<seen object>")
        return
    seen.add(("obj", id(v)))
    cls = type(v)
    h.update(f"O{cls.__module__}.{cls.__qualname__}(".encode())
    for klass in cls.__mro__[:-1]:        # the methods (and constants) of every class but object
        for name in sorted(vars(klass)):
            if name in ("__dict__", "__weakref__"):
                continue
            attr = vars(klass)[name]
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            elif isinstance(attr, property):
                attr = attr.fget
            h.update(f"\0{klass.__qualname__}.{name}=".encode())
            _hash_value(attr, h, seen, depth + 1)
    for name in attributes(v):
        h.update(f"\0.{name}=".encode())
        _hash_value(v.__dict__[name], h, seen, depth + 1)
    h.update(b")")         # (kept in seen: an object shared by many paths is hashed once,
                           # not once per path, which grows exponentially with depth)


def _hash_value(v, h, seen, depth: int = 0) -> None:
    if depth > 16:
        h.update(b"<deep>")
    elif isinstance(v, types.FunctionType):
        h.update(b"F")
        fingerprint(v, h, seen)
    elif v is _MISSING:
        h.update(b"<missing>")
    elif v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
        h.update(repr((type(v).__name__, v)).encode())
    elif isinstance(v, np.generic):
        h.update(repr((type(v).__name__, v.dtype.str, v.tobytes())).encode())
    elif isinstance(v, np.ndarray):
        # arrays a function reads from its module or closure are passed to the compiled code
        # at each call, never baked in: the code depends on their dtype and ndim only
        h.update(repr(("ndarray", v.dtype.str, v.ndim)).encode())
    elif isinstance(v, (tuple, list)):
        h.update(f"{type(v).__name__}({len(v)}".encode())
        for e in v:
            _hash_value(e, h, seen, depth + 1)
        h.update(b")")
    elif isinstance(v, dict):
        h.update(f"dict({len(v)}".encode())
        for k in sorted(v, key=repr):
            h.update(repr(k).encode())
            _hash_value(v[k], h, seen, depth + 1)
        h.update(b")")
    elif isinstance(v, types.ModuleType):
        h.update(f"module {v.__dict__.get('__name__')!r}".encode())
    elif is_user_object(v):
        _hash_object(v, h, seen, depth)
    else:
        hook = getattr(type(v), "__flatgrad_key__", None)
        if hook is not None:
            h.update(b"K")
            h.update(_hook_key(v, hook).encode())
        else:
            # what else the compiler can use is the object's identity (a NumPy function, a
            # builtin, a class): name it
            h.update(f"{type(v).__module__}.{type(v).__qualname__}".encode())
            for attr in ("__module__", "__qualname__", "__name__"):
                try:
                    a = getattr(v, attr, None)
                except Exception:  # noqa: BLE001 - arbitrary objects may raise anything
                    a = None
                if isinstance(a, str):
                    h.update(f":{a}".encode())


def value_key(v) -> str:
    """A short, stable name of a value for cache keys: its kind and a hash of what the
    compiler can read of it (a function's fingerprint, a NumPy function's qualified name)."""
    h = hashlib.sha256()
    _hash_value(v, h, set())
    name = getattr(v, "__qualname__", None) or getattr(v, "__name__", None) or type(v).__name__
    return f"{name}#{h.hexdigest()[:16]}"


def _hook_key(v, hook) -> str:
    active = _hooks.__dict__.setdefault("ids", set())
    if id(v) in active:       # a transform whose function reads the transform itself
        return f"<recursive {type(v).__qualname__}>"
    active.add(id(v))
    try:
        key = hook(v)
    finally:
        active.discard(id(v))
    if not isinstance(key, str):
        raise CompileError(f"{type(v).__qualname__}.__flatgrad_key__() returned a "
                           f"{type(key).__name__}, not a str",
                           hint="__flatgrad_key__ must return a string that changes whenever "
                                "the code the object lowers to changes.")
    return key


def make_key(*parts) -> str:
    h = hashlib.sha256()
    h.update(compiler_hash().encode())
    h.update(sys.version.encode())
    h.update(os.environ.get("FLATGRAD_SPLIT_LINES", "").encode())   # (compiler/split.py)
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


class CacheWarning(RuntimeWarning):
    """flatgrad could not use its on-disk cache as it found it, and worked around that."""


_warned: set[str] = set()         # the kinds of problem warned about in this process
_fallback: Path | None = None     # a private temporary directory, once the cache dir fails


@forksafe.on_child
def _after_fork() -> None:
    """A forked child: the lock anew (the parent's background thread may have held it), and
    a temporary directory of its own should it need one (the parent removes its own)."""
    global _lock, _fallback
    _lock, _fallback = threading.Lock(), None


def _remove_fallback(path: Path, owner: int) -> None:
    """At exit, remove the temporary directory ``path`` if this process made it (a forked
    child inherits its parent's exit functions)."""
    if os.getpid() == owner:
        shutil.rmtree(path, True)


def _warn_once(kind: str, message: str) -> None:
    if kind not in _warned:
        _warned.add(kind)
        warnings.warn(message, CacheWarning, stacklevel=3)


def load_module(key: str, stem: str, build) -> types.ModuleType:
    """Import the module cached under ``key``, building it with ``build()`` if absent or bad.

    Never fails for the cache's sake: if the cache directory cannot be created, read or
    written (or the entry's path is taken), the module goes to a temporary directory for this
    process, else is executed from memory without Numba's cache, with one warning."""
    name = f"flatgrad_generated.{stem}_{key}"
    fname = f"{stem}_{key}.py"
    built: list[str] = []

    def text_of_build() -> str:
        if not built:
            body = build()
            built.append(body + f"# checksum: {_checksum(body)}\n")
        return built[0]

    with _lock:
        try:
            path = cache_dir() / fname
            text = _read_valid(path, key)
            if text is None:
                text = text_of_build()
                _write_atomic(path, text)
            return _import(name, path, text)
        except (OSError, RuntimeError) as e:
            # RuntimeError: Numba found no writable place for its own cache of this file
            problem = f"{type(e).__name__}: {e}"
        global _fallback
        text = text_of_build()
        try:
            if _fallback is None:
                _fallback = Path(tempfile.mkdtemp(prefix="flatgrad-"))
                atexit.register(_remove_fallback, _fallback, os.getpid())
            path = _fallback / fname
            _write_atomic(path, text)
            module = _import(name, path, text)
            where = f"a temporary directory ({_fallback})"
        except (OSError, RuntimeError):
            module = _import(name, None, text)
            where = "memory, without Numba's cache"
        _warn_once("dir", f"flatgrad cannot use its cache directory ({problem}); compiled code "
                          f"goes to {where} for this process. Point FLATGRAD_CACHE_DIR at a "
                          "writable directory to keep it across processes.")
        return module


def ensure_module(key: str, stem: str, build) -> Path | None:
    """The path of the module cached under ``key``, written with ``build()`` if absent or bad,
    without importing it (for a worker process to compile); None if the cache directory
    cannot be used."""
    with _lock:
        try:
            path = cache_dir() / f"{stem}_{key}.py"
            if _read_valid(path, key) is None:
                body = build()
                _write_atomic(path, body + f"# checksum: {_checksum(body)}\n")
            return path
        except OSError:
            return None


def _read_valid(path: Path, key: str) -> str | None:
    """The entry's text if it is there and intact, else None (unreadable counts as absent:
    writing it shows whether the place is usable)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _valid(text, key) else None


def _import(name: str, path: Path | None, text: str) -> types.ModuleType:
    """The module for ``text``, executed from that text (never from bytecode files next to it):
    from the file at ``path`` as far as Numba and tracebacks can tell, or from memory."""
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__flatgrad_text__", None) == text:
        return module
    if path is None:
        filename = f"<flatgrad-generated {name}>"
        source = text.replace("cache=True", "cache=False")
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    else:
        filename, source = str(path), text
    module = types.ModuleType(name)
    module.__file__ = filename
    module.__flatgrad_text__ = text
    exec(compile(source, filename, "exec"), module.__dict__)
    for v in list(vars(module).values()):
        if type(v).__module__.startswith("numba"):
            _guard_numba_cache(v)
    sys.modules[name] = module
    return module


def _guard_numba_cache(dispatcher) -> None:
    """Make damaged Numba cache files (truncated, garbage, from a crashed writer) cost a
    recompilation, never the call: a failing load discards this function's index and data
    files and reports a miss; a failing save is dropped."""
    c = getattr(dispatcher, "_cache", None)
    cfile = getattr(c, "_cache_file", None)
    if cfile is None or getattr(c, "_flatgrad_guarded", False):
        return
    load, save = c.load_overload, c.save_overload

    def load_overload(sig, target_context):
        try:
            return load(sig, target_context)
        except Exception as e:  # noqa: BLE001 - whatever a damaged file makes pickle raise
            _discard_numba_files(c, cfile, e)
            return None

    def save_overload(sig, data):
        try:
            save(sig, data)
        except Exception as e:  # noqa: BLE001 - the compiled code works without the file
            _discard_numba_files(c, cfile, e)

    c.load_overload, c.save_overload = load_overload, save_overload
    c._flatgrad_guarded = True


def _discard_numba_files(c, cfile, error: Exception) -> None:
    index = getattr(cfile, "_index_name", "")
    folder = getattr(cfile, "_cache_path", "")
    base = index[: -len(".nbi")]
    removed = bool(index and folder)
    try:
        names = os.listdir(folder) if removed else []
    except OSError:
        names, removed = [], False
    for n in names:
        if n == index or (n.startswith(base + ".") and n.endswith(".nbc")):
            try:
                os.unlink(os.path.join(folder, n))
            except FileNotFoundError:
                pass
            except OSError:
                removed = False
    if not removed:
        c.disable()            # this process compiles without the files from now on
    _warn_once("numba", f"flatgrad discarded damaged Numba cache files in {folder} "
                        f"({type(error).__name__}: {error}) and recompiled.")


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
            if not ln.startswith(("# key:", "# checksum:", "__flatgrad_lines__ = ",
                                  "__flatgrad_captures__ = ", "__flatgrad_profile__ = ",
                                  "__flatgrad_draws__ = "))]
    return "\n".join(keep).strip("\n") + "\n"
