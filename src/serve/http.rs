//! The routes: `/probe`, `/metrics`, `/`, `/-/reload`, and basic auth around them all
//! when the web config has users. Every refusal is one line of text with its status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;

use super::config::Module;
use super::metrics::Refusal;
use super::{DebugSource, Recent, State, landing};
use crate::report::Report;
use crate::report::metrics::{Exposition, failed_registry, probe_registry, write_registry};
use crate::report::table::{TableStyle, write_table};
use crate::target::Target;

/// The header Prometheus sends with its scrape timeout.
const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// Beyond the probe's own deadline (which it keeps within 10 %), when the exporter
/// gives up on it and answers `probe_success 0` without a report.
const BACKSTOP: Duration = Duration::from_millis(250);

/// Longest scrape timeout believed: a day, as `probe --deadline` allows.
const MAX_SCRAPE_TIMEOUT_S: f64 = 86_400.0;

/// The module a scrape without `module=` gets, when the config has one by this name.
pub(super) const DEFAULT_MODULE: &str = "default";

/// Most module names an error lists: a config of hundreds would make a page, not a line.
const MAX_MODULES_LISTED: usize = 20;

/// `known modules: a, b, c` (or `the config has no module`) for an error line.
fn known_modules(modules: &BTreeMap<String, Module>) -> String {
    if modules.is_empty() {
        return "the config has no module".to_string();
    }
    let names: Vec<String> = modules
        .keys()
        .take(MAX_MODULES_LISTED)
        .map(|n| n.chars().flat_map(char::escape_default).collect())
        .collect();
    let more = match modules.len().saturating_sub(MAX_MODULES_LISTED) {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    format!("known modules: {}{more}", names.join(", "))
}

/// Longest target accepted: a URL longer than this is no FTP server's.
const MAX_TARGET_CHARS: usize = 2048;

/// Most bcrypt checks at once: each costs tens of milliseconds of CPU on purpose, and
/// a flood of wrong passwords must not take the probes' CPU.
const BCRYPT_AT_ONCE: usize = 2;

/// The exporter's routes over `state`; `users` adds basic auth in front of them all.
pub(super) fn router(state: Arc<State>, users: Option<Arc<BTreeMap<String, String>>>) -> Router {
    let routes = Router::new()
        .route("/probe", get(probe))
        .route("/metrics", get(own_metrics))
        .route("/", get(landing::page))
        .route("/report", get(recent_report))
        .route("/-/reload", post(reload))
        .with_state(state.clone());
    match users {
        None => routes,
        Some(users) => {
            let auth = Arc::new(Auth {
                users,
                state,
                checks: tokio::sync::Semaphore::new(BCRYPT_AT_ONCE),
            });
            routes.layer(middleware::from_fn_with_state(auth, basic_auth))
        }
    }
}

/// One line of text with a status: every refusal's answer.
fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut body = body.into();
    body.push('\n');
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A request refused before any probe: why (which sets the status) and in what words.
struct Refused {
    why: Refusal,
    message: String,
}

impl Refused {
    fn new(why: Refusal, message: impl Into<String>) -> Refused {
        Refused {
            why,
            message: message.into(),
        }
    }
}

fn status_of(why: Refusal) -> StatusCode {
    match why {
        Refusal::BadRequest | Refusal::UnknownModule | Refusal::Credentials => {
            StatusCode::BAD_REQUEST
        }
        Refusal::NotAllowed => StatusCode::FORBIDDEN,
        Refusal::Busy | Refusal::Connections => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
    }
}

/// Counts the refusal and answers it.
fn refuse(state: &State, refused: Refused) -> Response {
    state.metrics.refused(refused.why);
    text(status_of(refused.why), refused.message)
}

/// What `/probe` was asked, checked.
struct Asked {
    module: Module,
    target: Target,
    debug: bool,
}

/// Reads the query: target and module present, no credentials, the module known, the
/// target parsed and allowed by it. Nothing here touches the network.
fn asked(
    state: &State,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Asked, Refused> {
    let bad = |why: Refusal, message: String| Err(Refused::new(why, message));
    let Ok(Query(pairs)) = query else {
        return bad(
            Refusal::BadRequest,
            "the query string is not valid URL encoding".into(),
        );
    };
    if pairs.iter().any(|(k, _)| {
        matches!(
            k.to_ascii_lowercase().as_str(),
            "password" | "pass" | "passwd" | "pw" | "user"
        )
    }) {
        return bad(
            Refusal::Credentials,
            "credentials are not taken from the URL: set user with password_file or password_env in the module".into(),
        );
    }
    let one = |key: &str| -> Result<Option<&str>, String> {
        let mut values = pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (_, Some(_)) => Err(format!("{key} given more than once")),
            (v, None) => Ok(v),
        }
    };
    let (target, module, debug) = match (one("target"), one("module"), one("debug")) {
        (Ok(t), Ok(m), Ok(d)) => (t, m, d),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad(Refusal::BadRequest, e),
    };
    let Some(target) = target.filter(|t| !t.is_empty()) else {
        return bad(Refusal::BadRequest, "target parameter is missing".into());
    };
    let debug = match debug {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return bad(Refusal::BadRequest, "debug must be true or false".into()),
    };
    let config = state.config();
    let module = match module.filter(|m| !m.is_empty()) {
        Some(name) => config.modules.get(name).cloned().ok_or_else(|| {
            let shown: String = name
                .chars()
                .take(64)
                .flat_map(char::escape_default)
                .collect();
            Refused::new(
                Refusal::UnknownModule,
                format!(
                    "unknown module \"{shown}\"; {}",
                    known_modules(&config.modules)
                ),
            )
        })?,
        // As blackbox_exporter's `http_2xx` habit: a module named `default` serves a
        // scrape that names none.
        None => config.modules.get(DEFAULT_MODULE).cloned().ok_or_else(|| {
            Refused::new(
                Refusal::BadRequest,
                format!(
                    "module parameter is missing (no module is named \"{DEFAULT_MODULE}\"); {}",
                    known_modules(&config.modules)
                ),
            )
        })?,
    };
    if target.chars().count() > MAX_TARGET_CHARS {
        return bad(
            Refusal::BadRequest,
            format!("target longer than {MAX_TARGET_CHARS} characters"),
        );
    }
    let parsed = match Target::parse(target) {
        // A target that fails to parse may hold a password the error would quote.
        Err(_) if target.contains('@') => {
            return bad(
                Refusal::Credentials,
                "credentials are not taken from the URL: set them in the module".into(),
            );
        }
        Err(e) => return bad(Refusal::BadRequest, format!("invalid target: {e}")),
        Ok(t) => t,
    };
    if parsed.user.is_some() || parsed.password.is_some() {
        return bad(
            Refusal::Credentials,
            "credentials are not taken from the URL: set them in the module".into(),
        );
    }
    if !module.allow.allows(&parsed) {
        return Err(Refused::new(
            Refusal::NotAllowed,
            format!(
                "target {} is not allowed by module {}, which allows: {}",
                parsed.display_input(),
                module.name,
                module.allow.patterns()
            ),
        ));
    }
    Ok(Asked {
        module,
        target: parsed,
        debug,
    })
}

/// The probe's deadline: the module's, shortened to the scrape's timeout less the
/// offset, so that the answer is out before Prometheus gives up on it.
fn deadline(headers: &HeaderMap, offset: Duration, module: Duration) -> Result<Duration, String> {
    let Some(value) = headers.get(SCRAPE_TIMEOUT_HEADER) else {
        return Ok(module);
    };
    let seconds: f64 = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= MAX_SCRAPE_TIMEOUT_S)
        .ok_or_else(|| {
            "X-Prometheus-Scrape-Timeout-Seconds is not a number of seconds".to_string()
        })?;
    let scrape = Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())?;
    // An offset as long as the timeout itself leaves nothing: then half of it.
    let left = match scrape.checked_sub(offset) {
        Some(left) if !left.is_zero() => left,
        _ => scrape / 2,
    };
    Ok(left.min(module))
}

