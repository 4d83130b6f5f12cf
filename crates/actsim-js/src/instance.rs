//! One simulated Actions instance: a QuickJS runtime and realm with the prelude loaded and the
//! action's module initialised lazily on its first execution. Drivers start executions, take
//! the host operations JavaScript waits for, complete them in virtual time, and collect the
//! finished executions' reports.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use crate::clock::Clock;
use crate::errors::{classify, JsErrorInfo};
use crate::event::{LazyField, PreparedEvent};
use crate::ops::{ExecId, HostOp, OpId, OpResult};
use crate::report::{
    ActionError, ConsoleLine, ErrorKind, ExecutionReport, Outcome, Phase, Trigger,
};
use crate::rng::SeededRng;
use crate::source::ActionSource;
use crate::state::{CpuDeadline, HostState, HostStateRef, PendingRejection, SharedCache};
use crate::{host, HostError};

/// The Node.js version actsim emulates (`process.version`): production's Node 22 runtime.
pub const NODE_VERSION: &str = "v22.12.0";

/// The first prelude script, run when an instance is created: it reads the host's natives and
/// the shared `internal` object from the globals `__host` and `__actsim_internal`, which are
/// removed right after it.
const PRELUDE: (&str, &str) = ("actsim:prelude.js", include_str!("js/prelude.js"));
/// The last prelude script, run when an instance is created, after [`PRELUDE`]: it evaluates to
/// a function of `(host, internal)`, which installs the lazily loaded globals ([`LAZY_PRELUDE`])
/// and the remaining Node globals.
const LOCKDOWN: (&str, &str) = (
    "actsim:prelude/lockdown.js",
    include_str!("js/prelude/lockdown.js"),
);

/// A prelude script run on first use (`prelude/NAME.js`): it evaluates to a function of
/// `(host, internal, globals)` that puts the globals it provides in `globals` and its helpers
/// on `internal`. Both lists are exact: loading the script checks them.
struct LazyScript {
    name: &'static str,
    source: &'static str,
    /// The globals it provides, defined in this order (the order they have always had).
    globals: &'static [&'static str],
    /// The helpers it adds to `internal`, which the other scripts share.
    helpers: &'static [&'static str],
}

/// Most of the prelude runs only when an action first uses what it provides: a trivial action
/// never pays for URL, fetch or Web Crypto. Each global such a script provides starts as a
/// configurable accessor on globalThis ([`define_lazy_globals`]), in the place and with the
/// enumerability the global has always had, so `typeof URL`, `'URL' in globalThis` and
/// `Object.getOwnPropertyNames(globalThis)` are unchanged. Reading one runs its script (from
/// bytecode compiled once per process) and turns every accessor of that script into a data
/// property (writable, configurable) holding the value ([`load_lazy_script`]). Assigning a global
/// before it was read replaces the accessor with the assigned value; deleting or redefining it
/// is kept too. A helper missing from `internal` is looked for by a proxy on `internal`'s
/// prototype ([`lazy_helper`]): a helper that is not there yet loads its script.
const LAZY_PRELUDE: [LazyScript; 11] = [
    LazyScript {
        name: "api-rare",
        source: include_str!("js/prelude/api-rare.js"),
        globals: &[],
        helpers: &["rareApiParts"],
    },
    LazyScript {
        name: "date",
        source: include_str!("js/prelude/date.js"),
        globals: &["Date"],
        helpers: &[],
    },
    LazyScript {
        name: "encoding",
        source: include_str!("js/prelude/encoding.js"),
        globals: &[
            "TextEncoder",
            "TextDecoder",
            "Buffer",
            "Blob",
            "structuredClone",
        ],
        helpers: &[
            "utf8Encode",
            "utf8Decode",
            "bytesView",
            "plainBytes",
            "encodeString",
            "decodeBytes",
            "normalizeEncoding",
            "base64url",
            "Buffer",
            "kMaxLength",
        ],
    },
    LazyScript {
        name: "url",
        source: include_str!("js/prelude/url.js"),
        globals: &["URL", "URLSearchParams"],
        helpers: &[
            "percentDecode",
            "encodeURIComponentSet",
            "domainToASCII",
            "URL",
            "URLSearchParams",
            "serializeUrlWithoutFragment",
        ],
    },
    LazyScript {
        name: "fetch",
        source: include_str!("js/prelude/fetch.js"),
        globals: &[
            "DOMException",
            "Event",
            "EventTarget",
            "AbortSignal",
            "AbortController",
            "Headers",
            "FormData",
            "Request",
            "Response",
            "fetch",
        ],
        helpers: &["DOMException", "Event", "EventTarget", "base64"],
    },
    LazyScript {
        name: "crypto",
        source: include_str!("js/prelude/crypto.js"),
        globals: &["crypto", "Crypto", "CryptoKey", "SubtleCrypto"],
        helpers: &[
            "randomUUID",
            "getRandomValues",
            "rsa",
            "hashSupported",
            "digest",
            "hmac",
            "CryptoKey",
            "makeCryptoKey",
            "webcrypto",
        ],
    },
    LazyScript {
        name: "process",
        source: include_str!("js/prelude/process.js"),
        globals: &["process"],
        helpers: &["process"],
    },
    LazyScript {
        name: "modules",
        source: include_str!("js/prelude/modules.js"),
        globals: &["require"],
        helpers: &["actionModule", "Module", "moduleFiles", "moduleDirname"],
    },
    LazyScript {
        name: "module-loaders",
        source: include_str!("js/prelude/module-loaders.js"),
        globals: &[],
        helpers: &[
            "loadModule",
            "requireBuiltin",
            "importModule",
            "moduleCacheTraps",
            "requireArgError",
        ],
    },
    LazyScript {
        name: "node-globals",
        source: include_str!("js/prelude/node-globals.js"),
        // prelude.js makes `performance` (internal.performance); node-globals.js completes it.
        globals: &["performance", "navigator"],
        helpers: &[],
    },
    LazyScript {
        name: "console",
        source: include_str!("js/prelude/console.js"),
        globals: &[],
        helpers: &["inspect", "format"],
    },
];

/// The first lazy global defined after `global` (lockdown.js), with those after it.
const FIRST_LATE_GLOBAL: &str = "navigator";

/// Every lazy global, in order, with the index in [`LAZY_PRELUDE`] of its script. A global's
/// position here is its index everywhere else (accessors, values).
fn lazy_globals() -> impl Iterator<Item = (usize, &'static str)> {
    LAZY_PRELUDE
        .iter()
        .enumerate()
        .flat_map(|(s, script)| script.globals.iter().map(move |name| (s, *name)))
}

