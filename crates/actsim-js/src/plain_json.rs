//! `host.plainJson(value)`: the text `JSON.stringify(value)` gives, made by the host for plain
//! data (a fast path, warm.rs), or `undefined` when the value is anything else, and the caller
//! then calls the engine's `JSON.stringify`, which gives the same text, throws the same error or
//! runs the same code (a `toJSON`, a getter, a proxy's traps) as without the fast path.
//!
//! Plain data: ordinary objects and arrays whose enumerable own properties are all data
//! properties (an array: every index below its length an own data property), with no
//! `toJSON` of their own or on an ordinary prototype chain; strings without a lone surrogate;
//! booleans; null; numbers (finite integers below 2^53 in magnitude, and NaN and the
//! infinities, which are `null`); `undefined`, functions and symbols as property values
//! (left out of objects, `null` in arrays). Anything else (a proxy, a Date, a Map, a String
//! object, a BigInt, a getter, a `toJSON` anywhere, a cycle, a fractional number, which the
//! engine formats) answers `None` without having run any JavaScript: nothing here reads a
//! property through a getter or a trap.

use std::ffi::c_char;

use rquickjs::{qjs, Ctx, Value};

/// QuickJS's class of ordinary objects (`JS_CLASS_OBJECT`, "must be first" in quickjs.c).
const CLASS_OBJECT: qjs::JSClassID = 1;
/// QuickJS's class of arrays (`JS_CLASS_ARRAY`, the one after it).
const CLASS_ARRAY: qjs::JSClassID = 2;
/// Nesting deeper than this is left to the engine (it detects cycles; this bounds the path).
const MAX_DEPTH: usize = 64;
/// Texts longer than this are left to the engine (no unbounded work here).
const MAX_TEXT: usize = 1 << 20;
/// Integers this large or larger (2^53) are left to the engine's number formatting.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// The JSON text of `value` as `JSON.stringify` (no replacer, no indent) makes it, when
/// `value` is plain data (module documentation); `None` otherwise.
pub(crate) fn plain_json<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Option<String> {
    let mut walk = Walk {
        ctx: ctx.as_raw().as_ptr(),
        // (Room for a small body: the stand-in's requests are mostly a few dozen bytes.)
        out: String::with_capacity(64),
        path: Vec::new(),
        checked_protos: Vec::new(),
    };
    // (At the top, a value with no JSON text — undefined, a function — is the engine's.)
    if !walk.value(value.as_raw())? {
        return None;
    }
    Some(walk.out)
}

/// An atom made for one array index, freed with it.
struct AtomGuard {
    ctx: *mut qjs::JSContext,
    atom: qjs::JSAtom,
}

impl Drop for AtomGuard {
    fn drop(&mut self) {
        // SAFETY: the atom was made by JS_NewAtomUInt32 on this live context.
        unsafe { qjs::JS_FreeAtom(self.ctx, self.atom) }
    }
}

/// An own property's descriptor, its values freed with it.
struct Descriptor {
    ctx: *mut qjs::JSContext,
    desc: qjs::JSPropertyDescriptor,
}

impl Descriptor {
    /// An empty descriptor for `JS_GetOwnProperty` to fill on `ctx`.
    fn empty(ctx: *mut qjs::JSContext) -> Self {
        Descriptor {
            ctx,
            desc: qjs::JSPropertyDescriptor {
                flags: 0,
                value: qjs::JS_UNDEFINED,
                getter: qjs::JS_UNDEFINED,
                setter: qjs::JS_UNDEFINED,
            },
        }
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        // SAFETY: JS_GetOwnProperty filled the three values (each owned by us) on this context.
        unsafe {
            qjs::JS_FreeValue(self.ctx, self.desc.value);
            qjs::JS_FreeValue(self.ctx, self.desc.getter);
            qjs::JS_FreeValue(self.ctx, self.desc.setter);
        }
    }
}

struct Walk {
    ctx: *mut qjs::JSContext,
    out: String,
    /// The objects being written (their pointers): one met again is a cycle.
    path: Vec<*mut std::ffi::c_void>,
    /// Prototypes already seen to be ordinary and without `toJSON` in this walk.
    checked_protos: Vec<*mut std::ffi::c_void>,
}

/// The engine's own atom of `toJSON` (one of its predefined atoms, never freed).
const TO_JSON: qjs::JSAtom = qjs::JS_ATOM_toJSON as qjs::JSAtom;

