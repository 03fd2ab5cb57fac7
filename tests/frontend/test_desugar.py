"""The frontend's AST -> AST rewrites (compiler/frontend/desugar/): each on small programs,
its output read back with ast.unparse. End to end they are covered by the lowering tests."""
import ast
import textwrap

from flatgrad.compiler.frontend.desugar.exits import exit_of, exits_to_flags, guard_of, loop_flags
from flatgrad.compiler.frontend.desugar.generators import collected, interleaving, is_generator
from flatgrad.compiler.frontend.desugar.index_loop import index_loop
from flatgrad.compiler.frontend.desugar.init import constructor
from flatgrad.compiler.frontend.desugar.peel import peel_first_trip
from flatgrad.compiler.frontend.desugar.private import private_text
from flatgrad.compiler.frontend.desugar.rename import Renamer
from flatgrad.compiler.frontend.desugar.sum_loop import accumulating_loop, target_names
from flatgrad.compiler.frontend.desugar.unroll import item_of, unrolled_loop


def _stmt(text):
    return ast.parse(textwrap.dedent(text)).body[0]


def _expr(text):
    return ast.parse(text, mode="eval").body


def _same(tree, text):
    assert ast.unparse(tree) == textwrap.dedent(text).strip()


def test_sum_of_a_generator_becomes_an_accumulating_loop():
    gen = _expr("sum(x[i] ** 2 for i in range(n) if x[i] > 0 if i != 2)").args[0]
    loop = accumulating_loop(gen, "acc", {"i": "c1"})
    _same(loop, """
        for c1 in range(n):
            if x[c1] > 0:
                if c1 != 2:
                    acc = acc + x[c1] ** 2
        """)
    # the generator itself is left as it was (the rewrite works on copies)
    assert ast.unparse(gen) == "(x[i] ** 2 for i in range(n) if x[i] > 0 if i != 2)"


def test_sum_loop_renames_tuple_targets_and_keeps_other_names():
    gen = _expr("sum(a * b for a, b in zip(x, y))").args[0]
    assert target_names(gen.generators[0].target) == ["a", "b"]
    _same(accumulating_loop(gen, "s", {"a": "p", "b": "q"}), """
        for p, q in zip(x, y):
            s = s + p * q
        """)


def test_a_loop_over_rows_becomes_a_loop_over_an_index():
    s = _stmt("""
        for row in M:
            t = t + row
        """)
    _same(index_loop(s, "values", ["it1"], "k2"), """
        for k2 in range(len(it1)):
            row = it1[k2]
            t = t + row
        """)


def test_enumerate_and_zip_over_arrays():
    s = _stmt("""
        for i, row in enumerate(M):
            t = t + i * row
        """)
    _same(index_loop(s, "enumerate", ["it1"], "k"), """
        for k in range(len(it1)):
            i = k
            row = it1[k]
            t = t + i * row
        """)
    s = _stmt("""
        for a, b in zip(x, y):
            t = t + a * b
        """)
    _same(index_loop(s, "zip", ["it1", "it2"], "k"), """
        for k in range(min(len(it1), len(it2))):
            a, b = (it1[k], it2[k])
            t = t + a * b
        """)


def test_reversed_sources_and_enumerate_of_zip():
    s = _stmt("""
        for i, (a, b) in enumerate(zip(x, reversed(y))):
            t = t + i * a * b
        """)
    _same(index_loop(s, "enumerate zip", ["it1", "it2"], "k", [False, True]), """
        for k in range(min(len(it1), len(it2))):
            i = k
            a, b = (it1[k], it2[len(it2) - 1 - k])
            t = t + i * a * b
        """)
    s = _stmt("""
        for row in reversed(M):
            t = t + row
        """)
    _same(index_loop(s, "values", ["it1"], "k", [True]), """
        for k in range(len(it1)):
            row = it1[len(it1) - 1 - k]
            t = t + row
        """)


def test_library_text_gets_private_names_at_the_call():
    call = _expr("np.polyval(p, x)")
    call.lineno, call.col_offset = 7, 4
    tree, renames = private_text("""
        acc = 0.0 * x
        for c in p:
            acc = acc * x + c
        len(p) + acc
        """, call, {"p": None, "x": None})
    _same(tree, """
        _fg_acc = 0.0 * _fg_x
        for _fg_c in _fg_p:
            _fg_acc = _fg_acc * _fg_x + _fg_c
        len(_fg_p) + _fg_acc
        """)
    assert renames == {"acc": "_fg_acc", "x": "_fg_x", "c": "_fg_c", "p": "_fg_p"}
    assert {(n.lineno, n.col_offset) for n in ast.walk(tree) if hasattr(n, "lineno")} == {(7, 4)}


def test_renamer_renames_loads_and_stores():
    tree = Renamer({"a": "b"}).visit(ast.parse("a = a + c"))
    assert ast.unparse(tree) == "b = b + c"
    assert isinstance(tree.body[0].targets[0].ctx, ast.Store)


def _flags(text):
    """``exits_to_flags`` of the body of the function in ``text``, read back."""
    fn = _stmt(text)
    before = ast.dump(fn)
    out = exits_to_flags(fn.body)
    assert ast.dump(fn) == before       # the pass builds new statements, it changes none
    return ast.Module(body=out, type_ignores=[])