/// actsim's stand-ins for npm packages, compiled when first required (`host.standInModule`).
const BUILTINS: [(&str, &str); 2] = [
    ("auth0", include_str!("js/auth0.js")),
    ("jwt-decode", include_str!("js/jwt-decode.js")),
];
/// Node built-in modules actsim emulates, compiled when first required (`host.nodeModule`).
const NODE_MODULES: [(&str, &str); 16] = [
    ("assert", include_str!("js/node/assert.js")),
    (
        "assert/strict",
        "module.exports = require('assert').strict;",
    ),
    ("buffer", include_str!("js/node/buffer.js")),
    ("crypto", include_str!("js/node/crypto.js")),
    ("events", include_str!("js/node/events.js")),
    ("path", include_str!("js/node/path.js")),
    ("path/posix", "module.exports = require('path');"),
    (
        "perf_hooks",
        "module.exports = { performance: globalThis.performance };",
    ),
    ("process", "module.exports = internal.process;"),
    ("querystring", include_str!("js/node/querystring.js")),
    ("string_decoder", include_str!("js/node/string_decoder.js")),
    ("timers", include_str!("js/node/timers.js")),
    (
        "timers/promises",
        "module.exports = require('timers').promises;",
    ),
    ("url", include_str!("js/node/url.js")),
    ("util", include_str!("js/node/util.js")),
    ("util/types", "module.exports = require('util').types;"),
];

/// Allocation volume between cycle collections. QuickJS's default (256 KiB) makes every
/// execution pay for scanning the prelude's objects; 8 MiB keeps collection rare without
/// holding on to much garbage (reference counting frees most objects at once anyway).
const GC_THRESHOLD_BYTES: usize = 8 * 1024 * 1024;

/// Run a prelude script: compiled once per process, later read back from bytecode (parsing the
/// prelude for every instance would cost milliseconds, and the simulator creates thousands of
/// instances). The bytecode has no source text, which makes it a third smaller, cheaper to
/// load and to free; the prelude's functions (`Date`, `setTimeout`, `URL`, ...) print as
/// `[native code]`, as most of Node's built-ins do.
fn run_prelude_script<'js>(
    ctx: &Ctx<'js>,
    (filename, source): (&str, &'static str),
) -> rquickjs::Result<Value<'js>> {
    crate::bytecode::run_static_script(ctx, filename, true, || source.to_string())
}

/// The per-instance state of lazy loading (kept as the runtime's user data): the prelude's
/// `host` and `internal`, which scripts have started loading, the lazy globals' accessors and
/// the values their scripts provided.
struct LazyPrelude<'js> {
    host: Object<'js>,
    internal: Object<'js>,
    state: HostStateRef,
    inner: RefCell<LazyInner<'js>>,
}

// SAFETY: `LazyPrelude<'to>` is `LazyPrelude<'js>` with the lifetime of its JS values changed.
unsafe impl<'js> rquickjs::JsLifetime<'js> for LazyPrelude<'js> {
    type Changed<'to> = LazyPrelude<'to>;
}

struct LazyInner<'js> {
    /// Script index → whether it has started loading.
    started: [bool; LAZY_PRELUDE.len()],
    /// Global index → its accessor (getter and setter in one), once defined.
    accessors: Vec<Option<Value<'js>>>,
    /// Global index → the value its script provided.
    values: Vec<Option<Value<'js>>>,
    /// The helpers on `internal` that loaded scripts provided (see [`load_lazy_script`]).
    helpers_added: usize,
    /// Which groups of natives [`add_script_natives`] has added to `host`.
    natives: u8,
    /// [`lazy_global`] as a JS function, called by every lazy global's accessor.
    accessor: Option<Function<'js>>,
}

/// Keep the state of lazy loading for `ctx`, before the prelude runs, and add the natives
/// lockdown.js calls to `host`: `defineLazyGlobals(late)` ([`define_lazy_globals`]) and
/// `lazyHelper`, the `get` trap of the proxy on `internal`'s prototype ([`lazy_helper`]).
fn init_lazy_prelude<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    internal: &Object<'js>,
    state: &HostStateRef,
) -> rquickjs::Result<()> {
    let count = lazy_globals().count();
    let lazy = LazyPrelude {
        host: host.clone(),
        internal: internal.clone(),
        state: state.clone(),
        inner: RefCell::new(LazyInner {
            started: [false; LAZY_PRELUDE.len()],
            accessors: vec![None; count],
            values: vec![None; count],
            helpers_added: 0,
            natives: 0,
            accessor: None,
        }),
    };
    if ctx.store_userdata(lazy).is_err() {
        return Err(rquickjs::Exception::throw_internal(
            ctx,
            "actsim bug: the lazy prelude state is in use",
        ));
    }
    host.set(
        "defineLazyGlobals",
        Function::new(ctx.clone(), define_lazy_globals)?.with_name("defineLazyGlobals")?,
    )?;
    host.set(
        "lazyHelper",
        Function::new(ctx.clone(), lazy_helper)?.with_name("get")?,
    )
}

/// The state of lazy loading of `ctx` ([`init_lazy_prelude`]).
fn lazy_prelude<'a, 'js>(
    ctx: &'a Ctx<'js>,
) -> rquickjs::Result<rquickjs::runtime::UserDataGuard<'a, LazyPrelude<'js>>> {
    ctx.userdata::<LazyPrelude<'js>>().ok_or_else(|| {
        rquickjs::Exception::throw_internal(ctx, "actsim bug: no lazy prelude state")
    })
}

/// `new Error('actsim bug: …')`, thrown.
fn bug(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    rquickjs::Exception::throw_message(ctx, &format!("actsim bug: {message}"))
}

/// Run lazy script `s` unless it has started loading, and turn the accessors of its globals
/// into data properties holding what it provided (only a global that still has its accessor is
/// replaced: the action may have assigned, deleted or redefined it; one made non-configurable,
/// by a frozen globalThis, keeps its accessor, which then returns the value).
fn load_lazy_script<'js>(ctx: &Ctx<'js>, s: usize) -> rquickjs::Result<()> {
    let script = &LAZY_PRELUDE[s];
    let (host, internal, state, helpers_before, missing) = {
        let lazy = lazy_prelude(ctx)?;
        let mut inner = lazy.inner.borrow_mut();
        if inner.started[s] {
            return Ok(());
        }
        inner.started[s] = true;
        let missing = script_natives(script.name) & !inner.natives;
        inner.natives |= missing;
        (
            lazy.host.clone(),
            lazy.internal.clone(),
            lazy.state.clone(),
            inner.helpers_added,
            missing,
        )
    };
    // Checks that the script provides exactly what LAZY_PRELUDE lists run in debug builds
    // (the tests load every script): `internal` may only grow by the listed helpers of this
    // script and of those its code loads in turn (helpers_added counts them all).
    let check = cfg!(debug_assertions);
    let other_helpers = if check {
        own_enumerable_keys(ctx, &internal)? - helpers_before
    } else {
        0
    };
    add_script_natives(ctx, &host, &state, missing)?;
    let filename = format!("actsim:prelude/{}.js", script.name);
    let run: Function = run_prelude_script(ctx, (&filename, script.source))?.get()?;
    // SAFETY: JS_NewObjectProto returns an owned value (or an exception).
    let provided = unsafe {
        let raw = rquickjs::qjs::JS_NewObjectProto(ctx.as_raw().as_ptr(), rquickjs::qjs::JS_NULL);
        if rquickjs::qjs::JS_IsException(raw) {
            return Err(rquickjs::Error::Exception);
        }
        Value::from_raw(ctx.clone(), raw)
    };
    let provided = Object::from_value(provided)?;
    run.call::<_, ()>((host, internal.clone(), provided.clone()))?;
    let helpers_added = {
        let lazy = lazy_prelude(ctx)?;
        let mut inner = lazy.inner.borrow_mut();
        inner.helpers_added += script.helpers.len();
        inner.helpers_added
    };
    if check {
        check_lazy_script(
            ctx,
            script,
            &internal,
            &provided,
            helpers_added,
            other_helpers,
        )?;
    }
    let global = ctx.globals();
    for (index, (owner, global_name)) in lazy_globals().enumerate() {
        if owner != s {
            continue;
        }
        let value: Value = provided.get(global_name)?;
        let accessor = {
            let lazy = lazy_prelude(ctx)?;
            let mut inner = lazy.inner.borrow_mut();
            inner.values[index] = Some(value.clone());
            inner.accessors[index].clone()
        };
        if let Some(d) = own_property(ctx, &global, global_name)? {
            if d.configurable && d.getter.is_some() && d.getter == accessor {
                define_value(ctx, &global, global_name, &value, d.enumerable)?;
            }
        }
    }
    Ok(())
}

