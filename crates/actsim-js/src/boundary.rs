//! The Rust↔JavaScript boundary, declared once.
//!
//! - [`NATIVES`]: every native function the prelude may call as `host.NAME` (and the stand-ins
//!   as `actsim.NAME`), with the [`NativeGroup`] it is registered in. [`set_native`] is the only
//!   way natives are registered; in debug builds it refuses a name missing from the table.
//! - [`LAZY_PRELUDE`]: the prelude scripts loaded on first use, with the globals and `internal`
//!   helpers each provides and the groups of natives each needs.
//! - [`CONTEXT_FIELDS`], [`PART_FIELDS`], [`RECORD_FIELDS`]: the property names the host reads
//!   and writes on the prelude's objects ([`crate::atoms`] holds them as atoms).
//! - The trigger and handler codes come from the trigger table ([`crate::trigger::TRIGGERS`]).
//!
//! The JavaScript side receives its constants from here ([`js_constants`], substituted into
//! prelude.js once per process, where the prelude checks its context fields against them), and
//! the tests in this module read every JavaScript file actsim embeds and fail on any `host.X`
//! or `actsim.X` the table does not declare, on any declared native no script uses, on a native
//! a script calls before its group is loaded, and on any native registered under a name the
//! table does not list (a native renamed on one side only).

use rquickjs::{Ctx, Function, Object};

use crate::trigger::TRIGGERS;

/// When a group of natives is added to an instance's `host` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NativeGroup {
    /// Registered when the instance is created (`host.rs`, and the lazy-loading natives).
    Core,
    /// Encoders, hashes, seeded random bytes and RSA keys (`natives.rs`).
    Codecs,
    /// `isNativeFunction`, for `structuredClone`.
    Check,
    /// Module resolution and the stand-ins' wrappers (`modules.rs`).
    Resolution,
    /// Reading module files, Node built-ins' wrappers and the wrapped-code compiler.
    Loaders,
    /// The UTC `Date` prototype (`utc_dates.rs`).
    Dates,
}

impl NativeGroup {
    /// Every group, in the order of their bits in [`NativeGroups`].
    #[cfg(test)]
    pub(crate) const ALL: [NativeGroup; 6] = [
        NativeGroup::Core,
        NativeGroup::Codecs,
        NativeGroup::Check,
        NativeGroup::Resolution,
        NativeGroup::Loaders,
        NativeGroup::Dates,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`NativeGroup`]s (which groups an instance has added so far).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NativeGroups(u8);

impl NativeGroups {
    /// The set of `groups`.
    pub(crate) fn of(groups: &[NativeGroup]) -> Self {
        NativeGroups(groups.iter().fold(0, |bits, g| bits | g.bit()))
    }

    /// Whether `group` is in the set.
    pub(crate) fn contains(self, group: NativeGroup) -> bool {
        self.0 & group.bit() != 0
    }

    /// The groups of `self` not in `other`.
    pub(crate) fn without(self, other: NativeGroups) -> Self {
        NativeGroups(self.0 & !other.0)
    }

