//! An action's source file and how it is loaded: CommonJS (production's form) or the ES-module
//! form with `export const …` that the Auth0 Community article uses.

use std::collections::BTreeMap;
use std::path::Path;

pub use crate::modules::ActionsModule;

/// How the action's file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleForm {
    /// `exports.onExecutePostLogin = async (event, api) => {…}`: wrapped like Node's CommonJS.
    CommonJs,
    /// `export const onExecutePostLogin = async (event, api) => {…}`, with `require` in scope.
    EsModule,
}

/// The code of one action and the name it is known by in stack traces.
#[derive(Clone, Debug)]
pub struct ActionSource {
    /// The file name shown in errors and stack traces (e.g. `actions/article.js`).
    pub filename: String,
    /// The JavaScript source text.
    pub code: String,
    /// CommonJS or ES module, detected from the code.
    pub form: ModuleForm,
    /// Actions Modules the action can `require('actions:<name>')` (see
    /// [`ActionSource::with_module`]).
    pub modules: Vec<ActionsModule>,
}

impl ActionSource {
    /// An action from its file name and code; the module form is detected from the code.
    pub fn new(filename: impl Into<String>, code: impl Into<String>) -> Self {
        let code = code.into();
        let form = detect_form(&code);
        ActionSource {
            filename: filename.into(),
            code,
            form,
            modules: Vec::new(),
        }
    }

    /// Add an Actions Module: `require('actions:<name>')` loads `code` (CommonJS) as if it
    /// were the file `filename` (its `require`s start from that file's directory), and inside
    /// that module only, the pseudo-global `actions.secrets` holds `secrets`. A module with the
    /// same name replaces the earlier one.
    pub fn with_module(
        mut self,
        name: impl Into<String>,
        filename: impl Into<String>,
        code: impl Into<String>,
        secrets: BTreeMap<String, String>,
    ) -> Self {
        let module = ActionsModule {
            name: name.into(),
            filename: filename.into(),
            code: code.into(),
            secrets,
        };
        self.modules.retain(|m| m.name != module.name);
        self.modules.push(module);
        self
    }

    /// The directory part of the file name, for `__dirname`.
    pub fn dirname(&self) -> String {
        Path::new(&self.filename)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".to_string())
    }
}

/// ES-module syntax at the start of a line (`export …`, `import … from`) makes a file an ES
/// module; everything else is CommonJS.
fn detect_form(code: &str) -> ModuleForm {
    let esm = code.lines().any(|line| {
        let t = line.trim_start();
        t.starts_with("export ")
            || t.starts_with("export{")
            || (t.starts_with("import ")
                && (t.contains(" from ") || t.contains('"') || t.contains('\'')))
    });
    if esm {
        ModuleForm::EsModule
    } else {
        ModuleForm::CommonJs
    }
}

/// The line that wraps CommonJS code; kept on the same line as the code's first line so that
/// line numbers in stack traces match the file.
pub(crate) const CJS_PREFIX: &str =
    "(function (exports, require, module, __filename, __dirname) { ";

/// The CommonJS wrapper around `code`. A leading `#!` line is emptied (its newline kept, so line
/// numbers still match the file), as Node does.
pub(crate) fn wrap_commonjs(code: &str) -> String {
    let code = match code.strip_prefix("#!") {
        Some(rest) => &rest[rest.find('\n').unwrap_or(rest.len())..],
        None => code,
    };
    format!("{CJS_PREFIX}{code}\n}})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_module_forms() {
        assert_eq!(
            ActionSource::new("a.js", "exports.onExecutePostLogin = async () => {};").form,
            ModuleForm::CommonJs
        );
        assert_eq!(
            ActionSource::new(
                "a.js",
                "const x = require('y');\nexport const onExecutePostLogin = async () => {};"
            )
            .form,
            ModuleForm::EsModule
        );
        assert_eq!(
            ActionSource::new("a.js", "// export is a word\nexports.x = 1;").form,
            ModuleForm::CommonJs
        );
        assert_eq!(ActionSource::new("dir/a.js", "").dirname(), "dir");
        assert_eq!(ActionSource::new("a.js", "").dirname(), ".");
    }

    #[test]
    fn a_hashbang_line_is_emptied_keeping_line_numbers() {
        let wrapped = wrap_commonjs("#!/usr/bin/env node\nexports.x = 1;");
        assert_eq!(wrapped, format!("{CJS_PREFIX}\nexports.x = 1;\n}})"));
        assert_eq!(wrap_commonjs("#!"), format!("{CJS_PREFIX}\n}})"));
        assert_eq!(wrap_commonjs("x\n#!y"), format!("{CJS_PREFIX}x\n#!y\n}})"));
    }
}
