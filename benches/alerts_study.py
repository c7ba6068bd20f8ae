#!/usr/bin/env python3
"""The alert simulation study (issue #5): how often qfb catches a planted bad
batch, how early, against the ideal test, and how often it cries wolf.

For each seed and scenario (a ~2,000-unit household batch with a 3x, 5x or
10x compressor hazard, and clean data with none), it generates 24 monthly
drops with `qfb generate --utf8-only`, ingests them, and runs `qfb alerts`
for the report months 3, 6, 9 and 12 months after the batch's first sale.

- power (critical / any severity): the share of seeds where the planted
  batch gets a `batch_failure` alert for compressor by that month;
- ideal: an exact one-sided Poisson test of the batch's failing units
  against the generator's true household compressor hazard by age (from
  truth.json), at the per-test level qfb's critical tier uses (Sidak 0.01
  over its tests) and, for "any", at 0.10 over the same count;
- calibrated ideal: the same, but allowing for the generator's true
  batch-to-batch variation (a lognormal factor with truth.json's
  batch_sigma): the most any test can do that stays calibrated on clean
  batches;
- false alarms: batch_failure and component_trend alerts per monthly run on
  clean data (and, in planted runs, for any other batch or component);
- the ideal test's own false alarms: the same exact Poisson test against
  the true hazard, applied on clean data to every batch and component (to
  date only). It ignores the batch-to-batch variation the generator builds
  in (lognormal, sigma 0.25), which is what makes it more powerful than any
  test that must stay calibrated on real batches.

    python3 benches/alerts_study.py              # 20 seeds
    SEEDS=5 python3 benches/alerts_study.py      # a quick look

Only the Python standard library is needed. Data goes to $STUDY_DATA
(default bench-data/study).
"""
import csv, json, math, os, shutil, subprocess, sys
from datetime import date, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QFB = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "qfb")
DATA = os.environ.get("STUDY_DATA", os.path.join(ROOT, "bench-data", "study"))
SEEDS = int(os.environ.get("SEEDS", "20"))
SCENARIOS = [("3x", 3.0), ("5x", 5.0), ("10x", 10.0), ("clean", None)]
AGES = [3, 6, 9, 12]
WHEN = "0.6"
TAU = 45.0
DAYS_PER_MONTH = 365.25 / 12.0


def add_months(ym, k):
    y, m = map(int, ym.split("-"))
    i = y * 12 + m - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def qfb(*args):
    subprocess.run([QFB, "--quiet", *args], check=True, stdout=subprocess.DEVNULL)