    /// Both sets.
    pub(crate) fn union(self, other: NativeGroups) -> Self {
        NativeGroups(self.0 | other.0)
    }
}

/// One native function of the boundary.
#[derive(Debug)]
pub(crate) struct Native {
    /// Its property name on `host`.
    pub name: &'static str,
    /// When it is registered.
    pub group: NativeGroup,
}

const fn native(name: &'static str, group: NativeGroup) -> Native {
    Native { name, group }
}

use NativeGroup::{Check, Codecs, Core, Dates, Loaders, Resolution};

/// Every native the JavaScript side may call, with its group.
pub(crate) const NATIVES: &[Native] = &[
    // Virtual time and seeded randomness (host.rs).
    native("now", Core),
    native("startedAt", Core),
    native("random", Core),
    // Console capture and command recording.
    native("log", Core),
    native("record", Core),
    native("recordValues", Core),
    // The native event object and its lazy fields.
    native("eventFieldJson", Core),
    native("eventFieldRead", Core),
    native("eventOwner", Core),
    native("eventExecId", Core),
    native("eventSecrets", Core),
    native("eventSecretsRead", Core),
    // Ending executions.
    native("finishCompleted", Core),
    native("finishRedirected", Core),
    native("finishFailed", Core),
    native("unreadFailedSet", Core),
    native("secretMissing", Core),
    // api.cache.
    native("cacheGet", Core),
    native("cacheSet", Core),
    native("cacheDelete", Core),
    // Host operations.
    native("timerStart", Core),
    native("timerCancel", Core),
    native("fetchStart", Core),
    // Encodings the common path needs (atob, btoa, HS256 tokens, jwt-decode).
    native("jwtPartText", Core),
    // JSON.stringify's text of plain data (plain_json.rs).
    native("plainJson", Core),
    native("btoa", Core),
    native("atob", Core),
    native("base64urlEncode", Core),
    native("base64urlDecode", Core),
    native("hmacSha256", Core),
    // api.redirect.sendUserTo's URL check.
    native("isHttpUrl", Core),
    // Loading the action.
    native("compileCjs", Core),
    native("actionInfo", Core),
    native("loadEsm", Core),
    // Lazy loading (prelude.rs).
    native("defineLazyGlobals", Core),
    native("lazyHelper", Core),
    // natives.rs.
    native("randomBytes", Codecs),
    native("utf8Encode", Codecs),
    native("utf8Decode", Codecs),
    native("base64Encode", Codecs),
    native("base64Decode", Codecs),
    native("hexEncode", Codecs),
    native("hexDecode", Codecs),
    native("hashSupported", Codecs),
    native("digest", Codecs),
    native("hmac", Codecs),
    native("rsaImportDer", Codecs),
    native("rsaCheckJwk", Codecs),
    native("rsaExportDer", Codecs),
    native("rsaSign", Codecs),
    native("rsaVerify", Codecs),
    native("isNativeFunction", Check),
    // modules.rs and the stand-ins.
    native("resolveModule", Resolution),
    native("standInModule", Resolution),
    native("readModule", Loaders),
    native("actionsModule", Loaders),
    native("requireEsm", Loaders),
    native("compileWrapped", Loaders),
    native("nodeModule", Loaders),
    native("utcDatePrototype", Dates),
];

/// The natives the stand-ins (`js/auth0.js`, `js/jwt-decode.js`) get as `actsim.NAME`
/// (prelude/modules.js makes that object): natives of [`NATIVES`] or `internal` helpers.
#[cfg(test)]
pub(crate) const STAND_IN_NATIVES: &[&str] = &[
    "jwtPartText",
    "keepShapes",
    "clientFetch",
    "clientRequest",
    "jsonText",
];

/// Register `f` as `host[name]` (a function whose `name` is `name`). Every native goes through
/// here; `name` must be declared in [`NATIVES`] (checked in debug builds and by the tests).
pub(crate) fn set_native<'js, P, F>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    name: &str,
    f: F,
) -> rquickjs::Result<()>
where
    F: rquickjs::function::IntoJsFunc<'js, P> + 'js,
{
    debug_assert!(
        NATIVES.iter().any(|n| n.name == name),
        "native {name} is not declared in boundary::NATIVES"
    );
    host.set(name, Function::new(ctx.clone(), f)?.with_name(name)?)
}

/// Check (in debug builds) that every native of `groups` is on `host` once they are added.
pub(crate) fn check_groups_registered<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    groups: NativeGroups,
) -> rquickjs::Result<()> {
    if !cfg!(debug_assertions) {
        return Ok(());
    }
    for native in NATIVES.iter().filter(|n| groups.contains(n.group)) {
        if !host.contains_key(native.name)? {
            return Err(rquickjs::Exception::throw_internal(
                ctx,
                &format!(
                    "actsim bug: native {} (group {:?}) was not registered",
                    native.name, native.group
                ),
            ));
        }
    }
    Ok(())
}

/// A prelude script run on first use (`prelude/NAME.js`): it evaluates to a function of
/// `(host, internal, globals)` that puts the globals it provides in `globals` and its helpers
/// on `internal`. Both lists are exact: loading the script checks them.
pub(crate) struct LazyScript {
    /// Its name (`prelude/NAME.js`).
    pub name: &'static str,
    /// Its source text.
    pub source: &'static str,
    /// The globals it provides, defined in this order (the order they have always had).
    pub globals: &'static [&'static str],
    /// The helpers it adds to `internal`, which the other scripts share.
    pub helpers: &'static [&'static str],
    /// The groups of natives it calls, added to `host` before it runs.
    pub natives: &'static [NativeGroup],
}

