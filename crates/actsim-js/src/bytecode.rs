//! A process-wide cache of compiled CommonJS wrappers.
//!
//! Every instance loads its packages again (module state is per instance, as in production),
//! and parsing a large package (lodash, auth0, jose) costs tens of milliseconds. The compiled
//! bytecode of a wrapper is the same for every instance, so it is kept, keyed by file name and
//! a SHA-256 of the wrapped source, and later instances only read it back. Scripts keep their
//! sloppy-mode semantics (they are compiled as scripts, not modules) and their debug
//! information (file names and line numbers in stack traces).

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::{Arc, Mutex, OnceLock};

use rquickjs::{qjs, Ctx, Function, Value};
use sha2::{Digest, Sha256};

type Cache = Mutex<HashMap<(String, [u8; 32]), Arc<Vec<u8>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Evaluate `source` (a script whose value is a function, e.g. a CommonJS wrapper) as the file
/// `filename`, from cached bytecode when this exact source was compiled before.
pub(crate) fn eval_function<'js>(
    ctx: &Ctx<'js>,
    source: String,
    filename: &str,
) -> rquickjs::Result<Function<'js>> {
    let key = (
        filename.to_string(),
        <[u8; 32]>::from(Sha256::digest(source.as_bytes())),
    );
    let cached = cache().lock().ok().and_then(|c| c.get(&key).cloned());
    let raw_ctx = ctx.as_raw().as_ptr();
    let compiled = match cached {
        Some(bytes) => {
            // SAFETY: the bytes were produced by JS_WriteObject of this engine build; without
            // JS_READ_OBJ_ROM_DATA the engine copies what it needs.
            unsafe {
                qjs::JS_ReadObject(
                    raw_ctx,
                    bytes.as_ptr(),
                    bytes.len() as _,
                    qjs::JS_READ_OBJ_BYTECODE as i32,
                )
            }
        }
        None => {
            let len = source.len();
            let src = CString::new(source)?;
            let name = CString::new(filename)?;
            // SAFETY: `src` is NUL-terminated at `len`, as JS_Eval requires.
            let compiled = unsafe {
                qjs::JS_Eval(
                    raw_ctx,
                    src.as_ptr(),
                    len as _,
                    name.as_ptr(),
                    (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32,
                )
            };
            // SAFETY: `compiled` is a value of this context.
            if !unsafe { qjs::JS_IsException(compiled) } {
                let mut size: qjs::size_t = 0;
                // SAFETY: writes the compiled function; the buffer is freed below.
                let buf = unsafe {
                    qjs::JS_WriteObject(
                        raw_ctx,
                        &mut size,
                        compiled,
                        qjs::JS_WRITE_OBJ_BYTECODE as i32,
                    )
                };
                if !buf.is_null() {
                    // SAFETY: JS_WriteObject returned `size` bytes at `buf`.
                    let bytes = unsafe { std::slice::from_raw_parts(buf, size as usize) }.to_vec();
                    unsafe { qjs::js_free(raw_ctx, buf.cast()) };
                    if let Ok(mut c) = cache().lock() {
                        c.insert(key, Arc::new(bytes));
                    }
                }
            }
            compiled
        }
    };
    // SAFETY: checking the tag of a value we own.
    if unsafe { qjs::JS_IsException(compiled) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: JS_EvalFunction takes ownership of `compiled` and returns an owned value.
    let result = unsafe { qjs::JS_EvalFunction(raw_ctx, compiled) };
    if unsafe { qjs::JS_IsException(result) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: `result` is owned and belongs to this context.
    let value = unsafe { Value::from_raw(ctx.clone(), result) };
    value.get::<Function>()
}
