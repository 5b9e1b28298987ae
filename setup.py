"""The compiled parts, in C: the line model's tree walk (pipeline/linemodel/_walk.c),
the per-character loops of a line's shape, the lexicon's literal scan and matcher and a
line's word n-grams (pipeline/linemodel/_shape.c), a body's MinHash (pipeline/_minhash.c), site
learning's line keys (pipeline/_sitekeys.c), the output's JSON text (pipeline/_jsonout.c) and
langdetect's detection trials and its n-gram rows of a sample's words (pipeline/_langtrials.c).

Everything else is in pyproject.toml. The extensions are optional: without a C compiler
(or Python's headers) the build warns and the install goes on, and the Python code runs
instead, which gives the same results (tests/test_linemodel.py, tests/test_shape_kernel.py,
tests/test_minhash_kernel.py, tests/test_jsonout_kernel.py, tests/test_langtrials_kernel.py,
tests/test_speed_round23_worker.py).
The shape kernel is the top-level module `pipeline._shape`: linewords.py, which the line
model's package imports, uses it too, and importing `pipeline.linemodel._shape` would run
that package's __init__ first (an import cycle)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension(name, [source], extra_compile_args=["-O2"], optional=True)
                   for name, source in (("pipeline.linemodel._walk", "pipeline/linemodel/_walk.c"),
                                        ("pipeline._shape", "pipeline/linemodel/_shape.c"),
                                        ("pipeline._minhash", "pipeline/_minhash.c"),
                                        ("pipeline._sitekeys", "pipeline/_sitekeys.c"),
                                        ("pipeline._jsonout", "pipeline/_jsonout.c"),
                                        ("pipeline._langtrials", "pipeline/_langtrials.c"))])
