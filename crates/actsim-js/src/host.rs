//! The native functions behind the prelude (`__host`): virtual time, seeded randomness, console
//! capture, command recording, `api.cache`, host operations, HS256 and base64 helpers, and
//! compiling the action's code.

use actsim_cache::{CacheErrorCode, SetOptions};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rquickjs::function::Opt;
use rquickjs::{Array, Class, Ctx, Exception, Function, Module, Object, Value};
use sha2::Sha256;

use crate::atoms::HostAtoms;
use crate::errors::{classify, JsErrorInfo};
use crate::event::EventSource;
use crate::ops::{FetchRequest, HostOpKind};
use crate::report::{CacheOp, CacheOpKind, Command, ConsoleLine, Notification, Outcome, Redirect};
use crate::source::{wrap_commonjs, ModuleForm};
use crate::state::HostStateRef;
use crate::text::{js_string_kept, kept_js_string, kept_json, node_utf8_len, Kept, Text};
use crate::warm::TextRead;

use crate::boundary::set_native;

type JsResult<T> = rquickjs::Result<T>;

/// Build the `__host` object for `ctx`.
pub(crate) fn build<'js>(ctx: &Ctx<'js>, state: &HostStateRef) -> JsResult<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    time_and_randomness(ctx, &host, state)?;
    console_and_commands(ctx, &host, state)?;
    cache(ctx, &host, state)?;
    operations(ctx, &host, state)?;
    encoding(ctx, &host)?;
    loading(ctx, &host, state)?;
    // The natives only lazily loaded prelude scripts use are added when those load
    // (prelude.rs: add_script_natives; groups in boundary.rs).
    Ok(host)
}

fn exec_id(v: f64) -> u64 {
    v as u64
}

fn time_and_randomness<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &HostStateRef,
) -> JsResult<()> {
    let s = state.clone();
    set_native(ctx, host, "now", move || s.borrow().clock.now_ms() as f64)?;
    let s = state.clone();
    set_native(ctx, host, "startedAt", move || {
        s.borrow().started_at_ms as f64
    })?;
    let s = state.clone();
    set_native(ctx, host, "random", move || s.borrow_mut().rng.next_f64())?;
    Ok(())
}

