//! The realm of a fresh instance: QuickJS's standard built-ins, less the ones actsim's prelude
//! replaces anyway.
//!
//! `JS_NewContext` would also add `DOMException`, `atob`, `btoa` and `performance`, which the
//! prelude defines again (its own `DOMException` in prelude/fetch.js, base64 through the host,
//! `performance` on the virtual clock). Building the engine's versions cost about 60 000 CPU
//! instructions per instance (2% of a fresh instance), only to be thrown away. The realm here
//! adds every other built-in in the same order, and holds the places of those four with
//! placeholders with the engine's attributes, so that the globals keep their order and
//! attributes (crates/actsim-js/tests/lazy_globals.rs checks both).

use rquickjs::context::intrinsic::{
    Date, Eval, Json, MapSet, Promise, Proxy, RegExp, TypedArrays, WeakRef,
};
use rquickjs::object::Property;
use rquickjs::{Context, Ctx, Runtime};

/// The built-ins `JS_NewContext` adds before `DOMException`, in its order (the base objects
/// come first in any context).
type Builtins = (
    Date,
    Eval,
    RegExp,
    Json,
    Proxy,
    MapSet,
    TypedArrays,
    Promise,
    WeakRef,
);

/// The globals the prelude replaces, in the order `JS_NewContext` would define them, and
/// whether the engine makes each enumerable (all are writable and configurable).
const REPLACED_GLOBALS: [(&str, bool); 4] = [
    ("DOMException", false),
    ("btoa", false),
    ("atob", false),
    ("performance", true),
];

/// A new realm on `runtime` with the built-ins and the placeholders (`undefined`) of
/// [`REPLACED_GLOBALS`].
pub(crate) fn new_realm(runtime: &Runtime) -> rquickjs::Result<Context> {
    let context = Context::custom::<Builtins>(runtime)?;
    context.with(|ctx| hold_places(&ctx))?;
    Ok(context)
}

fn hold_places(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let global = ctx.globals();
    for (name, enumerable) in REPLACED_GLOBALS {
        let placeholder = Property::from(rquickjs::Undefined)
            .writable()
            .configurable();
        if enumerable {
            global.prop(name, placeholder.enumerable())?;
        } else {
            global.prop(name, placeholder)?;
        }
    }
    Ok(())
}
