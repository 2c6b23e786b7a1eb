//! The OpenAPI 3.1 document served at `/api/openapi.json`, generated from the annotated
//! handlers and the types they take and return (`api::documented`, ADR 0005): a route is
//! added to the router and to the document by the same line, so the two cannot drift.

use crate::error::ErrorBody;
use std::sync::OnceLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// What the document says besides its paths: the title, the error shape, the security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Panjiyan sync server",
        description = "Camp packs, exactly-once registration push, status pull and decisions. Every error is {\"error\": {\"code\", \"message\"}} (the `ErrorBody` schema). Request bodies may be gzip-compressed (Content-Encoding: gzip)."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerTokens)
)]
pub struct ApiDoc;

/// The two bearer tokens: a user's session and a device's.
struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(description.to_owned());
            SecurityScheme::Http(http)
        };
        components.add_security_scheme("user", bearer("token from /api/v1/login"));
        components.add_security_scheme("device", bearer("device_token from /api/v1/devices"));
        components.add_security_scheme(
            "metrics",
            bearer("the token the server was started with (--metrics-token)"),
        );
    }
}

/// The document, built once from the same routes the server serves.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| crate::api::documented().into_openapi())
}
