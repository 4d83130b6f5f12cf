//! The `event` an execution receives, prepared once on the Rust side: each top-level field is
//! serialised to JSON when the event is built, not on every execution, and a field becomes a
//! JavaScript value only when the action first reads it (most actions read two or three of the
//! dozen fields): read from the text by the host (json_build.rs), or with the fast paths off
//! by `JSON.parse`. Drivers that run the same user's event many times build it once and clone the
//! handle, which is cheap. [`LazyField`] holds the per-instance accessor of one field, which the
//! instance defines on each execution's `event` object; [`EventSource`] is the native object
//! behind one execution's `event`, from which an accessor reads its field's JSON on first use.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::class::{JsClass, Readable, Trace, Tracer};
use rquickjs::{qjs, Ctx, Function, JsLifetime, Object};

use crate::atoms::HostAtom;
use serde_json::{Map, Value};

/// An `event` object (without `secrets`) ready to hand to JavaScript. Cloning shares the
/// serialised fields.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedEvent {
    fields: Rc<[EventField]>,
    /// Whether `transaction.metadata` is an object (post-login executions need one).
    has_transaction_metadata: bool,
}

/// One top-level field of an event: its name and its value as JSON text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EventField {
    pub name: Rc<str>,
    pub json: Rc<str>,
}

impl PreparedEvent {
    /// Prepare `event`. A value that is not an object becomes an empty event, as the trigger
    /// has nothing else to pass.
    pub fn new(event: &Value) -> Self {
        let fields: Vec<EventField> = match event {
            Value::Object(map) => map.iter().map(|(k, v)| field(k, v)).collect(),
            _ => Vec::new(),
        };
        PreparedEvent {
            fields: fields.into(),
            has_transaction_metadata: has_transaction_metadata(event),
        }
    }

    /// The same event with field `name` replaced by `value` (appended if absent); the other
    /// fields are shared, not serialised again.
    pub fn with_field(&self, name: &str, value: &Value) -> Self {
        let mut fields: Vec<EventField> = self.fields.to_vec();
        match fields.iter_mut().find(|f| &*f.name == name) {
            Some(existing) => existing.json = json_text(value),
            None => fields.push(field(name, value)),
        }
        let has_transaction_metadata = if name == "transaction" {
            value.get("metadata").is_some_and(Value::is_object)
        } else {
            self.has_transaction_metadata
        };
        PreparedEvent {
            fields: fields.into(),
            has_transaction_metadata,
        }
    }

    /// The same event with field `name` replaced by the JSON text `json` (appended if absent),
    /// for a driver that writes a field's text itself. `json` must be what
    /// [`PreparedEvent::with_field`] would write for its value (lone surrogates as `\udXXX`).
    pub fn with_field_json(&self, name: &str, json: Rc<str>) -> Self {
        if name == "transaction" {
            // The metadata flag needs the value; no driver writes this field as text.
            let value = serde_json::from_str(&crate::text::kept_json(&json)).unwrap_or_default();
            return self.with_field(name, &value);
        }
        let mut fields: Vec<EventField> = self.fields.to_vec();
        match fields.iter_mut().find(|f| &*f.name == name) {
            Some(existing) => existing.json = json,
            None => fields.push(EventField {
                name: name.into(),
                json,
            }),
        }
        PreparedEvent {
            fields: fields.into(),
            has_transaction_metadata: self.has_transaction_metadata,
        }
    }

    /// The same event without field `name` (unchanged when it has none).
    pub fn without_field(&self, name: &str) -> Self {
        if !self.fields.iter().any(|f| &*f.name == name) {
            return self.clone();
        }
        let fields: Vec<EventField> = self
            .fields
            .iter()
            .filter(|f| &*f.name != name)
            .cloned()
            .collect();
        PreparedEvent {
            fields: fields.into(),
            has_transaction_metadata: self.has_transaction_metadata && name != "transaction",
        }
    }

    /// The JSON text of field `name`, if the event has it.
    pub fn field_json(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| &*f.name == name)
            .map(|f| &*f.json)
    }

    /// Field `name` as a JSON value, if the event has it. A lone surrogate in it (written as
    /// its `\udXXX` escape for JavaScript, which serde_json refuses) comes back as the stand-in
    /// recorded values use (text.rs), so reading and writing a field back keeps it.
    pub fn field_value(&self, name: &str) -> Option<Value> {
        let text = self.field_json(name)?;
        serde_json::from_str(&crate::text::kept_json(text)).ok()
    }

    /// The whole event as a JSON value (the unit tests compare events with it).
    #[cfg(test)]
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        for f in self.fields.iter() {
            let value = serde_json::from_str(&f.json).unwrap_or(Value::Null);
            map.insert(f.name.to_string(), value);
        }
        Value::Object(map)
    }

    /// Field names and JSON texts, in the event's order.
    pub(crate) fn fields(&self) -> &[EventField] {
        &self.fields
    }

    /// The event with `transaction.metadata` (an object) added if it is missing: a post-login
    /// event always has it, as production's `api.transaction.setMetadata` writes there.
    /// Instances add it themselves; drivers that prepare an event once call this once.
    pub fn with_transaction_metadata(&self) -> Self {
        if self.has_transaction_metadata {
            return self.clone();
        }
        let transaction = self
            .field_json("transaction")
            .and_then(|t| serde_json::from_str::<Value>(t).ok());
        let mut transaction = match transaction {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        transaction.insert("metadata".to_string(), Value::Object(Map::new()));
        self.with_field("transaction", &Value::Object(transaction))
    }
}