def test_break_inside_if_sets_the_loops_flag_and_guards_the_rest_of_the_trip():
    _same(_flags("""
        def f(x, n):
            s = 0.0
            for i in range(n):
                if x[i] > 2.0:
                    break
                s = s + x[i]
            return s
        """), """
        s = 0.0
        $brk1 = False
        for i in range(n):
            if x[i] > 2.0:
                $brk1 = True
            if not $brk1:
                s = s + x[i]
        $retval = s
        $ret = True
        """)


def test_nested_loops_each_have_their_own_flags():
    # the inner continue guards only the inner trip; the outer break the outer one
    _same(_flags("""
        def f(x):
            s = 0.0
            for i in range(3):
                for j in range(3):
                    if j == i:
                        continue
                    s = s + x[j]
                if s > 4.0:
                    break
                s = s * 0.5
            return s
        """), """
        s = 0.0
        $brk1 = False
        for i in range(3):
            for j in range(3):
                $cont2 = False
                if j == i:
                    $cont2 = True
                if not $cont2:
                    s = s + x[j]
            if s > 4.0:
                $brk1 = True
            if not $brk1:
                s = s * 0.5
        $retval = s
        $ret = True
        """)


def test_while_with_continue_resets_its_flag_every_trip():
    _same(_flags("""
        def f(x):
            k = 0
            while k < 5:
                k = k + 1
                if x > k:
                    continue
                x = x * 0.5
            return x
        """), """
        k = 0
        while k < 5:
            $cont1 = False
            k = k + 1
            if x > k:
                $cont1 = True
            if not $cont1:
                x = x * 0.5
        $retval = x
        $ret = True
        """)


def test_return_inside_a_loop_guards_the_rest_of_the_function():
    _same(_flags("""
        def f(x):
            for i in range(4):
                x = x * 1.5
                if x > 3.0:
                    return x - i
            y = x + 1.0
            return y
        """), """
        $ret = False
        for i in range(4):
            x = x * 1.5
            if x > 3.0:
                $retval = x - i
                $ret = True
        if not $ret:
            y = x + 1.0
            $retval = y
            $ret = True
        """)


def test_return_in_both_branches_and_break_with_continue_in_one_if():
    _same(_flags("""
        def f(x):
            if x > 0:
                return x
            else:
                return -x
        """), """
        $ret = False
        if x > 0:
            $retval = x
            $ret = True
        else:
            $retval = -x
            $ret = True
        """)
    # a statement that may set several flags: the rest runs if none is set
    _same(_flags("""
        def f(x):
            while True:
                if x > 5.0:
                    break
                elif x < -5.0:
                    return x
                else:
                    x = x * 2.0
                    continue
                x = 0.0
            return x
        """), """
        $ret = False
        $brk1 = False
        while True:
            $cont1 = False
            if x > 5.0:
                $brk1 = True
            elif x < -5.0:
                $retval = x
                $ret = True
            else:
                x = x * 2.0
                $cont1 = True
            if not ($ret or $brk1 or $cont1):
                x = 0.0
        if not $ret:
            $retval = x
            $ret = True
        """)


def test_a_statement_after_an_exit_is_left_for_the_lowerer_to_report():
    # it can never run; the Lowerer says so at its own position
    out = _flags("""
        def f(x):
            return x
            y = 2.0
        """)
    _same(out, """
        $retval = x
        $ret = True
        y = 2.0
        """)
    assert out.body[2].lineno == 4
    # a bare return is an error: it stays, for the Lowerer to report where it is met
    _same(_flags("""
        def f(x):
            if x > 0:
                return
            return x
        """), """
        $ret = False
        if x > 0:
            return
        if not $ret:
            $retval = x
            $ret = True
        """)


def test_nested_defs_and_loops_without_exits_are_left_as_they_are():
    fn = _stmt("""
        def f(x):
            def g(y):
                if y > 0:
                    return y
                return -y
            for i in range(3):
                x = g(x)
            return x
        """)
    out = exits_to_flags(fn.body)
    assert out[0] is fn.body[0] and out[1] is fn.body[1]     # the def returns for itself


def test_the_lowerer_reads_the_flags_back():
    out = _flags("""
        def f(x):
            for i in range(3):
                for j in range(3):
                    if j > i:
                        break
                    x = x + 1.0
                if x > 5.0:
                    return x
                if x < 0.0:
                    continue
                x = x * 2.0
            return x
        """).body
    outer = out[1]
    assert isinstance(outer, ast.For)
    # the outer loop: its continue, a return inside it; the inner loop's break is its own
    flags = loop_flags(outer.body)
    assert (flags.brk, flags.cont, flags.ret) == (None, "$cont1", True)
    assert flags.exits == {"continue", "return"}
    inner = outer.body[2]
    assert loop_flags(inner.body).brk == "$brk2" and not loop_flags(inner.body).ret
    assert exit_of(out[-1].body[-1]) == "$ret" and exit_of(out[-1].body[0]) is None
    assert guard_of(out[-1]) == ["$ret"]
    assert guard_of(_stmt("if not x:\n    y = 1")) is None     # the user's own test