/// A module's `idle` must fit in the scrape: not longer than the scrape's timeout less
/// the offset (`deadline`, which is never shorter than that unless the module's own
/// deadline, itself `idle` plus a margin, is).
fn idle_fits(module: &Module, deadline: Duration) -> Result<(), String> {
    match module.options().idle {
        Some(idle) if idle > deadline => Err(format!(
            "module {}: idle {} is longer than the scrape timeout less --timeout-offset ({}): \
             raise the job's scrape_timeout or lower the module's idle",
            module.name,
            crate::wire::human(idle),
            crate::wire::human(deadline)
        )),
        _ => Ok(()),
    }
}

async fn probe(
    With(state): With<Arc<State>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let asked = match asked(&state, query) {
        Ok(asked) => asked,
        Err(refused) => return refuse(&state, refused),
    };
    let deadline = deadline(&headers, state.timeout_offset, asked.module.deadline())
        .and_then(|d| idle_fits(&asked.module, d).map(|()| d));
    let deadline = match deadline {
        Ok(d) => d,
        Err(e) => return refuse(&state, Refused::new(Refusal::BadRequest, e)),
    };
    let Ok(_permit) = state.probes.clone().try_acquire_owned() else {
        let busy = Refused::new(Refusal::Busy, "too many probes running; try again later");
        return refuse(&state, busy);
    };
    let _in_flight = state.metrics.in_flight();
    let started = Instant::now();
    let input = asked.target.display_input();
    let config = asked.module.probe_config(asked.target, deadline);
    let report = tokio::time::timeout(
        deadline + BACKSTOP,
        crate::pipeline::probe_and_report(&config),
    )
    .await
    .ok();
    let seconds = started.elapsed().as_secs_f64();
    let success = report
        .as_ref()
        .is_some_and(|r| r.worst().is_none_or(|w| w < asked.module.fail_on));
    state.metrics.probed(&asked.module.name, success);
    let report = report.map(Arc::new);
    let registry = registry_of(report.as_deref(), &asked.module, seconds);
    let format = Exposition::from_accept(headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()));
    let debug = DebugSource {
        report: report.clone(),
        module: asked.module.clone(),
        deadline,
        seconds,
    };
    state.remember(Recent {
        id: 0,
        when: SystemTime::now(),
        module: asked.module.name.clone(),
        target: input,
        success,
        seconds,
        cause: match &report {
            Some(r) => r.summary.cause.clone(),
            None => Some("the probe did not finish in time".to_string()),
        },
        debug: debug.clone(),
    });
    if asked.debug {
        return text(StatusCode::OK, debug_text(&debug));
    }
    exposition(&registry, format)
}

