"""Batches in parallel for real: `workers=2` (two cleaning processes, through the library
loop and through the flow's `--workers 2`) and `--dask ADDRESS` (a local Dask cluster in
its own processes) give the same files as the one-process library loop, cross-document
duplicates included."""
import os
import subprocess
import sys

from conftest import ROOT
from pipeline.options import Options
from pipeline.runner import run
from test_incremental import assert_consistent, same_files

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def cli(*args, state):
    # The session's shared Prefect server (conftest.py): what is tested is the batches'
    # parallel cleaning, not a run's own server.
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state)}
    env.pop("PREFECT_HOME", None)
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, capture_output=True, text=True, timeout=600)


def test_workers_and_dask_match_the_library_loop(tmp_path):
    inputs = tmp_path / "in"
    generate(40, inputs, seed=2, duplicate_every=10)  # duplicates land in different batches
    reference = tmp_path / "reference"
    summary = run([str(inputs)], reference, Options(batch_size=5))
    assert summary.duplicates >= 3

    parallel = run([str(inputs)], tmp_path / "library2", Options(batch_size=5, workers=2))
    assert parallel.to_dict() | {"seconds": 0} == summary.to_dict() | {"seconds": 0, "out": parallel.out}
    same_files(tmp_path / "library2", reference)

    done = cli("run", str(inputs), "--out", str(tmp_path / "workers"), "--workers", "2", "--batch-size", "5",
               state=tmp_path / "s1")
    assert done.returncode == 0, done.stderr
    assert_consistent(tmp_path / "workers")
    same_files(tmp_path / "workers", reference)

    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done = cli("run", str(inputs), "--out", str(tmp_path / "dask"), "--dask", cluster.scheduler_address,
                   "--batch-size", "5", state=tmp_path / "s2")
    assert done.returncode == 0, done.stderr
    same_files(tmp_path / "dask", reference)