fn console_and_commands<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &HostStateRef,
) -> JsResult<()> {
    let s = state.clone();
    set_native(
        ctx,
        host,
        "log",
        move |ctx: Ctx<'js>, level: String, Kept(text): Kept| -> JsResult<()> {
            let mut st = s.borrow_mut();
            let at_ms = st.clock.now_ms();
            let cap = st.config.console_cap_bytes;
            let bytes = node_utf8_len(&text);
            if let Some(id) = st.current_exec {
                // Every byte logged counts toward the host data limit, kept or not.
                charge(&ctx, &mut st, id, bytes)?;
            }
            let line = ConsoleLine { at_ms, level, text };
            if let Some(exec) = st.current_exec.and_then(|id| st.execs.get_mut(&id)) {
                // Once cut, stay cut: the kept output is always a prefix of what was written.
                if exec.report.console_truncated || exec.console_bytes + bytes > cap {
                    exec.report.console_truncated = true;
                } else {
                    exec.console_bytes += bytes;
                    exec.report.console.push(line);
                }
                return Ok(());
            }
            // Output with no execution (a late timer) is kept up to the same cap.
            if st.orphan_console_bytes + bytes <= cap {
                st.orphan_console_bytes += bytes;
                st.orphan_console.push(line);
            }
            Ok(())
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "record",
        move |ctx: Ctx<'js>, id: f64, name: String, args: String| -> JsResult<()> {
            let mut st = s.borrow_mut();
            let at_ms = st.clock.now_ms();
            charge(&ctx, &mut st, exec_id(id), name.len() + args.len())?;
            if let Some(exec) = st.execs.get_mut(&exec_id(id)) {
                let args =
                    serde_json::from_str(&kept_json(&args)).unwrap_or(serde_json::Value::Null);
                exec.report.commands.push(Command { at_ms, name, args });
            }
            Ok(())
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "recordValues",
        move |ctx: Ctx<'js>,
              id: f64,
              name: Value<'js>,
              count: u32,
              a: Value<'js>,
              b: Value<'js>|
              -> JsResult<bool> {
            let values = &[a, b][..(count as usize).min(2)];
            if !values.iter().all(is_recordable_primitive) {
                return Ok(false);
            }
            // The prelude passes the same literal names again and again, actions often the
            // same literal arguments (warm.rs: text_by_identity).
            let fast = s.borrow().config.fast_paths;
            let handles = crate::handles::get(&ctx)?;
            let name = crate::warm::text_by_identity(&ctx, &handles, fast, name, TextRead::Kept)?;
            let mut args = Vec::with_capacity(values.len());
            for v in values {
                args.push(if v.is_string() {
                    // (As primitive_json: a string the engine cannot give is recorded empty.)
                    let text = crate::warm::text_by_identity(
                        &ctx,
                        &handles,
                        fast,
                        v.clone(),
                        TextRead::Kept,
                    );
                    serde_json::Value::String(text.unwrap_or_default())
                } else {
                    primitive_json(v)
                });
            }
            drop(handles);
            let bytes = name.len() + args.iter().map(json_size).sum::<usize>();
            let mut st = s.borrow_mut();
            let at_ms = st.clock.now_ms();
            charge(&ctx, &mut st, exec_id(id), bytes)?;
            if let Some(exec) = st.execs.get_mut(&exec_id(id)) {
                exec.report.commands.push(Command {
                    at_ms,
                    name,
                    args: serde_json::Value::Array(args),
                });
            }
            Ok(true)
        },
    )?;
    set_native(
        ctx,
        host,
        "eventFieldJson",
        |ctx: Ctx<'js>, source: Class<'js, EventSource<'js>>, index: u32| -> JsResult<Value<'js>> {
            let source = source.borrow();
            match source.event.fields().get(index as usize) {
                Some(field) => rquickjs::String::from_str(ctx, &field.json).map(|s| s.into_value()),
                None => Ok(Value::new_undefined(ctx)),
            }
        },
    )?;
    // The first read of a lazy event field (`eventFieldRead`) or of `event.secrets`
    // (`eventSecretsRead`) through `obj` (the event or an object that inherits from it), all in
    // one call (fast paths, warm.rs; prelude.js does the same in JavaScript with them off).
    type FirstRead<'js> = fn(&Ctx<'js>, &Object<'js>, u32) -> JsResult<Value<'js>>;
    let first_reads: [(&str, FirstRead<'js>); 2] = [
        ("eventFieldRead", crate::event::read_lazy_field),
        ("eventSecretsRead", crate::event::read_secrets_field),
    ];
    for (name, read) in first_reads {
        set_native(
            ctx,
            host,
            name,
            move |ctx: Ctx<'js>, obj: Value<'js>, index: u32| -> JsResult<Value<'js>> {
                match event_owner(obj) {
                    Some(owner) => read(&ctx, &owner, index),
                    None => Ok(Value::new_undefined(ctx)),
                }
            },
        )?;
    }
    set_native(
        ctx,
        host,
        "eventOwner",
        |ctx: Ctx<'js>, obj: Value<'js>| -> JsResult<Value<'js>> {
            Ok(event_owner(obj).map_or_else(|| Value::new_undefined(ctx), |o| o.into_value()))
        },
    )?;
    set_native(
        ctx,
        host,
        "eventExecId",
        |source: Class<'js, EventSource<'js>>| source.borrow().exec_id as f64,
    )?;
    set_native(
        ctx,
        host,
        "eventSecrets",
        |source: Class<'js, EventSource<'js>>| source.borrow().secrets.clone(),
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "finishCompleted",
        // `notification`: `drop` or `retry` when a provider action called api.notification.
        move |id: f64, denied: bool, notification: Opt<Value<'js>>| {
            let mut st = s.borrow_mut();
            let notification = notification.0.and_then(|v| optional_string(&v));
            let notification = match notification.as_deref() {
                Some("drop") => Some(Notification::Drop),
                Some("retry") => Some(Notification::Retry),
                _ => None,
            };
            if let Some(exec) = st.execs.get_mut(&exec_id(id)) {
                exec.report.notification = notification;
            }
            st.finish(
                exec_id(id),
                Outcome::Completed {
                    denied,
                    redirect: None,
                },
            );
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "unreadFailedSet",
        move |id: f64, Kept(key): Kept, code: String| {
            let mut st = s.borrow_mut();
            if let Some(exec) = st.execs.get_mut(&exec_id(id)) {
                exec.report.unread_failed_sets.push((key, code));
            }
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "secretMissing",
        move |id: f64, Kept(name): Kept| {
            let mut st = s.borrow_mut();
            if let Some(exec) = st.execs.get_mut(&exec_id(id)) {
                if !exec.report.missing_secrets.contains(&name) {
                    exec.report.missing_secrets.push(name);
                }
            }
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "finishRedirected",
        // `query` is the action's query object as JSON (a copy of a value of the action's), or
        // undefined when it has no JSON form.
        // `prompt`: the prompt's id when api.prompt.render suspended the flow.
        move |id: f64,
              denied: bool,
              Kept(url): Kept,
              query: Option<String>,
              prompt: Opt<Value<'js>>| {
            let query = query
                .and_then(|q| serde_json::from_str(&kept_json(&q)).ok())
                .unwrap_or(serde_json::Value::Null);
            let redirect = Some(Redirect {
                url,
                query,
                prompt: prompt.0.and_then(|v| optional_string(&v)),
            });
            s.borrow_mut()
                .finish(exec_id(id), Outcome::Completed { denied, redirect });
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "finishFailed",
        move |id: f64, info: JsErrorInfo| {
            let mut st = s.borrow_mut();
            let error = classify(info, &st.action);
            st.finish(exec_id(id), Outcome::Failed { error });
        },
    )?;
    Ok(())
}

/// Count `bytes` handed to the host by execution `id` ([`crate::state::HostState::charge`]);
/// past the limit, throw (the execution has ended with `HostLimitExceeded`).
fn charge(
    ctx: &Ctx<'_>,
    st: &mut crate::state::HostState,
    id: crate::ops::ExecId,
    bytes: usize,
) -> JsResult<()> {
    st.charge(id, bytes)
        .map_err(|message| Exception::throw_range(ctx, &message))
}

/// The length of a primitive's JSON text, near enough to count it toward the host data limit.
fn json_size(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::String(s) => s.len() + 2,
        _ => 8,
    }
}

