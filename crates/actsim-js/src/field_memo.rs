//! Event fields read again (a fast path, warm.rs): the value of a field text the instance has
//! read before is copied from a kept template instead of being made from its text again.
//!
//! Simulated users log in again and again with the same profile, so `event.user` (and any
//! other field) often has the very text an earlier execution of the instance read: the same
//! shared `Rc<str>` of the simulator's prepared event. The first read of such a text makes the
//! value as before (json_build.rs) and notes the text; the second keeps a template of it: the
//! text's leaves (its strings and numbers) in a JavaScript array, and a copier, a function
//! made once per shape of value, whose body is the value written as an object literal with
//! each leaf read from the array: `(a) => ({"user_id": a[0], "identities": [{"provider":
//! a[1]}], "blocked": false, …})`. That read and every later one call the copier (which costs
//! about half of making the value from the text): a new value, property by property what
//! `JSON.parse` makes (the
//! same names in the same order, each an own enumerable, writable, configurable data property;
//! the same numbers; strings are values, so sharing them is not observable), without reading
//! the text.
//!
//! The literal cannot reach anything an action defines: object and array literals define
//! their properties (no setter runs), `__proto__` is written as a computed name (which defines
//! a property, where a plain `__proto__:` would set the prototype), and the leaves are own
//! elements of an array only this module holds. The copier is compiled by the host, not
//! through the global `Function`.
//!
//! Bounded: at most [`MAX_ENTRIES`] texts and [`MAX_TEXT_BYTES`] of text per instance (then
//! nothing more is kept), [`MAX_COPIERS`] copiers, and values of at most [`MAX_LEAVES`]
//! leaves and [`MAX_DEPTH`] levels; anything else is made from its text as before.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::rc::Rc;

use rquickjs::{qjs, Array, Ctx, Function, Value};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// At most this many field texts are kept per instance.
pub(crate) const MAX_ENTRIES: usize = 4096;
/// At most this much field text (in bytes, summed) is kept per instance.
pub(crate) const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// At most this many copiers (shapes of value) are made per instance.
pub(crate) const MAX_COPIERS: usize = 64;
/// Values with more leaves than this are not kept.
pub(crate) const MAX_LEAVES: usize = 1024;
/// Values nested deeper than this are not kept.
pub(crate) const MAX_DEPTH: usize = 32;

/// Slots of the table of texts read once (see [`FieldMemo::remember`]).
const SEEN_SLOTS: usize = 1024;

/// The templates of one instance.
#[derive(Default)]
pub(crate) struct FieldMemo<'js> {
    /// The addresses of texts read once, by a hash of the address (a slot holds the last
    /// one): a text is kept from its second read on, so texts read once (a field that differs
    /// on every login) do not fill the memo. An address reused by another text only makes
    /// that text kept from its first read.
    seen: Vec<usize>,
    /// By the address of the text's shared string (each entry holds the string, so the address
    /// cannot be reused for another text while it is here).
    entries: BTreeMap<usize, Template<'js>>,
    /// The copiers made so far, by their source.
    copiers: BTreeMap<Box<str>, Function<'js>>,
    /// Field text kept so far, in bytes.
    text_bytes: usize,
    /// Templates handed out so far (copies made).
    copies: u64,
}

/// A kept field text, its leaves and its copier.
struct Template<'js> {
    text: Rc<str>,
    leaves: Array<'js>,
    copier: Function<'js>,
}

