//! The HTTP API, versioned under `/api/v1`, JSON in and out; one module per concept.

mod camps;
pub(crate) mod decisions;
mod devices;
mod ops;
mod packs;
pub(crate) mod session;
pub mod sms;
pub(crate) mod sync;
mod voice;
pub(crate) mod worker;

use crate::app::App;
use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route with its documentation: `routes!` takes each handler's `#[utoipa::path]`, so a
/// route cannot be served without being in `/api/openapi.json`.
pub(crate) fn documented() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(devices::enrol))
        .routes(routes!(devices::revoke))
        .routes(routes!(packs::units))
        .routes(routes!(packs::download))
        .routes(routes!(packs::keys))
        .routes(routes!(camps::list))
        .routes(routes!(sync::push))
        .routes(routes!(sync::status))
        .routes(routes!(decisions::queue))
        .routes(routes!(decisions::show))
        .routes(routes!(decisions::decide))
        .routes(routes!(worker::status_json))
        .routes(routes!(decisions::history))
        .routes(routes!(worker::status_page))
        .routes(routes!(voice::audio))
        .routes(routes!(sms::inbound))
        .routes(routes!(ops::openapi))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
}

pub fn routes() -> Router<App> {
    let (router, _document) = documented().split_for_parts();
    router.fallback(ops::not_found)
}