/// The text of `v` when it is a string (an optional argument of a native).
fn optional_string(v: &Value<'_>) -> Option<String> {
    v.as_string().and_then(|s| js_string_kept(s).ok())
}

/// Whether `recordValues` records `v` itself: a string, number, boolean, `undefined` or
/// `null` (symbols, bigints, objects and functions are copied through JSON by the prelude).
fn is_recordable_primitive(v: &Value<'_>) -> bool {
    v.is_string() || v.is_number() || v.is_bool() || v.is_undefined() || v.is_null()
}

/// A primitive argument of a recorded `api` call as JSON, the way the prelude's
/// `JSON.parse(JSON.stringify(v))` copies it: `undefined` and non-finite numbers become `null`,
/// integral numbers stay integers.
fn primitive_json(v: &Value<'_>) -> serde_json::Value {
    if let Some(b) = v.as_bool() {
        serde_json::Value::Bool(b)
    } else if let Some(s) = v.as_string() {
        serde_json::Value::String(js_string_kept(s).unwrap_or_default())
    } else if let Some(i) = v.as_int() {
        serde_json::Value::from(i)
    } else if let Some(n) = v.as_float() {
        number_json(n)
    } else {
        serde_json::Value::Null
    }
}

fn number_json(n: f64) -> serde_json::Value {
    if !n.is_finite() {
        serde_json::Value::Null
    } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

fn record_object<'js>(
    ctx: &Ctx<'js>,
    atoms: &HostAtoms<'js>,
    value: Value<'js>,
    expires_at: i64,
) -> JsResult<Object<'js>> {
    let record = Object::new(ctx.clone())?;
    atoms.value.define(&record, &value)?;
    let expires_at = Value::new_number(ctx.clone(), expires_at as f64);
    atoms.expires_at.define(&record, &expires_at)?;
    Ok(record)
}

