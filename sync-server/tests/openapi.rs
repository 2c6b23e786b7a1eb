//! The API document as a client author reads it: an OpenAPI 3.1 document whose references
//! resolve, whose templated paths declare their parameters, whose operations the server
//! serves, and which names the status codes the server really sends.

use panjiyan_core::registration::{ApplicantFacts, REJECT_REASONS, RegistrationForm};
use panjiyan_core::wire::{BacklogReport, PushRequest, PushResponse};
use panjiyan_server::harness::{Backend, Phone, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(s: &TestServer) -> Value {
    let r = s
        .http
        .get(format!("{}/api/openapi.json", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Every operation of the document as (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((path.clone(), method.to_owned(), op.clone()));
            }
        }
    }
    out
}

/// The names between braces in a templated path: `/a/{id}/b` → `["id"]`.
fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A registration of a working-age member of the phone's first village, pushed and stored.
async fn pushed_registration(s: &TestServer, phone: &Phone) -> uuid::Uuid {
    let today = panjiyan_core::india_time::today();
    let unit = phone.store.units().unwrap().remove(0);
    let member = phone
        .store
        .families_in_unit(&unit.code)
        .unwrap()
        .into_iter()
        .flat_map(|f| f.members)
        .map(|m| m.member)
        .find(|m| (20..=55).contains(&m.birth.age_on(today)))
        .expect("a working-age member");
    let form = RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        ..RegistrationForm::new(member.member_id.clone(), "op")
    };
    let id = phone.store.create_draft(&form).unwrap();
    phone
        .store
        .finalise(id, panjiyan_core::india_time::now_utc(), true)
        .unwrap();
    let request = PushRequest {
        protocol: 1,
        registrations: phone.queued(10),
        backlog: BacklogReport::default(),
        ..PushRequest::default()
    };
    let r = s
        .http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(&phone.token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: PushResponse = r.json().await.unwrap();
    assert!(answer.results.iter().all(|r| r.outcome.is_acknowledged()));
    id
}

fn responses_of<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let r = &doc["paths"][path][method]["responses"];
    assert!(r.is_object(), "{method} {path} is documented");
    r
}

