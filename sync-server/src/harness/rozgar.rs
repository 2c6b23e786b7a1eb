//! Rozgar Setu's steps that several tests share, through the services: returned migrants
//! registered on a phone (their form), and work offered to them by a verified employer of the
//! district (the minimum wage set, the employer registered and verified by the collector, a
//! requirement posted, offers sent).

use super::phone::Phone;
use super::server::TestServer;
use crate::rozgar::employers::{self, EmployerForm};
use crate::rozgar::offers::{self, Sent};
use crate::rozgar::requirements::{self, RequirementForm};
use crate::storage::{Employer, MinWage, Requirement};
use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_core::registration::{
    ApplicantFacts, Channel, MigrantDetails, RegistrationForm, WorkArea,
};

/// A returned construction worker's form (4 years in Gujarat, willing to work in the district,
/// consenting to be contacted about jobs) with mobile `mobile`.
pub fn migrant_form(member: &panjiyan_core::samagra::Member, mobile: &str) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some(mobile.into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        channel: Channel::Camp,
        migrant: Some(MigrantDetails {
            state_worked_in: "Gujarat".into(),
            trade_code: Some("construction".into()),
            experience_years: Some(4),
            willing_to_work: Some(WorkArea::District),
            job_consent: true,
            ..MigrantDetails::default()
        }),
        ..RegistrationForm::new(member.member_id.clone(), "operator")
    }
}

/// "Narmada Builders", a builder at `place` with a GSTIN whose check character is right.
pub fn narmada_builders(place: &str) -> EmployerForm {
    let check = panjiyan_core::validate::gstin_check_char("23ABCDE1234F1Z").unwrap();
    EmployerForm {
        kind: "builder".into(),
        name: "Narmada Builders".into(),
        gstin: format!("23ABCDE1234F1Z{check}"),
        udyam: String::new(),
        place_code: place.into(),
        address: "Station Road".into(),
        contact_name: "R. K. Verma".into(),
        contact_mobile: "9425012345".into(),
    }
}

/// 3 construction workers at ₹450 a day in `place`, from 10 days on for 90 days, closing in
/// 5 days, food given.
pub fn construction_work(place: &str) -> RequirementForm {
    let today = india_time::india_day(india_time::now_ms());
    RequirementForm {
        trade_code: "construction".into(),
        workers: "3".into(),
        daily_rupees: "450".into(),
        place_code: place.into(),
        starts_on: india_time::india_date(today + 10).unwrap().to_string(),
        duration_days: "90".into(),
        closes_on: india_time::india_date(today + 5).unwrap().to_string(),
        food: true,
        stay: false,
    }
}

impl TestServer {
    /// `members` of `phone`'s packs registered as returned migrants (mobiles in order),
    /// pushed and approved: in the skill register.
    pub async fn register_migrants(
        &self,
        phone: &Phone,
        members: &[panjiyan_core::samagra::Member],
        mobiles: &[&str],
    ) -> Vec<uuid::Uuid> {
        let ids: Vec<uuid::Uuid> = members
            .iter()
            .zip(mobiles)
            .map(|(m, mobile)| {
                let id = phone.store.create_draft(&migrant_form(m, mobile)).unwrap();
                phone
                    .store
                    .finalise(id, india_time::now_utc(), true)
                    .unwrap();
                id
            })
            .collect();
        assert!(self.push_outbox(phone).await.status().is_success());
        assert_eq!(self.approve_all(&ids).await, ids.len());
        ids
    }

    /// "Narmada Builders" (registered and verified by the collector) wanting 3 construction
    /// workers at ₹450 a day in `place` (a village of the district) from 10 days on, and
    /// offers of it sent to `members`.
    pub async fn offer_work(
        &self,
        place: &str,
        members: &[String],
    ) -> (Employer, Requirement, Sent) {
        let db = &self.app.db;
        let state = self.places(Level::State)[0].to_string();
        let district = self.places(Level::District)[0].to_string();
        let today = india_time::india_day(india_time::now_ms());
        db.set_min_wage(
            &MinWage {
                state_code: state,
                trade_code: "construction".into(),
                from_day: today - 30,
                daily_rupees: 400,
            },
            None,
            india_time::now_ms(),
        )
        .await
        .unwrap();
        let users = db.users().await.unwrap();
        let collector = users.iter().find(|u| u.username == "collector").unwrap();
        let form = narmada_builders(place);
        let checked = employers::check(db, &form, &district).await.unwrap();
        let hash = crate::auth::hash_password("builder-password");
        let id = employers::register(db, &checked, "narmada", &hash, Some(collector.id))
            .await
            .unwrap();
        let employer = employers::decide(db, collector, id, None).await.unwrap();
        let user = db
            .users()
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.username == "narmada")
            .unwrap();
        let wanted = construction_work(place);
        let rid = requirements::post(db, &employer, &wanted, user.id)
            .await
            .unwrap();
        let requirement = db.requirement(rid).await.unwrap().unwrap();
        let sent = offers::send(db, &employer, &requirement, members, user.id)
            .await
            .unwrap();
        (employer, requirement, sent)
    }
}
