//! The connection loop: faults, authentication, rate limiting and the
//! headers GitLab puts on every response.

use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::api::{self, Actor, ApiRequest, Reply};
use crate::http::{self, Request, Response};
use crate::{Bucket, FaultKind, Inner, RequestRecord, Shared, reply_to_response, time};

pub(crate) fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("gitlab-emulator-conn".into())
            .spawn(move || serve_connection(&conn_shared, stream));
        if spawned.is_err() {
            // Out of threads: the dropped stream closes the connection.
            continue;
        }
    }
}

enum Outcome {
    Respond(Response),
    Drop,
}

fn serve_connection(shared: &Arc<Shared>, stream: TcpStream) {
    let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    if let Ok(clone) = stream.try_clone() {
        shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, clone);
    }
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = http::read_request(&mut reader, || {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            writer.flush()
        });
        let request = match request {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(_) => {
                // A request we cannot parse: answer 400 and close.
                let response = Response {
                    status: 400,
                    headers: vec![("Content-Type".into(), "text/plain".into())],
                    body: b"Bad Request".to_vec(),
                };
                let _ = response.write_to(&mut writer, false, false);
                break;
            }
        };
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let keep_alive = request.keep_alive();
        match process(shared, &request) {
            Outcome::Respond(response) => {
                let head_only = request.method.eq_ignore_ascii_case("HEAD");
                if response
                    .write_to(&mut writer, keep_alive, head_only)
                    .is_err()
                    || !keep_alive
                {
                    break;
                }
            }
            Outcome::Drop => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
    shared
        .conns
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id);
}

/// Authentication result.
enum Auth {
    Token(Actor),
    Anonymous,
    Invalid,
}

fn authenticate(inner: &Inner, req: &Request) -> Auth {
    let token = req
        .header("private-token")
        .map(|t| t.trim().to_string())
        .or_else(|| {
            req.header("authorization").and_then(|v| {
                v.trim()
                    .split_once(char::is_whitespace)
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, t)| t.trim().to_string())
            })
        });
    match token {
        None => Auth::Anonymous,
        Some(t) => inner
            .tokens
            .get(&t)
            .map_or(Auth::Invalid, |a| Auth::Token(a.clone())),
    }
}

/// The request path and its other project form, for fault matching.
fn fault_paths(inner: &Inner, path: &str) -> Vec<String> {
    let mut paths = vec![path.to_string(), path.replace("%2f", "%2F")];
    if let Some(rest) = path.strip_prefix("/api/v4/projects/") {
        let (seg, tail) = rest.split_once('/').map_or((rest, ""), |(s, t)| (s, t));
        let tail = if tail.is_empty() {
            String::new()
        } else {
            format!("/{tail}")
        };
        let decoded = http::percent_decode(seg, false);
        if let Some(i) = inner.state.project_by_ref(&decoded) {
            let p = &inner.state.projects[i];
            paths.push(format!("/api/v4/projects/{}{tail}", p.id));
            paths.push(format!(
                "/api/v4/projects/{}{tail}",
                http::percent_encode(&p.path)
            ));
        }
    }
    paths
}

fn process(shared: &Arc<Shared>, req: &Request) -> Outcome {
    let received = SystemTime::now();
    let (latency, fault) = {
        let mut inner = shared.lock();
        let paths = fault_paths(&inner, req.path());
        let fault = inner
            .faults
            .iter_mut()
            .find(|f| f.matches(&req.method, &paths))
            .map(|f| {
                f.times -= 1;
                f.kind.clone()
            });
        inner.faults.retain(|f| f.times > 0);
        (inner.options.latency, fault)
    };
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let mut record = RequestRecord {
        method: req.method.clone(),
        target: req.target.clone(),
        headers: req.headers.clone(),
        status: None,
        dropped: false,
        faulted: fault.is_some(),
        username: None,
        at: received,
    };
    let outcome = match fault {
        Some(FaultKind::Drop) => {
            record.dropped = true;
            Outcome::Drop
        }
        Some(FaultKind::Status { status, body }) => {
            let mut inner = shared.lock();
            let mut headers = base_headers(&mut inner);
            let body = body.unwrap_or_else(|| {
                json!({"message": format!("{status} {}", http::reason_phrase(status))}).to_string()
            });
            headers.push(("Content-Type".into(), "application/json".into()));
            record.status = Some(status);
            inner.log.push(record);
            return Outcome::Respond(Response {
                status,
                headers,
                body: body.into_bytes(),
            });
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            let mut inner = shared.lock();
            let mut headers = base_headers(&mut inner);
            let now = time::real_now_secs();
            let limit = inner.options.rate_limit;
            let reset = now + i64::try_from(retry_after_secs).unwrap_or(0);
            throttled_headers(
                &mut headers,
                &inner,
                limit.saturating_add(1),
                reset,
                retry_after_secs,
            );
            record.status = Some(429);
            inner.log.push(record);
            return Outcome::Respond(Response {
                status: 429,
                headers,
                body: b"Retry later\n".to_vec(),
            });
        }
        Some(FaultKind::Delay(by)) => {
            thread::sleep(by);
            Outcome::Respond(handle_normally(shared, req, &mut record))
        }
        Some(FaultKind::WriteThenDrop) => {
            let _ = handle_normally(shared, req, &mut record);
            record.dropped = true;
            Outcome::Drop
        }
        None => Outcome::Respond(handle_normally(shared, req, &mut record)),
    };
    shared.lock().log.push(record);
    outcome
}