def poisson_sf(k, mu):
    """P(X >= k) for X ~ Poisson(mu), summed in log space."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    total, i = 0.0, k
    while True:
        term = math.exp(-mu + i * math.log(mu) - math.lgamma(i + 1))
        total += term
        if term < total * 1e-16 and i > mu:
            return min(total, 1.0)
        i += 1


def poisson_lognormal_sf(k, mu, sigma2):
    """P(X >= k) for a Poisson whose mean is multiplied by a lognormal factor
    of mean 1 and variance sigma2 (trapezoid over the standard normal)."""
    s = math.sqrt(math.log(1.0 + sigma2))
    m = -s * s / 2.0
    total = weight = 0.0
    for i in range(-90, 91):
        z = i * 0.1
        phi = math.exp(-z * z / 2.0)
        total += phi * poisson_sf(k, mu * math.exp(m + s * z))
        weight += phi
    return min(total / weight, 1.0)


def cum_exposure(t):
    return t + TAU * (1.0 - math.exp(-t / TAU)) if t > 0 else 0.0


def read_rows(root, name):
    for month in sorted(os.listdir(root)):
        path = os.path.join(root, month, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", newline="") as f:
                yield from csv.DictReader(f)


def ideal_p(root, truth, batch, month_end):
    """The ideal test: failing units of the batch against the true hazard."""
    hazard = next(h for line, comp, h in truth["monthly_hazard"] if line == "household" and comp == "compressor")
    units = {}
    for r in read_rows(root, "units.csv"):
        if r["production_batch"] == batch:
            units[r["serial"]] = r
    failing = set()
    for r in read_rows(root, "repairs.csv"):
        u = units.get(r["serial"])
        if not u or r["component"] != "compressor" or r["cause"] != "quality":
            continue
        rep = datetime.strptime(r["reported_at"], "%Y-%m-%d %H:%M")
        if date.fromisoformat(u["sale_date"]) <= rep.date() < month_end:
            failing.add(r["serial"])
    expected = 0.0
    for u in units.values():
        svc = date.fromisoformat(u["install_date"] or u["sale_date"])
        expected += hazard / DAYS_PER_MONTH * cum_exposure((month_end - svc).days)
    return len(failing), expected


def ideal_false_alarms(root, truth, month_end, m):
    """The ideal test run on every batch and component of clean data:
    how many it would flag at the critical and the any level."""
    hazard = {(line, comp): h for line, comp, h in truth["monthly_hazard"]}
    units = {r["serial"]: r for r in read_rows(root, "units.csv")}
    failing = {}
    for r in read_rows(root, "repairs.csv"):
        u = units.get(r["serial"])
        if not u or r["cause"] != "quality":
            continue
        rep = datetime.strptime(r["reported_at"], "%Y-%m-%d %H:%M").date()
        if date.fromisoformat(u["sale_date"]) <= rep < month_end:
            failing.setdefault((u["production_batch"], r["component"]), set()).add(r["serial"])
    expected = {}
    for u in units.values():
        if date.fromisoformat(u["sale_date"]) >= month_end:
            continue
        svc = date.fromisoformat(u["install_date"] or u["sale_date"])
        months = cum_exposure((month_end - svc).days) / DAYS_PER_MONTH
        for (line, comp), h in hazard.items():
            if line == u["product_line"]:
                key = (u["production_batch"], comp)
                expected[key] = expected.get(key, 0.0) + h * months
    crit = anyl = 0
    for key, e in expected.items():
        p = poisson_sf(len(failing.get(key, ())), e)
        crit += p < 1 - (1 - 0.01) ** (1 / m)
        anyl += p < 1 - (1 - 0.10) ** (1 / m)
    return crit, anyl


def main():
    if not os.path.exists(QFB):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    os.makedirs(DATA, exist_ok=True)
    power = {}  # (scenario, age) -> [critical, any, ideal_critical, ideal_any]
    false_alarms = {"critical": 0, "warning": 0, "runs": 0, "ideal_critical": 0, "ideal_any": 0}
    clean_kinds = {}
    for seed in range(1, SEEDS + 1):
        for name, factor in SCENARIOS:
            root = os.path.join(DATA, f"{name}-{seed}")
            shutil.rmtree(root, ignore_errors=True)
            args = ["generate", "--out", root, "--seed", str(seed), "--utf8-only"]
            if factor:
                args += ["--plant-batch", f"compressor:{factor}:{WHEN}"]
            qfb(*args)
            truth = json.load(open(os.path.join(root, "truth.json")))
            lake, out = root + "-lake", root + "-out"
            shutil.rmtree(lake, ignore_errors=True)
            qfb("ingest", "--input", root, "--lake", lake)
            # The planted batch (or, for clean data, the batch the same flag
            # would have chosen) and its first sale month.
            batch = truth["planted"][0]["production_batch"] if factor else None
            ref = os.path.join(DATA, f"3x-{seed}")
            ref_truth = json.load(open(os.path.join(ref, "truth.json")))
            ref_batch = ref_truth["planted"][0]["production_batch"]
            first_sale = min(r["sale_date"] for r in read_rows(ref, "units.csv") if r["production_batch"] == ref_batch)[:7]
            for age in AGES:
                month = add_months(first_sale, age)
                if month >= add_months("2026-10", 0):
                    continue
                shutil.rmtree(out, ignore_errors=True)
                qfb("alerts", "--lake", lake, "--out", out, "--month", month)
                alerts = json.load(open(os.path.join(out, "alerts", f"month={month}", "alerts.json")))
                hit = [a for a in alerts if a["kind"] == "batch_failure" and a["production_batch"] == batch and a["component"] == "compressor"]
                others = [a for a in alerts if a["kind"] in ("batch_failure", "component_trend") and a not in hit]
                if factor:
                    # qfb's tests: batches x components x 4 windows; the
                    # batch count comes from the drops.
                    batches = len({r["production_batch"] for r in read_rows(root, "units.csv")})
                    m = batches * 9 * 4
                    end_y, end_m = map(int, add_months(month, 1).split("-"))
                    o, e = ideal_p(root, truth, batch, date(end_y, end_m, 1))
                    p = poisson_sf(o, e)
                    sigma2 = math.exp(truth["batch_sigma"] ** 2) - 1.0
                    pc = poisson_lognormal_sf(o, e, sigma2)
                    crit, anyl = 1 - (1 - 0.01) ** (1 / m), 1 - (1 - 0.10) ** (1 / m)
                    row = power.setdefault((name, age), [0, 0, 0, 0, 0, 0, 0])
                    row[0] += any(a["severity"] == "critical" for a in hit)
                    row[1] += bool(hit)
                    row[2] += p < crit
                    row[3] += p < anyl
                    row[4] += 1
                    row[5] += pc < crit
                    row[6] += pc < anyl
                else:
                    false_alarms["runs"] += 1
                    batches = len({r["production_batch"] for r in read_rows(root, "units.csv")})
                    end_y, end_m = map(int, add_months(month, 1).split("-"))
                    c, a = ideal_false_alarms(root, truth, date(end_y, end_m, 1), batches * 9 * 4)
                    false_alarms["ideal_critical"] += c
                    false_alarms["ideal_any"] += a
                    for a in others:
                        false_alarms[a["severity"]] += 1
                        clean_kinds[(a["kind"], a["severity"])] = clean_kinds.get((a["kind"], a["severity"]), 0) + 1
            for d in (root, lake, out):
                shutil.rmtree(d, ignore_errors=True) if name != "3x" else None
        print(f"seed {seed} done", file=sys.stderr)

    print(f"\nPower to flag the planted batch ({SEEDS} seeds; months after its first sale)")
    print(f"{'scenario':<9} {'months':>6}  {'critical':>9} {'ideal':>6} {'calib.':>6}  {'any':>6} {'ideal':>6} {'calib.':>6}")
    for name, factor in SCENARIOS:
        if not factor:
            continue
        for age in AGES:
            r = power.get((name, age))
            if not r or not r[4]:
                continue
            n = r[4]
            print(f"{name:<9} {age:>6}  {r[0] / n:>9.0%} {r[2] / n:>6.0%} {r[5] / n:>6.0%}  {r[1] / n:>6.0%} {r[3] / n:>6.0%} {r[6] / n:>6.0%}")
    runs = max(false_alarms["runs"], 1)
    print(f"\nFalse alarms on clean data, per monthly run ({false_alarms['runs']} runs):"
          f" critical {false_alarms['critical'] / runs:.2f}, warning {false_alarms['warning'] / runs:.2f}")
    for (kind, sev), n in sorted(clean_kinds.items()):
        print(f"  {kind:<16} {sev:<8} {n / runs:.2f}")
    print(f"The ideal test on every clean batch and component (to date): critical {false_alarms['ideal_critical'] / runs:.2f},"
          f" any {false_alarms['ideal_any'] / runs:.2f} per run")


if __name__ == "__main__":
    main()