/// Most of the prelude runs only when an action first uses what it provides (see
/// `prelude.rs`): these scripts, their globals, helpers and natives.
pub(crate) const LAZY_PRELUDE: [LazyScript; 11] = [
    LazyScript {
        name: "api-rare",
        source: include_str!("js/prelude/api-rare.js"),
        globals: &[],
        helpers: &["rareApiParts"],
        natives: &[],
    },
    LazyScript {
        name: "date",
        source: include_str!("js/prelude/date.js"),
        globals: &["Date"],
        helpers: &[],
        natives: &[Dates],
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
        natives: &[Codecs, Check],
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
        natives: &[],
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
        helpers: &[
            "DOMException",
            "Event",
            "EventTarget",
            "base64",
            "clientFetch",
            "clientRequest",
        ],
        natives: &[Codecs],
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
        natives: &[Codecs],
    },
    LazyScript {
        name: "process",
        source: include_str!("js/prelude/process.js"),
        globals: &["process"],
        helpers: &["process"],
        natives: &[],
    },
    LazyScript {
        name: "modules",
        source: include_str!("js/prelude/modules.js"),
        globals: &["require"],
        helpers: &[
            "actionModule",
            "loadStandIn",
            "Module",
            "moduleFiles",
            "moduleDirname",
        ],
        natives: &[Resolution],
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
        natives: &[Resolution, Loaders],
    },
    LazyScript {
        name: "node-globals",
        source: include_str!("js/prelude/node-globals.js"),
        // prelude.js makes `performance` (internal.performance); node-globals.js completes it.
        globals: &["performance", "navigator"],
        helpers: &[],
        natives: &[],
    },
    LazyScript {
        name: "console",
        source: include_str!("js/prelude/console.js"),
        globals: &[],
        helpers: &["inspect", "format"],
        natives: &[],
    },
];

/// The fields of the prelude's execution context (`contextMethods` in prelude.js) the host
/// reads or writes: the handler's promise, the outcome so far, the unread failed cache writes,
/// and `api`.
pub(crate) const CONTEXT_FIELDS: [&str; 5] = ["promise", "redirect", "unread", "denied", "api"];

/// The context's fields that hold `api` parts: each points back to the context, so the host
/// clears them when the execution ends (as the prelude's `release` does).
pub(crate) const PART_FIELDS: [&str; 6] = [
    "parts",
    "accessPart",
    "accessTokenPart",
    "idTokenPart",
    "cachePart",
    "redirectPart",
];

/// The fields of a record `api.cache.get` returns.
pub(crate) const RECORD_FIELDS: [&str; 2] = ["value", "expires_at"];

/// The placeholder in prelude.js that [`js_constants`] replaces.
pub(crate) const JS_CONSTANTS_PLACEHOLDER: &str = "__ACTSIM_BOUNDARY__";

/// The boundary's constants as a JavaScript object literal (JSON), for prelude.js:
/// `triggers` (trigger ids by trigger code), `handlers` (handler names by handler code, see
/// [`crate::trigger::handler_code`]), `handlerTriggers` (the trigger id of each handler, by
/// handler code), `executeHandlers` (each trigger's execute handler, by trigger code),
/// `contextFields` (context and part fields).
pub(crate) fn js_constants() -> String {
    let triggers: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
    let handlers: Vec<&str> = TRIGGERS.iter().flat_map(|t| t.handlers()).collect();
    let handler_triggers: Vec<&str> = TRIGGERS
        .iter()
        .flat_map(|t| t.handlers().map(|_| t.id))
        .collect();
    let execute_handlers: Vec<&str> = TRIGGERS.iter().map(|t| t.execute).collect();
    let context_fields: Vec<&str> = CONTEXT_FIELDS.iter().chain(&PART_FIELDS).copied().collect();
    serde_json::json!({
        "triggers": triggers,
        "handlers": handlers,
        "handlerTriggers": handler_triggers,
        "executeHandlers": execute_handlers,
        "contextFields": context_fields,
    })
    .to_string()
}