/// The slot of the table of texts read once for the text at `address`: a multiplicative hash
/// (addresses of texts of one size are a multiple of that size apart, which a plain remainder
/// would crowd into a few slots).
fn seen_slot(address: usize) -> usize {
    ((address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize % SEEN_SLOTS
}

/// The key of `text`: the address of its bytes.
fn key(text: &Rc<str>) -> usize {
    text.as_ptr() as usize
}

impl<'js> FieldMemo<'js> {
    /// The copier and leaves of `text` when a template of it is kept: `copier(leaves)` is a
    /// new copy of its value (called by the caller, with the memo no longer borrowed).
    pub fn template(&mut self, text: &Rc<str>) -> Option<(Function<'js>, Array<'js>)> {
        match self.entries.get(&key(text)) {
            Some(template) if Rc::ptr_eq(&template.text, text) => {
                self.copies += 1;
                Some((template.copier.clone(), template.leaves.clone()))
            }
            _ => None,
        }
    }

    /// `text`, which has no template, is read: on its second read keep a template of it and
    /// return its copier and leaves (the caller makes the value with them, which costs about
    /// what making it from the text does); `None` on its first read, when the memo is full or
    /// when the value is not one it keeps (too large, too deep, text serde_json refuses): the
    /// caller makes the value from the text.
    pub fn keep(
        &mut self,
        ctx: &Ctx<'js>,
        text: &Rc<str>,
    ) -> rquickjs::Result<Option<(Function<'js>, Array<'js>)>> {
        if self.entries.len() >= MAX_ENTRIES
            || self.text_bytes + text.len() > MAX_TEXT_BYTES
            || self.entries.contains_key(&key(text))
        {
            return Ok(None);
        }
        if self.seen.is_empty() {
            self.seen.resize(SEEN_SLOTS, 0);
        }
        let slot = seen_slot(key(text));
        if self.seen[slot] != key(text) {
            self.seen[slot] = key(text);
            return Ok(None);
        }
        let Some((source, leaves)) = template_of(ctx, text)? else {
            return Ok(None);
        };
        let copier = match self.copiers.get(source.as_str()) {
            Some(copier) => copier.clone(),
            None if self.copiers.len() < MAX_COPIERS => {
                let copier: Function = ctx.eval(source.as_str())?;
                self.copiers.insert(source.into(), copier.clone());
                copier
            }
            None => return Ok(None),
        };
        self.text_bytes += text.len();
        self.copies += 1;
        self.entries.insert(
            key(text),
            Template {
                text: text.clone(),
                leaves: leaves.clone(),
                copier: copier.clone(),
            },
        );
        Ok(Some((copier, leaves)))
    }
}

/// The copier's source for the value of `text` and the array of its leaves; `None` when the
/// value is not kept (see the module documentation).
fn template_of<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Option<(String, Array<'js>)>> {
    let leaves = Array::new(ctx.clone())?;
    let mut writer = Writer {
        ctx,
        code: String::from("(function (a) { 'use strict'; return "),
        leaves: &leaves,
        count: 0,
        depth: 0,
        failure: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let written = WriteValue(&mut writer)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(engine) = writer.failure.take() {
        return Err(engine);
    }
    if written.is_err() {
        return Ok(None);
    }
    writer.code.push_str("; })");
    Ok(Some((writer.code, leaves)))
}

/// Writes a value's copier source and collects its leaves.
struct Writer<'a, 'js> {
    ctx: &'a Ctx<'js>,
    code: String,
    leaves: &'a Array<'js>,
    count: usize,
    depth: usize,
    /// An engine failure (out of memory), which ends the walk.
    failure: Option<rquickjs::Error>,
}

impl<'js> Writer<'_, 'js> {
    /// Append `value` as the next leaf and write its read, `a[i]`.
    fn leaf<E: serde::de::Error>(&mut self, value: rquickjs::Result<Value<'js>>) -> Result<(), E> {
        if self.count >= MAX_LEAVES {
            return Err(E::custom("too many leaves"));
        }
        // Defined, not assigned: a setter an action put on `Array.prototype` never runs.
        let stored = value.and_then(|value| {
            let raw = self.ctx.as_raw().as_ptr();
            // SAFETY: both are live handles of this context; JS_DefinePropertyValueUint32
            // consumes the reference duplicated for it.
            let res = unsafe {
                qjs::JS_DefinePropertyValueUint32(
                    raw,
                    self.leaves.as_raw(),
                    self.count as u32,
                    qjs::JS_DupValue(raw, value.as_raw()),
                    (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _,
                )
            };
            crate::atoms::status(res)
        });
        if let Err(e) = stored {
            self.failure = Some(e);
            return Err(E::custom("engine error"));
        }
        // (Writing to a String cannot fail.)
        let _ = write!(self.code, "a[{}]", self.count);
        self.count += 1;
        Ok(())
    }

    fn enter<E: serde::de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(E::custom("too deep"));
        }
        Ok(())
    }
}

/// Reads one JSON value into the writer.
struct WriteValue<'w, 'a, 'js>(&'w mut Writer<'a, 'js>);

impl<'de> DeserializeSeed<'de> for WriteValue<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for WriteValue<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.code.push_str("null");
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<(), E> {
        self.0.code.push_str(if b { "true" } else { "false" });
        Ok(())
    }

    // Numbers and strings are leaves, made as json_build.rs makes them.
    fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<(), E> {
        let value = crate::json_build::number_from_i64(self.0.ctx, i);
        self.0.leaf(Ok(value))
    }

    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<(), E> {
        let value = crate::json_build::number_from_u64(self.0.ctx, u);
        self.0.leaf(Ok(value))
    }

    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<(), E> {
        let value = Value::new_float(self.0.ctx.clone(), f);
        self.0.leaf(Ok(value))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        let value = rquickjs::String::from_str(self.0.ctx.clone(), s).map(|s| s.into_value());
        self.0.leaf(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let writer = self.0;
        writer.enter()?;
        writer.code.push('[');
        let mut first = true;
        loop {
            let comma = writer.code.len();
            if !first {
                writer.code.push_str(", ");
            }
            if seq.next_element_seed(WriteValue(writer))?.is_none() {
                writer.code.truncate(comma);
                break;
            }
            first = false;
        }
        writer.code.push(']');
        writer.depth -= 1;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let writer = self.0;
        writer.enter()?;
        writer.code.push('{');
        let mut first = true;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !first {
                writer.code.push_str(", ");
            }
            first = false;
            // A JSON string is a JavaScript string literal; computed (in brackets), a name is
            // always defined as a property, `__proto__` included.
            writer.code.push('[');
            push_string_literal(&mut writer.code, &name);
            writer.code.push_str("]: ");
            map.next_value_seed(WriteValue(writer))?;
        }
        writer.code.push('}');
        writer.depth -= 1;
        Ok(())
    }
}

