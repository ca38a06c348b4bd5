"""cairn's benchmark suite: the standard workloads of DESIGN.md, run with ``make bench``.

    python -m bench                 # every workload at full size, ~3-5 minutes
    python -m bench --quick         # tiny sizes, to check the suite still works
    python -m bench --only W2,W3    # a selection

Benchmarks report figures; they never fail on a number. Every measurement runs in a fresh
subprocess with its own temporary ``CAIRN_DIR`` (``child.py``), so workloads do not share
threads, caches or stores. The modules here import only the standard library at the top,
because wandb's and trackio's interpreters (``bench/.venv-*``) import some of them too.
"""