fn error_object<'js>(ctx: &Ctx<'js>, code: CacheErrorCode) -> JsResult<Object<'js>> {
    let result = Object::new(ctx.clone())?;
    result.set("type", "error")?;
    result.set("code", code.as_str())?;
    Ok(result)
}

/// The `exp` claim of `value` when it is a JWT (three base64url parts with a JSON payload).
fn jwt_exp(value: &str) -> Option<i64> {
    let mut parts = value.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let claims: serde_json::Value = serde_json::from_str(&base64url_text(payload)?).ok()?;
    claims.get("exp")?.as_i64()
}

fn number_option(v: Value<'_>) -> Option<f64> {
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v.as_number().unwrap_or(f64::NAN))
    }
}

fn cache<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    let s = state.clone();
    set_native(
        ctx,
        host,
        "cacheGet",
        move |ctx: Ctx<'js>, id: f64, key: Value<'js>| -> JsResult<Value<'js>> {
            let fast = s.borrow().config.fast_paths;
            let handles = crate::handles::get(&ctx)?;
            let key = crate::warm::text_by_identity(&ctx, &handles, fast, key, TextRead::Kept)?;
            let mut st = s.borrow_mut();
            let now = st.clock.now_ms();
            charge(&ctx, &mut st, exec_id(id), node_utf8_len(&key))?;
            let Some(exec) = st.execs.get_mut(&exec_id(id)) else {
                return Err(Exception::throw_message(
                    &ctx,
                    "api.cache used after its execution ended",
                ));
            };
            // The record is read in place: its value (often an 800-byte token) is copied only
            // when it differs from the last one returned (warm.rs: cache_value).
            let cache = exec.cache.clone();
            let cache = cache.borrow();
            let found = cache.peek(&key, now);
            exec.report.cache_ops.push(CacheOp {
                at_ms: now,
                op: CacheOpKind::Get,
                key,
                result: if found.is_some() { "hit" } else { "miss" }.to_string(),
                expires_at: found.map(|r| r.expires_at),
                value_bytes: None,
                ttl: None,
                expires_at_option: None,
                jwt_exp: None,
            });
            let Some(record) = found else {
                return Ok(Value::new_undefined(ctx.clone()));
            };
            let value = crate::warm::cache_value(&ctx, &handles, fast, &record.value)?;
            let record =
                record_object(&ctx, &handles.atoms, value.into_value(), record.expires_at)?;
            Ok(record.into_value())
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "cacheSet",
        move |ctx: Ctx<'js>,
              id: f64,
              Kept(key): Kept,
              Kept(value): Kept,
              ttl: Value<'js>,
              expires_at: Value<'js>|
              -> JsResult<Object<'js>> {
            let mut st = s.borrow_mut();
            let now = st.clock.now_ms();
            let cap = st.config.max_cache_writes_per_execution;
            let value_bytes = node_utf8_len(&value);
            charge(
                &ctx,
                &mut st,
                exec_id(id),
                node_utf8_len(&key) + value_bytes,
            )?;
            let Some(exec) = st.execs.get_mut(&exec_id(id)) else {
                return Err(Exception::throw_message(
                    &ctx,
                    "api.cache used after its execution ended",
                ));
            };
            let opts = SetOptions {
                ttl: number_option(ttl),
                expires_at: number_option(expires_at),
            };
            let outcome = if cap.is_some_and(|cap| exec.cache_writes >= cap) {
                Err(CacheErrorCode::MaxSideEffectsExceeded)
            } else {
                exec.cache_writes += 1;
                exec.cache.borrow_mut().set(&key, &value, &opts, now)
            };
            exec.report.cache_ops.push(CacheOp {
                at_ms: now,
                op: CacheOpKind::Set,
                key,
                result: match &outcome {
                    Ok(_) => "success".to_string(),
                    Err(code) => code.as_str().to_string(),
                },
                expires_at: outcome.as_ref().ok().map(|r| r.expires_at),
                value_bytes: Some(value_bytes),
                ttl: opts.ttl,
                expires_at_option: opts.expires_at,
                jwt_exp: jwt_exp(&value),
            });
            match outcome {
                Ok(record) => {
                    let result = Object::new(ctx.clone())?;
                    result.set("type", "success")?;
                    let handles = crate::handles::get(&ctx)?;
                    result.set(
                        "record",
                        record_object(
                            &ctx,
                            &handles.atoms,
                            kept_js_string(&ctx, &record.value)?.into_value(),
                            record.expires_at,
                        )?,
                    )?;
                    Ok(result)
                }
                Err(code) => error_object(&ctx, code),
            }
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "cacheDelete",
        move |ctx: Ctx<'js>, id: f64, Kept(key): Kept| -> JsResult<Object<'js>> {
            let mut st = s.borrow_mut();
            let now = st.clock.now_ms();
            let cap = st.config.max_cache_writes_per_execution;
            charge(&ctx, &mut st, exec_id(id), node_utf8_len(&key))?;
            let Some(exec) = st.execs.get_mut(&exec_id(id)) else {
                return Err(Exception::throw_message(
                    &ctx,
                    "api.cache used after its execution ended",
                ));
            };
            let outcome = if cap.is_some_and(|cap| exec.cache_writes >= cap) {
                Err(CacheErrorCode::MaxSideEffectsExceeded)
            } else {
                exec.cache_writes += 1;
                exec.cache.borrow_mut().delete(&key, now)
            };
            exec.report.cache_ops.push(CacheOp {
                at_ms: now,
                op: CacheOpKind::Delete,
                key,
                result: match &outcome {
                    Ok(()) => "success".to_string(),
                    Err(code) => code.as_str().to_string(),
                },
                expires_at: None,
                value_bytes: None,
                ttl: None,
                expires_at_option: None,
                jwt_exp: None,
            });
            match outcome {
                Ok(()) => {
                    let result = Object::new(ctx.clone())?;
                    result.set("type", "success")?;
                    Ok(result)
                }
                Err(code) => error_object(&ctx, code),
            }
        },
    )?;
    Ok(())
}

