"""The DuckDB reference of the whole-run benchmark (issue #12): what a
plain SQL engine does for the same drops, timed apart.

    duckdb_reference.py ingest INPUT_ROOT DUCK_DIR
        A plain COPY of every drop's canonical CSV files into one Parquet
        file per table, with the load month taken from the folder name. No
        validation at all (qfb validates every cell).

    duckdb_reference.py metrics DUCK_DIR OUT_DIR YYYY-MM
        The contract's section-5 tables of one report month in SQL:
        latest load wins, the warranty policy, failure_rates,
        batch_failure_rates, kpis, station_kpis, claim_audit and
        form_reconciliation, each written as Parquet. data_quality is
        qfb's own long table and has no reference.

Default configuration only (the contract's codes, windows and targets).
The benchmark compares times; `compare` checks that the numbers agree
with qfb's on the same drops:

    duckdb_reference.py compare OUT_DIR QFB_OUT YYYY-MM
"""
import sys
import time

import duckdb

TABLES = ["stations", "units", "repairs", "parts", "visits", "feedback_forms"]
KEYS = {
    "stations": "station_id",
    "units": "serial",
    "repairs": "repair_id",
    "parts": "order_id",
    "visits": "visit_id",
}
MAIN = ("compressor", "four_way_valve", "evaporator", "heat_exchanger")
COMPONENTS = MAIN + ("condenser", "motor", "controller", "sensor", "other")
LINES = {"household": (36, 24), "commercial_economy": (12, 12), "commercial_deluxe": (24, 24)}
EXCLUDED = ("installation", "power_supply", "natural_disaster", "maintenance", "misuse", "self_repair")


def ingest(src, out):
    con = duckdb.connect()
    for t in TABLES:
        con.execute(
            f"""COPY (SELECT * EXCLUDE (filename),
                      regexp_extract(filename, '(\\d{{4}}-\\d{{2}})[/\\\\][^/\\\\]*$', 1) AS load_month
                    FROM read_csv('{src}/*/{t}.csv', header = true, union_by_name = true,
                                  filename = true, all_varchar = false))
                TO '{out}/{t}.parquet' (FORMAT parquet)"""
        )


