//! Whose rows the rejects are. Most tables carry `station_id`, and the
//! validator records it with each reject; a visit carries only its
//! repair, so its station is that repair's, loaded or rejected: looked up
//! among the repairs validated in the same run (`qfb validate`) or in the
//! lake (`qfb ingest`, once every drop of the run is in; the lake keeps
//! rejects as sent, and its readers resolve them the same way).

use std::collections::{HashMap, HashSet};

use crate::ingest::rows::{ColumnData, Reject, ValidatedTable};
use crate::ingest::PreparedDrop;
use crate::schema::Schemas;

/// The repairs named by rejects whose station is not known yet.
pub fn wanted(rejects: &[&Reject]) -> HashSet<String> {
    rejects.iter().filter(|r| r.station_id.is_none()).filter_map(|r| r.repair_id.clone()).collect()
}

/// repair_id → station_id of the validated repairs among `wanted` (all of
/// them when `wanted` is None).
pub fn repair_stations(
    schemas: &Schemas,
    tables: &[ValidatedTable],
    wanted: Option<&HashSet<String>>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(schema) = schemas.get("repairs") else { return out };
    let Some(t) = tables.iter().find(|t| t.table == "repairs") else { return out };
    let (Some(r), Some(s)) = (schema.column_index("repair_id"), schema.column_index("station_id")) else {
        return out;
    };
    let (Some(ColumnData::Str(ids)), Some(ColumnData::Str(stations))) = (t.columns.get(r), t.columns.get(s)) else {
        return out;
    };
    // A rejected repair still says whose it is: its visits go to the same
    // station, which must re-send both.
    let rejected = t.rejects.iter().filter_map(|r| Some((r.key.as_deref()?, r.station_id.as_deref()?)));
    for (id, station) in rejected.chain(ids.iter().zip(stations.iter()).filter_map(|(i, s)| Some((i?, s?)))) {
        if wanted.is_none_or(|w| w.contains(id)) {
            out.insert(id.to_string(), station.to_string());
        }
    }
    out
}

/// repair_id → station_id of the `wanted` repairs in the lake: the
/// current repairs, and the rejected ones (a rejected repair still says
/// whose it is; its visits go to the same station, which must re-send
/// both).
#[cfg(feature = "engine")]
pub fn lake_stations(
    lake: &crate::lake::Lake,
    schemas: &Schemas,
    wanted: &HashSet<String>,
) -> crate::error::Result<HashMap<String, String>> {
    use polars::prelude::*;
    let mut out = HashMap::new();
    if lake.manifests()?.is_empty() {
        return Ok(out);
    }
    let ids = || lit(Series::new("wanted".into(), wanted.iter().cloned().collect::<Vec<_>>())).implode(true);
    let schema = schemas.get("repairs").expect("repairs are in the schemas");
    let rejected = lake
        .scan(crate::lake::REJECTS, crate::lake::frame::rejects_schema(), None)?
        .filter(col("table").eq(lit("repairs")).and(col("key").is_in(ids(), false)))
        .select([col("key").alias("repair_id"), col("station_id")]);
    let current = lake
        .current_through(schema, None, Some(&["station_id"]))?
        .filter(col("repair_id").is_in(ids(), false))
        .select([col("repair_id"), col("station_id")]);
    // The loaded row wins over a rejected one.
    let df = concat([rejected, current], UnionArgs::default())?.collect()?;
    let (r, s) = (df.column("repair_id")?.str()?, df.column("station_id")?.str()?);
    for (r, s) in r.iter().zip(s.iter()) {
        if let (Some(r), Some(s)) = (r, s) {
            out.insert(r.to_string(), s.to_string());
        }
    }
    Ok(out)
}

/// Give each reject that names a known repair that repair's station.
pub fn resolve(prepared: &mut PreparedDrop, stations: &HashMap<String, String>) {
    for t in &mut prepared.tables {
        for r in t.rejects.iter_mut().filter(|r| r.station_id.is_none()) {
            if let Some(s) = r.repair_id.as_ref().and_then(|id| stations.get(id)) {
                r.station_id = Some(s.clone());
            }
        }
    }
}