fn operations<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    let s = state.clone();
    set_native(ctx, host, "timerStart", move |delay: f64| {
        let delay_ms = if delay.is_finite() {
            delay.max(0.0) as i64
        } else {
            0
        };
        s.borrow_mut().queue_op(HostOpKind::Timer { delay_ms }) as f64
    })?;
    let s = state.clone();
    set_native(ctx, host, "timerCancel", move |id: f64| {
        let mut st = s.borrow_mut();
        let id = id as u64;
        if st.pending_ops.remove(&id).is_some() {
            st.cancelled_ops.insert(id);
        }
    })?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "fetchStart",
        move |ctx: Ctx<'js>,
              Text(url): Text,
              method: String,
              flat: Array<'js>,
              body: Option<Text>|
              -> JsResult<f64> {
            // The headers come as one flat list, name and value after name and value (one
            // array to read, not one per header).
            if !flat.len().is_multiple_of(2) {
                return Err(Exception::throw_type(
                    &ctx,
                    "fetchStart: headers must be name/value pairs",
                ));
            }
            let fast = s.borrow().config.fast_paths;
            let handles = crate::handles::get(&ctx)?;
            let mut headers: Vec<(String, String)> = Vec::with_capacity(flat.len() / 2);
            for index in (0..flat.len()).step_by(2) {
                let Text(name) = flat.get(index)?;
                // (A request's long value, its bearer token, is most often the last one's.)
                let value = flat.get(index + 1)?;
                let value =
                    crate::warm::text_by_identity(&ctx, &handles, fast, value, TextRead::Text)?;
                headers.push((name, value));
            }
            drop(handles);
            let body = body.map(|Text(b)| b);
            let bytes = url.len()
                + method.len()
                + headers
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
                + body.as_ref().map_or(0, String::len);
            let mut st = s.borrow_mut();
            if let Some(id) = st.current_exec {
                charge(&ctx, &mut st, id, bytes)?;
            }
            let request = FetchRequest {
                url,
                method,
                headers,
                body,
            };
            Ok(st.queue_op(HostOpKind::Fetch(request)) as f64)
        },
    )?;
    Ok(())
}

