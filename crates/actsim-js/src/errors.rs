//! Turning JavaScript errors into [`ActionError`]s: the kind of failure and the position in the
//! action's file, read from the QuickJS stack trace.

use crate::node_errors::as_node_says;
use crate::report::{ActionError, ErrorKind, SourceLocation};
use crate::source::{ActionSource, ModuleForm, CJS_PREFIX};

/// An error as described by the prelude's `describe()`: an object whose `name`, `message`,
/// `stack` and `phase` are strings (a missing or non-string one reads as empty).
#[derive(Default)]
pub(crate) struct JsErrorInfo {
    pub name: String,
    pub message: String,
    pub stack: String,
    pub phase: String,
}

impl<'js> rquickjs::FromJs<'js> for JsErrorInfo {
    fn from_js(_ctx: &rquickjs::Ctx<'js>, value: rquickjs::Value<'js>) -> rquickjs::Result<Self> {
        let Some(obj) = value.as_object() else {
            return Ok(JsErrorInfo::default());
        };
        let text = |key: &str| -> rquickjs::Result<String> {
            let v: rquickjs::Value = obj.get(key)?;
            Ok(match v.as_string() {
                Some(s) => s.to_string()?,
                None => String::new(),
            })
        };
        Ok(JsErrorInfo {
            name: text("name")?,
            message: text("message")?,
            stack: text("stack")?,
            phase: text("phase")?,
        })
    }
}

/// Classify a JS error and find where it happened in the action's file; the engine's
/// TypeErrors there are told as Node tells them (see [`as_node_says`]).
pub(crate) fn classify(info: JsErrorInfo, action: &ActionSource) -> ActionError {
    let (file, form) = (action.filename.as_str(), action.form);
    let kind = if info.message.contains("out of memory") {
        ErrorKind::OutOfMemory
    } else if info.phase == "compile" {
        ErrorKind::Syntax
    } else if info.phase == "module" {
        ErrorKind::ModuleInit
    } else {
        match info.name.as_str() {
            "MissingHandler" => ErrorKind::MissingHandler,
            "InvalidHandler" => ErrorKind::InvalidHandler,
            _ => ErrorKind::Thrown,
        }
    };
    let frames = user_frames(&info.stack);
    let mut location = locate(&frames, file, form).or_else(|| locate(&info.message, file, form));
    let stack = first_line_columns(&frames, file, form);
    let message = if kind == ErrorKind::Syntax && info.message.ends_with(": ''") {
        format!(
            "{} (the file ends too early: a missing closing brace, bracket or parenthesis?)",
            info.message
        )
    } else if kind == ErrorKind::OutOfMemory {
        out_of_memory_message(&info.message)
    } else if matches!(kind, ErrorKind::Thrown | ErrorKind::ModuleInit) {
        let node = location
            .as_ref()
            .and_then(|loc| as_node_says(&info.name, &info.message, loc, &action.code));
        match (node, location.as_mut()) {
            (Some((message, column)), Some(loc)) => {
                loc.column = column;
                message
            }
            _ => info.message,
        }
    } else {
        info.message
    };
    ActionError {
        kind,
        name: info.name,
        message,
        location,
        stack,
    }
}

/// The message of an out-of-memory failure.
fn out_of_memory_message(message: &str) -> String {
    format!(
        "{message} (the instance hit its memory limit; raise it with --memory-limit (run) or `memory_mib` under [limits] (scenarios) if the action really needs more)"
    )
}

/// Name a failure for what it is when the engine ran out of memory so completely that it could
/// not even make its `InternalError("out of memory")` and threw `null` instead: called when
/// the allocator refused memory during the entry that failed.
pub(crate) fn name_out_of_memory(error: &mut ActionError) {
    let threw_null =
        error.message == "null" || error.message.contains("non-Error value thrown: null");
    if error.kind == ErrorKind::OutOfMemory || !threw_null {
        return;
    }
    error.kind = ErrorKind::OutOfMemory;
    error.name = "InternalError".to_string();
    error.message = out_of_memory_message("out of memory");
}

/// The stack without actsim's own prelude frames (they say nothing about the action).
pub(crate) fn user_frames(stack: &str) -> String {
    stack
        .lines()
        .filter(|line| !line.contains("actsim:prelude"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The stack with the columns of line 1 of a CommonJS `file` counted in the file, not in the
/// wrapper that shares its first line (as `locate` counts them).
fn first_line_columns(stack: &str, file: &str, form: ModuleForm) -> String {
    if form != ModuleForm::CommonJs {
        return stack.to_string();
    }
    let needle = format!("{file}:1:");
    let mut out = String::with_capacity(stack.len());
    let mut rest = stack;
    while let Some(pos) = rest.find(&needle) {
        let after = &rest[pos + needle.len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str(&rest[..pos + needle.len()]);
        match after[..digits].parse::<u32>() {
            Ok(column) => {
                let column = column.saturating_sub(CJS_PREFIX.len() as u32).max(1);
                out.push_str(&column.to_string());
            }
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The first `file:line:column` of `file` mentioned in `text` (a stack trace).
pub(crate) fn locate(text: &str, file: &str, form: ModuleForm) -> Option<SourceLocation> {
    let needle = format!("{file}:");
    let mut rest = text;
    while let Some(pos) = rest.find(&needle) {
        let after = &rest[pos + needle.len()..];
        let mut nums = after.splitn(3, |c: char| !c.is_ascii_digit());
        let line = nums.next().and_then(|s| s.parse::<u32>().ok());
        let column = nums.next().and_then(|s| s.parse::<u32>().ok());
        if let Some(line) = line {
            let column = column.unwrap_or(1);
            let column = if form == ModuleForm::CommonJs && line == 1 {
                column.saturating_sub(CJS_PREFIX.len() as u32).max(1)
            } else {
                column
            };
            return Some(SourceLocation {
                file: file.to_string(),
                line,
                column,
            });
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_frame_in_the_action_file() {
        let stack = "    at f (actsim:builtin/auth0.js:3:9)\n    at onExecutePostLogin (actions/a.js:12:7)\n";
        let loc = locate(stack, "actions/a.js", ModuleForm::EsModule).unwrap();
        assert_eq!((loc.line, loc.column), (12, 7));
        assert!(locate(stack, "other.js", ModuleForm::EsModule).is_none());
    }

    #[test]
    fn stack_frames_on_the_first_line_count_columns_in_the_file() {
        let col = CJS_PREFIX.len() + 5;
        let stack = format!("    at f (a.js:1:{col})\n    at g (a.js:12:{col})\n");
        assert_eq!(
            first_line_columns(&stack, "a.js", ModuleForm::CommonJs),
            format!("    at f (a.js:1:5)\n    at g (a.js:12:{col})\n")
        );
        assert_eq!(
            first_line_columns(&stack, "a.js", ModuleForm::EsModule),
            stack
        );
    }

    #[test]
    fn first_line_columns_skip_the_commonjs_wrapper() {
        let col = CJS_PREFIX.len() as u32 + 5;
        let loc = locate(&format!("at a.js:1:{col}"), "a.js", ModuleForm::CommonJs).unwrap();
        assert_eq!(loc.column, 5);
    }
}
