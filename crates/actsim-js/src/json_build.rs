//! JSON text made into a JavaScript value by the host, as `JSON.parse` makes it: the same
//! properties in the same order (each defined, never assigned, so a setter an action put on
//! `Object.prototype` or `Array.prototype` never runs), the same numbers (serde_json and the
//! engine both round a number's text to the nearest double). serde_json reads the text without
//! making a Rust value of it and each value goes straight into JavaScript, without the engine's
//! tokeniser and the string it makes of every property name: the event's lazy fields use it (a
//! fast path, warm.rs). Text serde_json refuses (a lone surrogate's `\udXXX` escape, nesting
//! past its limit of 128) is left to `JSON.parse`, which the caller then runs.

use std::fmt;

use rquickjs::{qjs, Ctx, Value};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

/// `text` as a new JavaScript value, as `JSON.parse(text)` makes it; `None` when serde_json
/// refuses the text (the caller then parses it with `JSON.parse`). An engine error (out of
/// memory) is an `Err`.
pub(crate) fn text_to_js<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Option<Value<'js>>> {
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let made = Seed {
        ctx,
        failure: &mut failure,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match (made, failure) {
        (_, Some(engine)) => Err(engine),
        (Ok(value), None) => Ok(Some(value)),
        (Err(_), None) => Ok(None),
    }
}

/// Reads one JSON value into JavaScript. An engine failure is kept in `failure` (serde's error
/// type cannot carry it) and ends the read.
struct Seed<'a, 'js> {
    ctx: &'a Ctx<'js>,
    failure: &'a mut Option<rquickjs::Error>,
}

impl<'a, 'js> Seed<'a, 'js> {
    fn again(&mut self) -> Seed<'_, 'js> {
        Seed {
            ctx: self.ctx,
            failure: self.failure,
        }
    }

    /// `result`'s value, or a serde error that ends the read with the engine's error kept.
    fn engine<T, E: serde::de::Error>(&mut self, result: rquickjs::Result<T>) -> Result<T, E> {
        result.map_err(|e| {
            *self.failure = Some(e);
            E::custom("engine error")
        })
    }

    fn string<E: serde::de::Error>(&mut self, s: &str) -> Result<Value<'js>, E> {
        let made = rquickjs::String::from_str(self.ctx.clone(), s).map(|s| s.into_value());
        self.engine(made)
    }
}

impl<'de, 'js> DeserializeSeed<'de> for Seed<'_, 'js> {
    type Value = Value<'js>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value<'js>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'js> Visitor<'de> for Seed<'_, 'js> {
    type Value = Value<'js>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value<'js>, E> {
        Ok(Value::new_null(self.ctx.clone()))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value<'js>, E> {
        Ok(Value::new_bool(self.ctx.clone(), b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value<'js>, E> {
        Ok(match i32::try_from(i) {
            Ok(small) => Value::new_int(self.ctx.clone(), small),
            // The double nearest to the integer, as the engine reads its decimal text.
            Err(_) => Value::new_float(self.ctx.clone(), i as f64),
        })
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value<'js>, E> {
        Ok(match i32::try_from(u) {
            Ok(small) => Value::new_int(self.ctx.clone(), small),
            Err(_) => Value::new_float(self.ctx.clone(), u as f64),
        })
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value<'js>, E> {
        Ok(Value::new_float(self.ctx.clone(), f))
    }

    fn visit_str<E: serde::de::Error>(mut self, s: &str) -> Result<Value<'js>, E> {
        self.string(s)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value<'js>, A::Error> {
        let raw = self.ctx.as_raw().as_ptr();
        // SAFETY: the context is live; the new array is owned by the `Value`.
        let array = unsafe { Value::from_raw(self.ctx.clone(), qjs::JS_NewArray(raw)) };
        if array.is_exception() {
            return self.engine(Err(rquickjs::Error::Exception));
        }
        let mut index: u32 = 0;
        while let Some(element) = seq.next_element_seed(self.again())? {
            // SAFETY: both values are live handles of this context;
            // JS_DefinePropertyValueUint32 consumes the reference duplicated for it.
            let res = unsafe {
                qjs::JS_DefinePropertyValueUint32(
                    raw,
                    array.as_raw(),
                    index,
                    qjs::JS_DupValue(raw, element.as_raw()),
                    (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
                )
            };
            self.engine(crate::atoms::status(res))?;
            index = index
                .checked_add(1)
                .ok_or_else(|| A::Error::custom("array too long"))?;
        }
        Ok(array)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value<'js>, A::Error> {
        let raw = self.ctx.as_raw().as_ptr();
        // SAFETY: the context is live; the new object is owned by the `Value`.
        let object = unsafe { Value::from_raw(self.ctx.clone(), qjs::JS_NewObject(raw)) };
        if object.is_exception() {
            return self.engine(Err(rquickjs::Error::Exception));
        }
        while let Some(atom) = map.next_key_seed(Key { ctx: self.ctx })? {
            let atom = Atom {
                ctx: self.ctx,
                atom,
            };
            let element = map.next_value_seed(self.again())?;
            // SAFETY: as in `visit_seq`; the atom stays owned by `atom`.
            let res = unsafe {
                qjs::JS_DefinePropertyValue(
                    raw,
                    object.as_raw(),
                    atom.atom,
                    qjs::JS_DupValue(raw, element.as_raw()),
                    (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
                )
            };
            self.engine(crate::atoms::status(res))?;
        }
        Ok(object)
    }
}

/// An atom made for one property name, freed when dropped (as JSON.parse frees its own).
struct Atom<'a, 'js> {
    ctx: &'a Ctx<'js>,
    atom: qjs::JSAtom,
}

impl Drop for Atom<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the atom was made in this context and is freed once.
        unsafe { qjs::JS_FreeAtom(self.ctx.as_raw().as_ptr(), self.atom) };
    }
}

/// Reads a property name into an atom (owned: the caller frees it).
struct Key<'a, 'js> {
    ctx: &'a Ctx<'js>,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = qjs::JSAtom;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<qjs::JSAtom, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = qjs::JSAtom;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<qjs::JSAtom, E> {
        // SAFETY: the name's bytes are valid for its length; the context is live.
        let atom = unsafe {
            qjs::JS_NewAtomLen(
                self.ctx.as_raw().as_ptr(),
                key.as_ptr().cast(),
                key.len() as _,
            )
        };
        if atom == qjs::JS_ATOM_NULL {
            return Err(E::custom("no atom"));
        }
        Ok(atom)
    }
}
