//! actsim's prelude: the JavaScript every instance runs when it is created (`js/prelude.js`,
//! then `js/prelude/lockdown.js`), and the scripts it loads on first use (`js/prelude/*.js`,
//! [`LAZY_PRELUDE`]) through accessors on globalThis and a proxy on `internal`, with the natives
//! those scripts need, added when the first of them loads. [`install`] runs it in a new realm.

use std::cell::RefCell;

use rquickjs::{Ctx, Function, Object, Value};

use crate::boundary::{set_native, LazyScript, NativeGroup, NativeGroups, LAZY_PRELUDE};
use crate::host;
use crate::instance::{describe_value, NODE_VERSION};
use crate::state::HostStateRef;

/// Run the prelude in the realm of `ctx` for the instance whose host state is `state`: the
/// natives (`__host`) and `internal`, prelude.js, then lockdown.js, which installs the lazily
/// loaded globals. A failure (a bug in actsim) leaves its message in `failure`.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    state: &HostStateRef,
    failure: &mut Option<String>,
) -> rquickjs::Result<()> {
    let host_obj = host::build(ctx, state)?;
    let internal = Object::new(ctx.clone())?;
    init_lazy_prelude(ctx, &host_obj, &internal, state)?;
    internal.set("NODE_VERSION", NODE_VERSION)?;
    internal.set("ACTSIM_VERSION", env!("CARGO_PKG_VERSION"))?;
    let mut report = |filename: &str, e: rquickjs::Error| {
        let caught = ctx.catch();
        *failure = Some(format!(
            "{filename}: {e}: {}",
            describe_value(&caught).message
        ));
        e
    };
    let globals = ctx.globals();
    globals.set("__host", host_obj.clone())?;
    globals.set("__actsim_internal", internal.clone())?;
    crate::bytecode::run_static_script(ctx, PRELUDE.0, true, || {
        crate::boundary::prelude_source(PRELUDE.1)
    })
    .map_err(|e| report(PRELUDE.0, e))?;
    globals.remove("__host")?;
    globals.remove("__actsim_internal")?;
    run_prelude_script(ctx, LOCKDOWN)
        .and_then(|f| f.get::<Function>())
        .and_then(|f| f.call::<_, ()>((host_obj, internal)))
        .map_err(|e| report(LOCKDOWN.0, e))?;
    // QuickJS-only globals that Node does not have (none, unless the engine's
    // build changes): a last check that nothing of the host remains reachable.
    for name in ["os", "std", "bjson", "scriptArgs", "print", "__loadScript"] {
        globals.remove(name)?;
    }
    Ok(())
}

/// The first prelude script, run when an instance is created: it reads the host's natives and
/// the shared `internal` object from the globals `__host` and `__actsim_internal`, which are
/// removed right after it. Its constants (trigger and handler codes, context fields) are
/// filled in from the boundary table (`boundary::prelude_source`).
const PRELUDE: (&str, &str) = ("actsim:prelude.js", include_str!("js/prelude.js"));
/// The last prelude script, run when an instance is created, after [`PRELUDE`]: it evaluates to
/// a function of `(host, internal)`, which installs the lazily loaded globals ([`LAZY_PRELUDE`])
/// and the remaining Node globals.
const LOCKDOWN: (&str, &str) = (
    "actsim:prelude/lockdown.js",
    include_str!("js/prelude/lockdown.js"),
);

/// Most of the prelude runs only when an action first uses what it provides: a trivial action
/// never pays for URL, fetch or Web Crypto. The scripts, with their globals, helpers and the
/// natives they need, are declared in [`LAZY_PRELUDE`] (boundary.rs). Each global such a script
/// provides starts as a configurable accessor on globalThis ([`define_lazy_globals`]), in the
/// place and with the enumerability the global has always had, so `typeof URL`,
/// `'URL' in globalThis` and `Object.getOwnPropertyNames(globalThis)` are unchanged. Reading one
/// runs its script (from bytecode compiled once per process) and turns every accessor of that
/// script into a data property (writable, configurable) holding the value
/// ([`load_lazy_script`]). Assigning a global before it was read replaces the accessor with the
/// assigned value; deleting or redefining it is kept too. A helper missing from `internal` is
/// looked for by a proxy on `internal`'s prototype ([`lazy_helper`]): a helper that is not there
/// yet loads its script.
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
const NODE_MODULES: [(&str, &str); 17] = [
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
    ("tty", include_str!("js/node/tty.js")),
    ("url", include_str!("js/node/url.js")),
    ("util", include_str!("js/node/util.js")),
    ("util/types", "module.exports = require('util').types;"),
];

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
    natives: NativeGroups,
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
            natives: NativeGroups::of(&[NativeGroup::Core]),
            accessor: None,
        }),
    };
    if ctx.store_userdata(lazy).is_err() {
        return Err(rquickjs::Exception::throw_internal(
            ctx,
            "actsim bug: the lazy prelude state is in use",
        ));
    }
    let core = NativeGroups::of(&[NativeGroup::Core]);
    set_native(ctx, host, "defineLazyGlobals", define_lazy_globals)?;
    // The proxy's trap (lockdown.js): named `get`, as a trap is.
    set_native(ctx, host, "lazyHelper", lazy_helper)?;
    let trap: Function = host.get("lazyHelper")?;
    trap.set_name("get")?;
    crate::boundary::check_groups_registered(ctx, host, core)
}

