//! The engine handles an instance keeps between calls into JavaScript, in one place: the
//! prelude's entry points, `Object.prototype`, the host's atoms, the fast paths' handles
//! (warm.rs) and the context of the execution just started. They are ordinary rquickjs
//! handles tied to the realm's lifetime, stored as the runtime's user data: the engine drops
//! them before it frees the runtime, so no handle is freed by hand and no drop order of the
//! instance's fields carries safety.

use std::cell::RefCell;

use rquickjs::runtime::UserDataGuard;
use rquickjs::{Ctx, Exception, Function, JsLifetime, Object, Value};

use crate::atoms::HostAtoms;
use crate::ops::ExecId;
use crate::report::ActionError;
use crate::warm::WarmHandles;

/// The prelude's entry points (taken from globalThis, where the prelude left them).
pub(crate) struct PreludeFns<'js> {
    /// `__actsim_start(nowMs, execId, trigger, handler, event)`.
    pub start: Function<'js>,
    /// `__actsim_complete(nowMs, opId, ok, payload, headers, body)`.
    pub complete: Function<'js>,
    /// The maker of lazy event-field accessors.
    pub lazy_accessor: Function<'js>,
    /// `watch(context)`: settle when the handler's promise does.
    pub watch: Function<'js>,
    /// `completed(context)`.
    pub completed: Function<'js>,
    /// `freezeSecrets(json)`.
    pub freeze_secrets: Function<'js>,
    /// `readOnlySecrets(execId, target)`: the view an execution's `event.secrets` gives.
    pub secrets_view: Function<'js>,
}

impl<'js> PreludeFns<'js> {
    /// Take the entry points from `ctx`'s globals (removing those only the host may call).
    pub fn take(ctx: &Ctx<'js>) -> rquickjs::Result<Self> {
        let globals = ctx.globals();
        let take = |name: &str| -> rquickjs::Result<Function<'js>> {
            let f: Function = globals.get(name)?;
            globals.remove(name)?;
            Ok(f)
        };
        Ok(PreludeFns {
            start: globals.get("__actsim_start")?,
            complete: globals.get("__actsim_complete")?,
            lazy_accessor: take("__actsim_lazy_accessor")?,
            watch: take("__actsim_watch")?,
            completed: take("__actsim_completed")?,
            freeze_secrets: take("__actsim_freeze_secrets")?,
            secrets_view: take("__actsim_secrets_view")?,
        })
    }
}

/// Everything the instance holds of the realm.
pub(crate) struct Handles<'js> {
    pub prelude: PreludeFns<'js>,
    /// `Object.prototype`, the prototype of each execution's `event`.
    pub object_prototype: Object<'js>,
    pub atoms: HostAtoms<'js>,
    /// What the fast paths keep between executions.
    pub warm: RefCell<WarmHandles<'js>>,
    /// The context `__actsim_start` returned, until the host settles it.
    pub started: RefCell<Option<Object<'js>>>,
    /// The atoms of property names the host read from JSON text lately (json_build.rs).
    pub key_atoms: RefCell<crate::json_build::KeyAtoms<'js>>,
}

// SAFETY: `Handles<'to>` is `Handles<'js>` with the lifetime of its JS handles changed.
unsafe impl<'js> JsLifetime<'js> for Handles<'js> {
    type Changed<'to> = Handles<'to>;
}

/// A promise rejection nobody has handled yet.
pub(crate) struct PendingRejection<'js> {
    pub promise: Value<'js>,
    pub exec_id: Option<ExecId>,
    pub error: ActionError,
}

/// The rejections not handled yet (kept from the runtime's creation: the rejection tracker may
/// run while the prelude loads).
pub(crate) struct Rejections<'js>(pub RefCell<Vec<PendingRejection<'js>>>);

// SAFETY: as for `Handles`.
unsafe impl<'js> JsLifetime<'js> for Rejections<'js> {
    type Changed<'to> = Rejections<'to>;
}

/// Keep `data` as the runtime's user data (once per type and runtime).
pub(crate) fn store<'js, U>(ctx: &Ctx<'js>, data: U) -> rquickjs::Result<()>
where
    U: JsLifetime<'js>,
    U::Changed<'static>: std::any::Any,
{
    if ctx.store_userdata(data).is_err() {
        return Err(Exception::throw_internal(
            ctx,
            "actsim bug: the realm's handles are in use",
        ));
    }
    Ok(())
}

/// The realm's handles.
pub(crate) fn get<'a, 'js>(ctx: &'a Ctx<'js>) -> rquickjs::Result<UserDataGuard<'a, Handles<'js>>> {
    ctx.userdata::<Handles<'js>>()
        .ok_or_else(|| Exception::throw_internal(ctx, "actsim bug: no realm handles"))
}

/// The realm's pending rejections.
pub(crate) fn rejections<'a, 'js>(
    ctx: &'a Ctx<'js>,
) -> rquickjs::Result<UserDataGuard<'a, Rejections<'js>>> {
    ctx.userdata::<Rejections<'js>>()
        .ok_or_else(|| Exception::throw_internal(ctx, "actsim bug: no rejection list"))
}
