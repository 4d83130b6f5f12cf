//! Where `require(x)` and `import x` lead: Node built-ins (emulated, stubbed or refused), the
//! `auth0`/`jwt-decode` stand-ins, `actions:<name>` Actions Modules, and files: the action's own
//! files and packages in `node_modules`, found like Node's CommonJS resolver (parent
//! directories' `node_modules`, `package.json` `main` and `exports` with conditions and
//! patterns, `imports` (`#x`), extension and `index` probing).
//!
//! The host reads the files; JavaScript never touches the filesystem. The sandbox rule: only
//! files inside the action's directory tree (or an Actions Module's), or inside a
//! `node_modules` directory of it or of one of its parents, can be loaded; anything else is
//! refused with a message, even when it exists.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Exception, Function, Module, Object, Value};
use serde_json::Value as Json;

use crate::source::ActionSource;
use crate::state::HostStateRef;

use crate::boundary::set_native;

type JsResult<T> = rquickjs::Result<T>;

/// Node built-ins that load (packages require them at their top level for optional features)
/// but whose functions throw a clear message when called: actsim's only network is `fetch`.
pub(crate) const STUBBED: &[&str] = &["http", "https", "zlib", "stream"];

/// Whether `require()` loads ES module files (Node 22.12+ does, for graphs without top-level
/// await): kept as a switch so that the refusal and its message stay for a Node 20 mode.
const REQUIRE_ESM: bool = true;

/// Node built-ins that `require` refuses outright, with the reason.
fn refusal(name: &str) -> Option<&'static str> {
    Some(match name {
        "fs" | "fs/promises" => {
            "Auth0 Actions cannot use the filesystem (writes are disabled in Node 22 actions); actsim refuses it"
        }
        "child_process" | "cluster" | "worker_threads" => {
            "Auth0 Actions cannot start processes or threads; actsim refuses it"
        }
        "net" | "dgram" | "tls" | "dns" | "dns/promises" | "http2" => {
            "actsim gives actions no sockets or DNS: the only network is fetch (routed to the mock tenant and declared mocks); actsim refuses it"
        }
        "os" | "v8" | "vm" | "inspector" | "module" | "repl" | "readline" | "wasi"
        | "async_hooks" | "diagnostics_channel" | "domain" | "trace_events" | "constants"
        | "sys" | "punycode" | "sqlite" | "test" | "sea" | "worker" => {
            "actsim does not emulate this Node built-in (it would expose the host machine or the engine, or actions do not use it); actsim refuses it"
        }
        _ => return None,
    })
}

/// Packages with a built-in stand-in, used when no `node_modules` copy is found.
pub(crate) const STAND_INS: &[&str] = &["auth0", "jwt-decode"];

/// How a resolved file is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    CommonJs,
    Json,
    EsModule,
}

/// What a specifier resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// An emulated Node built-in (name without `node:`).
    Builtin(String),
    /// A stubbed Node built-in.
    Stub(String),
    /// A built-in stand-in package.
    StandIn(String),
    /// An Actions Module.
    Actions(String),
    /// A file (absolute path).
    File(PathBuf, Format),
}

/// A failed resolution: Node's error code and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResolveError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> ResolveError {
    ResolveError {
        code,
        message: message.into(),
    }
}

/// An Actions Module configured on the instance: `require('actions:<name>')`.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionsModule {
    /// The module's name (`require('actions:<name>')`).
    pub name: String,
    /// Its file name: shown in stack traces; its directory is where its own `require`s start.
    pub filename: String,
    /// Its CommonJS source.
    pub code: String,
    /// Its own secrets, visible inside the module only as `actions.secrets`.
    pub secrets: BTreeMap<String, String>,
}

/// Per-instance resolution state: the allowed roots, caches, and the files JS may read.
pub(crate) struct ModuleSystem {
    action_file: String,
    /// The action's directory and the allowed roots, found (from the file system) on first use:
    /// most actions never resolve a module.
    places: std::cell::OnceCell<Places>,
    modules: Vec<ActionsModule>,
    cache: HashMap<(String, String, bool), Result<Resolution, ResolveError>>,
    package_json: HashMap<PathBuf, Option<Json>>,
    readable: HashSet<PathBuf>,
}