def metrics(duck, out, month):
    con = duckdb.connect()
    y, m = map(int, month.split("-"))
    start = f"{y:04d}-{m:02d}-01"
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    end = f"{ny:04d}-{nm:02d}-01"
    nxt = f"{ny:04d}-{nm:02d}"
    con.execute(f"SET VARIABLE s = DATE '{start}'; SET VARIABLE e = DATE '{end}';")

    def load(t, through=None):
        where = f"WHERE load_month <= '{through}'" if through else ""
        return f"(SELECT * FROM read_parquet('{duck}/{t}.parquet') {where})"

    # Latest load wins (a form is a document: its latest load's lines).
    for t, key in KEYS.items():
        con.execute(
            f"""CREATE TABLE {t} AS SELECT * FROM {load(t)}
                QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY load_month DESC) = 1"""
        )
    con.execute(
        f"""CREATE TABLE stations_next AS SELECT * FROM {load('stations', nxt)}
            QUALIFY row_number() OVER (PARTITION BY station_id ORDER BY load_month DESC) = 1"""
    )
    for name, through in [("forms", None), ("forms_next", nxt)]:
        con.execute(
            f"""CREATE TABLE {name} AS SELECT * FROM {load('feedback_forms', through)} f
                QUALIFY load_month = max(load_month) OVER (PARTITION BY form_id)"""
        )

    # The warranty policy (contract section 4).
    main_list = ", ".join(f"'{c}'" for c in MAIN)
    case_main = " ".join(f"WHEN '{l}' THEN sale_date + INTERVAL {mm} MONTH" for l, (mm, _) in LINES.items())
    case_unit = " ".join(f"WHEN '{l}' THEN sale_date + INTERVAL {um} MONTH" for l, (_, um) in LINES.items())
    con.execute(
        f"""CREATE TABLE u AS SELECT serial, product_line, production_batch, sale_date,
                coalesce(install_date, sale_date) AS in_service,
                CAST(CASE product_line {case_main} END AS DATE) AS we_main,
                CAST(CASE product_line {case_unit} END AS DATE) AS we_unit
            FROM units"""
    )
    excluded = ", ".join(f"'{c}'" for c in EXCLUDED)
    con.execute(
        f"""CREATE TABLE r AS SELECT r.*, u.serial IS NOT NULL AS known_unit, u.product_line,
                u.production_batch, u.sale_date, u.in_service,
                CAST(CASE WHEN r.component IN ({main_list}) THEN u.we_main ELSE u.we_unit END AS TIMESTAMP) AS warranty_end
            FROM repairs r LEFT JOIN u USING (serial)"""
    )
    con.execute(
        f"""ALTER TABLE r ADD COLUMN in_warranty BOOLEAN;
            UPDATE r SET in_warranty = coalesce(known_unit AND CAST(sale_date AS TIMESTAMP) <= reported_at
                                                AND reported_at < warranty_end, false);
            ALTER TABLE r ADD COLUMN covered BOOLEAN; UPDATE r SET covered = in_warranty AND cause NOT IN ({excluded});
            ALTER TABLE r ADD COLUMN failure BOOLEAN; UPDATE r SET failure = in_warranty AND cause = 'quality';"""
    )
    comps = ", ".join(f"('{c}', {i}, {str(c in MAIN).lower()})" for i, c in enumerate(COMPONENTS))
    lines = ", ".join(f"('{l}', {i})" for i, l in enumerate(LINES))
    con.execute(f"CREATE TABLE comp AS SELECT * FROM (VALUES {comps}) t(component, ord, main)")
    con.execute(f"CREATE TABLE line AS SELECT * FROM (VALUES {lines}) t(product_line, ord)")

    # failure_rates: exposure in M per line, failures and repairs in M.
    con.execute(
        f"""CREATE TABLE failure_rates AS
            WITH x AS (
                SELECT product_line,
                  sum(greatest(0, date_diff('day', greatest(in_service, getvariable('s')),
                                            least(getvariable('e'), we_main)))) AS x_main,
                  sum(greatest(0, date_diff('day', greatest(in_service, getvariable('s')),
                                            least(getvariable('e'), we_unit)))) AS x_unit
                FROM u GROUP BY product_line),
            f AS (
                SELECT product_line, component, count(DISTINCT serial) AS failures, count(*) AS repairs
                FROM r WHERE failure AND reported_at >= getvariable('s') AND reported_at < getvariable('e')
                GROUP BY ALL),
            per AS (
                SELECT l.product_line, c.component, coalesce(f.failures, 0) AS failures,
                       coalesce(f.repairs, 0) AS repairs,
                       coalesce(CASE WHEN c.main THEN x.x_main ELSE x.x_unit END, 0) AS days
                FROM line l CROSS JOIN comp c LEFT JOIN x USING (product_line)
                LEFT JOIN f USING (product_line, component)),
            allrows AS (SELECT 'all' AS product_line, component, sum(failures) AS failures,
                               sum(repairs) AS repairs, sum(days) AS days FROM per GROUP BY component)
            SELECT '{month}' AS month, product_line, component, failures, repairs,
                   days / date_diff('day', getvariable('s'), getvariable('e')) AS exposure_unit_months,
                   CASE WHEN days = 0 THEN NULL
                        ELSE 1000.0 * failures / (days / date_diff('day', getvariable('s'), getvariable('e'))) END
                     AS rate_per_1000
            FROM (SELECT * FROM per UNION ALL SELECT * FROM allrows)"""
    )

    # batch_failure_rates: cumulative to the end of M.
    con.execute(
        f"""CREATE TABLE batch_failure_rates AS
            WITH b AS (
                SELECT product_line, production_batch, count(*) AS units,
                  sum(greatest(0, date_diff('day', in_service, least(getvariable('e'), we_main)))) AS x_main,
                  sum(greatest(0, date_diff('day', in_service, least(getvariable('e'), we_unit)))) AS x_unit
                FROM u WHERE sale_date < getvariable('e') GROUP BY ALL),
            f AS (
                SELECT product_line, production_batch, component, count(DISTINCT serial) AS failures,
                       count(*) AS repairs
                FROM r WHERE failure AND reported_at < getvariable('e') GROUP BY ALL)
            SELECT '{month}' AS month, b.product_line, b.production_batch, c.component, b.units,
                   coalesce(f.failures, 0) AS failures, coalesce(f.repairs, 0) AS repairs,
                   CASE WHEN c.main THEN x_main ELSE x_unit END AS exposure_unit_days,
                   CASE WHEN (CASE WHEN c.main THEN x_main ELSE x_unit END) = 0 THEN NULL
                        ELSE 1000 * 365.25 * coalesce(f.failures, 0) / (CASE WHEN c.main THEN x_main ELSE x_unit END)
                   END AS rate_per_1000_unit_years
            FROM b CROSS JOIN comp c LEFT JOIN f USING (product_line, production_batch, component)"""
    )

    # KPI events, per repair (or order, or station), with the station.
    con.execute(
        f"""CREATE TABLE ev AS
            WITH v AS (
                SELECT v.*, r.completed_at FROM visits v JOIN r USING (repair_id)),
            covered AS (
                SELECT DISTINCT repair_id FROM v
                WHERE reached AND visited_at >= completed_at AND visited_at <= completed_at + INTERVAL 7 DAY),
            first_scored AS (
                SELECT repair_id, satisfaction, complaint FROM v WHERE satisfaction IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY repair_id ORDER BY visited_at, visit_id) = 1),
            repeats AS (
                SELECT DISTINCT a.repair_id FROM r a JOIN r b
                  ON a.serial = b.serial AND a.component = b.component AND a.repair_id <> b.repair_id
                WHERE a.completed_at >= getvariable('s') AND a.completed_at < getvariable('e')
                  AND b.reported_at > a.completed_at AND b.reported_at <= a.completed_at + INTERVAL 30 DAY)
            SELECT 'response_24h' AS kpi, station_id,
                   coalesce(responded_at - reported_at <= INTERVAL 24 HOUR, false) AS hit
            FROM r WHERE reported_at >= getvariable('s') AND reported_at < getvariable('e')
            UNION ALL
            SELECT 'return_visit_coverage', station_id, repair_id IN (SELECT repair_id FROM covered)
            FROM r WHERE in_warranty AND completed_at >= getvariable('s') AND completed_at < getvariable('e')
            UNION ALL
            SELECT 'satisfaction', r.station_id, fs.satisfaction >= 4 AND coalesce(NOT fs.complaint, false)
            FROM r JOIN first_scored fs USING (repair_id)
            WHERE completed_at >= getvariable('s') AND completed_at < getvariable('e')
            UNION ALL
            SELECT 'repeat_repair', station_id, repair_id IN (SELECT repair_id FROM repeats)
            FROM r WHERE completed_at >= getvariable('s') AND completed_at < getvariable('e')
            UNION ALL
            SELECT 'parts_on_time', NULL, coalesce(shipped_at <= promised_at, false)
            FROM parts WHERE promised_at >= getvariable('s') AND promised_at < getvariable('e')
            UNION ALL
            SELECT 'parts_accuracy', NULL,
                   coalesce(shipped_part_no = part_no AND shipped_quantity = quantity, false)
            FROM parts WHERE shipped_at >= getvariable('s') AND shipped_at < getvariable('e')
            UNION ALL
            SELECT 'form_on_time', s.station_id,
                   EXISTS (SELECT 1 FROM forms_next f WHERE f.station_id = s.station_id
                           AND f.report_month = '{month}' AND f.submitted_at <= DATE '{end}' + INTERVAL 9 DAY)
            FROM stations_next s WHERE coalesce(s.active, true)"""
    )
    targets = (
        "('response_24h', 1.0, 'at_least'), ('return_visit_coverage', 1.0, 'at_least'),"
        " ('satisfaction', 0.98, 'at_least'), ('parts_on_time', 0.95, 'at_least'),"
        " ('parts_accuracy', 0.98, 'at_least'), ('repeat_repair', 0.02, 'at_most'),"
        " ('form_on_time', 1.0, 'at_least')"
    )
    con.execute(f"CREATE TABLE tg AS SELECT * FROM (VALUES {targets}) t(kpi, target, direction)")
    value = "CASE WHEN count(e.hit) = 0 THEN NULL ELSE avg(CAST(e.hit AS DOUBLE)) END"
    con.execute(
        f"""CREATE TABLE kpis AS
            SELECT '{month}' AS month, tg.kpi, count_if(e.hit) AS numerator, count(e.hit) AS denominator,
                   {value} AS value, tg.target, tg.direction,
                   CASE WHEN count(e.hit) = 0 THEN NULL WHEN tg.direction = 'at_least' THEN {value} >= tg.target
                        ELSE {value} <= tg.target END AS met
            FROM tg LEFT JOIN ev e USING (kpi) GROUP BY tg.kpi, tg.target, tg.direction"""
    )
    con.execute(
        f"""CREATE TABLE station_kpis AS
            WITH st AS (SELECT station_id FROM stations UNION SELECT station_id FROM ev WHERE station_id IS NOT NULL),
                 k AS (SELECT * FROM tg WHERE kpi NOT IN ('parts_on_time', 'parts_accuracy'))
            SELECT '{month}' AS month, st.station_id, k.kpi, coalesce(count_if(e.hit), 0) AS numerator,
                   count(e.hit) AS denominator, {value} AS value, k.target, k.direction
            FROM st CROSS JOIN k LEFT JOIN ev e ON e.station_id = st.station_id AND e.kpi = k.kpi
            GROUP BY ALL"""
    )
    con.execute(
        f"""CREATE TABLE claim_audit AS
            SELECT '{month}' AS month, repair_id, station_id, serial, component, cause, reported_at,
                   CASE WHEN NOT known_unit THEN 'unknown_unit'
                        WHEN reported_at < CAST(sale_date AS TIMESTAMP) THEN 'before_sale'
                        WHEN NOT in_warranty THEN 'out_of_warranty' ELSE 'excluded_cause' END AS reason,
                   labor_cost, parts_cost
            FROM r WHERE warranty_claim AND NOT covered
              AND reported_at >= getvariable('s') AND reported_at < getvariable('e')"""
    )
    con.execute(
        f"""CREATE TABLE form_reconciliation AS
            WITH sent AS (SELECT DISTINCT station_id FROM forms WHERE report_month = '{month}'),
                 rep AS (SELECT station_id, component, sum(quantity) AS reported FROM forms
                         WHERE report_month = '{month}' GROUP BY ALL),
                 rec AS (SELECT station_id, component, count(*) AS recorded FROM r
                         WHERE cause = 'quality' AND reported_at >= getvariable('s')
                           AND reported_at < getvariable('e') GROUP BY ALL),
                 cand AS (SELECT station_id, component FROM
                            (SELECT station_id FROM sent UNION
                             SELECT station_id FROM stations_next WHERE coalesce(active, true)) CROSS JOIN comp
                          UNION SELECT station_id, component FROM rec)
            SELECT * FROM (
              SELECT '{month}' AS month, c.station_id, c.component,
                     CASE WHEN c.station_id IN (SELECT station_id FROM sent) THEN coalesce(rep.reported, 0) END
                       AS reported_q,
                     coalesce(rec.recorded, 0) AS recorded
              FROM cand c LEFT JOIN rep USING (station_id, component) LEFT JOIN rec USING (station_id, component))
            WHERE reported_q IS NULL OR reported_q <> recorded"""
    )
    con.execute("ALTER TABLE form_reconciliation RENAME reported_q TO reported")
    for t in ["failure_rates", "batch_failure_rates", "kpis", "station_kpis", "claim_audit", "form_reconciliation"]:
        con.execute(f"COPY {t} TO '{out}/{t}.parquet' (FORMAT parquet)")


