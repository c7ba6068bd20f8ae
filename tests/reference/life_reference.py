"""Reference values for `qfb fit` and the life module, from independent
implementations: lifelines 0.30 (WeibullFitter, KaplanMeierFitter) and
reliability 0.9 (Fit_Weibull_2P). Writes the data sets as CSV files under
tests/reference/life/ and their expected results to
tests/reference/life/expected.json, which tests/it/life.rs compares with
`qfb fit --json`.

    pip install lifelines==0.30.3 reliability==0.9.0 scipy
    python3 tests/reference/life_reference.py
"""
import csv
import json
import math
import os

import numpy as np
from lifelines import KaplanMeierFitter, WeibullFitter
from scipy.stats import norm

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "life")
CONF = 0.95
Z = norm.ppf(1 - (1 - CONF) / 2)


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def bounds(value, se):
    return value * math.exp(-Z * se / value), value * math.exp(Z * se / value)


def weibull(wf):
    lam, rho = wf.lambda_, wf.rho_
    var = wf.variance_matrix_
    eta_se = math.sqrt(var.loc["lambda_", "lambda_"])
    beta_se = math.sqrt(var.loc["rho_", "rho_"])
    bl, bu = bounds(rho, beta_se)
    el, eu = bounds(lam, eta_se)
    return {
        "beta": rho, "eta": lam, "beta_se": beta_se, "eta_se": eta_se,
        "beta_lower": bl, "beta_upper": bu, "eta_lower": el, "eta_upper": eu,
        "log_likelihood": wf.log_likelihood_,
        "b10": lam * (-math.log(0.9)) ** (1 / rho),
        "mttf": lam * math.gamma(1 + 1 / rho),
    }


def scipy_fit(t, e, w):
    """A plain MLE with scipy, for data that lifelines cannot fit: the
    log-likelihood written out, minimised by Nelder-Mead in (ln β, ln η)
    to 1e-13, and the observed information by Richardson-extrapolated
    central differences in (β, η)."""
    from scipy.optimize import minimize

    def ll(beta, eta):
        z = (t / eta) ** beta
        logf = np.log(beta / eta) + (beta - 1) * np.log(t / eta) - z
        return float(np.sum(w * np.where(e == 1, logf, -z)))

    res = minimize(lambda p: -ll(math.exp(p[0]), math.exp(p[1])), [0.0, math.log(t.max())],
                   method="Nelder-Mead", options={"xatol": 1e-13, "fatol": 1e-15, "maxiter": 100000, "maxfev": 200000})
    beta, eta = math.exp(res.x[0]), math.exp(res.x[1])

    def d2(i, j, h):
        p = [beta, eta]
        hs = [h * beta, h * eta]
        def f(a, b):
            q = list(p)
            q[i] += a * hs[i]
            q[j] += b * hs[j]
            return ll(*q)
        return (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * hs[i] * hs[j])

    H = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            H[i, j] = (4 * d2(i, j, 5e-4) - d2(i, j, 1e-3)) / 3
    cov = np.linalg.inv(-H)
    beta_se, eta_se = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    bl, bu = bounds(beta, beta_se)
    el, eu = bounds(eta, eta_se)
    return {
        "beta": beta, "eta": eta, "beta_se": beta_se, "eta_se": eta_se,
        "beta_lower": bl, "beta_upper": bu, "eta_lower": el, "eta_upper": eu,
        "log_likelihood": ll(beta, eta),
        "b10": eta * (-math.log(0.9)) ** (1 / beta),
        "mttf": eta * math.gamma(1 + 1 / beta),
    }


def km(times, events, weights, entry=None):
    k = KaplanMeierFitter().fit(times, events, weights=weights, entry=entry)
    table = k.event_table
    out = []
    ci = k.confidence_interval_
    for t in sorted(set(t for t, e in zip(times, events) if e)):
        out.append({
            "time": float(t),
            "at_risk": float(table.loc[t, "at_risk"]),
            "failures": float(table.loc[t, "observed"]),
            "survival": float(k.survival_function_.loc[t].iloc[0]),
            "lower": float(ci.loc[t].iloc[0]),
            "upper": float(ci.loc[t].iloc[1]),
        })
    return out