/// A registry as a scrape answer, with the format's exact Content-Type.
fn exposition(registry: &prometheus_client::registry::Registry, format: Exposition) -> Response {
    let mut body = Vec::new();
    if write_registry(registry, format, &mut body).is_err() {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "encoding the metrics failed",
        );
    }
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

/// What `debug=true` shows, as blackbox_exporter does: the report, the metrics the
/// scrape would have got, and the module.
fn debug_text(source: &DebugSource) -> String {
    let registry = registry_of(source.report.as_deref(), &source.module, source.seconds);
    let mut out = Vec::new();
    out.extend_from_slice(b"Report:\n");
    match source.report.as_deref() {
        Some(r) => {
            let _ = write_table(r, &TableStyle::default(), &mut out);
        }
        None => out.extend_from_slice(b"(none: the probe did not finish in time)\n"),
    }
    out.extend_from_slice(b"\nMetrics that would have been returned:\n");
    let _ = write_registry(&registry, Exposition::Text, &mut out);
    let deadline = crate::wire::human(source.deadline);
    out.extend_from_slice(format!("\nDeadline: {deadline}\n").as_bytes());
    out.extend_from_slice(source.module.describe().as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// The scrape's metrics: the report's, or those of a probe that did not finish.
fn registry_of(
    report: Option<&Report>,
    module: &Module,
    seconds: f64,
) -> prometheus_client::registry::Registry {
    match report {
        Some(r) => probe_registry(r, module.fail_on),
        None => failed_registry(seconds),
    }
}

/// `/report?id=N`: a recent probe's report, as the landing page links it.
async fn recent_report(
    With(state): With<Arc<State>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let id = query.ok().and_then(|Query(pairs)| {
        pairs
            .iter()
            .find(|(k, _)| k == "id")
            .and_then(|(_, v)| v.parse::<u64>().ok())
    });
    let Some(id) = id else {
        return text(StatusCode::BAD_REQUEST, "id must be a probe's number");
    };
    match state.recent_report(id) {
        Some(source) => text(StatusCode::OK, debug_text(&source)),
        None => text(
            StatusCode::NOT_FOUND,
            format!(
                "probe {id} is not among the last {} probes",
                super::RECENT_PROBES
            ),
        ),
    }
}

async fn own_metrics(With(state): With<Arc<State>>, headers: HeaderMap) -> Response {
    let format = Exposition::from_accept(headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()));
    exposition(state.metrics.registry(), format)
}

async fn reload(With(state): With<Arc<State>>) -> Response {
    let state2 = state.clone();
    // Reading password and CA files is blocking I/O.
    match tokio::task::spawn_blocking(move || state2.reload()).await {
        Ok(Ok(modules)) => text(
            StatusCode::OK,
            format!("config reloaded: {modules} modules"),
        ),
        Ok(Err(e)) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed, the previous config stays: {e}"),
        ),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "reload failed"),
    }
}

/// Basic auth: users and their bcrypt hashes, as exporter-toolkit's web config has them.
struct Auth {
    users: Arc<BTreeMap<String, String>>,
    state: Arc<State>,
    checks: tokio::sync::Semaphore,
}

async fn basic_auth(With(auth): With<Arc<Auth>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        });
    let hash = given
        .as_ref()
        .and_then(|(user, _)| auth.users.get(user).cloned());
    let ok = match (given, hash) {
        (Some((_, password)), Some(hash)) => match auth.checks.acquire().await {
            Ok(_permit) => tokio::task::spawn_blocking(move || {
                bcrypt::verify(password, &hash).unwrap_or(false)
            })
            .await
            .unwrap_or(false),
            Err(_) => false,
        },
        _ => false,
    };
    if ok {
        return next.run(request).await;
    }
    auth.state.metrics.refused(Refusal::Unauthorized);
    let mut response = text(StatusCode::UNAUTHORIZED, "unauthorized");
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"ftpdoctor\""),
    );
    response
}

#[cfg(test)]
mod tests;
