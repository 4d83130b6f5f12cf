//! actsim's fast paths, in one place, behind one switch ([`FastPaths`]). Each one only avoids
//! work; none changes what an execution does or reports, which the differential test (every
//! bundled scenario and lesson with the fast paths on and off, byte-identical traces) checks.
//!
//! - **Secrets identity cache**: the frozen `event.secrets` object is made once per distinct set
//!   of secrets (compared by pointer, then by value) and shared by executions (frozen, it cannot
//!   carry state). Off: made for every execution.
//! - **Lazy accessor reconciliation**: the accessors of the event's lazy fields are made once
//!   per field name and position and reused while the instance's events keep their layout.
//!   Off: made for every execution.
//! - **Shape keepers**: objects that keep alive the shapes an execution's objects go through
//!   (QuickJS frees a shape with its last object; each execution would build them again): the
//!   event's here ([`keep_event_shapes`]), the context's, api parts' and decoded tokens' in
//!   prelude.js (`keepShapes`, told by `internal.fastPaths`), and the `auth0` stand-in's
//!   clients, managers and request headers (auth0.js) and its requests' pending operations
//!   and answers (prelude/fetch.js), from an instance's second one on. Off: none kept.
//! - **Cache value memo**: `api.cache.get` returns the same JavaScript string for the same
//!   cached text as last time instead of copying it again. Off: copied on every hit.
//! - **Texts by identity**: a string argument the host records (an `api.cache` key, the name
//!   and the string arguments of a recorded `api` command) or sends (a request header value,
//!   such as the `auth0` stand-in's bearer token) that is the same JavaScript string as one of
//!   the last few read the same way (the prelude passes the same literals, an action the same
//!   key constant, the stand-in the same token) is not read out of the engine again
//!   ([`text_by_identity`]). Off: read on every call.
//! - **Settling at once**: a handler whose promise is already fulfilled when the job queue is
//!   empty is completed by the host without a promise reaction. Off: always through the
//!   prelude's `watch`.
//! - **Lazy globals**: most of the prelude runs when an action first uses what it provides
//!   (prelude.rs). Off: every lazy script runs when the instance is created.
//! - **Responses in parts**: a fetch response reaches the prelude as its status, its headers
//!   (one flat array) and its body, the arguments of `__actsim_complete` made here
//!   ([`fetch_response_args`]), not as JSON text it parses. Off: JSON text.
//! - **The `auth0` stand-in's requests** go through the prelude's `clientFetch`
//!   (prelude/fetch.js) while `fetch` is the prelude's: the same host operation without the
//!   Request and Response objects the stand-in never sees (the Management API's through
//!   `clientRequest`, without the headers object either); the stand-in's `_request` then
//!   does `send`'s work itself (one `await undefined` for each settling it skips, so every
//!   `await` resumes at the same turn). Off: through `fetch`.
//! - **The `auth0` stand-in's answers made on first read**: on that path, the answer's `data`
//!   (the body parsed as JSON) and `headers` (a `Headers`) are accessors until first read, then
//!   ordinary data properties (prelude/fetch.js, `ClientResponse.result`), as the event's
//!   fields are; made at once when JSON.parse is not the engine's (prelude/lockdown.js keeps
//!   it) or Headers would check or change a header. The accessors hold their answer weakly
//!   and the pending operation drops its promise's functions once used, so that no request
//!   leaves a cycle behind (garbage only the engine's cycle collector frees, megabytes later:
//!   5% of the redirect flow's wall time). Off: made when the answer arrives.
//! - **URLs by prefix**: fetch parses a URL that differs from one seen before only in its last
//!   path segment (`…/api/v2/users/<id>`) by its known prefix (prelude/fetch.js,
//!   `hrefByPrefix`). Off: every URL not in the cache of 256 is parsed whole.
//! - **Event fields read by the host**: an event field the action reads is made from its JSON
//!   text by the host (json_build.rs), as `JSON.parse` makes it, without the engine's
//!   tokeniser. Off: `JSON.parse`.
//! - **`event.secrets` read by the host**: its first read is one host call (event.rs,
//!   `read_secrets_field`) that makes the read-only view with the prelude's `readOnlySecrets`
//!   and defines it on the event (or keeps it, for a frozen event). Off: the prelude's
//!   `secretsGetter`, with three host calls and a property descriptor made in JavaScript.
//! - **JSON text written by the host**: the `auth0` stand-in's request bodies and a redirect's
//!   query (prelude/lockdown.js, `jsonText`) are written by the host (plain_json.rs) when they
//!   are plain data and `JSON.stringify` is still the engine's; anything else (a `toJSON`, a
//!   getter, a proxy, a cycle, a BigInt, a fraction) goes to `JSON.stringify`, read and called
//!   once as before. A redirect made without a query is written `{}` without asking the host
//!   (`emptyQueryText`) while no `toJSON` is on Object.prototype. Off: `JSON.stringify`.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use rquickjs::{Ctx, FromJs, Function, Object};