/// `path` made absolute (against the working directory) and lexically normalised.
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    normalize(&joined)
}

/// Remove `.` and resolve `..` without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn dir_of(file: &str) -> PathBuf {
    let p = Path::new(file);
    let parent = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    canonical(&absolute(parent))
}

/// Where an instance's modules may come from (see [`ModuleSystem::places`]).
struct Places {
    action_dir: PathBuf,
    roots: Vec<PathBuf>,
}

fn add_roots(roots: &mut Vec<PathBuf>, dir: &Path) {
    roots.push(dir.to_path_buf());
    for ancestor in dir.ancestors() {
        let nm = ancestor.join("node_modules");
        let nm = canonical(&nm);
        if !roots.contains(&nm) {
            roots.push(nm);
        }
    }
}

fn is_relative(request: &str) -> bool {
    request == "."
        || request == ".."
        || request.starts_with("./")
        || request.starts_with("../")
        || request.starts_with('/')
}

/// `name` and `./subpath` of a bare specifier (`@scope/pkg/sub` → `@scope/pkg`, `./sub`).
fn split_package(request: &str) -> Option<(String, String)> {
    let mut parts = request.splitn(3, '/');
    let first = parts.next()?;
    let (name, rest) = if first.starts_with('@') {
        let second = parts.next()?;
        (format!("{first}/{second}"), parts.next())
    } else {
        let rest = request.split_once('/').map(|(_, r)| r);
        (first.to_string(), rest)
    };
    if name.is_empty() || name.starts_with('.') || name.contains('\\') || name.contains('%') {
        return None;
    }
    let subpath = match rest {
        Some(r) if !r.is_empty() => format!("./{r}"),
        _ => ".".to_string(),
    };
    Some((name, subpath))
}

/// The package a path belongs to, from its last `node_modules/` segment.
fn package_of(path: &Path) -> Option<String> {
    let s = path.to_string_lossy();
    let idx = s.rfind("node_modules/")?;
    split_package(&s[idx + "node_modules/".len()..]).map(|(name, _)| name)
}

impl ModuleSystem {
    pub(crate) fn new(action: &ActionSource, modules: &[ActionsModule]) -> Self {
        ModuleSystem {
            action_file: action.filename.clone(),
            places: std::cell::OnceCell::new(),
            modules: modules.to_vec(),
            cache: HashMap::new(),
            package_json: HashMap::new(),
            readable: HashSet::new(),
        }
    }

    /// The action's directory and the roots modules may be read from: those directories and
    /// the `node_modules` folders above them (of the action and of each Actions Module).
    fn places(&self) -> &Places {
        self.places.get_or_init(|| {
            let action_dir = dir_of(&self.action_file);
            let mut roots = Vec::new();
            add_roots(&mut roots, &action_dir);
            for m in &self.modules {
                add_roots(&mut roots, &dir_of(&m.filename));
            }
            Places { action_dir, roots }
        })
    }

