"""Event-study inputs of the HonestDiD reference test from the synthetic study.

Writes ``honestdid_synthetic_inputs.csv``: the event-study coefficients of ``childcare_u3`` in
``evaluation.datasets.synthetic_study(seed=1)`` (``event_study(leads=3, lags=3,
endpoints="drop")``, reference period -1 omitted) and their cluster-robust covariance. These
are inputs only: ``make_honestdid_reference.R`` computes the reference confidence sets from
them with R HonestDiD. Run from the repository root:

    python tests/results/make_honestdid_inputs.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import evaluation as ev

HERE = Path(__file__).parent


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ev.datasets.synthetic_study(seed=1)
        panel = study.panel("childcare_u3")
        res = ev.event_study(panel, leads=3, lags=3, endpoints="drop")
    cov = res.cov
    keys = list(cov.index)
    est = res.tidy().set_index("rel_time")["estimate"]
    rows = []
    for i, k in enumerate(keys):
        row = {"case": "synthetic", "rel_time": int(k), "betahat": f"{est[k]:.17g}"}
        for j in range(len(keys)):
            row[f"s{j + 1}"] = f"{cov.iloc[i, j]:.17g}"
        rows.append(row)
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    (HERE / "honestdid_synthetic_inputs.csv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