/// Check that lazy script `script` provided exactly the globals (in `provided`) and the
/// `internal` helpers that [`LAZY_PRELUDE`] lists (see [`load_lazy_script`]).
fn check_lazy_script<'js>(
    ctx: &Ctx<'js>,
    script: &LazyScript,
    internal: &Object<'js>,
    provided: &Object<'js>,
    helpers_added: usize,
    other_helpers: usize,
) -> rquickjs::Result<()> {
    let name = script.name;
    for helper in script.helpers {
        if !has_own(ctx, internal, helper)? {
            return Err(bug(
                ctx,
                &format!("prelude/{name}.js did not provide internal.{helper}"),
            ));
        }
    }
    if own_enumerable_keys(ctx, internal)? - helpers_added != other_helpers {
        return Err(bug(
            ctx,
            &format!("prelude/{name}.js provides internal helpers that LAZY_PRELUDE does not list"),
        ));
    }
    for key in provided.keys::<String>() {
        let key = key?;
        if !script.globals.contains(&key.as_str()) {
            return Err(bug(
                ctx,
                &format!(
                    "prelude/{name}.js provides the global {key}, which LAZY_PRELUDE does not list"
                ),
            ));
        }
    }
    for global in script.globals {
        if !provided.contains_key(*global)? {
            return Err(bug(
                ctx,
                &format!("prelude/{name}.js did not provide the global {global}"),
            ));
        }
    }
    Ok(())
}

/// Reading lazy global `index` (`value` absent): its script's value, the script loaded first if
/// needed; or assigning it, which keeps its enumerability (and does nothing once globalThis is
/// frozen). Called by the global's accessor ([`lazy_global_accessor`]).
fn lazy_global<'js>(
    ctx: Ctx<'js>,
    index: usize,
    value: rquickjs::function::Opt<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let Some((s, name)) = lazy_globals().nth(index) else {
        return Err(bug(&ctx, &format!("no lazy global {index}")));
    };
    match value.0 {
        None => {
            load_lazy_script(&ctx, s)?;
            let lazy = lazy_prelude(&ctx)?;
            let value = lazy.inner.borrow().values[index].clone();
            Ok(value.unwrap_or_else(|| Value::new_undefined(ctx.clone())))
        }
        Some(value) => {
            let global = ctx.globals();
            let enumerable = match own_property(&ctx, &global, name)? {
                Some(d) if !d.configurable => return Ok(Value::new_undefined(ctx.clone())),
                Some(d) => d.enumerable,
                None => true,
            };
            define_value(&ctx, &global, name, &value, enumerable)?;
            Ok(Value::new_undefined(ctx.clone()))
        }
    }
}

/// The `get` trap of the proxy on `internal`'s prototype: a helper missing from `internal` that a
/// lazy script provides loads that script. (Own helpers of `internal` are found first and
/// never reach the proxy.)
fn lazy_helper<'js>(
    ctx: Ctx<'js>,
    _target: Value<'js>,
    name: Value<'js>,
    receiver: Value<'js>,
) -> rquickjs::Result<Value<'js>> {
    let undefined = Value::new_undefined(ctx.clone());
    let Some(name) = name.as_string() else {
        return Ok(undefined);
    };
    let name = name.to_string()?;
    let script = {
        let lazy = lazy_prelude(&ctx)?;
        let inner = lazy.inner.borrow();
        LAZY_PRELUDE
            .iter()
            .enumerate()
            .position(|(s, script)| !inner.started[s] && script.helpers.contains(&name.as_str()))
    };
    let Some(s) = script else {
        return Ok(undefined);
    };
    load_lazy_script(&ctx, s)?;
    let Some(receiver) = receiver.as_object() else {
        return Ok(undefined);
    };
    if has_own(&ctx, receiver, &name)? {
        receiver.get(name.as_str())
    } else {
        Ok(undefined)
    }
}

/// An own property's attributes, as far as lazy loading needs them.
struct OwnProperty<'js> {
    /// The getter of an accessor property.
    getter: Option<Value<'js>>,
    enumerable: bool,
    configurable: bool,
}

/// An atom owned by its holder, freed when dropped.
struct OwnedAtom(*mut rquickjs::qjs::JSContext, rquickjs::qjs::JSAtom);

impl OwnedAtom {
    fn new(ctx: &Ctx<'_>, name: &str) -> rquickjs::Result<Self> {
        let raw = ctx.as_raw().as_ptr();
        // SAFETY: the name's bytes are valid for its length.
        let atom =
            unsafe { rquickjs::qjs::JS_NewAtomLen(raw, name.as_ptr().cast(), name.len() as _) };
        if atom == rquickjs::qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(OwnedAtom(raw, atom))
    }
}

impl Drop for OwnedAtom {
    fn drop(&mut self) {
        // SAFETY: the atom was created by JS_NewAtomLen in this (still live) context.
        unsafe { rquickjs::qjs::JS_FreeAtom(self.0, self.1) }
    }
}

/// `Object.getOwnPropertyDescriptor(obj, name)`, the parts lazy loading needs.
fn own_property<'js>(
    ctx: &Ctx<'js>,
    obj: &Object<'js>,
    name: &str,
) -> rquickjs::Result<Option<OwnProperty<'js>>> {
    use rquickjs::qjs;
    let atom = OwnedAtom::new(ctx, name)?;
    let mut desc = qjs::JSPropertyDescriptor {
        flags: 0,
        value: qjs::JS_UNDEFINED,
        getter: qjs::JS_UNDEFINED,
        setter: qjs::JS_UNDEFINED,
    };
    // SAFETY: the descriptor's values are owned here once the call succeeds; each is freed (or
    // handed to a `Value`) exactly once.
    unsafe {
        let found = qjs::JS_GetOwnProperty(atom.0, &mut desc, obj.as_raw(), atom.1);
        if found < 0 {
            return Err(rquickjs::Error::Exception);
        }
        if found == 0 {
            return Ok(None);
        }
        qjs::JS_FreeValue(atom.0, desc.value);
        qjs::JS_FreeValue(atom.0, desc.setter);
        let getter = Value::from_raw(ctx.clone(), desc.getter);
        Ok(Some(OwnProperty {
            getter: getter.is_function().then_some(getter),
            enumerable: desc.flags & qjs::JS_PROP_ENUMERABLE as i32 != 0,
            configurable: desc.flags & qjs::JS_PROP_CONFIGURABLE as i32 != 0,
        }))
    }
}