/// The shared getter and setter of one lazy event field (by name and position), made by the
/// prelude once per instance, with the field name's atom (all three owned handles, released
/// when dropped). Defining a field on each execution's event then costs neither an atom lookup
/// nor handle clones (a tenth of a cache-hit execution before).
pub(crate) struct LazyField<'js> {
    atom: HostAtom<'js>,
    get: Function<'js>,
    set: Function<'js>,
}

impl<'js> LazyField<'js> {
    /// Hold `get` and `set` and the atom of `name`.
    pub fn new(
        ctx: &Ctx<'js>,
        name: &str,
        get: Function<'js>,
        set: Function<'js>,
    ) -> rquickjs::Result<Self> {
        Ok(LazyField {
            atom: HostAtom::new(ctx, name)?,
            get,
            set,
        })
    }

    /// Define the field on `event` as an enumerable, configurable accessor.
    pub fn define(&self, ctx: &Ctx<'js>, event: &Object<'js>) -> rquickjs::Result<()> {
        let raw = ctx.as_raw().as_ptr();
        let flags = (qjs::JS_PROP_CONFIGURABLE | qjs::JS_PROP_ENUMERABLE) as _;
        // SAFETY: the atom and the functions are live handles of this context;
        // JS_DefinePropertyGetSet consumes the two references duplicated for it.
        let res = unsafe {
            qjs::JS_DefinePropertyGetSet(
                raw,
                event.as_raw(),
                self.atom.raw(),
                qjs::JS_DupValue(raw, self.get.as_raw()),
                qjs::JS_DupValue(raw, self.set.as_raw()),
                flags,
            )
        };
        crate::atoms::status(res)
    }
}

/// The native data of one execution's `event` object: the event is an instance of this class
/// whose prototype is `Object.prototype` (JavaScript sees a plain object), with one accessor
/// per field. A field's accessor asks the host for what it needs when the action first reads
/// the field: the field's JSON text (`eventFieldJson`), or for `event.secrets` the execution
/// and its frozen secrets (`eventExecId`, `eventSecrets`). Nothing is copied into JavaScript for
/// fields the action never reads.
pub(crate) struct EventSource<'js> {
    pub event: PreparedEvent,
    pub exec_id: crate::ops::ExecId,
    pub secrets: Object<'js>,
    /// Fields read while the event's accessors could not be replaced (a frozen event), by
    /// index: later reads give the same value ([`read_lazy_field`]).
    pub kept: RefCell<Vec<(u32, rquickjs::Value<'js>)>>,
}

impl<'js> Trace<'js> for EventSource<'js> {
    fn trace<'a>(&self, tracer: Tracer<'a, 'js>) {
        self.secrets.trace(tracer);
        for (_, value) in self.kept.borrow().iter() {
            value.trace(tracer);
        }
    }
}

/// The value of lazy field `index` of the event `owner` on its first read: made from the
/// field's JSON text (json_build.rs, or the engine's JSON.parse for text serde_json refuses),
/// then defined on the event as an ordinary data property in place of the accessor. When the
/// accessor cannot be replaced (a frozen event) the value is kept instead, and every later read
/// gives it. prelude.js's `readLazy` does the same in JavaScript with the fast paths off.
pub(crate) fn read_lazy_field<'js>(
    ctx: &Ctx<'js>,
    owner: &Object<'js>,
    index: u32,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    read_once(ctx, owner, index, |source| {
        let Some(field) = source.event.fields().get(index as usize) else {
            return Ok(None);
        };
        let handles = crate::handles::get(ctx)?;
        let value = match crate::json_build::text_to_js(ctx, &handles.key_atoms, &field.json)? {
            Some(value) => value,
            None => ctx.json_parse(field.json.as_bytes())?,
        };
        Ok(Some((value, field.name.clone())))
    })
}

/// `event.secrets` (field `index`) of the event `owner` on its first read: the read-only view
/// of the execution's frozen secrets that prelude.js's `readOnlySecrets` makes, defined or kept
/// as [`read_lazy_field`] does. prelude.js's `secretsGetter` does the same in JavaScript with
/// the fast paths off.
pub(crate) fn read_secrets_field<'js>(
    ctx: &Ctx<'js>,
    owner: &Object<'js>,
    index: u32,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    read_once(ctx, owner, index, |source| {
        let view = crate::handles::get(ctx)?.prelude.secrets_view.clone();
        let value = view.call((source.exec_id as f64, source.secrets.clone()))?;
        Ok(Some((value, Rc::from("secrets"))))
    })
}