use crate::event::{EventField, LazyField};
use crate::handles::Handles;
use crate::instance::Secrets;
use crate::ops::FetchResponse;
use crate::text::{Kept, Text};

/// Whether an instance takes actsim's fast paths (see the module documentation of `warm.rs`
/// for the list). They never change a result, only its cost: turning them off is for checking
/// exactly that, and for measuring what they save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastPaths {
    /// Take every fast path (the default).
    On,
    /// Take none.
    Off,
}

/// The process-wide default, set once by the binary (`ACTSIM_FAST_PATHS`).
static FAST_PATHS_OFF: AtomicBool = AtomicBool::new(false);

impl FastPaths {
    /// The environment variable the `actsim` binary reads once at start-up: `on` or `off`.
    pub const ENV: &'static str = "ACTSIM_FAST_PATHS";

    /// The default of [`crate::InstanceConfig::fast_paths`] in this process: `On` unless
    /// [`FastPaths::set_process_default`] said otherwise.
    pub fn process_default() -> Self {
        if FAST_PATHS_OFF.load(Ordering::Relaxed) {
            FastPaths::Off
        } else {
            FastPaths::On
        }
    }

    /// Make `self` the default of instances configured from now on in this process.
    pub fn set_process_default(self) {
        FAST_PATHS_OFF.store(self == FastPaths::Off, Ordering::Relaxed);
    }

    /// Read the value of [`FastPaths::ENV`]: `on` or `off` (any case); `None` when unset.
    pub fn parse_env(value: Option<&str>) -> Result<Option<Self>, String> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("on") => Ok(Some(FastPaths::On)),
            Some("off") => Ok(Some(FastPaths::Off)),
            Some(other) => Err(format!(
                "{}={other}: use `on` (the default) or `off`",
                FastPaths::ENV
            )),
        }
    }

    /// Whether the fast paths are taken.
    pub fn on(self) -> bool {
        self == FastPaths::On
    }
}

impl Default for FastPaths {
    fn default() -> Self {
        FastPaths::process_default()
    }
}

/// The layout of an instance's events: the number of lazy fields, and how many times its lazy
/// accessors have changed.
type EventLayout = (usize, u32);

/// How many times an instance builds the objects that keep its events' shapes: events whose
/// layouts keep alternating (fields present for some users only) are not worth rebuilding for.
const MAX_EVENT_KEEPER_BUILDS: u32 = 4;