def compare(out, qfb_out, month):
    """Print, per table, whether DuckDB's numbers agree with qfb's."""
    con = duckdb.connect()
    q = f"{qfb_out}/metrics/month={month}"
    checks = {
        "kpis": ("kpi", "numerator, denominator"),
        "failure_rates": ("product_line, component", "failures, repairs, round(exposure_unit_months, 6)"),
        "batch_failure_rates": ("product_line, production_batch, component", "units, failures, repairs, exposure_unit_days"),
        "station_kpis": ("station_id, kpi", "numerator, denominator"),
        "claim_audit": ("repair_id", "reason"),
        "form_reconciliation": ("station_id, component", "reported, recorded"),
    }
    bad = 0
    for t, (key, cols) in checks.items():
        sel = f"SELECT {key}, {cols}"
        a = f"{sel} FROM read_parquet('{out}/{t}.parquet')"
        b = f"{sel} FROM read_parquet('{q}/{t}.parquet')"
        diff = con.execute(f"SELECT count(*) FROM (({a}) EXCEPT ({b}) UNION ALL (({b}) EXCEPT ({a})))").fetchone()[0]
        n = con.execute(f"SELECT count(*) FROM ({b})").fetchone()[0]
        print(f"{t:22} {n:8d} rows  {'same' if diff == 0 else f'{diff} rows differ'}")
        bad += diff
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    started = time.time()
    {"ingest": ingest, "metrics": metrics, "compare": compare}[sys.argv[1]](*sys.argv[2:])
    if sys.argv[1] != "compare":
        print(f"{sys.argv[1]} {time.time() - started:.1f} s", file=sys.stderr)
