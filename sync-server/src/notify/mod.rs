//! Telling workers: a decision writes an SMS and a voice message to the notification outbox in
//! its own transaction (`notices_for`); the dispatcher (`dispatch`) delivers them through a
//! `Gateway` with retries and backoff, recording each attempt. Templates are data
//! (`sync-server/data/notifications.json`), whole sentences per language, with each channel's
//! own DLT template id. A voice message says the registration number digit by digit
//! (`speech`); the gateways turn it into audio where the provider does not speak it itself.

mod gateway;
pub mod speech;
mod wav;

pub use gateway::{
    AUDIO_LIFETIME, FileGateway, Gateway, GatewayError, HttpGateway, Outgoing, VoiceMode,
};

use crate::app::App;
use crate::storage::now_ms;
use panjiyan_core::messages::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

/// One channel's template of a kind of message: registered under DLT with its own id.
#[derive(Debug, Deserialize)]
struct ChannelTemplate {
    dlt_template_id: String,
    hi: String,
    en: String,
}

#[derive(Debug, Deserialize)]
struct KindTemplates {
    sms: ChannelTemplate,
    voice: ChannelTemplate,
}

/// A message that carries a code and nothing else (no voice: a code read aloud is heard by
/// whoever stands near).
#[derive(Debug, Deserialize)]
struct CodeTemplate {
    sms: ChannelTemplate,
}

#[derive(Debug, Deserialize)]
struct Templates {
    approved: KindTemplates,
    rejected: KindTemplates,
    code: CodeTemplate,
    offer: KindTemplates,
}

fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/notifications.json"))
            .expect("checked by tests")
    })
}

fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// A message to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: &'static str,
    pub channel: &'static str,
    pub language: String,
    pub recipient: String,
    pub template_id: String,
    pub body: String,
}

/// What a message about a decision needs to say.
#[derive(Debug, Clone, Copy)]
pub struct Decided<'a> {
    pub approved: bool,
    pub mobile: Option<&'a str>,
    /// hi or en
    pub language: &'a str,
    pub name_hi: &'a str,
    pub name_en: &'a str,
    pub number: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// DD-MM-YYYY
    pub date: &'a str,
}

/// The SMS and voice message for a decision, in the worker's language; none without a mobile.
pub fn notices_for(d: &Decided<'_>) -> Vec<Notice> {
    let Decided {
        approved,
        mobile,
        language,
        name_hi,
        name_en,
        number,
        reason,
        date,
    } = *d;
    let Some(mobile) = mobile else {
        return Vec::new();
    };
    let kind = if approved {
        &templates().approved
    } else {
        &templates().rejected
    };
    let english = language == "en";
    let mut values = BTreeMap::new();
    values.insert("name", if english { name_en } else { name_hi }.to_owned());
    values.insert("number", number.unwrap_or_default().to_owned());
    let language = if english { "en" } else { "hi" };
    values.insert(
        "number_spoken",
        speech::number_for_listener(number.unwrap_or_default(), language),
    );
    values.insert("reason", reason.unwrap_or_default().to_owned());
    values.insert("date", date.to_owned());
    let kind_name = if approved { "approved" } else { "rejected" };
    [("sms", &kind.sms), ("voice", &kind.voice)]
        .into_iter()
        .map(|(channel, template)| Notice {
            kind: kind_name,
            channel,
            language: language.into(),
            recipient: mobile.to_owned(),
            template_id: template.dlt_template_id.clone(),
            body: fill(if english { &template.en } else { &template.hi }, &values),
        })
        .collect()
}

/// What an offer of work says to the worker (Rozgar Setu), every value already in the
/// worker's language.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    pub mobile: &'a str,
    pub language: Lang,
    pub name: &'a str,
    pub employer: &'a str,
    pub work: &'a str,
    pub place: &'a str,
    pub wage: &'a str,
    /// DD-MM-YYYY
    pub start: &'a str,
    /// What the worker replies with after HAAN or NA.
    pub code: &'a str,
}