/// `Object.defineProperty(obj, name, { value, writable: true, enumerable, configurable: true })`.
fn define_value<'js>(
    ctx: &Ctx<'js>,
    obj: &Object<'js>,
    name: &str,
    value: &Value<'js>,
    enumerable: bool,
) -> rquickjs::Result<()> {
    use rquickjs::qjs;
    let atom = OwnedAtom::new(ctx, name)?;
    let mut flags = (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE | qjs::JS_PROP_THROW) as i32;
    if enumerable {
        flags |= qjs::JS_PROP_ENUMERABLE as i32;
    }
    // SAFETY: JS_DefinePropertyValue takes over the duplicated value.
    let defined = unsafe {
        qjs::JS_DefinePropertyValue(
            atom.0,
            obj.as_raw(),
            atom.1,
            qjs::JS_DupValue(atom.0, value.as_raw()),
            flags,
        )
    };
    if defined < 0 {
        return Err(rquickjs::Error::Exception);
    }
    Ok(())
}

/// `Object.prototype.hasOwnProperty.call(obj, name)`.
fn has_own<'js>(ctx: &Ctx<'js>, obj: &Object<'js>, name: &str) -> rquickjs::Result<bool> {
    let atom = OwnedAtom::new(ctx, name)?;
    // SAFETY: a NULL descriptor asks only whether the property exists.
    let found = unsafe {
        rquickjs::qjs::JS_GetOwnProperty(atom.0, std::ptr::null_mut(), obj.as_raw(), atom.1)
    };
    if found < 0 {
        return Err(rquickjs::Error::Exception);
    }
    Ok(found > 0)
}

/// `Object.keys(obj).length`.
fn own_enumerable_keys<'js>(ctx: &Ctx<'js>, obj: &Object<'js>) -> rquickjs::Result<usize> {
    use rquickjs::qjs;
    let raw = ctx.as_raw().as_ptr();
    let mut tab: *mut qjs::JSPropertyEnum = std::ptr::null_mut();
    let mut len: u32 = 0;
    // SAFETY: on success the engine hands over `len` entries at `tab`, freed right after.
    unsafe {
        let failed = qjs::JS_GetOwnPropertyNames(
            raw,
            &mut tab,
            &mut len,
            obj.as_raw(),
            (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as i32,
        );
        if failed < 0 {
            return Err(rquickjs::Error::Exception);
        }
        qjs::JS_FreePropertyEnum(raw, tab, len);
    }
    Ok(len as usize)
}

/// The groups of natives lazy script `name` calls (see [`add_script_natives`]).
fn script_natives(name: &str) -> u8 {
    match name {
        "encoding" => NATIVES_CODECS | NATIVES_CHECK,
        "crypto" | "fetch" => NATIVES_CODECS,
        "modules" => NATIVES_RESOLUTION,
        "module-loaders" => NATIVES_RESOLUTION | NATIVES_LOADERS,
        _ => 0,
    }
}
const NATIVES_CODECS: u8 = 1;
const NATIVES_CHECK: u8 = 2;
const NATIVES_RESOLUTION: u8 = 4;
const NATIVES_LOADERS: u8 = 8;

/// Add to `host` the groups of natives in `groups` (bits of [`script_natives`]), which only
/// lazily loaded prelude scripts call: most instances never need them. The encoders, hashes and
/// RSA keys (natives.rs) for `encoding`, `crypto` and `fetch`; [`is_native_function`] for
/// `encoding`; module resolution (modules.rs) for `modules` and `module-loaders`; reading
/// module files (modules.rs), `nodeModule(name)` (a Node built-in's wrapper function, or
/// `undefined`), `standInModule(name)` (a stand-in's CommonJS wrapper), both from bytecode
/// compiled once per process, and the host's compiler of wrapped module code for
/// `module-loaders`.
fn add_script_natives<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &HostStateRef,
    groups: u8,
) -> rquickjs::Result<()> {
    if groups & NATIVES_CODECS != 0 {
        crate::natives::build(ctx, host, state)?;
    }
    if groups & NATIVES_CHECK != 0 {
        host.set(
            "isNativeFunction",
            Function::new(ctx.clone(), is_native_function)?.with_name("isNativeFunction")?,
        )?;
    }
    if groups & NATIVES_RESOLUTION != 0 {
        crate::modules::build(ctx, host, state)?;
    }
    if groups & NATIVES_LOADERS != 0 {
        crate::modules::build_loading(ctx, host, state)?;
        host::add_module_compiler(ctx, host)?;
        add_module_sources(ctx, host)?;
    }
    Ok(())
}

/// `host.nodeModule(name)` and `host.standInModule(name)` (see [`add_script_natives`]).
fn add_module_sources<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    let node = |ctx: Ctx<'js>, name: String| -> rquickjs::Result<Value<'js>> {
        let Some(&(name, source)) = NODE_MODULES.iter().find(|(n, _)| *n == name) else {
            return Ok(Value::new_undefined(ctx));
        };
        let filename = format!("actsim:node/{name}.js");
        crate::bytecode::run_static_script(&ctx, &filename, false, || {
            format!("(function (exports, require, module, internal) {{ {source}\n}})")
        })
    };
    host.set(
        "nodeModule",
        Function::new(ctx.clone(), node)?.with_name("nodeModule")?,
    )?;
    let stand_in = |ctx: Ctx<'js>, name: String| -> rquickjs::Result<Value<'js>> {
        let Some(&(name, source)) = BUILTINS.iter().find(|(n, _)| *n == name) else {
            return Err(rquickjs::Exception::throw_type(
                &ctx,
                &format!("actsim bug: no stand-in {name}"),
            ));
        };
        let filename = format!("actsim:builtin/{name}.js");
        // Stand-ins also get `actsim`, natives for their hot paths (see modules.js).
        crate::bytecode::run_static_script(&ctx, &filename, false, || {
            format!("(function (exports, require, module, __filename, __dirname, actsim) {{ {source}\n}})")
        })
    };
    host.set(
        "standInModule",
        Function::new(ctx.clone(), stand_in)?.with_name("standInModule")?,
    )
}