/// Base64 decoding as `atob` does it (forgiving-base64): padding optional, extra bits in the
/// last character ignored.
const FORGIVING_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The text of a JWT part for the `jwt-decode` stand-in: base64 or base64url (`-`/`_`), padded
/// or not, read as UTF-8, or as one character per byte when it is not valid UTF-8 (what the
/// package's `decodeURIComponent(escape(atob(…)))` gives). `None` when it is not base64.
pub(crate) fn base64url_text(part: &str) -> Option<String> {
    let standard: Vec<u8> = part
        .trim_end_matches('=')
        .bytes()
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    let bytes = FORGIVING_BASE64.decode(standard).ok()?;
    Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
    })
}

fn encoding<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> JsResult<()> {
    set_native(
        ctx,
        host,
        "jwtPartText",
        |ctx: Ctx<'js>, token: String, index: u32| -> JsResult<Value<'js>> {
            let Some(part) = token.split('.').nth(index as usize) else {
                return Ok(Value::new_undefined(ctx));
            };
            if part.len() % 4 == 1 {
                return Err(Exception::throw_message(
                    &ctx,
                    "base64 string is not of the correct length",
                ));
            }
            match base64url_text(part) {
                Some(text) => rquickjs::String::from_str(ctx, &text).map(|s| s.into_value()),
                None => Err(crate::prelude::throw_dom_exception(
                    &ctx,
                    "InvalidCharacterError",
                    "The string to be decoded is not correctly encoded.",
                )),
            }
        },
    )?;
    set_native(
        ctx,
        host,
        "plainJson",
        // JSON.stringify's text of plain data, or undefined (plain_json.rs).
        |ctx: Ctx<'js>, value: Value<'js>| -> JsResult<Value<'js>> {
            match crate::plain_json::plain_json(&ctx, &value) {
                Some(text) => rquickjs::String::from_str(ctx, &text).map(|s| s.into_value()),
                None => Ok(Value::new_undefined(ctx)),
            }
        },
    )?;
    set_native(
        ctx,
        host,
        "btoa",
        |ctx: Ctx<'js>, s: String| -> JsResult<String> {
            let mut bytes = Vec::with_capacity(s.len());
            for c in s.chars() {
                let code = c as u32;
                if code > 255 {
                    return Err(crate::prelude::throw_dom_exception(
                        &ctx,
                        "InvalidCharacterError",
                        "Invalid character",
                    ));
                }
                bytes.push(code as u8);
            }
            Ok(STANDARD.encode(bytes))
        },
    )?;
    set_native(
        ctx,
        host,
        "atob",
        |ctx: Ctx<'js>, s: String| -> JsResult<String> {
            // Most inputs have no whitespace: copy only when there is some to drop.
            let cleaned: std::borrow::Cow<'_, str> = if s.bytes().any(|b| b.is_ascii_whitespace()) {
                s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
            } else {
                s.as_str().into()
            };
            let trimmed = cleaned.trim_end_matches('=');
            let bytes = FORGIVING_BASE64.decode(trimmed).map_err(|_| {
                crate::prelude::throw_dom_exception(
                    &ctx,
                    "InvalidCharacterError",
                    "The string to be decoded is not correctly encoded.",
                )
            })?;
            if bytes.is_ascii() {
                // Every byte is one character: no re-encoding needed.
                return Ok(String::from_utf8(bytes).unwrap_or_default());
            }
            Ok(bytes.into_iter().map(char::from).collect())
        },
    )?;
    set_native(ctx, host, "base64urlEncode", |Text(s): Text| {
        URL_SAFE_NO_PAD.encode(s.as_bytes())
    })?;
    set_native(
        ctx,
        host,
        "base64urlDecode",
        |ctx: Ctx<'js>, s: String| -> JsResult<String> {
            let bytes = URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|e| Exception::throw_type(&ctx, &format!("invalid base64url: {e}")))?;
            String::from_utf8(bytes)
                .map_err(|_| Exception::throw_type(&ctx, "invalid UTF-8 in base64url data"))
        },
    )?;
    set_native(ctx, host, "isHttpUrl", |Text(url): Text| {
        absolute_http_url(&url)
    })?;
    set_native(
        ctx,
        host,
        "hmacSha256",
        |ctx: Ctx<'js>, Text(key): Text, Text(data): Text| -> JsResult<String> {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
                .map_err(|_| Exception::throw_type(&ctx, "invalid HMAC key"))?;
            mac.update(data.as_bytes());
            Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
        },
    )?;
    Ok(())
}

