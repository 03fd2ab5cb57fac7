"""RESULTS.md and README's table are made from bench/results.json: a partial run rewrites only its
own sections, each section keeps the stamp of the run that measured it, and the README's table
is what bench/readme.py makes of the last full run (a typed edit fails here)."""
from dataclasses import replace

from bench import readme, report, store
from bench.harness import CaseResult, CaseSpec, Config, Row

CFG = Config(quick=True)


def _case(name, group, seconds):
    spec = CaseSpec(name, group, None)
    res = CaseResult(f"Title of {name}", "what it measures",
                     [Row("hand-written reference", 1.0, reference=True),
                      Row("flatgrad grad (cpu)", seconds), Row("JAX jit(grad)", 2 * seconds)])
    return spec, res


def _stamp(date, command):
    return {"date": date, "command": command, "machine": "a test machine, 2 logical cores",
            "load": "0.00 0.00 0.00", "python": "3.11", "versions": "flatgrad 0, numpy 2, numba 0",
            "peers": "jax 0", "repeats": "5"}


def test_a_partial_run_rewrites_only_its_sections():
    a, b = _case("scalar_sigmoid", "scalar", 1.1), _case("arrays_mlp", "arrays", 0.9)
    data = store.merge({}, [a, b], _stamp("2026-01-01 10:00 UTC", "python bench/run.py"),
                       full=True, order=["scalar_sigmoid", "arrays_mlp"])
    b2 = (b[0], replace(b[1], rows=[Row("hand-written reference", 1.0, reference=True),
                                    Row("flatgrad grad (cpu)", 0.5)]))
    data = store.merge(data, [b2], _stamp("2026-02-02 11:00 UTC", "python bench/run.py --only arrays"),
                       full=False, order=["scalar_sigmoid", "arrays_mlp"])
    assert data["cases"]["scalar_sigmoid"]["stamp"]["date"] == "2026-01-01 10:00 UTC"
    assert data["cases"]["arrays_mlp"]["stamp"]["date"] == "2026-02-02 11:00 UTC"
    # the full run is kept as it was: the README quotes it, not the later partial run
    assert data["full_run"]["stamp"]["date"] == "2026-01-01 10:00 UTC"
    assert store.result(data["full_run"]["cases"]["arrays_mlp"]).rows[1].seconds == 0.9
    stamped = {n: {"group": e["group"], "stamp": e["stamp"], "res": store.result(e)}
               for n, e in data["cases"].items()}
    text = report.markdown([b2], "python bench/run.py --only arrays", CFG, stamped)
    sections = text.split("\n## ")[1:]
    assert [s.splitlines()[0] for s in sections] == ["Title of scalar_sigmoid", "Title of arrays_mlp"]
    assert "2026-01-01 10:00 UTC" in sections[0] and "2026-02-02" not in sections[0]
    assert "2026-02-02 11:00 UTC" in sections[1] and "`python bench/run.py --only arrays`" in sections[1]
    assert "0.50×" in sections[1]


def test_store_round_trips_through_json(tmp_path):
    a = _case("scalar_sigmoid", "scalar", 1.25)
    data = store.merge({}, [a], _stamp("2026-01-01 10:00 UTC", "c"), full=True, order=["scalar_sigmoid"])
    path = tmp_path / "results.json"
    store.save(data, path)
    back = store.result(store.load(path)["cases"]["scalar_sigmoid"])
    assert back == a[1]


def test_readme_table_quotes_the_full_run():
    a, b = _case("scalar_sigmoid", "scalar", 1.25), _case("arrays_mlp", "arrays", 0.75)
    data = store.merge({}, [a, b], _stamp("2026-01-01 10:00 UTC", "python bench/run.py"),
                       full=True, order=["scalar_sigmoid", "arrays_mlp"])
    block = readme.table(data)
    assert block.startswith(readme.BEGIN) and block.endswith(readme.END)
    neuron = next(line for line in block.splitlines() if line.startswith("| sigmoid neuron"))
    assert neuron.split(" | ")[1:3] == ["1.25×", "2.50×"]
    mlp = next(line for line in block.splitlines() if line.startswith("| MLP"))
    assert "0.75× (cpu)" in mlp
    text = f"intro\n{readme.BEGIN}\nold typed table\n{readme.END}\nafter\n"
    assert readme.replace_block(text, block) == f"intro\n{block}\nafter\n"


def test_readme_table_is_generated_not_typed():
    """README.md's table is exactly what bench/readme.py makes of bench/results.json."""
    text = readme.README.read_text()
    start, end = text.index(readme.BEGIN), text.index(readme.END) + len(readme.END)
    assert text[start:end] == readme.table(store.load()), \
        "README's bench table differs from bench/results.json: run `python bench/run.py --readme`"
