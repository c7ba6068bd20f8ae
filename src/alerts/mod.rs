//! Alerts (contract section 6): statistically sound early warning. This
//! module holds the statistics (`stats`) the batch, trend and KPI signals
//! are built on; the signals themselves are the next step of issue #5.

pub mod stats;