/// `host.isNativeFunction(f)`: whether `f` is a function the engine implements (a built-in, a
/// bound function, a host native) rather than JavaScript code. `structuredClone` asks this
/// instead of looking for `[native code]` in the function's text, which actsim's own functions
/// also show since their bytecode has no source text ([`run_prelude_script`]).
fn is_native_function<'js>(ctx: Ctx<'js>, f: Value<'js>) -> rquickjs::Result<bool> {
    use rquickjs::qjs;
    /// The engine's classes of functions compiled from JavaScript (plain, generator, async,
    /// async generator), found once from samples.
    static BYTECODE_CLASSES: std::sync::OnceLock<Vec<qjs::JSClassID>> = std::sync::OnceLock::new();
    if !f.is_function() {
        return Ok(false);
    }
    let classes = match BYTECODE_CLASSES.get() {
        Some(classes) => classes,
        None => {
            let samples: rquickjs::Array = ctx.eval(
                "[function () {}, function* () {}, async function () {}, async function* () {}]",
            )?;
            let mut classes = Vec::new();
            for sample in samples.iter::<Value>() {
                // SAFETY: reading the class of a live value.
                classes.push(unsafe { qjs::JS_GetClassID(sample?.as_raw()) });
            }
            BYTECODE_CLASSES.get_or_init(|| classes)
        }
    };
    // SAFETY: reading the class of a live value.
    Ok(!classes.contains(&unsafe { qjs::JS_GetClassID(f.as_raw()) }))
}

/// `host.defineLazyGlobals(late)`: define the lazy globals before [`FIRST_LATE_GLOBAL`] (or, if
/// `late`, the others) as configurable accessors whose getter and setter are one native function
/// per global ([`lazy_global_accessor`], its index as `magic`), which calls [`lazy_global`]. A
/// global keeps its place and enumerability if it exists (`DOMException`, `performance`) and is
/// enumerable otherwise, as an assigned global is. Done natively because it runs for every
/// instance.
fn define_lazy_globals<'js>(ctx: Ctx<'js>, late: bool) -> rquickjs::Result<()> {
    use rquickjs::qjs;
    let first_late = lazy_globals()
        .position(|(_, name)| name == FIRST_LATE_GLOBAL)
        .unwrap_or(usize::MAX);
    let accessor = {
        let lazy = lazy_prelude(&ctx)?;
        let mut inner = lazy.inner.borrow_mut();
        match &inner.accessor {
            Some(f) => f.clone(),
            None => {
                let f = Function::new(ctx.clone(), lazy_global)?;
                inner.accessor = Some(f.clone());
                f
            }
        }
    };
    let raw = ctx.as_raw().as_ptr();
    let global = ctx.globals();
    let mut data = [accessor.as_raw()];
    for (i, (_, name)) in lazy_globals().enumerate() {
        if (i >= first_late) != late {
            continue;
        }
        let enumerable = match own_property(&ctx, &global, name)? {
            Some(d) => d.enumerable,
            None => true,
        };
        let atom = OwnedAtom::new(&ctx, name)?;
        // SAFETY: raw calls on live values of this context; every value the engine returns is
        // owned here and freed (or handed over) exactly once.
        unsafe {
            let function = qjs::JS_NewCFunctionData(
                raw,
                Some(lazy_global_accessor),
                0,
                i as i32,
                1,
                data.as_mut_ptr(),
            );
            if qjs::JS_IsException(function) {
                return Err(rquickjs::Error::Exception);
            }
            let function = Value::from_raw(ctx.clone(), function);
            let mut flags = qjs::JS_PROP_CONFIGURABLE as i32;
            if enumerable {
                flags |= qjs::JS_PROP_ENUMERABLE as i32;
            }
            // JS_DefinePropertyGetSet takes over the getter and the setter.
            let defined = qjs::JS_DefinePropertyGetSet(
                raw,
                global.as_raw(),
                atom.1,
                qjs::JS_DupValue(raw, function.as_raw()),
                qjs::JS_DupValue(raw, function.as_raw()),
                flags,
            );
            if defined < 0 {
                return Err(rquickjs::Error::Exception);
            }
            let lazy = lazy_prelude(&ctx)?;
            lazy.inner.borrow_mut().accessors[i] = Some(function);
        }
    }
    Ok(())
}

/// The getter and setter of a lazy global (see [`define_lazy_globals`]): calls [`lazy_global`]
/// (`func_data[0]`) with the global's index (`magic`) and, when setting, the value; `this` is
/// ignored (the accessor always works on the global object).
unsafe extern "C" fn lazy_global_accessor(
    ctx: *mut rquickjs::qjs::JSContext,
    _this: rquickjs::qjs::JSValue,
    argc: std::ffi::c_int,
    argv: *mut rquickjs::qjs::JSValue,
    magic: std::ffi::c_int,
    func_data: *mut rquickjs::qjs::JSValue,
) -> rquickjs::qjs::JSValue {
    use rquickjs::qjs;
    let index = qjs::JS_MKVAL(qjs::JS_TAG_INT, magic);
    // SAFETY: the engine passes `argc` arguments at `argv` and the one data value given to
    // JS_NewCFunctionData; JS_Call borrows its arguments and returns an owned value.
    unsafe {
        if argc > 0 {
            let mut args = [index, *argv];
            qjs::JS_Call(ctx, *func_data, qjs::JS_UNDEFINED, 2, args.as_mut_ptr())
        } else {
            let mut args = [index];
            qjs::JS_Call(ctx, *func_data, qjs::JS_UNDEFINED, 1, args.as_mut_ptr())
        }
    }
}

/// Limits and seeds for one instance.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceConfig {
    /// Seed for `Math.random` in this instance.
    pub seed: u64,
    /// CPU time one execution may use before it is stopped (production's 20 s budget).
    pub cpu_budget: Duration,
    /// The instance's JS heap limit in bytes.
    pub memory_limit_bytes: usize,
    /// The JS stack limit in bytes.
    pub max_stack_bytes: usize,
    /// Console output kept per execution (production buffers 256 KiB).
    pub console_cap_bytes: usize,
    /// Cache writes (set and delete) allowed per execution before `MaxSideEffectsExceeded`;
    /// production's cap is not documented, so there is none by default.
    pub max_cache_writes_per_execution: Option<u32>,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            seed: 0,
            cpu_budget: Duration::from_secs(20),
            memory_limit_bytes: 128 * 1024 * 1024,
            max_stack_bytes: 1024 * 1024,
            console_cap_bytes: 256 * 1024,
            max_cache_writes_per_execution: None,
        }
    }
}

/// What to run: which handler, with which event, secrets and cache.
#[derive(Clone, Debug)]
pub struct ExecutionSpec {
    /// The trigger whose `api` the action gets.
    pub trigger: Trigger,
    /// `onExecute…` or `onContinuePostLogin`.
    pub phase: Phase,
    /// The `event` object (without `secrets`), prepared once: `serde_json::Value` converts
    /// with `.into()`.
    pub event: PreparedEvent,
    /// `event.secrets`, read-only in JS.
    pub secrets: BTreeMap<String, String>,
    /// The cache store `api.cache` reads and writes.
    pub cache: SharedCache,
}

