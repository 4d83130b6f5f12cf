//! JSON values made into JavaScript values by the host, as `JSON.parse` of their JSON text makes
//! them: the same properties in the same order (each defined, never assigned, so a setter an
//! action put on `Object.prototype` or `Array.prototype` never runs), the same numbers (a
//! number's text and the number the host holds round to the same double), and the lone
//! surrogates text.rs carries as stand-ins. It skips writing the text and parsing it back, and
//! the tokenising and property-name strings that cost: the event's lazy fields use it (a fast
//! path, warm.rs).

use rquickjs::{qjs, Ctx, Value};
use serde_json::{Map, Value as Json};

/// How deep [`json_to_js`] nests before it leaves the value to `JSON.parse`, which guards its
/// own stack (the host's recursion is bounded here instead).
pub(crate) const MAX_DEPTH: usize = 256;

/// `value` as a new JavaScript value, as `JSON.parse` of its JSON text would make it; `None`
/// when it nests deeper than [`MAX_DEPTH`] (the caller then parses the text).
pub(crate) fn json_to_js<'js>(
    ctx: &Ctx<'js>,
    value: &Json,
) -> rquickjs::Result<Option<Value<'js>>> {
    build(ctx, value, 0)
}

fn build<'js>(ctx: &Ctx<'js>, value: &Json, depth: usize) -> rquickjs::Result<Option<Value<'js>>> {
    if depth > MAX_DEPTH {
        return Ok(None);
    }
    let made = match value {
        Json::Null => Value::new_null(ctx.clone()),
        Json::Bool(b) => Value::new_bool(ctx.clone(), *b),
        Json::Number(n) => number(ctx, n),
        Json::String(s) => crate::text::kept_js_string(ctx, s)?.into_value(),
        Json::Array(items) => match array(ctx, items, depth)? {
            Some(v) => v,
            None => return Ok(None),
        },
        Json::Object(map) => match object(ctx, map, depth)? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    Ok(Some(made))
}

/// A JSON number as `JSON.parse` makes it: an integer that fits in 32 bits as one, anything else
/// as the nearest double (the double an integer's decimal text rounds to is the one `as f64`
/// rounds to; a float's text is the shortest that reads back as the same double).
fn number<'js>(ctx: &Ctx<'js>, n: &serde_json::Number) -> Value<'js> {
    if let Some(i) = n.as_i64() {
        return match i32::try_from(i) {
            Ok(small) => Value::new_int(ctx.clone(), small),
            Err(_) => Value::new_float(ctx.clone(), i as f64),
        };
    }
    if let Some(u) = n.as_u64() {
        return Value::new_float(ctx.clone(), u as f64);
    }
    Value::new_float(ctx.clone(), n.as_f64().unwrap_or(f64::NAN))
}

fn array<'js>(
    ctx: &Ctx<'js>,
    items: &[Json],
    depth: usize,
) -> rquickjs::Result<Option<Value<'js>>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the context is live; the new array is owned by the returned `Value`.
    let array = unsafe { Value::from_raw(ctx.clone(), qjs::JS_NewArray(raw)) };
    if array.is_exception() {
        return Err(rquickjs::Error::Exception);
    }
    for (index, item) in items.iter().enumerate() {
        let Some(element) = build(ctx, item, depth + 1)? else {
            return Ok(None);
        };
        let index = u32::try_from(index).map_err(|_| rquickjs::Error::Exception)?;
        // SAFETY: both values are live handles of this context; JS_DefinePropertyValueUint32
        // consumes the reference duplicated for it.
        let res = unsafe {
            qjs::JS_DefinePropertyValueUint32(
                raw,
                array.as_raw(),
                index,
                qjs::JS_DupValue(raw, element.as_raw()),
                (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
            )
        };
        crate::atoms::status(res)?;
    }
    Ok(Some(array))
}

fn object<'js>(
    ctx: &Ctx<'js>,
    map: &Map<String, Json>,
    depth: usize,
) -> rquickjs::Result<Option<Value<'js>>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the context is live; the new object is owned by the returned `Value`.
    let object = unsafe { Value::from_raw(ctx.clone(), qjs::JS_NewObject(raw)) };
    if object.is_exception() {
        return Err(rquickjs::Error::Exception);
    }
    for (key, item) in map {
        let Some(element) = build(ctx, item, depth + 1)? else {
            return Ok(None);
        };
        let atom = key_atom(ctx, key)?;
        // SAFETY: as in `array`; the atom is freed right after, as JSON.parse frees its own.
        let res = unsafe {
            let res = qjs::JS_DefinePropertyValue(
                raw,
                object.as_raw(),
                atom,
                qjs::JS_DupValue(raw, element.as_raw()),
                (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
            );
            qjs::JS_FreeAtom(raw, atom);
            res
        };
        crate::atoms::status(res)?;
    }
    Ok(Some(object))
}

/// The atom of property name `key` (owned: the caller frees it). A name with a lone surrogate
/// goes through its JavaScript string, as JSON.parse makes the atom from the string it read.
fn key_atom(ctx: &Ctx<'_>, key: &str) -> rquickjs::Result<qjs::JSAtom> {
    let raw = ctx.as_raw().as_ptr();
    let atom = if crate::text::has_stand_in(key) {
        let name = crate::text::kept_js_string(ctx, key)?;
        // SAFETY: the string is a live value of this context.
        unsafe { qjs::JS_ValueToAtom(raw, name.as_raw()) }
    } else {
        // SAFETY: the name's bytes are valid for its length; the context is live.
        unsafe { qjs::JS_NewAtomLen(raw, key.as_ptr().cast(), key.len() as _) }
    };
    if atom == qjs::JS_ATOM_NULL {
        return Err(rquickjs::Error::Exception);
    }
    Ok(atom)
}