impl Walk {
    /// Write `v`; `Some(false)` when it has no JSON text (undefined, a function, a symbol),
    /// `None` when the engine must do the whole value.
    fn value(&mut self, v: qjs::JSValue) -> Option<bool> {
        if self.out.len() > MAX_TEXT {
            return None;
        }
        // SAFETY: `v` is a live value owned by the caller; reading its tag reads no memory.
        match unsafe { qjs::JS_VALUE_GET_TAG(v) } {
            qjs::JS_TAG_NULL => self.out.push_str("null"),
            qjs::JS_TAG_BOOL => {
                // SAFETY: the tag says it is a boolean.
                let b = unsafe { qjs::JS_VALUE_GET_BOOL(v) };
                self.out.push_str(if b { "true" } else { "false" });
            }
            qjs::JS_TAG_INT => {
                // SAFETY: the tag says it is an integer.
                let n = unsafe { qjs::JS_VALUE_GET_INT(v) };
                self.out.push_str(&n.to_string());
            }
            qjs::JS_TAG_FLOAT64 => {
                // SAFETY: the tag says it is a double.
                let f = unsafe { qjs::JS_VALUE_GET_FLOAT64(v) };
                if !f.is_finite() {
                    self.out.push_str("null");
                } else if f.fract() == 0.0 && f.abs() < MAX_EXACT {
                    // (-0 is written 0, as the engine writes it.)
                    self.out.push_str(&(f as i64).to_string());
                } else {
                    return None;
                }
            }
            qjs::JS_TAG_STRING | qjs::JS_TAG_STRING_ROPE => self.string(v)?,
            qjs::JS_TAG_UNDEFINED | qjs::JS_TAG_SYMBOL => return Some(false),
            qjs::JS_TAG_OBJECT => {
                // SAFETY: `v` is a live object.
                let class = unsafe { qjs::JS_GetClassID(v) };
                if class == CLASS_ARRAY {
                    self.object(v, true)?;
                } else if class == CLASS_OBJECT {
                    self.object(v, false)?;
                } else {
                    // (A function too: its `toJSON` lookup is the engine's business.)
                    return None;
                }
            }
            _ => return None,
        }
        Some(true)
    }

    /// Write an ordinary object or an array.
    fn object(&mut self, v: qjs::JSValue, array: bool) -> Option<()> {
        // SAFETY: `v` is a live object (the caller checked its tag).
        let ptr = unsafe { qjs::JS_VALUE_GET_PTR(v) };
        if self.path.len() >= MAX_DEPTH || self.path.contains(&ptr) {
            return None;
        }
        if self.own_data(v, TO_JSON)?.is_some() || !self.plain_prototypes(v)? {
            return None;
        }
        self.path.push(ptr);
        if array {
            self.array_items(v)?;
        } else {
            self.object_members(v)?;
        }
        self.path.pop();
        Some(())
    }

    fn array_items(&mut self, v: qjs::JSValue) -> Option<()> {
        let mut len: i64 = 0;
        // SAFETY: `v` is a live array: its length is a data property (no code runs).
        if unsafe { qjs::JS_GetLength(self.ctx, v, &mut len) } < 0 || len > u32::MAX as i64 {
            return None;
        }
        self.out.push('[');
        for index in 0..len as u32 {
            if index > 0 {
                self.out.push(',');
            }
            // SAFETY: the live context; the atom is freed by its guard.
            let atom = unsafe { qjs::JS_NewAtomUInt32(self.ctx, index) };
            if atom == qjs::JS_ATOM_NULL {
                return None;
            }
            let atom = AtomGuard {
                ctx: self.ctx,
                atom,
            };
            // (A hole reads through the prototype chain: the engine's business.)
            let item = self.own_data(v, atom.atom)??;
            if !self.value(item.desc.value)? {
                self.out.push_str("null");
            }
        }
        self.out.push(']');
        Some(())
    }

