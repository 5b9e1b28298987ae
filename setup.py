"""The one compiled part: the line model's tree walk in C (pipeline/linemodel/_walk.c).

Everything else is in pyproject.toml. The extension is optional: without a C compiler
(or Python's headers) the build warns and the install goes on, and the line model runs
its numpy walk, which gives the same floats (tests/test_linemodel.py)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("pipeline.linemodel._walk", ["pipeline/linemodel/_walk.c"],
                             extra_compile_args=["-O2"], optional=True)])