def test_a_loop_over_known_values_is_unrolled():
    s = _stmt("""
        for w in ws:
            out.append(w * x)
        """)
    items = [item_of("it1", k, s.iter) for k in range(3)]
    _same(ast.Module(body=unrolled_loop(s, items), type_ignores=[]), """
        w = it1[0]
        out.append(w * x)
        w = it1[1]
        out.append(w * x)
        w = it1[2]
        out.append(w * x)
        """)
    assert unrolled_loop(s, []) == []


def test_an_unrolled_loop_that_may_return_runs_later_trips_only_if_it_did_not():
    loop = _flags("""
        def f(x, ws):
            for i, w in ws:
                if w > x:
                    return w
                x = x + i
            return x
        """).body[1]
    items = [item_of("it1", k, loop.iter) for k in range(3)]
    _same(ast.Module(body=unrolled_loop(loop, items[:2]), type_ignores=[]), """
        i, w = it1[0]
        if w > x:
            $retval = w
            $ret = True
        if not $ret:
            x = x + i
        if not $ret:
            i, w = it1[1]
            if w > x:
                $retval = w
                $ret = True
            if not $ret:
                x = x + i
        """)
    # each later trip sits inside the guard after the one before
    three = unrolled_loop(loop, items)
    assert ast.unparse(three[-1].body[-1].body[0]) == "i, w = it1[2]"
    # a body that always returns runs once
    loop = _flags("""
        def f(x, ws):
            for w in ws:
                x = x * w
                return x
        """).body[1]
    _same(ast.Module(body=unrolled_loop(loop, items), type_ignores=[]), """
        w = it1[0]
        x = x * w
        $retval = x
        $ret = True
        """)


def test_peeling_the_first_trip_of_a_constant_range():
    s = _stmt("""
        for i in range(0, 6, 2):
            t = x * i
            s = s + t
        """)
    first, rest = peel_first_trip(s, 0, 6, 2)
    _same(ast.Module(body=first + [rest], type_ignores=[]), """
        i = 0
        t = x * i
        s = s + t
        for i in range(2, 6, 2):
            t = x * i
            s = s + t
        """)
    # counting down; and a range of one value leaves no loop
    first, rest = peel_first_trip(s, 3, -1, -2)
    assert ast.unparse(first[0]) == "i = 3" and ast.unparse(rest.iter) == "range(1, -1, -2)"
    first, rest = peel_first_trip(s, 4, 5, 1)
    assert rest is None and ast.unparse(first[0]) == "i = 4"
    assert ast.unparse(s.iter) == "range(0, 6, 2)"       # the loop itself is left as it was


def test_a_generator_returns_the_list_of_its_yields():
    gen = _stmt("""
        def unpack(w, shapes):
            "layers"
            for m, n in shapes:
                if m == 0:
                    return
                yield w[:m * n].reshape(m, n)
                w = w[m * n:]
            yield from tail(w)

            def inner():
                yield 1
                return 2
        """)
    assert is_generator(gen)
    _same(collected(gen), """
        def unpack(w, shapes):
            \"\"\"layers\"\"\"
            _fg_yielded = []
            for m, n in shapes:
                if m == 0:
                    return _fg_yielded
                _fg_yielded.append(w[:m * n].reshape(m, n))
                w = w[m * n:]
            for _fg_item in tail(w):
                _fg_yielded.append(_fg_item)

            def inner():
                yield 1
                return 2
            return _fg_yielded
        """)
    assert collected(gen) is collected(gen)            # one tree per def
    assert "yield w[:m * n]" in ast.unparse(gen)       # the def itself is left as it was
    assert not is_generator(_stmt("def f(x):\n    g = lambda: (yield)\n    return x"))


def test_loop_bodies_that_could_change_what_a_generator_reads():
    gen = _stmt("""
        def scaled(s):
            for v in x:
                yield v * s * k
        """)
    call = _expr("scaled(a)")
    body = lambda text: ast.parse(textwrap.dedent(text)).body      # noqa: E731
    assert interleaving(body("t = t + v"), gen, call) is None
    assert interleaving(body("z[0] = v"), gen, call)[0] == "z"     # any item write
    assert interleaving(body("k = k * 2"), gen, call)[0] == "k"    # a name it reads
    assert interleaving(body("a += v"), gen, call)[0] == "a"       # in place, passed in
    assert interleaving(body("a = a + v"), gen, call) is None      # a new value: not seen
    assert interleaving(body("k = 1"), None, call) is None         # a module-level one


def test_an_init_returns_the_dict_of_what_it_sets():
    init = _stmt("""
        def __init__(self, W, b=None):
            self.W = W
            if b is None:
                return
            self.b = b * self.gain + self.W

            def inner(self):
                return self.W
        """)
    _same(constructor(init), """
        def __init__(self, W, b=None):
            _fg_self = {}
            _fg_self['W'] = W
            if b is None:
                return _fg_self
            _fg_self['b'] = b * self.gain + _fg_self['W']

            def inner(self):
                return self.W
            return _fg_self
        """)
