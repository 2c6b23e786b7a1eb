//! The funnel the district cell reads: per district, block or trade, how many returned
//! migrants are registered, consent to be contacted, were shortlisted, offered, accepted and
//! joined, and the days from a requirement's posting to joining. Read from counts kept as
//! people move (`storage::job_seekers`), so a state's funnel is a small sum at any scale.

use crate::storage::{Db, FUNNEL_STAGES, FunnelBy, JOIN_DAYS, StorageError};
use std::collections::BTreeMap;

/// One line of the funnel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelLine {
    /// The district, block or trade code.
    pub key: String,
    /// People at each stage, in `FUNNEL_STAGES` order.
    pub stages: [i64; 6],
    /// Days from posting to joining, summed over joinings.
    pub join_days: i64,
}

impl FunnelLine {
    pub fn stage(&self, stage: &str) -> i64 {
        FUNNEL_STAGES
            .iter()
            .position(|s| *s == stage)
            .map_or(0, |i| self.stages[i])
    }

    /// Mean days from a requirement's posting to joining, when anyone joined.
    pub fn mean_days_to_join(&self) -> Option<f64> {
        let joined = self.stage("joined");
        (joined > 0).then(|| self.join_days as f64 / joined as f64)
    }
}

/// The funnel within `area`, a line per `by`, and the area's total.
pub async fn funnel(
    db: &Db,
    area: &str,
    by: FunnelBy,
) -> Result<(Vec<FunnelLine>, FunnelLine), StorageError> {
    let mut lines: BTreeMap<String, FunnelLine> = BTreeMap::new();
    let mut total = FunnelLine {
        key: area.to_owned(),
        ..FunnelLine::default()
    };
    for count in db.funnel(area, by).await? {
        let line = lines
            .entry(count.key.clone())
            .or_insert_with(|| FunnelLine {
                key: count.key.clone(),
                ..FunnelLine::default()
            });
        if count.stage == JOIN_DAYS {
            line.join_days += count.n;
            total.join_days += count.n;
        } else if let Some(i) = FUNNEL_STAGES.iter().position(|s| *s == count.stage) {
            line.stages[i] += count.n;
            total.stages[i] += count.n;
        }
    }
    Ok((lines.into_values().collect(), total))
}