/// Whether `url` starts as `/^https?:\/\/[^\s/]/i` matches: an http(s) scheme in any case,
/// `://`, then a character that is neither `/` nor white space (`api.redirect.sendUserTo`'s
/// check). `url` is the action's string with a lone surrogate as U+FFFD ([`Text`]), which is
/// not white space, as the surrogate is not.
fn absolute_http_url(url: &str) -> bool {
    let bytes = url.as_bytes();
    if bytes.len() < 8 || !bytes[..4].eq_ignore_ascii_case(b"http") {
        return false;
    }
    let scheme_end = if (bytes[4] | 32) == b's' { 5 } else { 4 };
    let Some(rest) = url[scheme_end..].strip_prefix("://") else {
        return false;
    };
    rest.chars()
        .next()
        .is_some_and(|c| c != '/' && !is_js_space(c))
}

/// What `\s` matches in a JavaScript regular expression: WhiteSpace and LineTerminator.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

fn loading<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    set_native(
        ctx,
        host,
        "compileCjs",
        |ctx: Ctx<'js>, source: String, filename: String| -> JsResult<Function<'js>> {
            crate::bytecode::eval_function(&ctx, wrap_commonjs(&source), &filename)
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "actionInfo",
        move |ctx: Ctx<'js>| -> JsResult<Object<'js>> {
            let st = s.borrow();
            let info = Object::new(ctx.clone())?;
            info.set("esm", st.action.form == ModuleForm::EsModule)?;
            info.set("source", st.action.code.as_str())?;
            info.set("filename", st.action.filename.as_str())?;
            info.set("dirname", st.action.dirname())?;
            Ok(info)
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "loadEsm",
        move |ctx: Ctx<'js>| -> JsResult<Array<'js>> {
            let (name, code) = {
                let st = s.borrow();
                (st.action.filename.clone(), st.action.code.clone())
            };
            let (module, promise) = Module::declare(ctx.clone(), name, code)?.eval()?;
            let pair = Array::new(ctx.clone())?;
            pair.set(0, promise)?;
            pair.set(1, module.namespace()?)?;
            Ok(pair)
        },
    )?;
    Ok(())
}

/// `compileWrapped(source, filename, params)`, for prelude/module-loaders.js (added when it loads).
pub(crate) fn add_module_compiler<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> JsResult<()> {
    set_native(
        ctx,
        host,
        "compileWrapped",
        |ctx: Ctx<'js>,
         source: String,
         filename: String,
         params: String|
         -> JsResult<Function<'js>> {
            crate::bytecode::eval_function(
                &ctx,
                format!("(function ({params}) {{ {source}\n}})"),
                &filename,
            )
        },
    )
}

/// The event `obj` is, or the nearest one on its prototype chain.
fn event_owner<'js>(obj: Value<'js>) -> Option<rquickjs::Object<'js>> {
    let mut current = obj.into_object();
    while let Some(o) = current {
        if Class::<EventSource>::from_object(&o).is_some() {
            return Some(o);
        }
        current = o.get_prototype();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::base64url_text;

    #[test]
    fn jwt_parts_decode_from_either_alphabet_with_or_without_padding() {
        // {"a":"é?"} in UTF-8; its base64 has a '/' (base64url '_') and needs one '='.
        let standard = "eyJhIjoiw6k/In0=";
        assert_eq!(base64url_text(standard).as_deref(), Some("{\"a\":\"é?\"}"));
        assert_eq!(
            base64url_text("eyJhIjoiw6k_In0").as_deref(),
            Some("{\"a\":\"é?\"}")
        );
        assert_eq!(
            base64url_text("eyJhIjoiw6k_In0=").as_deref(),
            Some("{\"a\":\"é?\"}")
        );
    }

    #[test]
    fn invalid_utf8_reads_as_one_character_per_byte() {
        // 0xFF 0x41 is not UTF-8.
        assert_eq!(base64url_text("_0E").as_deref(), Some("\u{ff}A"));
    }

    #[test]
    fn non_base64_is_refused() {
        assert_eq!(base64url_text("a*b"), None);
        assert_eq!(base64url_text("a"), None);
    }
}