/// Headers GitLab sends on every API response.
fn base_headers(inner: &mut Inner) -> Vec<(String, String)> {
    inner.request_seq += 1;
    let request_id = format!("01J{:023X}", inner.request_seq);
    vec![
        ("Server".into(), "nginx".into()),
        ("Date".into(), time::http_date(time::real_now_secs())),
        (
            "Cache-Control".into(),
            "max-age=0, private, must-revalidate".into(),
        ),
        ("Vary".into(), "Origin, Accept-Encoding".into()),
        ("X-Content-Type-Options".into(), "nosniff".into()),
        ("X-Frame-Options".into(), "SAMEORIGIN".into()),
        (
            "X-Gitlab-Meta".into(),
            json!({"correlation_id": request_id, "version": "1"}).to_string(),
        ),
        ("X-Request-Id".into(), request_id),
        ("X-Runtime".into(), "0.010000".into()),
    ]
}

/// `RateLimit-Limit` is the quota scaled to a 60-second window, as
/// `Gitlab::RackAttack.throttled_response_headers` rounds it.
fn per_minute(limit: u32, window: Duration) -> u64 {
    let secs = window.as_secs().max(1);
    (u64::from(limit) * 60).div_ceil(secs)
}

fn rate_headers(headers: &mut Vec<(String, String)>, inner: &Inner, observed: u32, reset: i64) {
    let limit = inner.options.rate_limit;
    headers.push(("RateLimit-Name".into(), "throttle_authenticated_api".into()));
    headers.push((
        "RateLimit-Limit".into(),
        per_minute(limit, inner.options.rate_limit_window).to_string(),
    ));
    headers.push(("RateLimit-Observed".into(), observed.to_string()));
    headers.push((
        "RateLimit-Remaining".into(),
        limit.saturating_sub(observed).to_string(),
    ));
    headers.push(("RateLimit-Reset".into(), reset.to_string()));
    headers.push(("RateLimit-ResetTime".into(), time::http_date(reset)));
}

/// Rack::Attack's throttled response headers (body `Retry later\n`).
fn throttled_headers(
    headers: &mut Vec<(String, String)>,
    inner: &Inner,
    observed: u32,
    reset: i64,
    retry_after: u64,
) {
    headers.push(("Content-Type".into(), "text/plain".into()));
    rate_headers(headers, inner, observed, reset);
    headers.push(("Retry-After".into(), retry_after.to_string()));
}

fn bucket_for(buckets: &mut HashMap<u64, Bucket>, user: u64, window: Duration) -> &mut Bucket {
    let bucket = buckets.entry(user).or_insert(Bucket {
        used: 0,
        reset_at: UNIX_EPOCH,
    });
    bucket.refresh(SystemTime::now(), window);
    bucket
}

fn handle_normally(shared: &Arc<Shared>, req: &Request, record: &mut RequestRecord) -> Response {
    let mut inner = shared.lock();
    let mut headers = base_headers(&mut inner);
    let host = req
        .header("host")
        .map_or_else(|| shared.addr.to_string(), str::to_string);
    let base = format!("http://{host}");
    let actor = match authenticate(&inner, req) {
        Auth::Token(actor) => Some(actor),
        Auth::Anonymous => None,
        Auth::Invalid => {
            record.status = Some(401);
            // An unknown route answers 404 before any authentication.
            let reply = if api::match_route(req.path()).is_some() {
                api::message(401, "401 Unauthorized")
            } else {
                api::error(404, "404 Not Found")
            };
            record.status = Some(reply.status);
            return reply_to_response(reply, headers);
        }
    };
    record.username = actor.as_ref().map(|a| a.username.clone());

    // Rack::Attack runs before the API: count, and refuse over the limit.
    if let Some(a) = &actor {
        let window = inner.options.rate_limit_window;
        let limit = inner.options.rate_limit;
        let bucket = bucket_for(&mut inner.buckets, a.user_id, window);
        bucket.used = bucket.used.saturating_add(1);
        let bucket = *bucket;
        if bucket.used > limit {
            let reset = bucket.reset_epoch();
            let left = bucket
                .reset_at
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            let retry_after = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
            throttled_headers(&mut headers, &inner, bucket.used, reset, retry_after);
            record.status = Some(429);
            return Response {
                status: 429,
                headers,
                body: b"Retry later\n".to_vec(),
            };
        }
        rate_headers(&mut headers, &inner, bucket.used, bucket.reset_epoch());
    }

    let ctx = inner.ctx(base, actor.as_ref());
    let method = if req.method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        req.method.as_str()
    };
    let api_req = ApiRequest {
        method,
        path: req.path(),
        raw_query: req.query(),
        body: &req.body,
        content_type: req.header("content-type"),
    };
    let reply: Reply = api::handle(&mut inner.state, &ctx, &api_req);
    record.status = Some(reply.status);
    reply_to_response(reply, headers)
}