    fn object_members(&mut self, v: qjs::JSValue) -> Option<()> {
        let mut tab: *mut qjs::JSPropertyEnum = std::ptr::null_mut();
        let mut len: u32 = 0;
        // SAFETY: `v` is a live ordinary object: listing its keys runs no code.
        let listed = unsafe {
            qjs::JS_GetOwnPropertyNames(
                self.ctx,
                &mut tab,
                &mut len,
                v,
                (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as _,
            )
        };
        if listed < 0 {
            return None;
        }
        let keys = PropertyEnum {
            ctx: self.ctx,
            tab,
            len,
        };
        self.out.push('{');
        let mut first = true;
        for i in 0..keys.len as usize {
            // SAFETY: `i` < len entries of the table QuickJS made.
            let atom = unsafe { (*keys.tab.add(i)).atom };
            let member = self.own_data(v, atom)??;
            let mark = self.out.len();
            if !first {
                self.out.push(',');
            }
            self.atom_key(atom)?;
            self.out.push(':');
            if self.value(member.desc.value)? {
                first = false;
            } else {
                // (No JSON text: the member is left out.)
                self.out.truncate(mark);
            }
        }
        self.out.push('}');
        Some(())
    }

    /// The own property `atom` of `v`: `Some(Some(_))` a data property (enumerable or not),
    /// `Some(None)` none, `None` an accessor or a failure.
    fn own_data(&self, v: qjs::JSValue, atom: qjs::JSAtom) -> Option<Option<Descriptor>> {
        let mut desc = Descriptor::empty(self.ctx);
        // SAFETY: `v` is a live ordinary object or array (no exotic lookup, no code runs).
        match unsafe { qjs::JS_GetOwnProperty(self.ctx, &mut desc.desc, v, atom) } {
            0 => Some(None),
            1 if desc.desc.flags & qjs::JS_PROP_GETSET as i32 == 0 => Some(Some(desc)),
            _ => None,
        }
    }

    /// Whether every prototype of `v` is an ordinary object (or array) without an own
    /// `toJSON` (or an own accessor of that name).
    fn plain_prototypes(&mut self, v: qjs::JSValue) -> Option<bool> {
        // SAFETY: `v` is a live ordinary object or array: no trap runs.
        let mut proto = unsafe { qjs::JS_GetPrototype(self.ctx, v) };
        loop {
            let owned = OwnedValue {
                ctx: self.ctx,
                value: proto,
            };
            // SAFETY: `proto` is a live value we own (freed by `owned`).
            let tag = unsafe { qjs::JS_VALUE_GET_TAG(owned.value) };
            if tag == qjs::JS_TAG_NULL {
                return Some(true);
            }
            if tag != qjs::JS_TAG_OBJECT {
                return None;
            }
            // SAFETY: the tag says it is an object (its pointer is only compared).
            let ptr = unsafe { qjs::JS_VALUE_GET_PTR(owned.value) };
            if self.checked_protos.contains(&ptr) {
                return Some(true);
            }
            // SAFETY: a live object we hold.
            let class = unsafe { qjs::JS_GetClassID(owned.value) };
            if class != CLASS_OBJECT && class != CLASS_ARRAY {
                return Some(false);
            }
            let mut desc = Descriptor::empty(self.ctx);
            // SAFETY: an ordinary object or array: no code runs.
            if unsafe { qjs::JS_GetOwnProperty(self.ctx, &mut desc.desc, owned.value, TO_JSON) }
                != 0
            {
                return Some(false);
            }
            self.checked_protos.push(ptr);
            // SAFETY: as above.
            proto = unsafe { qjs::JS_GetPrototype(self.ctx, owned.value) };
        }
    }

    /// Write the string value `v` quoted; `None` when it holds a lone surrogate.
    fn string(&mut self, v: qjs::JSValue) -> Option<()> {
        let text = CText::of_value(self.ctx, v)?;
        quote(&mut self.out, text.as_str()?);
        Some(())
    }

    /// Write the key `atom` quoted.
    fn atom_key(&mut self, atom: qjs::JSAtom) -> Option<()> {
        let mut len: qjs::size_t = 0;
        // SAFETY: a live atom of the key table; the C string is freed by CText.
        let ptr = unsafe { qjs::JS_AtomToCStringLen(self.ctx, &mut len, atom) };
        let text = CText {
            ctx: self.ctx,
            ptr,
            len: len as usize,
        };
        quote(&mut self.out, text.as_str()?);
        Some(())
    }
}

/// A value we own, freed when dropped.
struct OwnedValue {
    ctx: *mut qjs::JSContext,
    value: qjs::JSValue,
}

impl Drop for OwnedValue {
    fn drop(&mut self) {
        // SAFETY: we own one reference to `value` on this live context.
        unsafe { qjs::JS_FreeValue(self.ctx, self.value) }
    }
}

/// A key table from JS_GetOwnPropertyNames, freed when dropped.
struct PropertyEnum {
    ctx: *mut qjs::JSContext,
    tab: *mut qjs::JSPropertyEnum,
    len: u32,
}

impl Drop for PropertyEnum {
    fn drop(&mut self) {
        // SAFETY: the table (and its atoms) QuickJS made for us on this live context.
        unsafe { qjs::JS_FreePropertyEnum(self.ctx, self.tab, self.len) }
    }
}

/// A C string QuickJS made (generalised UTF-8: a lone surrogate is not valid UTF-8).
struct CText {
    ctx: *mut qjs::JSContext,
    ptr: *const c_char,
    len: usize,
}

impl CText {
    fn of_value(ctx: *mut qjs::JSContext, v: qjs::JSValue) -> Option<Self> {
        let mut len: qjs::size_t = 0;
        // SAFETY: `v` is a live string (no conversion code runs for a string).
        let ptr = unsafe { qjs::JS_ToCStringLen2(ctx, &mut len, v, false) };
        Some(CText {
            ctx,
            ptr,
            len: len as usize,
        })
    }

    /// The text, unless QuickJS failed or it holds a lone surrogate.
    fn as_str(&self) -> Option<&str> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: QuickJS made `len` bytes at `ptr`, alive until this CText is dropped.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) };
        std::str::from_utf8(bytes).ok()
    }
}

impl Drop for CText {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: made by JS_ToCStringLen2/JS_AtomToCStringLen on this live context.
            unsafe { qjs::JS_FreeCString(self.ctx, self.ptr) }
        }
    }
}

/// `text` as the engine's JSON.stringify quotes it (well-formed text: no lone surrogate).
fn quote(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn strings_are_quoted_as_the_engine_quotes_them() {
        let mut out = String::new();
        quote(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é\u{2028}/",
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é\u{2028}/\""
        );
    }
}