/// What the fast paths keep between executions (part of the realm's handles).
#[derive(Default)]
pub(crate) struct WarmHandles<'js> {
    /// The last set of secrets seen and its frozen object.
    secrets: Option<(Secrets, Object<'js>)>,
    /// The lazy event-field accessors of the last layout seen, by position, with the field
    /// name each was made for.
    accessors: Vec<(Rc<str>, LazyField<'js>)>,
    /// The event's shape keepers with the layout they were made for.
    keepers: Option<(EventLayout, Vec<Object<'js>>)>,
    /// Changes of the lazy accessors (one per accessor made), and keeper sets built so far.
    accessor_layout: u32,
    keeper_builds: u32,
    /// Executions prepared on this instance.
    executions: u64,
    /// The JavaScript string last returned as a cache record's value, with its text.
    cache_value: Option<(String, rquickjs::String<'js>)>,
    /// The last few strings read by [`text_by_identity`], with how each was read and its
    /// text, and the slot the next one replaces once all are taken.
    texts: Vec<(rquickjs::Value<'js>, TextRead, String)>,
    next_text: usize,
}

/// How many strings [`text_by_identity`] remembers, and the longest text it keeps (in bytes,
/// room for a bearer token): it never holds much memory.
const KEPT_TEXTS: usize = 8;
const KEPT_TEXT_MAX_BYTES: usize = 4096;

/// The frozen secrets object for `secrets` (made with the prelude's `freezeSecrets`).
pub(crate) fn secrets_object<'js>(
    handles: &Handles<'js>,
    fast: FastPaths,
    secrets: &Secrets,
) -> rquickjs::Result<Result<Object<'js>, serde_json::Error>> {
    if fast.on() {
        let warm = handles.warm.borrow();
        if let Some((seen, target)) = &warm.secrets {
            if Rc::ptr_eq(seen, secrets) || **seen == **secrets {
                return Ok(Ok(target.clone()));
            }
        }
    }
    let json = match serde_json::to_string(&**secrets) {
        Ok(json) => json,
        Err(e) => return Ok(Err(e)),
    };
    let target: Object = handles.prelude.freeze_secrets.call((json,))?;
    if fast.on() {
        handles.warm.borrow_mut().secrets = Some((secrets.clone(), target.clone()));
    }
    Ok(Ok(target))
}

/// Make sure the accessors of `fields` (and of `secrets`, which replaces a field of that name
/// or comes last) are at their positions, and keep the event's shapes when the layout is new.
/// Returns how many accessors the event gets.
pub(crate) fn prepare_event_accessors<'js>(
    ctx: &Ctx<'js>,
    handles: &Handles<'js>,
    fast: FastPaths,
    fields: &[EventField],
) -> rquickjs::Result<usize> {
    let secrets_index = fields
        .iter()
        .position(|f| &*f.name == "secrets")
        .unwrap_or(fields.len());
    let count = fields.len().max(secrets_index + 1);
    let mut warm = handles.warm.borrow_mut();
    if !fast.on() {
        warm.accessors.clear();
    }
    // Events of one instance nearly always share one layout, so this is a comparison of
    // names, not a lookup.
    for index in 0..count {
        let name = fields.get(index).map_or("secrets", |f| &*f.name);
        let known = warm
            .accessors
            .get(index)
            .is_some_and(|(seen, _)| **seen == *name);
        if !known {
            let made = make_lazy_accessor(ctx, &handles.prelude.lazy_accessor, index, name)?;
            warm.accessor_layout = warm.accessor_layout.wrapping_add(1);
            if index < warm.accessors.len() {
                warm.accessors[index] = (name.into(), made);
            } else {
                warm.accessors.push((name.into(), made));
            }
        }
    }
    let layout = (count, warm.accessor_layout);
    if fast.on()
        && warm.executions > 0
        && warm.keeper_builds < MAX_EVENT_KEEPER_BUILDS
        && warm.keepers.as_ref().map(|(l, _)| *l) != Some(layout)
    {
        warm.keeper_builds += 1;
        let kept = keep_event_shapes(ctx, &warm.accessors[..count]);
        warm.keepers = kept.ok().map(|keepers| (layout, keepers));
    }
    warm.executions += 1;
    Ok(count)
}

/// Define the first `count` lazy accessors on `event`.
pub(crate) fn define_event_accessors<'js>(
    ctx: &Ctx<'js>,
    handles: &Handles<'js>,
    event: &Object<'js>,
    count: usize,
) -> rquickjs::Result<()> {
    let warm = handles.warm.borrow();
    for (_, lazy) in &warm.accessors[..count] {
        lazy.define(ctx, event)?;
    }
    Ok(())
}

/// Make (with the prelude) the accessor of event field `name` at position `index`.
fn make_lazy_accessor<'js>(
    ctx: &Ctx<'js>,
    maker: &Function<'js>,
    index: usize,
    name: &str,
) -> rquickjs::Result<LazyField<'js>> {
    let pair: rquickjs::Array = maker.call((name, index))?;
    LazyField::new(ctx, name, pair.get(0)?, pair.get(1)?)
}

/// Keep the shapes an event with `accessors` goes through (one object per step, each with
/// Object.prototype as prototype, like the event): each execution's event then finds them
/// instead of building them again. The keepers are held here, not in a JavaScript array
/// (whose element sets could reach setters an action defined), and a failure only means the
/// shapes are not kept: it never fails an execution.
fn keep_event_shapes<'js>(
    ctx: &Ctx<'js>,
    accessors: &[(Rc<str>, LazyField<'js>)],
) -> rquickjs::Result<Vec<Object<'js>>> {
    let mut keepers = Vec::with_capacity(accessors.len() + 1);
    for step in 0..=accessors.len() {
        let keeper = Object::new(ctx.clone())?;
        for (_, lazy) in &accessors[..step] {
            lazy.define(ctx, &keeper)?;
        }
        keepers.push(keeper);
    }
    Ok(keepers)
}