/// The prelude's first script (`js/prelude.js`) with its constants filled in.
pub(crate) fn prelude_source(source: &str) -> String {
    source.replacen(JS_CONSTANTS_PLACEHOLDER, &js_constants(), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every JavaScript file actsim embeds, by name, with the groups of natives available to
    /// it (`None`: the file may not call `host` at all).
    fn scripts() -> Vec<(String, &'static str, Option<NativeGroups>)> {
        let core = NativeGroups::of(&[Core]);
        let mut all = vec![
            (
                "prelude.js".to_string(),
                include_str!("js/prelude.js"),
                Some(core),
            ),
            (
                "prelude/lockdown.js".to_string(),
                include_str!("js/prelude/lockdown.js"),
                Some(core),
            ),
        ];
        for script in &LAZY_PRELUDE {
            all.push((
                format!("prelude/{}.js", script.name),
                script.source,
                Some(core.union(NativeGroups::of(script.natives))),
            ));
        }
        for (name, source) in crate::prelude::node_module_sources() {
            all.push((format!("node/{name}.js"), source, None));
        }
        for (name, source) in crate::prelude::stand_in_sources() {
            all.push((format!("builtin/{name}.js"), source, None));
        }
        all
    }

    /// The identifiers after `prefix` (`host.`) in `source`, outside `//` comments.
    fn uses(source: &str, prefix: &str) -> Vec<String> {
        let mut found = Vec::new();
        for line in source.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(at) = rest.find(prefix) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + prefix.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // Not a property named `host` of something else (`url.host.length`).
                let word_start =
                    !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if word_start && !name.is_empty() {
                    found.push(name.clone());
                }
                rest = &after[name.len()..];
            }
        }
        found
    }

    fn declared(name: &str) -> Option<&'static Native> {
        NATIVES.iter().find(|n| n.name == name)
    }

    #[test]
    fn every_native_the_javascript_calls_is_declared_with_a_group_it_has_loaded() {
        let mut problems = Vec::new();
        for (file, source, groups) in scripts() {
            for name in uses(source, "host.") {
                match (declared(&name), groups) {
                    (None, _) => problems.push(format!(
                        "{file} calls host.{name}, which boundary::NATIVES does not declare"
                    )),
                    (Some(_), None) => {
                        problems.push(format!("{file} calls host.{name} but gets no host object"))
                    }
                    (Some(n), Some(groups)) if !groups.contains(n.group) => problems.push(format!(
                        "{file} calls host.{name} (group {:?}) without loading that group",
                        n.group
                    )),
                    _ => {}
                }
            }
            let stand_in = file.starts_with("builtin/");
            for name in uses(source, "actsim.").into_iter().filter(|_| stand_in) {
                if !STAND_IN_NATIVES.contains(&name.as_str()) {
                    problems.push(format!(
                        "{file} calls actsim.{name}, which boundary::STAND_IN_NATIVES does not declare"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_stand_ins_get_exactly_the_declared_natives() {
        let modules = include_str!("js/prelude/modules.js");
        let line = modules
            .lines()
            .find(|l| l.contains("const standInNatives"))
            .expect("modules.js makes standInNatives");
        let object = &line[line.find('{').unwrap() + 1..line.rfind('}').unwrap()];
        let mut names: Vec<&str> = object
            .split(',')
            .map(|entry| entry.split(':').next().unwrap_or("").trim())
            .collect();
        names.sort_unstable();
        let mut declared = STAND_IN_NATIVES.to_vec();
        declared.sort_unstable();
        assert_eq!(names, declared);
    }

    #[test]
    fn every_declared_native_is_called_by_some_script() {
        let used: Vec<String> = scripts()
            .iter()
            .flat_map(|(_, source, _)| uses(source, "host."))
            .collect();
        let unused: Vec<&str> = NATIVES
            .iter()
            .map(|n| n.name)
            .filter(|name| !used.iter().any(|u| u == name))
            .collect();
        assert!(unused.is_empty(), "declared but never called: {unused:?}");
    }

    #[test]
    fn the_scanner_finds_calls_and_skips_comments_and_longer_names() {
        let source = "host.now(); ghost.x(); u.host.y; // host.gone()\nconst a = host.cacheGet;";
        assert_eq!(uses(source, "host."), ["now", "cacheGet"]);
    }

    #[test]
    fn the_natives_registered_are_exactly_those_declared() {
        let registered = crate::prelude::registered_natives_for_test();
        let mut declared: Vec<&str> = NATIVES.iter().map(|n| n.name).collect();
        declared.sort_unstable();
        let mut registered: Vec<&str> = registered.iter().map(String::as_str).collect();
        registered.sort_unstable();
        assert_eq!(registered, declared);
    }

    #[test]
    fn names_are_declared_once() {
        for (i, n) in NATIVES.iter().enumerate() {
            assert!(
                !NATIVES[..i].iter().any(|m| m.name == n.name),
                "{} declared twice",
                n.name
            );
        }
    }

    #[test]
    fn the_prelude_gets_its_constants() {
        let source = prelude_source(include_str!("js/prelude.js"));
        assert!(!source.contains(JS_CONSTANTS_PLACEHOLDER));
        assert!(source.contains("\"onContinuePostLogin\""));
        assert!(include_str!("js/prelude.js").contains(JS_CONSTANTS_PLACEHOLDER));
    }
}
