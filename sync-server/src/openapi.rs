//! The OpenAPI 3.1 document served at `/api/openapi.json`. Kept beside the routes it
//! describes; a test checks every route is in it.

use serde_json::{Value, json};

fn op(summary: &str, auth: &str, body: Option<&str>, ok: &str, errors: &[u16]) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        ok.split(' ').next().unwrap_or("200").into(),
        json!({ "description": ok }),
    );
    for code in errors {
        responses.insert(
            code.to_string(),
            json!({ "$ref": "#/components/responses/Error" }),
        );
    }
    let mut o = json!({ "summary": summary, "responses": responses });
    if auth != "none" {
        o["security"] = json!([{ auth: [] }]);
    }
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    }
    o
}

pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Panjiyan sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Camp packs, exactly-once registration push, status pull and decisions. Every error is {\"error\": {\"code\", \"message\"}}. Request bodies may be gzip-compressed (Content-Encoding: gzip)."
        },
        "paths": {
            "/api/v1/login": { "post": op("Sign in with username and password; returns a bearer token", "none", Some("Login"), "200 signed in", &[400, 401, 429]) },
            "/api/v1/logout": { "post": op("End this session", "user", None, "204 signed out", &[401]) },
            "/api/v1/devices": { "post": op("Enrol a device's Ed25519 public key (secretary or operator); returns the device token and the server's pack-signing key", "user", Some("Enrol"), "201 enrolled", &[400, 401, 403]) },
            "/api/v1/devices/{id}/revoke": { "post": op("Revoke a device; it is refused from then on", "user", None, "204 revoked", &[401, 404]) },
            "/api/v1/units": { "get": op("Villages and wards the caller may download, with each pack's version and size", "any", None, "200 units", &[401]) },
            "/api/v1/units/{code}/pack": { "get": {
                "summary": "Download a camp pack. Supports ETag/If-None-Match, Range (resume) and ?from=N for a delta",
                "security": [{ "user": [] }, { "device": [] }],
                "parameters": [
                    { "name": "code", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "from", "in": "query", "required": false, "schema": { "type": "integer" } }
                ],
                "responses": {
                    "200": { "description": "the pack", "content": { "application/vnd.panjiyan.camp-pack": {} } },
                    "206": { "description": "part of the pack (Range)" },
                    "304": { "description": "not modified" },
                    "404": { "$ref": "#/components/responses/Error" },
                    "410": { "$ref": "#/components/responses/Error" },
                    "416": { "$ref": "#/components/responses/Error" }
                }
            } },
            "/api/v1/push": { "post": op("Push a batch of signed registrations; one answer per record", "device", Some("PushRequest"), "200 per-record answers", &[400, 401, 413]) },
            "/api/v1/status": { "get": op("Status changes after a cursor, for what the device sent and its units", "device", None, "200 a page of changes", &[400, 401]) },
            "/api/v1/registrations/{id}": { "get": op("A registration in the caller's area", "user", None, "200 the registration", &[401, 404]) },
            "/api/v1/registrations/{id}/decision": { "post": op("Approve (allocates the registration number) or reject with a reason", "user", Some("Decision"), "200 the decided registration", &[400, 401, 403, 404, 409]) },
            "/api/v1/camps": { "get": {
                "summary": "Camps covering the caller's villages and wards that have not ended, soonest first (id, area, start and end in epoch ms, venue, units, staff user ids): what a phone shows as today's camp",
                "security": [{ "user": [] }, { "device": [] }],
                "responses": { "200": { "description": "camps" }, "401": { "$ref": "#/components/responses/Error" } }
            } },
            "/api/v1/queue": { "get": op("The officer's queue: pending registrations of the officer's area, oldest first; filters unit, camp, occupation, from, to (epoch ms); limit", "user", None, "200 the queue with its total and oldest age", &[400, 401, 403]) },
            "/api/v1/registrations/{id}/history": { "get": op("The audit log of a registration and the SMS/voice messages sent to the worker (officers and admins)", "user", None, "200 history", &[401, 403, 404]) },
            "/api/v1/worker-status/{member_id}": { "get": op("A worker's own status by 9-digit Samagra member ID: approved (number, date), pending, rejected (reason) or not_found; name masked; rate-limited per client", "none", None, "200 status", &[400, 429]) },
            "/status": { "get": op("The same as a plain HTML page for a basic phone browser (?member_id=)", "none", None, "200 page", &[400, 429]) },
            "/api/openapi.json": { "get": op("This document", "none", None, "200 OpenAPI document", &[]) },
            "/healthz": { "get": op("The process is up", "none", None, "200 ok", &[]) },
            "/readyz": { "get": op("The database answers", "none", None, "200 ready", &[503]) },
            "/metrics": { "get": op("Prometheus metrics", "none", None, "200 metrics", &[]) }
        },
        "components": {
            "securitySchemes": {
                "user": { "type": "http", "scheme": "bearer", "description": "token from /api/v1/login" },
                "device": { "type": "http", "scheme": "bearer", "description": "device_token from /api/v1/devices" },
                "any": { "type": "http", "scheme": "bearer", "description": "a user or a device token" }
            },
            "responses": {
                "Error": { "description": "an error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
                "Login": { "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" } } },
                "Enrol": { "type": "object", "required": ["public_key"], "properties": { "public_key": { "type": "string", "description": "base64 Ed25519 public key" } } },
                "Decision": { "oneOf": [
                    { "type": "object", "required": ["decision"], "properties": { "decision": { "const": "approve" } } },
                    { "type": "object", "required": ["decision", "reason"], "properties": { "decision": { "const": "reject" }, "reason": { "enum": panjiyan_core::registration::REJECT_REASONS }, "note": { "type": "string", "maxLength": 500, "description": "the officer's own words; never sent to the worker" } } }
                ] },
                "PushRequest": { "type": "object", "required": ["protocol", "registrations", "backlog"], "properties": {
                    "protocol": { "type": "integer", "const": 1 },
                    "registrations": { "type": "array", "items": { "type": "object", "required": ["payload", "signature"], "properties": { "payload": { "type": "string", "description": "the exact JSON the device signed" }, "signature": { "type": "string", "description": "base64 Ed25519 signature" } } } },
                    "backlog": { "type": "object", "properties": { "pending": { "type": "integer" }, "oldest_pending_at": { "type": ["string", "null"] }, "app_version": { "type": "string" }, "last_error": { "type": ["string", "null"] } } }
                } }
            }
        }
    })
}