/// A JS runtime with one action loaded. Not `Send`: one thread drives it.
pub struct Instance {
    /// The prelude's `__actsim_start` and `__actsim_complete` (declared before the runtime, so
    /// they are released first).
    start_fn: Persistent<Function<'static>>,
    complete_fn: Persistent<Function<'static>>,
    /// The prelude's maker of lazy event-field accessors, and the accessors of the last event
    /// layout seen, by position (with the field name each was made for).
    lazy_accessor_fn: Persistent<Function<'static>>,
    /// The prelude's `watch(context)` (settle when the handler's promise does) and
    /// `completed(context)`.
    watch_fn: Persistent<Function<'static>>,
    completed_fn: Persistent<Function<'static>>,
    /// The prelude's `freezeSecrets(json)`, and the frozen secrets object of the last set of
    /// secrets seen (executions share it: frozen, it cannot carry state between them).
    freeze_secrets_fn: Persistent<Function<'static>>,
    secrets_target: Option<(BTreeMap<String, String>, Persistent<Object<'static>>)>,
    lazy_accessors: Vec<(Rc<str>, LazyField)>,
    state: HostStateRef,
    deadline: CpuDeadline,
    poisoned: bool,
    context: Context,
    runtime: Runtime,
}

impl Instance {
    /// Create a fresh instance (runtime, realm, prelude) for `action`. The action's own code is
    /// not run until the first execution, as in production.
    pub fn new(
        action: ActionSource,
        clock: Clock,
        config: InstanceConfig,
    ) -> Result<Self, HostError> {
        let runtime = Runtime::new().map_err(|e| HostError::Engine(e.to_string()))?;
        runtime.set_memory_limit(config.memory_limit_bytes);
        runtime.set_max_stack_size(config.max_stack_bytes);
        runtime.set_gc_threshold(GC_THRESHOLD_BYTES);
        let context = Context::full(&runtime).map_err(|e| HostError::Engine(e.to_string()))?;
        let modules = crate::modules::ModuleSystem::new(&action, &action.modules);
        let state: HostStateRef = Rc::new(RefCell::new(HostState {
            started_at_ms: clock.now_ms(),
            rng: SeededRng::new(config.seed),
            clock,
            action,
            config,
            current_exec: None,
            next_exec: 0,
            execs: BTreeMap::new(),
            finished: Vec::new(),
            new_ops: Vec::new(),
            pending_ops: BTreeMap::new(),
            next_op: 0,
            cancelled_ops: BTreeSet::new(),
            rejections: Vec::new(),
            orphan_console: Vec::new(),
            out_of_memory: false,
            modules,
        }));
        runtime.set_loader(
            crate::modules::EsmLoader {
                state: state.clone(),
            },
            crate::modules::EsmLoader {
                state: state.clone(),
            },
        );
        let deadline = CpuDeadline::default();
        let d = deadline.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || d.expired())));
        let s = state.clone();
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx, promise, reason, handled| {
                track_rejection(&s, &ctx, promise, reason, handled);
            },
        )));
        // The prelude's own failure message, if it fails (a bug in actsim).
        let mut failure: Option<String> = None;
        context
            .with(|ctx| -> rquickjs::Result<()> {
                let host_obj = host::build(&ctx, &state)?;
                let internal = Object::new(ctx.clone())?;
                init_lazy_prelude(&ctx, &host_obj, &internal, &state)?;
                internal.set("NODE_VERSION", NODE_VERSION)?;
                internal.set("ACTSIM_VERSION", env!("CARGO_PKG_VERSION"))?;
                let mut report = |filename: &str, e: rquickjs::Error| {
                    let caught = ctx.catch();
                    failure = Some(format!(
                        "{filename}: {e}: {}",
                        describe_value(&caught).message
                    ));
                    e
                };
                let globals = ctx.globals();
                globals.set("__host", host_obj.clone())?;
                globals.set("__actsim_internal", internal.clone())?;
                run_prelude_script(&ctx, PRELUDE).map_err(|e| report(PRELUDE.0, e))?;
                globals.remove("__host")?;
                globals.remove("__actsim_internal")?;
                run_prelude_script(&ctx, LOCKDOWN)
                    .and_then(|f| f.get::<Function>())
                    .and_then(|f| f.call::<_, ()>((host_obj, internal)))
                    .map_err(|e| report(LOCKDOWN.0, e))?;
                // QuickJS-only globals that Node does not have (none, unless the engine's
                // build changes): a last check that nothing of the host remains reachable.
                for name in ["os", "std", "bjson", "scriptArgs", "print", "__loadScript"] {
                    globals.remove(name)?;
                }
                Ok(())
            })
            .map_err(|e| HostError::Prelude(failure.take().unwrap_or_else(|| e.to_string())))?;
        let (start_fn, complete_fn, lazy_accessor_fn, watch_fn, completed_fn, freeze_secrets_fn) =
            context
                .with(|ctx| -> rquickjs::Result<_> {
                    let globals = ctx.globals();
                    let start: Function = globals.get("__actsim_start")?;
                    let complete: Function = globals.get("__actsim_complete")?;
                    let take = |name: &str| -> rquickjs::Result<Persistent<Function<'static>>> {
                        let f: Function = globals.get(name)?;
                        globals.remove(name)?;
                        Ok(Persistent::save(&ctx, f))
                    };
                    Ok((
                        Persistent::save(&ctx, start),
                        Persistent::save(&ctx, complete),
                        take("__actsim_lazy_accessor")?,
                        take("__actsim_watch")?,
                        take("__actsim_completed")?,
                        take("__actsim_freeze_secrets")?,
                    ))
                })
                .map_err(|e| HostError::Prelude(e.to_string()))?;
        Ok(Instance {
            start_fn,
            complete_fn,
            lazy_accessor_fn,
            watch_fn,
            completed_fn,
            freeze_secrets_fn,
            secrets_target: None,
            lazy_accessors: Vec::new(),
            state,
            deadline,
            poisoned: false,
            context,
            runtime,
        })
    }

    /// Start an execution; it runs until it first waits on a host operation (or ends).
    /// Returns its id. Collect the report with [`Instance::take_finished`].
    pub fn start(&mut self, spec: ExecutionSpec) -> Result<ExecId, HostError> {
        let handler = spec
            .trigger
            .handler_name(spec.phase)
            .ok_or(HostError::NoSuchPhase(spec.trigger))?;
        let event = match spec.trigger {
            Trigger::PostLogin => spec.event.with_transaction_metadata(),
            Trigger::CredentialsExchange => spec.event,
        };
        if self
            .secrets_target
            .as_ref()
            .is_none_or(|(seen, _)| *seen != spec.secrets)
        {
            let json = serde_json::to_string(&spec.secrets)
                .map_err(|e| HostError::Event(e.to_string()))?;
            let freeze = self.freeze_secrets_fn.clone();
            let target = self
                .context
                .with(|ctx| -> rquickjs::Result<Persistent<Object<'static>>> {
                    let target: Object = freeze.restore(&ctx)?.call((json,))?;
                    Ok(Persistent::save(&ctx, target))
                })
                .map_err(|e| HostError::Prelude(e.to_string()))?;
            self.secrets_target = Some((spec.secrets.clone(), target));
        }
        let secrets = self
            .secrets_target
            .as_ref()
            .map(|(_, target)| target.clone())
            .expect("made above");
        let exec_id = self
            .state
            .borrow_mut()
            .begin(spec.trigger, handler, spec.cache);
        // Accessors for fields at positions this instance has not seen with that name yet
        // (made outside `enter`, so that making them never counts against an execution).
        // Events of one instance nearly always share one layout, so this is a comparison of
        // names, not a lookup.
        for (index, field) in event.fields().iter().enumerate() {
            let known = self
                .lazy_accessors
                .get(index)
                .is_some_and(|(name, _)| **name == *field.name);
            if known {
                continue;
            }
            let lazy = self.lazy_accessor_fn.clone();
            let made = self.context.with(|ctx| -> rquickjs::Result<LazyField> {
                let pair: rquickjs::Array = lazy.restore(&ctx)?.call((&*field.name, index))?;
                let (get, set): (Function, Function) = (pair.get(0)?, pair.get(1)?);
                LazyField::new(&ctx, &field.name, &get, &set)
            });
            let made = made.map_err(|e| HostError::Prelude(e.to_string()))?;
            let entry = (field.name.clone(), made);
            if index < self.lazy_accessors.len() {
                let (_, old) = std::mem::replace(&mut self.lazy_accessors[index], entry);
                self.context.with(|ctx| old.free(&ctx));
            } else {
                self.lazy_accessors.push(entry);
            }
        }
        let start = self.start_fn.clone();
        let now_ms = self.state.borrow().clock.now_ms();
        let accessors = std::mem::take(&mut self.lazy_accessors);
        let fields = event.fields();
        let trigger = spec.trigger.as_str();
        let mut started_context: Option<Persistent<Object<'static>>> = None;
        let run = |ctx: &Ctx<'_>| -> rquickjs::Result<()> {
            let event_obj = Object::new(ctx.clone())?;
            let texts = rquickjs::Array::new(ctx.clone())?;
            for (i, (field, (_, lazy))) in fields.iter().zip(accessors.iter()).enumerate() {
                lazy.define(ctx, &event_obj)?;
                texts.set(i, &*field.json)?;
            }
            let returned: Value = start.restore(ctx)?.call((
                now_ms as f64,
                exec_id as f64,
                trigger,
                handler,
                event_obj,
                texts,
                secrets.restore(ctx)?,
            ))?;
            if let Some(context) = returned.into_object() {
                started_context = Some(Persistent::save(ctx, context));
            }
            Ok(())
        };
        let started = self.begin_entry(Some(exec_id));
        self.run_in_realm(run);
        self.lazy_accessors = accessors;
        self.drain_jobs();
        if let Some(context) = started_context {
            // Jobs the handler queued have run (as they would before the promise's own
            // reaction): now the handler's promise says whether the execution is over.
            self.settle_started(exec_id, context);
        }
        self.end_entry(Some(exec_id), started);
        Ok(exec_id)
    }

    /// Host operations queued since the last call, in the order JavaScript started them.
    pub fn take_ops(&mut self) -> Vec<HostOp> {
        let mut st = self.state.borrow_mut();
        let ops = std::mem::take(&mut st.new_ops);
        ops.into_iter()
            .filter(|op| !st.cancelled_ops.contains(&op.id))
            .collect()
    }

    /// Whether `op` is still awaited (not completed or cancelled).
    pub fn is_pending(&self, op: OpId) -> bool {
        self.state.borrow().pending_ops.contains_key(&op)
    }

    /// Complete a host operation and run the JavaScript it unblocks until it is idle again.
    /// Completing an unknown or cancelled operation does nothing.
    pub fn complete(&mut self, op: OpId, result: OpResult) {
        let owner = {
            let mut st = self.state.borrow_mut();
            match st.pending_ops.remove(&op) {
                Some(owner) => owner,
                None => return,
            }
        };
        let (ok, payload) = match result {
            OpResult::Fetch(response) => (
                true,
                Some(serde_json::to_string(&response).unwrap_or_default()),
            ),
            OpResult::NetworkError(message) => (false, Some(message)),
            OpResult::TimerFired => (true, None),
        };
        let complete = self.complete_fn.clone();
        let now_ms = self.state.borrow().clock.now_ms();
        self.enter(owner, |ctx| {
            let complete = complete.restore(ctx)?;
            complete.call::<_, ()>((now_ms as f64, op as f64, ok, payload))
        });
    }

    /// End a running execution from outside (virtual timeout, abandoned flow). Its pending work
    /// is ignored from now on.
    pub fn abort(&mut self, exec_id: ExecId, message: &str) {
        let error = ActionError {
            kind: ErrorKind::Aborted,
            name: "Aborted".to_string(),
            message: message.to_string(),
            location: None,
            stack: String::new(),
        };
        self.state
            .borrow_mut()
            .finish(exec_id, Outcome::Failed { error });
    }

    /// Reports of executions that ended since the last call, in the order they ended.
    pub fn take_finished(&mut self) -> Vec<ExecutionReport> {
        std::mem::take(&mut self.state.borrow_mut().finished)
    }

    /// Executions that have started and not ended.
    pub fn running(&self) -> Vec<ExecId> {
        self.state.borrow().execs.keys().copied().collect()
    }

    /// Console output written while no execution was running (e.g. by a late timer).
    pub fn take_orphan_console(&mut self) -> Vec<ConsoleLine> {
        std::mem::take(&mut self.state.borrow_mut().orphan_console)
    }

    /// True after the instance ran out of memory or an execution was stopped at its CPU budget:
    /// drivers should replace it, as production replaces a broken instance.
    pub fn is_poisoned(&self) -> bool {
        // An out-of-memory error caught by the handler's promise ends the execution through
        // the prelude (`host.finish`), not `fail_current`: the state records both paths.
        self.poisoned || self.state.borrow().out_of_memory
    }

    /// Bytes the JS heap uses now.
    pub fn memory_used_bytes(&self) -> i64 {
        self.runtime.memory_usage().memory_used_size
    }

    /// Run `f` in the realm on behalf of `exec`, then drain the job queue, with the CPU budget
    /// armed; failures (interrupts, uncaught exceptions, unhandled rejections) end `exec`.
    fn enter<F>(&mut self, exec: Option<ExecId>, f: F)
    where
        F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<()>,
    {
        let started = self.begin_entry(exec);
        self.run_in_realm(f);
        self.drain_jobs();
        self.end_entry(exec, started);
    }

    /// Mark `exec` as running and arm its remaining CPU budget; returns when it started.
    fn begin_entry(&mut self, exec: Option<ExecId>) -> std::time::Instant {
        let budget = {
            let mut st = self.state.borrow_mut();
            st.current_exec = exec;
            let used = exec
                .and_then(|id| st.execs.get(&id))
                .map(|e| e.cpu_used)
                .unwrap_or_default();
            st.config.cpu_budget.saturating_sub(used)
        };
        self.deadline.arm(budget)
    }

    /// Run `f` in the realm; an exception that escapes it ends the current execution.
    fn run_in_realm<F>(&mut self, f: F)
    where
        F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<()>,
    {
        let failure = self.context.with(|ctx| match f(&ctx) {
            Ok(()) => None,
            Err(_) => Some(describe_value(&ctx.catch())),
        });
        if let Some(info) = failure {
            self.fail_current(info);
        }
    }

    /// Run promise jobs until none is left.
    fn drain_jobs(&mut self) {
        loop {
            match self.runtime.execute_pending_job() {
                Ok(true) => {}
                Ok(false) => break,
                Err(job) => {
                    let info = job.0.with(|ctx| describe_value(&ctx.catch()));
                    self.fail_current(info);
                    let full = self.state.borrow().config.cpu_budget;
                    self.deadline.arm(full);
                }
            }
        }
    }

    /// Disarm the CPU budget, settle unhandled rejections and account the CPU time to `exec`.
    fn end_entry(&mut self, exec: Option<ExecId>, started: std::time::Instant) {
        self.deadline.disarm();
        let elapsed = started.elapsed();
        self.settle_rejections();
        let mut st = self.state.borrow_mut();
        if let Some(e) = exec.and_then(|id| st.execs.get_mut(&id)) {
            e.cpu_used += elapsed;
        }
        st.current_exec = None;
    }

    /// Settle an execution whose handler was called: if its promise is already fulfilled
    /// (the handler never waited on anything) the execution completes here, without a promise
    /// job; otherwise the prelude's `watch` settles it when the promise does.
    fn settle_started(&mut self, exec_id: ExecId, context: Persistent<Object<'static>>) {
        let mut done = false;
        let (watch, completed) = (self.watch_fn.clone(), self.completed_fn.clone());
        let state = self.state.clone();
        self.run_in_realm(|ctx| {
            let context = context.restore(ctx)?;
            let promise: rquickjs::Promise = context.get("promise")?;
            if promise.state() != rquickjs::promise::PromiseState::Resolved {
                return watch.restore(ctx)?.call::<_, ()>((context,));
            }
            // Completed: the common case is finished here; a redirect or an unread failed
            // cache write goes through the prelude, which knows how to report them.
            let plain = context.get::<_, Value>("redirect")?.is_null()
                && context.get::<_, Value>("unread")?.is_null();
            if !plain {
                return completed.restore(ctx)?.call::<_, ()>((context,));
            }
            let denied: bool = context.get("denied")?;
            context.set("api", Value::new_null(ctx.clone()))?;
            if !context.get::<_, Value>("parts")?.is_null() {
                context.set("parts", Value::new_null(ctx.clone()))?;
            }
            done = state.borrow_mut().finish(
                exec_id,
                Outcome::Completed {
                    denied,
                    redirect: None,
                },
            );
            Ok(())
        });
        if !done {
            self.drain_jobs();
        }
    }

    /// End the current execution because of an exception that escaped to the host.
    fn fail_current(&mut self, info: JsErrorInfo) {
        let interrupted = self.deadline.expired();
        let mut st = self.state.borrow_mut();
        let error = if interrupted {
            let budget = st.config.cpu_budget;
            ActionError {
                kind: ErrorKind::CpuBudgetExceeded,
                name: "CpuBudgetExceeded".to_string(),
                message: format!(
                    "the execution used more than its CPU budget of {} ms and was stopped (an endless loop?); production stops executions after 20 s",
                    budget.as_millis()
                ),
                location: crate::errors::locate(&info.stack, &st.action.filename, st.action.form),
                stack: crate::errors::user_frames(&info.stack),
            }
        } else {
            classify(info, &st.action.filename, st.action.form)
        };
        // After running out of memory or being interrupted, QuickJS may hold promises that will
        // never settle (e.g. a module evaluation stopped half-way): drivers replace the instance.
        if matches!(
            error.kind,
            ErrorKind::OutOfMemory | ErrorKind::CpuBudgetExceeded
        ) {
            self.poisoned = true;
        }
        if let Some(id) = st.current_exec {
            st.finish(id, Outcome::Failed { error });
        }
    }

    /// Rejections still unhandled after the job queue drained fail their execution, even one
    /// that has just completed (Node 22 treats them as fatal).
    fn settle_rejections(&mut self) {
        let pending = std::mem::take(&mut self.state.borrow_mut().rejections);
        let mut st = self.state.borrow_mut();
        for rejection in pending {
            let Some(id) = rejection.exec_id else {
                continue;
            };
            let outcome = Outcome::Failed {
                error: rejection.error,
            };
            if !st.finish(id, outcome.clone()) {
                if let Some(report) = st.finished.iter_mut().rev().find(|r| r.exec_id == id) {
                    if !report.failed() {
                        report.outcome = outcome;
                    }
                }
            }
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Persistent JS values must be released while the runtime is still alive.
        self.state.borrow_mut().rejections.clear();
        let fields = std::mem::take(&mut self.lazy_accessors);
        self.context.with(|ctx| {
            for (_, field) in fields {
                field.free(&ctx);
            }
        });
    }
}