#[tokio::test]
async fn the_api_document_is_openapi_3_1_with_every_parameter_and_reference() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let doc = document(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Panjiyan sync server");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let description = doc["info"]["description"].as_str().unwrap();
    assert!(description.contains("gzip"), "{description}");
    assert!(description.contains("\"error\""), "{description}");
    for scheme in ["user", "device"] {
        assert_eq!(
            doc["components"]["securitySchemes"][scheme]["scheme"], "bearer",
            "{scheme}"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert!(error["properties"]["error"].is_object(), "{error}");

    let ops = operations(&doc);
    assert!(ops.len() >= 19, "{} operations", ops.len());
    for (path, method, op) in &ops {
        // Every name in the template is declared as a required path parameter, and nothing else.
        let mut declared: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| {
                        assert_eq!(p["required"], true, "{method} {path}: {p}");
                        p["name"].as_str().unwrap()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut wanted = template_names(path);
        wanted.sort();
        declared.sort();
        assert_eq!(declared, wanted, "{method} {path} path parameters");
        // Every answer has a description; every error of the API carries the one error shape.
        let responses = op["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{method} {path}");
        for (code, response) in responses {
            assert!(
                response["description"].is_string(),
                "{method} {path} {code}"
            );
            let json_schema = &response["content"]["application/json"]["schema"];
            // The basic-phone page answers its errors as HTML; the API as ErrorBody.
            if code.starts_with(['4', '5']) && path != "/status" {
                assert_eq!(
                    json_schema["$ref"], "#/components/schemas/ErrorBody",
                    "{method} {path} {code}"
                );
            }
        }
    }

    // Every reference resolves inside the document.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} resolves");
    }
    s.stop().await;
}

#[tokio::test]
async fn every_documented_operation_is_served_and_every_route_is_documented() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let doc = document(&s).await;
    let ops = operations(&doc);
    for (path, method, _) in &ops {
        let mut url = format!("{}{path}", s.url);
        for name in template_names(path) {
            url = url.replace(&format!("{{{name}}}"), "000000000");
        }
        let request = match method.as_str() {
            "get" => s.http.get(&url),
            "post" => s.http.post(&url).json(&json!({})),
            other => panic!("{other} {path}: a method the API does not use"),
        };
        let r = request.send().await.unwrap();
        let status = r.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let body = r.text().await.unwrap();
        // The fallback answers "path not found"; a handler's 404 names what it did not find.
        assert!(
            !body.contains("path not found"),
            "{method} {path} is not served: {body}"
        );
        // And what the server answered is in the document.
        let code = status.as_u16().to_string();
        assert!(
            responses_of(&doc, path, method).get(&code).is_some(),
            "{method} {path} answered {code}, which the document does not name"
        );
    }
    // The routes of the API router (api::routes), each by its method.
    for (path, method) in [
        ("/api/v1/login", "post"),
        ("/api/v1/logout", "post"),
        ("/api/v1/devices", "post"),
        ("/api/v1/devices/{id}/revoke", "post"),
        ("/api/v1/units", "get"),
        ("/api/v1/units/{code}/pack", "get"),
        ("/api/v1/pack-keys", "get"),
        ("/api/v1/camps", "get"),
        ("/api/v1/push", "post"),
        ("/api/v1/status", "get"),
        ("/api/v1/queue", "get"),
        ("/api/v1/registrations/{id}", "get"),
        ("/api/v1/registrations/{id}/decision", "post"),
        ("/api/v1/registrations/{id}/history", "get"),
        ("/api/v1/worker-status/{member_id}", "get"),
        ("/status", "get"),
        ("/voice/{file}", "get"),
        ("/api/openapi.json", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        responses_of(&doc, path, method);
    }
    s.stop().await;
}

#[tokio::test]
async fn status_codes_the_server_sends_are_in_the_document() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let doc = document(&s).await;
    let officer = s.login("officer").await;
    let operator = s.login("operator").await;
    let decision = "/api/v1/registrations/{id}/decision";
    let url = |id: &str| format!("{}/api/v1/registrations/{id}/decision", s.url);
    let mut seen = Vec::new();

    // A registration that does not exist: 404.
    let r = s
        .http
        .post(url("0190c5a6-0000-7000-8000-000000000000"))
        .bearer_auth(&officer)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    seen.push((decision, "post", r.status()));
    // An operator may not decide: 403.
    let r = s
        .http
        .post(url("0190c5a6-0000-7000-8000-000000000000"))
        .bearer_auth(&operator)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    seen.push((decision, "post", r.status()));
    // Approved, then rejected: 200 and 409.
    let phone = s.enrol("operator").await;
    let id = pushed_registration(&s, &phone).await.to_string();
    for body in [
        json!({"decision": "approve"}),
        json!({"decision": "reject", "reason": REJECT_REASONS[0]}),
    ] {
        let r = s
            .http
            .post(url(&id))
            .bearer_auth(&officer)
            .json(&body)
            .send()
            .await
            .unwrap();
        seen.push((decision, "post", r.status()));
    }
    // A rejection with an unknown reason: 400; an unknown decision: 422; no token: 401.
    for (body, token) in [
        (
            json!({"decision": "reject", "reason": "no-such-reason"}),
            Some(&officer),
        ),
        (json!({"decision": "maybe"}), Some(&officer)),
        (json!({"decision": "approve"}), None),
    ] {
        let mut req = s
            .http
            .post(url("0190c5a6-0000-7000-8000-000000000000"))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        seen.push((decision, "post", req.send().await.unwrap().status()));
    }
    // Too many failed sign-ins: 401 and then 429.
    for _ in 0..=s.app.settings.max_login_failures {
        let r = s
            .http
            .post(format!("{}/api/v1/login", s.url))
            .json(&json!({"username": "officer-2", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        seen.push(("/api/v1/login", "post", r.status()));
    }
    // A worker's look-up with an ID that is not nine digits: 400.
    let r = s
        .http
        .get(format!("{}/api/v1/worker-status/12", s.url))
        .send()
        .await
        .unwrap();
    seen.push(("/api/v1/worker-status/{member_id}", "get", r.status()));

    let statuses: Vec<u16> = seen.iter().map(|(_, _, st)| st.as_u16()).collect();
    for wanted in [200, 400, 401, 403, 404, 409, 422, 429] {
        assert!(statuses.contains(&wanted), "{wanted} in {statuses:?}");
    }
    for (path, method, status) in seen {
        let code = status.as_u16().to_string();
        assert!(
            responses_of(&doc, path, method).get(&code).is_some(),
            "{method} {path} answered {code}, which the document does not name"
        );
    }
    s.stop().await;
}