    /// The Actions Module called `name`.
    pub(crate) fn actions_module(&self, name: &str) -> Option<&ActionsModule> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The directory a parent (a file path, the action's file name or `actions:<name>`)
    /// resolves from.
    fn parent_dir(&self, parent: &str) -> PathBuf {
        if parent == self.action_file || parent.is_empty() {
            return self.places().action_dir.clone();
        }
        if let Some(name) = parent.strip_prefix("actions:") {
            if let Some(m) = self.actions_module(name) {
                return dir_of(&m.filename);
            }
        }
        if let Some(path) = parent.strip_prefix("actsim-cjs:") {
            return dir_of(path);
        }
        dir_of(parent)
    }

    fn allowed(&self, path: &Path) -> bool {
        self.places().roots.iter().any(|r| path.starts_with(r))
    }

    /// The contents of a file that resolution returned (JS can read nothing else).
    pub(crate) fn read(&self, path: &Path) -> Result<String, String> {
        if !self.readable.contains(path) {
            return Err(format!(
                "actsim: '{}' was not resolved by require or import; refusing to read it",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
        Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
    }

    /// Resolve `request` made from `parent`; `esm` selects the `import` conditions.
    pub(crate) fn resolve(
        &mut self,
        request: &str,
        parent: &str,
        esm: bool,
    ) -> Result<Resolution, ResolveError> {
        let key = (request.to_string(), parent.to_string(), esm);
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        let result = self.resolve_uncached(request, parent, esm);
        if let Ok(Resolution::File(path, _)) = &result {
            self.readable.insert(path.clone());
        }
        self.cache.insert(key, result.clone());
        result
    }

    fn resolve_uncached(
        &mut self,
        request: &str,
        parent: &str,
        esm: bool,
    ) -> Result<Resolution, ResolveError> {
        let verb = if esm { "import" } else { "require" };
        if request.is_empty() {
            return Err(err(
                "ERR_INVALID_ARG_VALUE",
                "The argument 'id' must be a non-empty string. Received ''",
            ));
        }
        if let Some(name) = request.strip_prefix("actions:") {
            if self.actions_module(name).is_some() {
                return Ok(Resolution::Actions(name.to_string()));
            }
            let known: Vec<String> = self
                .modules
                .iter()
                .map(|m| format!("'{}'", m.name))
                .collect();
            return Err(err(
                "MODULE_NOT_FOUND",
                format!(
                    "Cannot find module '{request}': no Actions Module named '{name}' is configured on this instance ({})",
                    if known.is_empty() {
                        "none are".to_string()
                    } else {
                        format!("configured: {}", known.join(", "))
                    }
                ),
            ));
        }
        if let Some(name) = request.strip_prefix("node:") {
            return match self.builtin(name, request, verb) {
                Some(r) => r,
                None => Err(err(
                    "ERR_UNKNOWN_BUILTIN_MODULE",
                    format!("No such built-in module: {request}"),
                )),
            };
        }
        if let Some(r) = self.builtin(request, request, verb) {
            return r;
        }
        if request.starts_with("file:") || request.starts_with("data:") || request.contains("://") {
            return Err(err(
                "ERR_ACTSIM_REFUSED",
                format!("{verb}('{request}'): actsim loads only the action's files and packages from node_modules, not URLs; actsim refuses it"),
            ));
        }
        let from = self.parent_dir(parent);
        let conditions: &[&str] = if esm {
            &["import", "node", "default"]
        } else {
            &["require", "node", "default"]
        };
        let found = if is_relative(request) {
            let target = normalize(&from.join(request));
            if !self.allowed(&target) {
                return Err(self.outside(verb, request, &target));
            }
            self.load_as_file(&target)
                .or_else(|| self.load_as_directory(&target))
                .ok_or_else(|| {
                    err(
                        "MODULE_NOT_FOUND",
                        format!(
                            "Cannot find module '{request}' (looked for {} from {})",
                            target.display(),
                            from.display()
                        ),
                    )
                })?
        } else if request.starts_with('#') {
            self.package_imports(request, &from, conditions, verb)?
        } else {
            match self.load_node_modules(request, &from, conditions)? {
                Some(p) => p,
                None => {
                    if STAND_INS.contains(&request) {
                        return Ok(Resolution::StandIn(request.to_string()));
                    }
                    return Err(err(
                        "MODULE_NOT_FOUND",
                        format!(
                            "Cannot find module '{request}': it is not a Node built-in actsim provides and there is no node_modules/{} in {} or its parent directories (run npm install in the action's directory; actsim has built-in stand-ins only for {})",
                            split_package(request).map(|(n, _)| n).unwrap_or_else(|| request.to_string()),
                            from.display(),
                            STAND_INS.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" and ")
                        ),
                    ));
                }
            }
        };
        let real = canonical(&found);
        if !self.allowed(&real) {
            return Err(self.outside(verb, request, &real));
        }
        let format = self.format_of(&real);
        // require() of an ES module file loads it as Node 22.12+ does (prelude/module-loaders.js:
        // requireEsm); a package whose exports only name an `import` target is still refused.
        if format == Format::EsModule && !esm && !REQUIRE_ESM {
            let pkg = package_of(&real);
            return Err(err(
                "ERR_REQUIRE_ESM",
                match pkg {
                    Some(pkg) => format!(
                        "require('{request}'): the package '{pkg}' is an ES module ({} is ESM: \"type\": \"module\" or .mjs, and no \"require\" condition in its \"exports\"). actsim's require() loads CommonJS only (Node 22.12+ can require() some ES modules; actsim cannot): use a version of '{pkg}' that ships CommonJS, or import() it",
                        real.display()
                    ),
                    None => format!(
                        "require('{request}'): {} is an ES module; actsim's require() loads CommonJS only: import() it instead",
                        real.display()
                    ),
                },
            ));
        }
        if real.extension().is_some_and(|e| e == "node") {
            return Err(err(
                "ERR_ACTSIM_REFUSED",
                format!(
                    "{verb}('{request}'): {} is a native addon; Auth0 Actions do not support native modules, and actsim cannot load them",
                    real.display()
                ),
            ));
        }
        Ok(Resolution::File(real, format))
    }

    fn outside(&self, verb: &str, request: &str, target: &Path) -> ResolveError {
        err(
            "ERR_ACTSIM_SANDBOX",
            format!(
                "{verb}('{request}'): {} is outside the action's directory ({}) and its node_modules; actsim loads only the action's own files and its packages (production deploys nothing else); actsim refuses it",
                target.display(),
                self.places().action_dir.display()
            ),
        )
    }

    fn builtin(
        &self,
        name: &str,
        request: &str,
        verb: &str,
    ) -> Option<Result<Resolution, ResolveError>> {
        if crate::node_modules::NODE_MODULES
            .iter()
            .any(|m| m.name == name)
        {
            return Some(Ok(Resolution::Builtin(name.to_string())));
        }
        if STUBBED.contains(&name) {
            return Some(Ok(Resolution::Stub(name.to_string())));
        }
        refusal(name).map(|why| {
            Err(err(
                "ERR_ACTSIM_REFUSED",
                format!("{verb}('{request}'): {why}"),
            ))
        })
    }

    fn is_file(path: &Path) -> bool {
        path.is_file()
    }

    fn load_as_file(&self, path: &Path) -> Option<PathBuf> {
        if Self::is_file(path) {
            return Some(path.to_path_buf());
        }
        let name = path.file_name()?.to_string_lossy().into_owned();
        for ext in ["js", "json", "cjs", "node"] {
            let candidate = path.with_file_name(format!("{name}.{ext}"));
            if Self::is_file(&candidate) {
                return Some(candidate);
            }
        }
        None
    }

    fn load_index(&self, dir: &Path) -> Option<PathBuf> {
        ["index.js", "index.json", "index.cjs", "index.node"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| Self::is_file(p))
    }

    fn load_as_directory(&mut self, dir: &Path) -> Option<PathBuf> {
        if !dir.is_dir() {
            return None;
        }
        if let Some(pkg) = self.read_package_json(dir) {
            if let Some(main) = pkg
                .get("main")
                .and_then(Json::as_str)
                .filter(|m| !m.is_empty())
            {
                let m = normalize(&dir.join(main));
                if let Some(found) = self.load_as_file(&m).or_else(|| self.load_index(&m)) {
                    return Some(found);
                }
            }
        }
        self.load_index(dir)
    }

    fn read_package_json(&mut self, dir: &Path) -> Option<Json> {
        let path = dir.join("package.json");
        if let Some(hit) = self.package_json.get(&path) {
            return hit.clone();
        }
        let parsed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Json>(&t).ok());
        self.package_json.insert(path, parsed.clone());
        parsed
    }

    /// The directories Node searches for packages from `start`.
    fn node_modules_paths(start: &Path) -> Vec<PathBuf> {
        start
            .ancestors()
            .filter(|d| d.file_name().is_none_or(|n| n != "node_modules"))
            .map(|d| d.join("node_modules"))
            .collect()
    }

    fn load_node_modules(
        &mut self,
        request: &str,
        from: &Path,
        conditions: &[&str],
    ) -> Result<Option<PathBuf>, ResolveError> {
        let Some((name, subpath)) = split_package(request) else {
            return Err(err(
                "MODULE_NOT_FOUND",
                format!("Cannot find module '{request}': not a valid package name"),
            ));
        };
        for nm in Self::node_modules_paths(from) {
            let pkg_dir = nm.join(&name);
            if !pkg_dir.is_dir() {
                continue;
            }
            if let Some(exports) = self
                .read_package_json(&pkg_dir)
                .and_then(|p| p.get("exports").cloned())
                .filter(|e| !e.is_null())
            {
                return match exports_resolve(&pkg_dir, &subpath, &exports, conditions)? {
                    Some(p) if Self::is_file(&p) => Ok(Some(p)),
                    Some(p) => Err(err(
                        "MODULE_NOT_FOUND",
                        format!(
                            "Cannot find module '{}': package '{name}' exports it for '{subpath}' but the file does not exist",
                            p.display()
                        ),
                    )),
                    None if conditions.contains(&"require")
                        && matches!(
                            exports_resolve(&pkg_dir, &subpath, &exports, &["import", "node", "default"]),
                            Ok(Some(_))
                        ) =>
                    {
                        Err(err(
                            "ERR_REQUIRE_ESM",
                            format!(
                                "require('{request}'): the package '{name}' is ESM-only (its \"exports\" has an \"import\" condition but no \"require\" one for '{subpath}'). actsim's require() loads CommonJS only (Node 22.12+ can require() some ES modules; actsim cannot): use a version of '{name}' that ships CommonJS, or import() it"
                            ),
                        ))
                    }
                    None => Err(err(
                        "ERR_PACKAGE_PATH_NOT_EXPORTED",
                        format!(
                            "Package subpath '{subpath}' is not defined by \"exports\" in {} (for the conditions {})",
                            pkg_dir.join("package.json").display(),
                            conditions.join(", ")
                        ),
                    )),
                };
            }
            let target = normalize(&nm.join(request));
            if let Some(found) = self
                .load_as_file(&target)
                .or_else(|| self.load_as_directory(&target))
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn package_imports(
        &mut self,
        request: &str,
        from: &Path,
        conditions: &[&str],
        verb: &str,
    ) -> Result<PathBuf, ResolveError> {
        let not_defined = || {
            err(
                "ERR_PACKAGE_IMPORT_NOT_DEFINED",
                format!(
                    "Package import specifier '{request}' is not defined ({verb} from {})",
                    from.display()
                ),
            )
        };
        let mut dir = Some(from);
        while let Some(d) = dir {
            if let Some(pkg) = self.read_package_json(d) {
                let imports = pkg.get("imports").cloned().ok_or_else(not_defined)?;
                let target = match_map(&imports, request).ok_or_else(not_defined)?;
                let resolved = target_resolve(d, &target.0, target.1.as_deref(), conditions, true)?
                    .ok_or_else(not_defined)?;
                return match resolved {
                    Target::Path(p) => Ok(p),
                    Target::Bare(bare) => self
                        .load_node_modules(&bare, d, conditions)?
                        .ok_or_else(not_defined),
                };
            }
            dir = d.parent();
        }
        Err(not_defined())
    }

    /// CommonJS, JSON or ES module, by extension and the nearest package.json's `type`.
    fn format_of(&mut self, path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => return Format::Json,
            Some("cjs") => return Format::CommonJs,
            Some("mjs") => return Format::EsModule,
            _ => {}
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            if let Some(pkg) = self.read_package_json(d) {
                return if pkg.get("type").and_then(Json::as_str) == Some("module") {
                    Format::EsModule
                } else {
                    Format::CommonJs
                };
            }
            if d.file_name().is_some_and(|n| n == "node_modules") {
                break;
            }
            dir = d.parent();
        }
        Format::CommonJs
    }
}

/// A resolved `exports`/`imports` target.
enum Target {
    Path(PathBuf),
    Bare(String),
}

/// The entry of an `exports`/`imports` map for `key`, with the `*` match if a pattern matched.
fn match_map(map: &Json, key: &str) -> Option<(Json, Option<String>)> {
    let obj = map.as_object()?;
    if let Some(v) = obj.get(key) {
        if !key.contains('*') {
            return Some((v.clone(), None));
        }
    }
    let mut best: Option<(&str, &Json, String)> = None;
    for (k, v) in obj {
        let Some(star) = k.find('*') else { continue };
        if k[star + 1..].contains('*') {
            continue;
        }
        let (prefix, suffix) = (&k[..star], &k[star + 1..]);
        if key.len() >= k.len() && key.starts_with(prefix) && key.ends_with(suffix) && key != prefix
        {
            let better = match &best {
                None => true,
                Some((bk, _, _)) => {
                    let bstar = bk.find('*').unwrap_or(bk.len());
                    star > bstar || (star == bstar && k.len() > bk.len())
                }
            };
            if better {
                let matched = key[prefix.len()..key.len() - suffix.len()].to_string();
                best = Some((k.as_str(), v, matched));
            }
        }
    }
    best.map(|(_, v, m)| (v.clone(), Some(m)))
}

/// `PACKAGE_EXPORTS_RESOLVE`: `Ok(None)` when the subpath is not exported.
fn exports_resolve(
    pkg_dir: &Path,
    subpath: &str,
    exports: &Json,
    conditions: &[&str],
) -> Result<Option<PathBuf>, ResolveError> {
    let is_subpath_map = exports
        .as_object()
        .is_some_and(|o| o.keys().next().is_some_and(|k| k.starts_with('.')));
    let (target, pattern) = if is_subpath_map {
        match match_map(exports, subpath) {
            Some(t) => t,
            None => return Ok(None),
        }
    } else if subpath == "." {
        (exports.clone(), None)
    } else {
        return Ok(None);
    };
    Ok(
        match target_resolve(pkg_dir, &target, pattern.as_deref(), conditions, false)? {
            Some(Target::Path(p)) => Some(p),
            Some(Target::Bare(_)) | None => None,
        },
    )
}

/// `PACKAGE_TARGET_RESOLVE`.
fn target_resolve(
    pkg_dir: &Path,
    target: &Json,
    pattern: Option<&str>,
    conditions: &[&str],
    imports: bool,
) -> Result<Option<Target>, ResolveError> {
    match target {
        Json::String(s) => {
            let s = match pattern {
                Some(m) => s.replace('*', m),
                None => s.clone(),
            };
            if !s.starts_with("./") {
                if imports && !s.starts_with("../") && !s.starts_with('/') {
                    return Ok(Some(Target::Bare(s)));
                }
                return Err(err(
                    "ERR_INVALID_PACKAGE_TARGET",
                    format!(
                        "Invalid \"exports\" target \"{s}\" in {}: targets must start with \"./\"",
                        pkg_dir.join("package.json").display()
                    ),
                ));
            }
            let path = normalize(&pkg_dir.join(&s));
            if !path.starts_with(pkg_dir) {
                return Err(err(
                    "ERR_INVALID_PACKAGE_TARGET",
                    format!("Invalid \"exports\" target \"{s}\": it leaves the package"),
                ));
            }
            Ok(Some(Target::Path(path)))
        }
        Json::Array(items) => {
            let mut last_err = None;
            for item in items {
                match target_resolve(pkg_dir, item, pattern, conditions, imports) {
                    Ok(Some(t)) => return Ok(Some(t)),
                    Ok(None) => {}
                    Err(e) => last_err = Some(e),
                }
            }
            match last_err {
                Some(e) => Err(e),
                None => Ok(None),
            }
        }
        Json::Object(map) => {
            for (k, v) in map {
                if k == "default" || conditions.contains(&k.as_str()) {
                    if let Some(t) = target_resolve(pkg_dir, v, pattern, conditions, imports)? {
                        return Ok(Some(t));
                    }
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

// ------------------------------------------------------------------ the JS side

fn throw_resolve_error(ctx: &Ctx<'_>, e: &ResolveError) -> rquickjs::Error {
    match Exception::from_message(ctx.clone(), &e.message) {
        Ok(ex) => {
            let _ = ex.set("code", e.code);
            ctx.throw(ex.into_value())
        }
        Err(other) => other,
    }
}

/// Register `resolveModule` on `host` (for prelude/modules.js).
pub(crate) fn build<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    let s = state.clone();
    set_native(
        ctx,
        host,
        "resolveModule",
        // `Text`: a request with a lone surrogate is a module that cannot be found (as in Node),
        // not a conversion error.
        move |ctx: Ctx<'js>,
              crate::text::Text(request): crate::text::Text,
              parent: String|
              -> JsResult<Object<'js>> {
            let r = s.borrow_mut().modules.resolve(&request, &parent, false);
            let out = Object::new(ctx.clone())?;
            match r {
                Ok(res) => {
                    let (kind, id) = describe(&res);
                    out.set("kind", kind)?;
                    out.set("id", id)?;
                    Ok(out)
                }
                Err(e) => Err(throw_resolve_error(&ctx, &e)),
            }
        },
    )?;
    Ok(())
}

/// The wrapper module that imports `path` for `require()` (see `requireEsm`).
const REQUIRE_PREFIX: &str = "actsim-require:";

/// Register `readModule`, `actionsModule` and `requireEsm` on `host` (for
/// prelude/module-loaders.js).
pub(crate) fn build_loading<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &HostStateRef,
) -> JsResult<()> {
    let s = state.clone();
    set_native(
        ctx,
        host,
        "readModule",
        move |ctx: Ctx<'js>, path: String| -> JsResult<String> {
            s.borrow()
                .modules
                .read(Path::new(&path))
                .map_err(|m| Exception::throw_message(&ctx, &m))
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "actionsModule",
        move |ctx: Ctx<'js>, name: String| -> JsResult<Object<'js>> {
            let st = s.borrow();
            let m = st.modules.actions_module(&name).ok_or_else(|| {
                Exception::throw_message(&ctx, &format!("no Actions Module '{name}'"))
            })?;
            let out = Object::new(ctx.clone())?;
            out.set("filename", m.filename.as_str())?;
            out.set("code", m.code.as_str())?;
            out.set(
                "secrets",
                serde_json::to_string(&m.secrets).unwrap_or_default(),
            )?;
            Ok(out)
        },
    )?;
    set_native(
        ctx,
        host,
        "requireEsm",
        // Load and run the ES module at `path` (and what it imports) now, through a wrapper
        // module that imports it by its resolved name (so the module is the one `import`
        // gives): `{state, promise, namespace | reason}`; `pending` means top-level await.
        |ctx: Ctx<'js>, path: String| -> JsResult<Object<'js>> {
            let source = format!(
                "import * as ns from {};\nexport {{ ns }};\n",
                serde_json::to_string(&path).unwrap_or_default()
            );
            let (module, promise) =
                Module::declare(ctx.clone(), format!("{REQUIRE_PREFIX}{path}"), source)?.eval()?;
            let out = Object::new(ctx.clone())?;
            let state = promise.state();
            out.set("promise", promise.clone())?;
            match state {
                rquickjs::promise::PromiseState::Resolved => {
                    out.set("state", "fulfilled")?;
                    let ns: Value = module.namespace()?.get("ns")?;
                    out.set("namespace", ns)?;
                }
                rquickjs::promise::PromiseState::Rejected => {
                    out.set("state", "rejected")?;
                    // `result` throws the reason into the context, where `catch` takes it.
                    let _ = promise.result::<Value>();
                    out.set("reason", ctx.catch())?;
                }
                rquickjs::promise::PromiseState::Pending => out.set("state", "pending")?,
            }
            Ok(out)
        },
    )?;
    Ok(())
}

fn describe(res: &Resolution) -> (&'static str, String) {
    match res {
        Resolution::Builtin(n) => ("builtin", n.clone()),
        Resolution::Stub(n) => ("stub", n.clone()),
        Resolution::StandIn(n) => ("standin", n.clone()),
        Resolution::Actions(n) => ("actions", n.clone()),
        Resolution::File(p, Format::CommonJs) => ("cjs", p.to_string_lossy().into_owned()),
        Resolution::File(p, Format::Json) => ("json", p.to_string_lossy().into_owned()),
        Resolution::File(p, Format::EsModule) => ("esm", p.to_string_lossy().into_owned()),
    }
}

/// Module names in the ES-module graph for things that are not ES-module files: they are
/// loaded through `require` and re-exported.
const BRIDGE_PREFIX: &str = "actsim-bridge:";

/// The rquickjs resolver and loader for `import` and `import()`.
pub(crate) struct EsmLoader {
    pub state: HostStateRef,
}

impl Resolver for EsmLoader {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> JsResult<String> {
        let base = base.strip_prefix(BRIDGE_PREFIX).unwrap_or(base);
        let base = base.strip_prefix(REQUIRE_PREFIX).unwrap_or(base);
        let r = self.state.borrow_mut().modules.resolve(name, base, true);
        match r {
            Ok(Resolution::File(path, Format::EsModule)) => Ok(path.to_string_lossy().into_owned()),
            Ok(other) => {
                let (kind, id) = describe(&other);
                Ok(format!("{BRIDGE_PREFIX}{kind}:{id}"))
            }
            Err(e) => Err(throw_module_error(
                ctx,
                &format!(
                    "Error resolving module '{name}' from '{base}': [{}] {}",
                    e.code, e.message
                ),
                Some(e.code),
            )),
        }
    }
}

/// Throw a `ReferenceError` (what QuickJS throws for a module it cannot resolve or load) with
/// `message` in full and, for actsim's refusals, their `code`. rquickjs's own resolving and
/// loading errors go through a 256-byte buffer, which cut the reason off when the action's
/// path was long (a checkout under a temporary directory was enough).
fn throw_module_error(ctx: &Ctx<'_>, message: &str, code: Option<&str>) -> rquickjs::Error {
    let made = (|| -> JsResult<Value<'_>> {
        let ctor: rquickjs::function::Constructor = ctx.globals().get("ReferenceError")?;
        let error: Object = ctor.construct((message,))?;
        if let Some(code) = code {
            error.set("code", code)?;
        }
        Ok(error.into_value())
    })();
    match made {
        Ok(error) => ctx.throw(error),
        Err(e) => e,
    }
}

fn is_identifier_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

impl Loader for EsmLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> JsResult<Module<'js, rquickjs::module::Declared>> {
        if let Some(rest) = name.strip_prefix(BRIDGE_PREFIX) {
            let (kind, id) = rest.split_once(':').unwrap_or((rest, ""));
            let bridge: Function = ctx.globals().get("__actsim_import")?;
            let exports: Value = bridge.call((kind, id))?;
            let mut source = format!(
                "const m = __actsim_import({}, {});\nexport default m;\n",
                serde_json::to_string(kind).unwrap_or_default(),
                serde_json::to_string(id).unwrap_or_default()
            );
            if let Some(obj) = exports.as_object() {
                let keys: Vec<String> = obj.keys::<String>().filter_map(Result::ok).collect();
                for (i, key) in keys.iter().enumerate() {
                    if key == "default" || !is_identifier_name(key) {
                        continue;
                    }
                    source.push_str(&format!(
                        "const e{i} = m[{}];\nexport {{ e{i} as {key} }};\n",
                        serde_json::to_string(key).unwrap_or_default()
                    ));
                }
            }
            return Module::declare(ctx.clone(), name, source);
        }
        let code = self
            .state
            .borrow()
            .modules
            .read(Path::new(name))
            .map_err(|m| {
                throw_module_error(ctx, &format!("Error loading module '{name}': {m}"), None)
            })?;
        Module::declare(ctx.clone(), name, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_package_names() {
        assert_eq!(
            split_package("@scope/pkg/a/b"),
            Some(("@scope/pkg".into(), "./a/b".into()))
        );
        assert_eq!(split_package("pkg"), Some(("pkg".into(), ".".into())));
        assert_eq!(split_package("pkg/x"), Some(("pkg".into(), "./x".into())));
    }

    #[test]
    fn matches_export_patterns_by_longest_prefix() {
        let map: Json = serde_json::json!({
            "./features/*": "./a/*.js",
            "./features/private/*": null,
            "./x": "./x.js"
        });
        let (t, m) = match_map(&map, "./features/one").unwrap();
        assert_eq!((t, m.as_deref()), (Json::from("./a/*.js"), Some("one")));
        let (t, _) = match_map(&map, "./features/private/two").unwrap();
        assert!(t.is_null());
        assert!(match_map(&map, "./y").is_none());
    }
}