/// The JavaScript string of a cache record's value `text`: the one returned last time when the
/// text is the same (fast paths on), a new copy otherwise.
pub(crate) fn cache_value<'js>(
    ctx: &Ctx<'js>,
    handles: &Handles<'js>,
    fast: FastPaths,
    text: &str,
) -> rquickjs::Result<rquickjs::String<'js>> {
    if !fast.on() {
        return crate::text::kept_js_string(ctx, text);
    }
    let mut warm = handles.warm.borrow_mut();
    match &warm.cache_value {
        Some((seen, string)) if seen == text => Ok(string.clone()),
        _ => {
            let string = crate::text::kept_js_string(ctx, text)?;
            warm.cache_value = Some((text.to_string(), string.clone()));
            Ok(string)
        }
    }
}

/// How [`text_by_identity`] reads a string: as [`Kept`] (lone surrogates kept, for what the
/// host records) or as [`Text`] (for what it sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextRead {
    /// As [`Kept`] reads it.
    Kept,
    /// As [`Text`] reads it.
    Text,
}

/// The text of `value` (a native's string argument) read as `how` says. With the fast paths,
/// a string that is the same JavaScript value as one of the last [`KEPT_TEXTS`] read here the
/// same way (compared by identity: a string never changes, and the memo holds it) is not read
/// out of the engine again: the cache keys, command names and literal arguments an action
/// passes on every execution, and the bearer token the `auth0` stand-in sends on every request.
pub(crate) fn text_by_identity<'js>(
    ctx: &Ctx<'js>,
    handles: &Handles<'js>,
    fast: FastPaths,
    value: rquickjs::Value<'js>,
    how: TextRead,
) -> rquickjs::Result<String> {
    if fast.on() {
        let warm = handles.warm.borrow();
        if let Some((_, _, text)) = warm
            .texts
            .iter()
            .find(|(seen, read, _)| *read == how && *seen == value)
        {
            return Ok(text.clone());
        }
    }
    let remember = fast.on() && value.is_string();
    let text = match how {
        TextRead::Kept => Kept::from_js(ctx, value.clone())?.0,
        TextRead::Text => Text::from_js(ctx, value.clone())?.0,
    };
    if remember && text.len() <= KEPT_TEXT_MAX_BYTES {
        let mut warm = handles.warm.borrow_mut();
        let entry = (value, how, text.clone());
        if warm.texts.len() < KEPT_TEXTS {
            warm.texts.push(entry);
        } else {
            let slot = warm.next_text;
            warm.texts[slot] = entry;
            warm.next_text = (slot + 1) % KEPT_TEXTS;
        }
    }
    Ok(text)
}

/// What the prelude's `__actsim_complete` gets for `response` after its first three arguments:
/// with the fast paths, its parts `(status, [name, value, …], body)`, no object made for the
/// answer itself; without, the response's JSON text (which it parses) and no more.
pub(crate) fn fetch_response_args<'js>(
    ctx: &Ctx<'js>,
    fast: FastPaths,
    response: &FetchResponse,
) -> rquickjs::Result<[rquickjs::Value<'js>; 3]> {
    let undefined = rquickjs::Value::new_undefined(ctx.clone());
    if !fast.on() {
        let text = serde_json::to_string(response).unwrap_or_default();
        let text = rquickjs::String::from_str(ctx.clone(), &text)?.into_value();
        return Ok([text, undefined.clone(), undefined]);
    }
    let headers = rquickjs::Array::new(ctx.clone())?;
    for (index, (name, value)) in response.headers.iter().enumerate() {
        headers.set(2 * index, name.as_str())?;
        headers.set(2 * index + 1, value.as_str())?;
    }
    Ok([
        rquickjs::Value::new_int(ctx.clone(), i32::from(response.status)),
        headers.into_value(),
        rquickjs::String::from_str(ctx.clone(), &response.body)?.into_value(),
    ])
}