/// Append `text` as a JavaScript string literal: in double quotes, with `"`, `\` and the
/// control characters escaped as JSON escapes them (a JSON string is a JavaScript string
/// literal).
fn push_string_literal(code: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        code.push('"');
        code.push_str(text);
        code.push('"');
    } else {
        // (Serialising a string cannot fail.)
        code.push_str(&serde_json::to_string(text).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ActionSource, Clock, ExecutionSpec, FastPaths, Instance, InstanceConfig, Phase,
        PreparedEvent, Trigger,
    };

    /// Run `code`'s post-login handler (which must not wait) once per event of `events` on one
    /// instance; the instance's memo's (templates, copies) after each.
    fn memo_after_each(fast: FastPaths, events: &[PreparedEvent]) -> Vec<(usize, u64)> {
        let code = "exports.onExecutePostLogin = async (event) => { event.user.user_id; };";
        let config = InstanceConfig {
            fast_paths: fast,
            ..InstanceConfig::default()
        };
        let mut instance = Instance::new(ActionSource::new("a.js", code), Clock::new(0), config)
            .expect("instance");
        let cache = Rc::new(std::cell::RefCell::new(actsim_cache::CacheStore::new(
            actsim_cache::CacheLimits::default(),
        )));
        events
            .iter()
            .map(|event| {
                let spec = ExecutionSpec {
                    trigger: Trigger::PostLogin,
                    phase: Phase::Execute,
                    event: event.clone(),
                    secrets: Default::default(),
                    cache: cache.clone(),
                };
                instance.start(spec).expect("started");
                let finished = instance.take_finished();
                assert_eq!(finished.len(), 1, "the handler ends at once");
                instance.with_context_for_test(|ctx| {
                    let handles = crate::handles::get(ctx).expect("handles");
                    let memo = handles.field_memo.borrow();
                    (memo.entries.len(), memo.copies)
                })
            })
            .collect()
    }

    /// The memo at work: a text's first read only notes it, its second keeps a template and
    /// copies it, its later reads are copies; the same text in another string is not the kept
    /// one; with the fast paths off nothing is kept.
    #[test]
    fn a_text_is_copied_from_its_second_read_on_and_only_the_same_string_is() {
        let same: PreparedEvent =
            serde_json::json!({"user": {"user_id": "u1", "ids": [{"p": 1}]}}).into();
        let again: PreparedEvent =
            serde_json::json!({"user": {"user_id": "u1", "ids": [{"p": 1}]}}).into();
        let events = [same.clone(), same.clone(), same.clone(), same, again];
        assert_eq!(
            memo_after_each(FastPaths::On, &events),
            [(0, 0), (1, 1), (1, 2), (1, 3), (1, 3)]
        );
        assert_eq!(memo_after_each(FastPaths::Off, &events), [(0, 0); 5]);
    }

    /// The copier source the memo writes for `text`, evaluated against JSON.parse in one
    /// realm: same JSON text out, and the copy's own keys in the same order.
    fn source_of(text: &str) -> Option<String> {
        let runtime = rquickjs::Runtime::new().expect("runtime");
        let context = rquickjs::Context::full(&runtime).expect("context");
        context.with(|ctx| {
            template_of(&ctx, text)
                .expect("no engine error")
                .map(|(s, _)| s)
        })
    }

    #[test]
    fn names_are_computed_so_proto_is_a_property_and_leaves_are_numbered_in_order() {
        let source =
            source_of(r#"{"__proto__": 1, "a": [true, null, "x"], "b": {}}"#).expect("kept");
        assert_eq!(
            source,
            "(function (a) { 'use strict'; return {[\"__proto__\"]: a[0], [\"a\"]: [true, null, a[1]], [\"b\"]: {}}; })"
        );
    }

    #[test]
    fn text_serde_json_refuses_and_values_too_deep_are_not_kept() {
        assert!(source_of(r#"{"a": "\udc00"}"#).is_none());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(source_of(&deep).is_none());
        let shallow = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(source_of(&shallow).is_some());
    }
}