/// The state of lazy loading of `ctx` ([`init_lazy_prelude`]).
fn lazy_prelude<'a, 'js>(
    ctx: &'a Ctx<'js>,
) -> rquickjs::Result<rquickjs::runtime::UserDataGuard<'a, LazyPrelude<'js>>> {
    ctx.userdata::<LazyPrelude<'js>>().ok_or_else(|| {
        rquickjs::Exception::throw_internal(ctx, "actsim bug: no lazy prelude state")
    })
}

/// Throw a `DOMException` named `name` (e.g. `InvalidCharacterError`) from a host function: an
/// instance of the global `DOMException` actions see (prelude/fetch.js, loaded if it was not),
/// so that `instanceof DOMException` holds, as in Node.
pub(crate) fn throw_dom_exception(ctx: &Ctx<'_>, name: &str, message: &str) -> rquickjs::Error {
    let constructed = (|| -> rquickjs::Result<Value<'_>> {
        let internal = lazy_prelude(ctx)?.internal.clone();
        let class: rquickjs::function::Constructor = internal.get("DOMException")?;
        class.construct((message, name))
    })();
    match constructed {
        Ok(exception) => ctx.throw(exception),
        Err(e) => e,
    }
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
        let missing = NativeGroups::of(script.natives).without(inner.natives);
        inner.natives = inner.natives.union(missing);
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

/// Add to `host` the groups of natives in `groups` (boundary.rs: each lazy script's), which only
/// lazily loaded prelude scripts call: most instances never need them. The encoders, hashes and
/// RSA keys (natives.rs) for `encoding`, `crypto` and `fetch`; [`is_native_function`] for
/// `encoding`; `utcDatePrototype` (utc_dates.rs) for `date`; module resolution (modules.rs) and
/// `standInModule(name)` (a stand-in's CommonJS wrapper) for `modules` and `module-loaders`;
/// reading module files (modules.rs), `nodeModule(name)` (a Node built-in's wrapper function,
/// or `undefined`) and the host's compiler of wrapped module code for `module-loaders`. Both
/// wrappers come from bytecode compiled once per process.
fn add_script_natives<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &HostStateRef,
    groups: NativeGroups,
) -> rquickjs::Result<()> {
    if groups.contains(NativeGroup::Codecs) {
        crate::natives::build(ctx, host, state)?;
    }
    if groups.contains(NativeGroup::Check) {
        set_native(ctx, host, "isNativeFunction", is_native_function)?;
    }
    if groups.contains(NativeGroup::Resolution) {
        crate::modules::build(ctx, host, state)?;
        add_stand_in_sources(ctx, host)?;
    }
    if groups.contains(NativeGroup::Dates) {
        set_native(ctx, host, "utcDatePrototype", crate::utc_dates::install)?;
    }
    if groups.contains(NativeGroup::Loaders) {
        crate::modules::build_loading(ctx, host, state)?;
        host::add_module_compiler(ctx, host)?;
        add_node_module_sources(ctx, host)?;
    }
    crate::boundary::check_groups_registered(ctx, host, groups)
}

/// `host.nodeModule(name)` (see [`add_script_natives`]).
fn add_node_module_sources<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    let node = |ctx: Ctx<'js>, name: String| -> rquickjs::Result<Value<'js>> {
        let Some(&(name, source)) = NODE_MODULES.iter().find(|(n, _)| *n == name) else {
            return Ok(Value::new_undefined(ctx));
        };
        let filename = format!("actsim:node/{name}.js");
        crate::bytecode::run_static_script(&ctx, &filename, false, || {
            format!("(function (exports, require, module, internal) {{ {source}\n}})")
        })
    };
    set_native(ctx, host, "nodeModule", node)
}

/// `host.standInModule(name)` (see [`add_script_natives`]).
fn add_stand_in_sources<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    let stand_in = |ctx: Ctx<'js>, name: String| -> rquickjs::Result<Value<'js>> {
        let Some(&(name, source)) = BUILTINS.iter().find(|(n, _)| *n == name) else {
            return Err(rquickjs::Exception::throw_type(
                &ctx,
                &format!("actsim bug: no stand-in {name}"),
            ));
        };
        let filename = format!("actsim:builtin/{name}.js");
        // Stand-ins also get `actsim`, natives for their hot paths (see modules.js).
        crate::bytecode::run_static_script(&ctx, &filename, true, || {
            format!("(function (exports, require, module, __filename, __dirname, actsim) {{ {source}\n}})")
        })
    };
    set_native(ctx, host, "standInModule", stand_in)
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

/// The Node built-ins' sources, by module name (for the boundary's tests).
#[cfg(test)]
pub(crate) fn node_module_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    NODE_MODULES.iter().copied()
}

/// The stand-ins' sources, by package name (for the boundary's tests).
#[cfg(test)]
pub(crate) fn stand_in_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTINS.iter().copied()
}

/// The names of every native an instance registers on `host` once all groups are loaded (for
/// the boundary's tests).
#[cfg(test)]
pub(crate) fn registered_natives_for_test() -> Vec<String> {
    let instance = crate::Instance::new(
        crate::ActionSource::new("a.js", "exports.onExecutePostLogin = async () => {};"),
        crate::Clock::new(0),
        crate::InstanceConfig::default(),
    )
    .expect("an instance");
    instance.with_context_for_test(|ctx| {
        let (host, state) = {
            let lazy = lazy_prelude(ctx).expect("lazy state");
            (lazy.host.clone(), lazy.state.clone())
        };
        let all =
            NativeGroups::of(&NativeGroup::ALL).without(NativeGroups::of(&[NativeGroup::Core]));
        add_script_natives(ctx, &host, &state, all).expect("natives");
        host.keys::<String>().map(|k| k.expect("a name")).collect()
    })
}