/// Keep track of rejected promises without a handler; forget them once a handler is attached.
fn track_rejection<'js>(
    state: &HostStateRef,
    ctx: &Ctx<'js>,
    promise: Value<'js>,
    reason: Value<'js>,
    handled: bool,
) {
    if handled {
        let mut st = state.borrow_mut();
        st.rejections
            .retain(|r| match r.promise.clone().restore(ctx) {
                Ok(p) => p != promise,
                Err(_) => false,
            });
        return;
    }
    let info = describe_value(&reason);
    let mut st = state.borrow_mut();
    let mut error = classify(info, &st.action.filename, st.action.form);
    error.kind = ErrorKind::UnhandledRejection;
    error.message = format!(
        "unhandled promise rejection: {}: {} (a promise rejected and nothing awaited or caught it)",
        error.name, error.message
    );
    let exec_id = st.current_exec;
    st.rejections.push(PendingRejection {
        promise: Persistent::save(ctx, promise),
        exec_id,
        error,
    });
}

/// Describe any thrown JS value for the host.
pub(crate) fn describe_value(value: &Value<'_>) -> JsErrorInfo {
    if let Some(obj) = value.as_object() {
        let get = |k: &str| {
            obj.get::<_, Option<String>>(k)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        JsErrorInfo {
            name: {
                let n = get("name");
                if n.is_empty() {
                    "Error".to_string()
                } else {
                    n
                }
            },
            message: get("message"),
            stack: get("stack"),
            phase: String::new(),
        }
    } else {
        let text = if let Some(s) = value.as_string() {
            s.to_string().unwrap_or_default()
        } else if value.is_null() {
            "null".to_string()
        } else if let Some(n) = value.as_number() {
            n.to_string()
        } else {
            format!("{:?}", value.type_of())
        };
        JsErrorInfo {
            name: "Error".to_string(),
            message: text,
            stack: String::new(),
            phase: String::new(),
        }
    }
}
