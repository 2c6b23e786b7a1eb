//! Rozgar Setu asked on the laptop client at a service centre, on both backends: two returned
//! migrants registered with `panjiyan-camp register` (one agrees to be contacted about jobs,
//! one does not), synced to a real server and approved there; the skill register then holds
//! both with what the operator typed, consent as given and recorded as a service centre's. A
//! work area the client does not know is refused before anything is saved.

use panjiyan_core::location::Level;
use panjiyan_core::store::DeviceStore;
use panjiyan_server::harness::{Backend, PASSWORD, TestServer};
use panjiyan_server::on_both_backends;
use panjiyan_tests::laptop::{laptop, panjiyan_camp};
use std::process::Command;

async fn migrants_at_a_service_centre(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let village = server.places(Level::Village)[0].clone();
    let walk_ins: Vec<String> = server
        .adults_within(&village)
        .into_iter()
        .take(2)
        .map(|m| m.member_id.to_string())
        .collect();
    let (base, d) = (server.url.clone(), dir.path().to_owned());
    let (ids, refusal) = tokio::task::spawn_blocking({
        let walk_ins = walk_ins.clone();
        move || {
            laptop(
                &d,
                &[
                    "enrol",
                    "--server",
                    &base,
                    "--username",
                    "operator",
                    "--password-env",
                    "LAPTOP_PASSWORD",
                ],
            );
            laptop(&d, &["download", village.as_str()]);
            let migrant = |member: &str, mobile: &str| {
                vec![
                    "register",
                    "--member",
                    member,
                    "--occupation",
                    "construction",
                    "--mobile",
                    mobile,
                    "--consent",
                    "--migrant-state",
                    "Gujarat",
                    "--migrant-trade",
                    "carpentry",
                    "--migrant-experience",
                    "7",
                    "--migrant-certificate",
                    "ITI carpentry",
                ]
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
            };
            // A work area the client does not know: refused by name, nothing saved.
            let mut bad = migrant(&walk_ins[0], "9876500001");
            bad.extend(["--willing-to-work".into(), "abroad".into()]);
            let out = Command::new(panjiyan_camp())
                .arg("--db")
                .arg(d.join("laptop.db"))
                .args(["--lang", "en"])
                .args(&bad)
                .env("LAPTOP_PASSWORD", PASSWORD)
                .output()
                .unwrap();
            let refusal = (
                out.status.success(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
            assert!(laptop(&d, &["outbox"]).contains("Waiting to upload: 0"));

            let mut first = migrant(&walk_ins[0], "9876500001");
            first.extend([
                "--willing-to-work".into(),
                "state".into(),
                "--job-consent".into(),
            ]);
            laptop(&d, &first.iter().map(String::as_str).collect::<Vec<_>>());
            let second = migrant(&walk_ins[1], "9876500002");
            laptop(&d, &second.iter().map(String::as_str).collect::<Vec<_>>());
            laptop(&d, &["sync"]);
            assert!(laptop(&d, &["outbox"]).contains("Waiting to upload: 0"));
            let store = DeviceStore::open(
                d.join("laptop.db"),
                &std::fs::read(d.join("laptop.key")).unwrap(),
            )
            .unwrap();
            let ids: Vec<uuid::Uuid> = store
                .registrations(None)
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            (ids, refusal)
        }
    })
    .await
    .unwrap();
    let (ok, text) = refusal;
    assert!(
        !ok && text.contains("abroad") && text.contains("block, district, state"),
        "{text}"
    );
    assert_eq!(ids.len(), 2);
    assert_eq!(server.approve_all(&ids).await, 2);

    let db = &server.app.db;
    let agreed = db
        .job_seeker(&walk_ins[0])
        .await
        .unwrap()
        .expect("in the skill register");
    assert_eq!(agreed.trade_code, "carpentry");
    assert_eq!(agreed.experience_years, 7);
    assert_eq!(agreed.certificate.as_deref(), Some("ITI carpentry"));
    assert_eq!(agreed.worked_in.as_deref(), Some("Gujarat"));
    assert_eq!(agreed.willing, "state");
    assert!(agreed.consent_at.is_some());
    assert_eq!(agreed.consent_channel.as_deref(), Some("service_centre"));
    let declined = db
        .job_seeker(&walk_ins[1])
        .await
        .unwrap()
        .expect("in the skill register");
    assert_eq!(declined.consent_at, None, "no consent, no matching");
    assert_eq!(
        declined.willing, "district",
        "not asked: their own district"
    );
}

on_both_backends!(laptop_jobs, migrants_at_a_service_centre);