/// The SMS and voice message of an offer of work, with how to answer it.
pub fn offer_notices(o: &Offered<'_>) -> Vec<Notice> {
    let english = o.language == Lang::En;
    let language = if english { "en" } else { "hi" };
    let mut values = BTreeMap::new();
    values.insert("name", o.name.to_owned());
    values.insert("employer", o.employer.to_owned());
    values.insert("work", o.work.to_owned());
    values.insert("place", o.place.to_owned());
    values.insert("wage", o.wage.to_owned());
    values.insert("start", o.start.to_owned());
    values.insert("code", o.code.to_owned());
    values.insert("code_spoken", speech::number_for_listener(o.code, language));
    let t = &templates().offer;
    [("sms", &t.sms), ("voice", &t.voice)]
        .into_iter()
        .map(|(channel, template)| Notice {
            kind: "offer",
            channel,
            language: language.into(),
            recipient: o.mobile.to_owned(),
            template_id: template.dlt_template_id.clone(),
            body: fill(if english { &template.en } else { &template.hi }, &values),
        })
        .collect()
}

/// The SMS carrying a worker's verification code (`crate::codes`), valid `minutes`.
pub fn code_notice(mobile: &str, code: &str, minutes: i64, language: Lang) -> Notice {
    let t = &templates().code;
    let text = match language {
        Lang::Hi => &t.sms.hi,
        Lang::En => &t.sms.en,
    };
    let mut values = BTreeMap::new();
    values.insert("code", code.to_owned());
    values.insert("minutes", minutes.to_string());
    Notice {
        kind: "code",
        channel: "sms",
        language: match language {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
        .into(),
        recipient: mobile.to_owned(),
        template_id: t.sms.dlt_template_id.clone(),
        body: fill(text, &values),
    }
}

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// Messages one pass claims.
const CLAIM: i64 = 20;

/// Longest one message may take at the gateway; a slower one counts as a failed attempt.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a pass's claim lasts: longer than the pass can take (every message at its
/// timeout), so that no other dispatcher takes a message while this one may still send it.
/// A sender that crashes holds its messages this long.
const LEASE: Duration = Duration::from_secs(CLAIM as u64 * 20 + 60);

/// One pass of the dispatcher: claims due messages under a lease (a crashed sender's
/// messages come back when it runs out), sends each once through the gateway, records the
/// outcome. Returns how many were sent.
pub async fn dispatch_once(
    app: &App,
    gateway: &dyn Gateway,
) -> Result<usize, crate::storage::StorageError> {
    dispatch_pass(app, gateway, &|| false).await
}

/// A pass that stops sending when `stopping` turns true, and gives back what it had claimed
/// and not sent, so that another server sends it at once.
async fn dispatch_pass(
    app: &App,
    gateway: &dyn Gateway,
    stopping: &(dyn Fn() -> bool + Sync),
) -> Result<usize, crate::storage::StorageError> {
    let claimed_at = std::time::Instant::now();
    let due = app
        .db
        .claim_notifications(now_ms(), LEASE.as_millis() as i64, CLAIM)
        .await?;
    let mut sent = 0;
    let mut due = due.into_iter();
    while let Some(n) = due.next() {
        // Never send on a claim that could run out while sending.
        if stopping() || claimed_at.elapsed() + SEND_TIMEOUT + Duration::from_secs(30) > LEASE {
            let unsent: Vec<i64> = std::iter::once(n.id).chain(due.map(|n| n.id)).collect();
            app.db.release_notifications(&unsent, now_ms()).await?;
            break;
        }
        let outcome = match tokio::time::timeout(SEND_TIMEOUT, gateway.send(&n)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(GatewayError::Unreachable(format!(
                "no answer in {} s",
                SEND_TIMEOUT.as_secs()
            ))),
        };
        match outcome {
            Ok(reference) => {
                app.db.notification_sent(n.id, &reference, now_ms()).await?;
                app.metrics.notification(&n.channel, "sent");
                sent += 1;
            }
            Err(e) => {
                let backoff = 5_000i64.saturating_mul(1 << n.attempts.clamp(0, 12));
                let give_up = n.attempts >= MAX_ATTEMPTS;
                tracing::warn!(notification = n.id, attempts = n.attempts, error = %e, "notification not delivered");
                app.metrics.notification(&n.channel, "failed");
                app.db
                    .notification_failed(n.id, &e.to_string(), now_ms() + backoff, give_up)
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// Runs the dispatcher until `stop` is set; a message being sent then is finished, the rest
/// of the pass's claim is given back.
pub async fn run(app: App, gateway: Box<dyn Gateway>, stop: tokio::sync::watch::Receiver<bool>) {
    let mut stop = stop;
    loop {
        if *stop.borrow() {
            return;
        }
        let stopping = {
            let stop = stop.clone();
            move || *stop.borrow()
        };
        match dispatch_pass(&app, gateway.as_ref(), &stopping).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "dispatcher pass failed"),
        }
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_its_own_dlt_id() {
        let t = templates();
        let ids = [
            &t.approved.sms.dlt_template_id,
            &t.approved.voice.dlt_template_id,
            &t.rejected.sms.dlt_template_id,
            &t.rejected.voice.dlt_template_id,
            &t.code.sms.dlt_template_id,
        ];
        let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "a DLT template id is shared: {ids:?}"
        );
    }

    #[test]
    fn approval_messages_carry_the_number_in_the_workers_language() {
        let d = Decided {
            approved: true,
            mobile: Some("9876543210"),
            language: "hi",
            name_hi: "लक्ष्मी",
            name_en: "Laxmi",
            number: Some("23-401-2026-0000042"),
            reason: None,
            date: "22-11-2026",
        };
        let hi = notices_for(&d);
        assert_eq!(hi.len(), 2);
        assert!(
            hi[0].body.contains("लक्ष्मी") && hi[0].body.contains("23-401-2026-0000042"),
            "{}",
            hi[0].body
        );
        assert!(
            hi[1]
                .body
                .contains("दो तीन, चार शून्य एक, दो शून्य दो छह, शून्य शून्य शून्य शून्य शून्य चार दो"),
            "the voice says each digit as a word, group by group: {}",
            hi[1].body
        );
        assert!(
            !hi[1].body.chars().any(|c| c.is_ascii_digit()),
            "no figures left for the speech engine to read as amounts: {}",
            hi[1].body
        );
        assert!(!hi[0].body.contains('{'), "every placeholder filled");
        assert!(!hi[1].body.contains('{'), "every placeholder filled");
        assert_ne!(
            hi[0].template_id, hi[1].template_id,
            "SMS and voice have their own DLT template ids"
        );
        assert_eq!(
            (hi[0].template_id.as_str(), hi[1].template_id.as_str()),
            (
                templates().approved.sms.dlt_template_id.as_str(),
                templates().approved.voice.dlt_template_id.as_str()
            )
        );
        let en = notices_for(&Decided {
            approved: false,
            language: "en",
            number: None,
            reason: Some("not_a_worker"),
            ..d
        });
        assert!(en[0].body.starts_with("Dear Laxmi") && en[0].body.contains("not_a_worker"));
        assert_eq!(
            (en[0].template_id.as_str(), en[1].template_id.as_str()),
            (
                templates().rejected.sms.dlt_template_id.as_str(),
                templates().rejected.voice.dlt_template_id.as_str()
            )
        );
        let en_approved = notices_for(&Decided {
            language: "en",
            ..d
        });
        assert!(
            en_approved[1]
                .body
                .contains("two three, four zero one, two zero two six"),
            "{}",
            en_approved[1].body
        );
        assert!(
            notices_for(&Decided { mobile: None, ..d }).is_empty(),
            "no mobile, no message"
        );
    }
}