def censored(name, rows, entry_col=False):
    """rows: (time, event 1/0, count[, entry])."""
    header = ["time", "event", "count"] + (["entry"] if entry_col else [])
    write(name, header, [[r[0], "F" if r[1] else "S", r[2]] + ([r[3]] if entry_col else []) for r in rows])
    t = np.array([r[0] for r in rows], float)
    e = np.array([r[1] for r in rows], int)
    w = np.array([r[2] for r in rows], float)
    entry = np.array([r[3] for r in rows], float) if entry_col else None
    result = {"kaplan_meier": km(t, e, w, entry), "observations": int(w.sum()), "failures": int((w * e).sum())}
    try:
        result["lifelines"] = weibull(WeibullFitter().fit(t, e, weights=w, entry=entry))
    except (ValueError, ArithmeticError) as err:
        # lifelines overflows on the extreme warranty set, as the issue
        # warns; the plain scipy fit stands in.
        print(f"{name}: lifelines failed ({err}); using the scipy fit")
    if not entry_col:
        result["scipy"] = scipy_fit(t, e, w)
    if not entry_col:
        from reliability.Fitters import Fit_Weibull_2P
        failures = np.repeat(t[e == 1], w[e == 1].astype(int))
        susp = np.repeat(t[e == 0], w[e == 0].astype(int))
        try:
            f = Fit_Weibull_2P(failures=failures, right_censored=susp if len(susp) else None,
                           show_probability_plot=False, print_results=False, CI=CONF)
        except Exception as err:  # noqa: BLE001 - report and go on
            print(f"{name}: reliability failed ({err})")
            return result
        result["reliability"] = {
            "beta": f.beta, "eta": f.alpha, "beta_se": f.beta_SE, "eta_se": f.alpha_SE,
            "beta_lower": f.beta_lower, "beta_upper": f.beta_upper,
            "eta_lower": f.alpha_lower, "eta_upper": f.alpha_upper,
            "log_likelihood": f.loglik, "aicc": f.AICc, "bic": f.BIC,
        }
    return result


def interval(name, rows):
    """rows: (start, end or None, count)."""
    write(name, ["start", "end", "count"], [[a, "" if b is None else b, c] for a, b, c in rows])
    lo = np.array([a for a, b, c in rows], float)
    hi = np.array([np.inf if b is None else b for a, b, c in rows], float)
    w = np.array([c for a, b, c in rows], float)
    # lifelines wants a strictly positive lower bound for intervals from 0.
    lo_fit = np.where((lo == 0) & (hi > 0), 1e-12, lo)
    wf = WeibullFitter().fit_interval_censoring(lo_fit, hi, weights=w)
    fails = sum(c for a, b, c in rows if b is not None)
    return {"lifelines": weibull(wf), "kaplan_meier": None, "observations": int(w.sum()), "failures": int(fails)}


expected = {}
# The hand-checked Kaplan–Meier set (src/life/km.rs).
expected["km_small.csv"] = censored("km_small.csv", [(2, 1, 1), (3, 1, 1), (3, 0, 1), (5, 1, 1), (6, 0, 1), (7, 1, 1), (8, 0, 1)])

# Weibull(β = 1.8, η = 120) lives, type-I censored at 100, ties grouped.
rng = np.random.default_rng(7)
lives = np.round(120 * rng.weibull(1.8, 60))
rows = {}
for t in lives:
    key = (min(t, 100.0), 1 if t < 100 else 0)
    rows[key] = rows.get(key, 0) + 1
expected["right_counts.csv"] = censored("right_counts.csv", [(t, e, c) for (t, e), c in sorted(rows.items())])

# Warranty data at their worst: 100,000 suspensions at one age, 3 failures.
expected["warranty_extreme.csv"] = censored("warranty_extreme.csv", [(50, 1, 1), (120, 1, 1), (300, 1, 1), (365, 0, 100000)])

# Delayed entry (left truncation), as the lake's units observed from the first load.
rng = np.random.default_rng(11)
trows = []
for i in range(400):
    entry = float(rng.choice([0, 0, 30, 90]))
    life = 200 * rng.weibull(2.2)
    if life <= entry:
        continue  # failed before observation began: never seen
    end = entry + float(rng.integers(20, 300))
    trows.append((round(min(life, end), 1), 1 if life <= end else 0, 1, entry))
expected["truncated.csv"] = censored("truncated.csv", trows, entry_col=True)

# Minitab's CompressorFailures warranty example, as interval data.
fails = [7, 5, 7, 10, 12, 4, 8, 6, 5, 5, 0, 0]
survivors = [998, 999, 998, 999, 994, 994, 988, 989, 993, 979, 1000, 1000]
irows = [(k, k + 1, n) for k, n in enumerate(fails) if n] + [(k + 1, None, n) for k, n in enumerate(survivors)]
expected["interval_compressor.csv"] = interval("interval_compressor.csv", irows)

# Exact, interval and suspended observations in one likelihood.
expected["interval_mixed.csv"] = interval("interval_mixed.csv", [
    (0, 10, 2), (10, 20, 3), (15, 15, 1), (20, 30, 4), (25, 25, 2), (30, 50, 3), (40, None, 10), (60, None, 5)])

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print(json.dumps({k: v.get("lifelines") or v.get("scipy") for k, v in expected.items()}, indent=1))
