//! The shortlist of a requirement: consenting, available workers ranked by trade (the same
//! trade, then related trades from `data/related_trades.json`), then those not yet offered
//! anything (so that offers spread across people), then nearness (same block, same district,
//! a neighbouring district, elsewhere in the state), then experience; each rank explained in
//! words. The ranking runs in the database (`storage::job_seekers::shortlist`); what it
//! showed is recorded, and counted in the funnel the first time a worker is shortlisted.

use super::RozgarError;
use crate::storage::{Candidate, Db, Requirement, Wanted, now_ms};
use panjiyan_core::messages::{Lang, Message};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Workers a shortlist shows.
pub const SHORTLIST: i64 = 50;

#[derive(Deserialize)]
struct RelatedTrades {
    groups: Vec<Vec<String>>,
}

fn related_groups() -> &'static [Vec<String>] {
    static T: OnceLock<RelatedTrades> = OnceLock::new();
    &T.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/related_trades.json"))
            .expect("data/related_trades.json is checked by the tests")
    })
    .groups
}

/// The trades related to `trade` (never itself), in code order.
pub fn related_trades(trade: &str) -> Vec<String> {
    let related: BTreeSet<&String> = related_groups()
        .iter()
        .filter(|g| g.iter().any(|t| t == trade))
        .flatten()
        .filter(|t| *t != trade)
        .collect();
    related.into_iter().cloned().collect()
}

/// One worker of a shortlist, with the reasons of their rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// 1 for the first.
    pub rank: i64,
    pub candidate: Candidate,
    /// Why they are here, one message per reason (trade, place, experience, offers).
    pub reasons: Vec<Message>,
}

impl Ranked {
    /// The reasons in `lang`, each a whole sentence of its own, joined by "; ".
    pub fn reasons_text(&self, lang: Lang) -> String {
        self.reasons
            .iter()
            .map(|m| crate::texts::text(lang, m))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The reasons a candidate ranks where they do.
fn reasons(c: &Candidate, lang: Lang, place_name: &dyn Fn(&str) -> String) -> Vec<Message> {
    let trade = super::trade_name(&c.trade_code, lang);
    let mut out = vec![if c.trade_rank == 0 {
        Message::new("page.jobs.reason.same_trade")
    } else {
        Message::new("page.jobs.reason.related_trade").with("trade", trade)
    }];
    out.push(match c.near_rank {
        0 => Message::new("page.jobs.reason.same_block"),
        1 => Message::new("page.jobs.reason.same_district"),
        2 => Message::new("page.jobs.reason.neighbouring_district")
            .with("district", place_name(&c.district_code)),
        _ => {
            Message::new("page.jobs.reason.in_state").with("district", place_name(&c.district_code))
        }
    });
    out.push(match c.worked_in.as_deref() {
        Some(place) if c.experience_years > 0 => Message::new("page.jobs.reason.experience_in")
            .with("years", c.experience_years)
            .with("place", place),
        _ if c.experience_years > 0 => {
            Message::new("page.jobs.reason.experience").with("years", c.experience_years)
        }
        _ => Message::new("page.jobs.reason.no_experience_stated"),
    });
    if let Some(certificate) = &c.certificate {
        out.push(Message::new("page.jobs.reason.certificate").with("certificate", certificate));
    }
    out.push(if c.offers_made == 0 {
        Message::new("page.jobs.reason.not_offered_yet")
    } else {
        Message::new("page.jobs.reason.offered_before").with("count", c.offers_made)
    });
    out
}

/// Who would be shortlisted for `requirement` now, in rank order, without recording that
/// anyone was shown (the district cell's "no match" and mapping an employer's choice back).
pub async fn candidates(
    db: &Db,
    requirement: &Requirement,
) -> Result<Vec<Candidate>, crate::storage::StorageError> {
    let related = related_trades(&requirement.trade_code);
    let neighbours = db.neighbours(&requirement.district_code).await?;
    let wanted = Wanted {
        requirement_id: requirement.id,
        trade_code: &requirement.trade_code,
        related_trades: &related,
        block_code: &requirement.block_code,
        district_code: &requirement.district_code,
        neighbours: &neighbours,
        state_code: &requirement.state_code,
        limit: SHORTLIST,
    };
    db.shortlist(&wanted).await
}

/// The ranked shortlist of `requirement`, explained in `lang` (place names through
/// `place_name`), recorded as shown.
pub async fn shortlist(
    db: &Db,
    requirement: &Requirement,
    lang: Lang,
) -> Result<Vec<Ranked>, RozgarError> {
    let candidates = candidates(db, requirement).await?;
    let mut names = std::collections::BTreeMap::new();
    for c in &candidates {
        if !names.contains_key(&c.district_code) {
            let name = db
                .place(&c.district_code)
                .await?
                .map(|p| crate::web::place_name(lang, &p).to_owned())
                .unwrap_or_else(|| c.district_code.clone());
            names.insert(c.district_code.clone(), name);
        }
    }
    let place_name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let ranked: Vec<Ranked> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, candidate)| Ranked {
            rank: i as i64 + 1,
            reasons: reasons(&candidate, lang, &place_name),
            candidate,
        })
        .collect();
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    for r in &ranked {
        if tx
            .record_shortlisted(
                requirement.id,
                &r.candidate.member_id,
                r.rank,
                &r.reasons_text(Lang::En),
                now,
            )
            .await?
            && let Some(seeker) = tx.job_seeker(&r.candidate.member_id).await?
        {
            tx.reach_stage(&seeker, "shortlisted", now).await?;
        }
    }
    tx.commit().await?;
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use panjiyan_core::occupation::OccupationList;

    #[test]
    fn every_related_trade_is_on_the_occupation_list() {
        let codes: BTreeSet<String> = OccupationList::builtin()
            .categories
            .into_iter()
            .map(|o| o.code)
            .collect();
        for group in related_groups() {
            for t in group {
                assert!(codes.contains(t), "{t} is not an occupation code");
            }
        }
        assert_eq!(
            related_trades("chowkidar"),
            vec!["security_guard".to_owned()]
        );
        assert!(related_trades("construction").contains(&"carpentry".to_owned()));
        assert!(!related_trades("construction").contains(&"construction".to_owned()));
        assert!(related_trades("barber").is_empty());
    }
}
