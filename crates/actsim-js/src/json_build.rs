//! JSON text made into a JavaScript value by the host, as `JSON.parse` makes it: the same
//! properties in the same order (each defined, never assigned, so a setter an action put on
//! `Object.prototype` or `Array.prototype` never runs), the same numbers (serde_json and the
//! engine both round a number's text to the nearest double). serde_json reads the text without
//! making a Rust value of it and each value goes straight into JavaScript, without the engine's
//! tokeniser and the string it makes of every property name: the event's lazy fields use it (a
//! fast path, warm.rs). Text serde_json refuses (a lone surrogate's `\udXXX` escape, nesting
//! past its limit of 128) is left to `JSON.parse`, which the caller then runs.

use std::cell::RefCell;
use std::fmt;

use crate::atoms::HostAtom;
use rquickjs::{qjs, Ctx, Value};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};

/// `text` as a new JavaScript value, as `JSON.parse(text)` makes it; `None` when serde_json
/// refuses the text (the caller then parses it with `JSON.parse`). An engine error (out of
/// memory) is an `Err`.
pub(crate) fn text_to_js<'js>(
    ctx: &Ctx<'js>,
    keys: &RefCell<KeyAtoms<'js>>,
    text: &str,
) -> rquickjs::Result<Option<Value<'js>>> {
    let mut failure = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let made = Seed {
        ctx,
        keys,
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
    keys: &'a RefCell<KeyAtoms<'js>>,
    failure: &'a mut Option<rquickjs::Error>,
}

impl<'a, 'js> Seed<'a, 'js> {
    fn again(&mut self) -> Seed<'_, 'js> {
        Seed {
            ctx: self.ctx,
            keys: self.keys,
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
        while let Some(atom) = map.next_key_seed(Key {
            ctx: self.ctx,
            keys: self.keys,
        })? {
            let element = map.next_value_seed(self.again())?;
            // SAFETY: as in `visit_seq`; the atom stays owned by `atom`.
            let res = unsafe {
                qjs::JS_DefinePropertyValue(
                    raw,
                    object.as_raw(),
                    atom.raw(),
                    qjs::JS_DupValue(raw, element.as_raw()),
                    (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
                )
            };
            self.engine(crate::atoms::status(res))?;
        }
        Ok(object)
    }
}

/// The atom of one property name: the cache's (borrowed), or made for it and freed when
/// dropped (as JSON.parse frees its own).
enum Atom<'js> {
    Cached(qjs::JSAtom),
    Owned(HostAtom<'js>),
}

impl Atom<'_> {
    fn raw(&self) -> qjs::JSAtom {
        match self {
            Atom::Cached(atom) => *atom,
            Atom::Owned(atom) => atom.raw(),
        }
    }
}

/// Reads a property name into its atom.
struct Key<'a, 'js> {
    ctx: &'a Ctx<'js>,
    keys: &'a RefCell<KeyAtoms<'js>>,
}

impl<'a, 'de, 'js> DeserializeSeed<'de> for Key<'a, 'js> {
    type Value = Atom<'js>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Atom<'js>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'a, 'de, 'js> Visitor<'de> for Key<'a, 'js> {
    type Value = Atom<'js>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Atom<'js>, E> {
        if let Some(atom) = self.keys.borrow().find(key) {
            return Ok(Atom::Cached(atom));
        }
        let made = HostAtom::new(self.ctx, key).map_err(|_| E::custom("no atom"))?;
        let raw = made.raw();
        match self.keys.borrow_mut().keep(key, made) {
            None => Ok(Atom::Cached(raw)),
            Some(made) => Ok(Atom::Owned(made)),
        }
    }
}

/// The atoms of property names the host read lately, per instance: an event's field texts use
/// the same few dozen names on every execution, and a name found here needs no atom made (the
/// engine would hash and look up the name each time). A small table indexed by a hash of the
/// name; a slot is taken by the first name that lands in it and kept for the instance's life,
/// so it holds at most [`KeyAtoms::SLOTS`] atoms.
#[derive(Default)]
pub(crate) struct KeyAtoms<'js> {
    slots: Vec<Option<(Box<str>, HostAtom<'js>)>>,
}

impl<'js> KeyAtoms<'js> {
    /// How many names are kept at most.
    pub const SLOTS: usize = 256;
    /// Names longer than this are not kept (their atom is made on each read).
    const MAX_LEN: usize = 64;

    fn slot(key: &str) -> usize {
        // FNV-1a over the name's bytes.
        let mut hash: u32 = 0x811c_9dc5;
        for byte in key.bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
        hash as usize % Self::SLOTS
    }

    /// The kept atom of `key`, if any (borrowed: valid while the instance lives).
    fn find(&self, key: &str) -> Option<qjs::JSAtom> {
        match self.slots.get(Self::slot(key))? {
            Some((name, atom)) if &**name == key => Some(atom.raw()),
            _ => None,
        }
    }

    /// Keep `atom` for `key` if its slot is free; `atom` back when it was not kept.
    fn keep(&mut self, key: &str, atom: HostAtom<'js>) -> Option<HostAtom<'js>> {
        if key.len() > Self::MAX_LEN {
            return Some(atom);
        }
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, || None);
        }
        let slot = &mut self.slots[Self::slot(key)];
        if slot.is_some() {
            return Some(atom);
        }
        *slot = Some((key.into(), atom));
        None
    }
}