/// The first read of field `index` of the event `owner`: `make` gives its value and name
/// (`None`: no such field, read as undefined); the value becomes a data property of the
/// event, or is kept when the event's accessors cannot be replaced (a frozen event), and a
/// kept value is what every later read gives.
fn read_once<'js>(
    ctx: &Ctx<'js>,
    owner: &Object<'js>,
    index: u32,
    make: impl FnOnce(&EventSource<'js>) -> rquickjs::Result<Option<(rquickjs::Value<'js>, Rc<str>)>>,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    let Some(source) = rquickjs::class::Class::<EventSource>::from_object(owner) else {
        return Ok(rquickjs::Value::new_undefined(ctx.clone()));
    };
    let source = source.borrow();
    if let Some((_, value)) = source.kept.borrow().iter().find(|(i, _)| *i == index) {
        return Ok(value.clone());
    }
    let Some((value, name)) = make(&source)? else {
        return Ok(rquickjs::Value::new_undefined(ctx.clone()));
    };
    let atom = HostAtom::new(ctx, &name)?;
    if !atom.define_if_possible(owner, &value)? {
        source.kept.borrow_mut().push((index, value.clone()));
    }
    Ok(value)
}

// SAFETY: the JavaScript values held (`secrets`, `kept`) are of the lifetime changed.
unsafe impl<'js> JsLifetime<'js> for EventSource<'js> {
    type Changed<'to> = EventSource<'to>;
}

impl<'js> JsClass<'js> for EventSource<'js> {
    const NAME: &'static str = "EventSource";
    type Mutable = Readable;

    fn prototype(_ctx: &Ctx<'js>) -> rquickjs::Result<Option<Object<'js>>> {
        Ok(None)
    }

    fn constructor(
        _ctx: &Ctx<'js>,
    ) -> rquickjs::Result<Option<rquickjs::function::Constructor<'js>>> {
        Ok(None)
    }
}

impl From<Value> for PreparedEvent {
    fn from(event: Value) -> Self {
        PreparedEvent::new(&event)
    }
}

impl From<&Value> for PreparedEvent {
    fn from(event: &Value) -> Self {
        PreparedEvent::new(event)
    }
}

fn has_transaction_metadata(event: &Value) -> bool {
    event
        .get("transaction")
        .and_then(|t| t.get("metadata"))
        .is_some_and(Value::is_object)
}

fn field(name: &str, value: &Value) -> EventField {
    EventField {
        name: name.into(),
        json: json_text(value),
    }
}

/// `value` as JSON text for JavaScript's `JSON.parse`. A recorded value that carried a lone
/// surrogate (transaction metadata set before a redirect) holds its stand-in (text.rs); it is
/// written as the `\udXXX` escape, so the action gets the lone surrogate back.
fn json_text(value: &Value) -> Rc<str> {
    // Serialising a `Value` cannot fail (its keys are strings).
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    match crate::text::escape_lone_surrogates(&text) {
        std::borrow::Cow::Borrowed(_) => text.into(),
        std::borrow::Cow::Owned(escaped) => escaped.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_fields_in_order() {
        let event = json!({"user": {"user_id": "u1"}, "client": {"name": "c"}, "n": 1});
        let prepared = PreparedEvent::new(&event);
        let names: Vec<&str> = prepared.fields().iter().map(|f| &*f.name).collect();
        assert_eq!(names, ["user", "client", "n"]);
        assert_eq!(prepared.to_value(), event);
    }

    #[test]
    fn with_field_replaces_or_appends() {
        let prepared = PreparedEvent::new(&json!({"a": 1, "b": 2}));
        let replaced = prepared.with_field("a", &json!({"x": true}));
        assert_eq!(replaced.to_value(), json!({"a": {"x": true}, "b": 2}));
        let appended = prepared.with_field("c", &json!("s"));
        assert_eq!(appended.to_value(), json!({"a": 1, "b": 2, "c": "s"}));
        // The original is unchanged.
        assert_eq!(prepared.to_value(), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn transaction_metadata_is_added_only_when_missing() {
        let none = PreparedEvent::new(&json!({"user": {}}));
        assert_eq!(
            none.with_transaction_metadata().to_value(),
            json!({"user": {}, "transaction": {"metadata": {}}})
        );
        let partial = PreparedEvent::new(&json!({"transaction": {"id": "t"}}));
        assert_eq!(
            partial.with_transaction_metadata().to_value(),
            json!({"transaction": {"id": "t", "metadata": {}}})
        );
        let full = PreparedEvent::new(&json!({"transaction": {"metadata": {"k": "v"}}}));
        assert_eq!(full.with_transaction_metadata(), full);
    }

    #[test]
    fn non_objects_become_empty_events() {
        assert_eq!(PreparedEvent::new(&json!([1, 2])).to_value(), json!({}));
    }
}
