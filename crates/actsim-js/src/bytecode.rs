//! Process-wide caches of compiled scripts.
//!
//! Every instance loads its packages again (module state is per instance, as in production),
//! and parsing a large package (lodash, auth0, jose) costs tens of milliseconds. The compiled
//! bytecode of a wrapper is the same for every instance, so it is kept, keyed by file name and
//! a SHA-256 of the wrapped source, and later instances only read it back. Scripts keep their
//! sloppy-mode semantics (they are compiled as scripts, not modules) and their debug
//! information (file names and line numbers in stack traces).
//!
//! actsim's own scripts (the prelude, the Node built-ins and the stand-ins) are a fixed set
//! whose sources are compiled into the binary: [`run_static_script`] keeps their bytecode by
//! file name alone, so that loading one costs no hashing of its source.

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

type StaticCache = Mutex<HashMap<String, Arc<Vec<u8>>>>;

fn static_cache() -> &'static StaticCache {
    static CACHE: OnceLock<StaticCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Run one of actsim's own scripts, named `filename` (which must always name the same source),
/// and return its completion value. The first call in the process compiles `source()` and keeps
/// the bytecode; later calls, from any instance, only read it back. Like [`eval_function`],
/// the bytecode keeps debug information (file names and line numbers in stack traces). With
/// `strip_source`, it drops the text that `Function.prototype.toString` would show (the
/// script's functions then print as `[native code]`, like Node's built-ins): a third of the
/// bytecode, so a script read for every instance loads and is freed faster.
pub(crate) fn run_static_script<'js>(
    ctx: &Ctx<'js>,
    filename: &str,
    strip_source: bool,
    source: impl FnOnce() -> String,
) -> rquickjs::Result<Value<'js>> {
    let raw_ctx = ctx.as_raw().as_ptr();
    let cached = static_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(filename).cloned());
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            let compiled = compile(raw_ctx, source(), filename)?;
            let flags = if strip_source {
                qjs::JS_WRITE_OBJ_BYTECODE | qjs::JS_WRITE_OBJ_STRIP_SOURCE
            } else {
                qjs::JS_WRITE_OBJ_BYTECODE
            };
            let Some(bytes) = write(raw_ctx, compiled, flags) else {
                return run(ctx, compiled);
            };
            // Even the first instance runs what it reads back, so that every instance runs the
            // same code (without the source text the compiled function still has).
            // SAFETY: `compiled` is owned here and not used again.
            unsafe { qjs::JS_FreeValue(raw_ctx, compiled) };
            let bytes = Arc::new(bytes);
            if let Ok(mut c) = static_cache().lock() {
                c.insert(filename.to_string(), bytes.clone());
            }
            bytes
        }
    };
    // SAFETY: the bytes were produced by JS_WriteObject of this engine build; without
    // JS_READ_OBJ_ROM_DATA the engine copies what it needs.
    let compiled = unsafe {
        qjs::JS_ReadObject(
            raw_ctx,
            bytes.as_ptr(),
            bytes.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        )
    };
    run(ctx, compiled)
}

/// Compile `source` as a classic script named `filename` (not run yet); the returned value is
/// owned by the caller, an exception is left pending in the context.
fn compile(
    raw_ctx: *mut qjs::JSContext,
    source: String,
    filename: &str,
) -> rquickjs::Result<qjs::JSValue> {
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
    // SAFETY: checking the tag of a value we own.
    if unsafe { qjs::JS_IsException(compiled) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(compiled)
}

/// The bytecode of a compiled script (`None` if the engine could not write it), marked so that
/// reading it back skips the checksum.
///
/// The engine writes a version byte, then a 32-bit checksum of the rest, which every read
/// recomputes over the whole buffer (about 2 instructions per byte: 80 000 per instance for the
/// prelude and the stand-ins). The checksum guards against bytes corrupted outside the engine;
/// these never leave the process, so the checksum field is set to the engine's "not checked"
/// value, all ones.
fn write(raw_ctx: *mut qjs::JSContext, compiled: qjs::JSValue, flags: u32) -> Option<Vec<u8>> {
    let mut size: qjs::size_t = 0;
    // SAFETY: writes the compiled function, which stays owned by the caller; the buffer is
    // freed below.
    let buf = unsafe { qjs::JS_WriteObject(raw_ctx, &mut size, compiled, flags as i32) };
    if buf.is_null() {
        return None;
    }
    // SAFETY: JS_WriteObject returned `size` bytes at `buf`.
    let mut bytes = unsafe { std::slice::from_raw_parts(buf, size as usize) }.to_vec();
    // SAFETY: `buf` was allocated by JS_WriteObject in this context and is freed once, after
    // its bytes were copied.
    unsafe { qjs::js_free(raw_ctx, buf.cast()) };
    if let Some(checksum) = bytes.get_mut(1..5) {
        checksum.fill(0xff);
    }
    Some(bytes)
}

/// Run a compiled script (or pass on the exception of reading or compiling it) and return its
/// completion value.
fn run<'js>(ctx: &Ctx<'js>, compiled: qjs::JSValue) -> rquickjs::Result<Value<'js>> {
    // SAFETY: checking the tag of a value we own.
    if unsafe { qjs::JS_IsException(compiled) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: JS_EvalFunction takes ownership of `compiled` and returns an owned value.
    let result = unsafe { qjs::JS_EvalFunction(ctx.as_raw().as_ptr(), compiled) };
    // SAFETY: checking the tag of the value just returned.
    if unsafe { qjs::JS_IsException(result) } {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: `result` is owned and belongs to this context.
    Ok(unsafe { Value::from_raw(ctx.clone(), result) })
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
        // SAFETY: the bytes were produced by JS_WriteObject of this engine build; without
        // JS_READ_OBJ_ROM_DATA the engine copies what it needs.
        Some(bytes) => unsafe {
            qjs::JS_ReadObject(
                raw_ctx,
                bytes.as_ptr(),
                bytes.len() as _,
                qjs::JS_READ_OBJ_BYTECODE as i32,
            )
        },
        None => {
            let compiled = compile(raw_ctx, source, filename)?;
            if let Some(bytes) = write(raw_ctx, compiled, qjs::JS_WRITE_OBJ_BYTECODE) {
                if let Ok(mut c) = cache().lock() {
                    c.insert(key, Arc::new(bytes));
                }
            }
            compiled
        }
    };
    run(ctx, compiled)?.get::<Function>()
}
