//! Property names the host reads and writes on every execution (the prelude's execution context,
//! the records `api.cache.get` returns), held as QuickJS atoms for the instance's life: reading
//! or writing a property by a Rust string makes and hashes an atom on every call, which was a
//! tenth of the host's own cost of an execution. The names are declared in boundary.rs.
//!
//! [`HostAtom`] owns one atom and frees it when dropped, through the context it holds (so the
//! atom can never outlive its context); the instance keeps its atoms in the realm's handles
//! (handles.rs), which the engine drops before it frees the runtime.

use rquickjs::{qjs, Ctx, Object, Value};

use crate::boundary::{CONTEXT_FIELDS, PART_FIELDS, RECORD_FIELDS};

/// One atom, owned: freed when dropped.
pub(crate) struct HostAtom<'js> {
    ctx: Ctx<'js>,
    atom: qjs::JSAtom,
}

impl<'js> HostAtom<'js> {
    /// The atom of `name` in `ctx`.
    pub fn new(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Self> {
        // SAFETY: the name's bytes are valid for its length; the context is live.
        let atom = unsafe {
            qjs::JS_NewAtomLen(ctx.as_raw().as_ptr(), name.as_ptr().cast(), name.len() as _)
        };
        if atom == qjs::JS_ATOM_NULL {
            return Err(rquickjs::Error::Exception);
        }
        Ok(HostAtom {
            ctx: ctx.clone(),
            atom,
        })
    }

    /// The raw atom, valid while `self` lives.
    pub fn raw(&self) -> qjs::JSAtom {
        self.atom
    }

    /// `obj[self]`.
    pub fn get(&self, obj: &Object<'js>) -> rquickjs::Result<Value<'js>> {
        // SAFETY: the atom belongs to this context's runtime; the returned value is owned and
        // handed to a `Value`, which frees it.
        let value = unsafe {
            let raw = qjs::JS_GetProperty(self.ctx.as_raw().as_ptr(), obj.as_raw(), self.atom);
            Value::from_raw(self.ctx.clone(), raw)
        };
        if value.is_exception() {
            return Err(rquickjs::Error::Exception);
        }
        Ok(value)
    }

    /// `obj[self] = null`.
    pub fn set_null(&self, obj: &Object<'js>) -> rquickjs::Result<()> {
        // SAFETY: as in `get`; JS_SetProperty takes the (non-counted) null value.
        let res = unsafe {
            qjs::JS_SetProperty(
                self.ctx.as_raw().as_ptr(),
                obj.as_raw(),
                self.atom,
                qjs::JS_NULL,
            )
        };
        status(res)
    }

    /// Define `obj[self] = value` as an ordinary data property.
    pub fn define(&self, obj: &Object<'js>, value: &Value<'js>) -> rquickjs::Result<()> {
        status(self.define_with(obj, value, qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW))
    }

    /// Define `obj[self] = value` as an ordinary data property if `obj` allows it (as
    /// `Object.defineProperty` would); `false`, with nothing thrown, when it does not (a
    /// property that is not configurable, an object that is not extensible).
    pub fn define_if_possible(
        &self,
        obj: &Object<'js>,
        value: &Value<'js>,
    ) -> rquickjs::Result<bool> {
        // Without JS_PROP_THROW a refusal answers 0 instead of throwing.
        let res = self.define_with(obj, value, qjs::JS_PROP_C_W_E);
        if res < 0 {
            return Err(rquickjs::Error::Exception);
        }
        Ok(res > 0)
    }

    /// JS_DefinePropertyValue of `obj[self] = value` with `flags`; the engine's answer.
    fn define_with(&self, obj: &Object<'js>, value: &Value<'js>, flags: u32) -> std::ffi::c_int {
        let raw = self.ctx.as_raw().as_ptr();
        // SAFETY: as in `get`; JS_DefinePropertyValue consumes the reference duplicated for it.
        unsafe {
            qjs::JS_DefinePropertyValue(
                raw,
                obj.as_raw(),
                self.atom,
                qjs::JS_DupValue(raw, value.as_raw()),
                flags as _,
            )
        }
    }
}

impl Drop for HostAtom<'_> {
    fn drop(&mut self) {
        // SAFETY: the atom was made in this context, which `self.ctx` keeps alive, and is
        // released once.
        unsafe { qjs::JS_FreeAtom(self.ctx.as_raw().as_ptr(), self.atom) }
    }
}

/// The property names, made once per instance.
pub(crate) struct HostAtoms<'js> {
    pub promise: HostAtom<'js>,
    pub redirect: HostAtom<'js>,
    pub unread: HostAtom<'js>,
    pub denied: HostAtom<'js>,
    pub api: HostAtom<'js>,
    /// The context's fields that hold `api` parts (`parts`, `accessPart`, …): each points back
    /// to the context, so the host clears them when the execution ends.
    pub part_fields: Vec<HostAtom<'js>>,
    pub value: HostAtom<'js>,
    pub expires_at: HostAtom<'js>,
}

impl<'js> HostAtoms<'js> {
    /// Make the atoms in `ctx`.
    pub fn new(ctx: &Ctx<'js>) -> rquickjs::Result<Self> {
        let [promise, redirect, unread, denied, api] = CONTEXT_FIELDS;
        let [value, expires_at] = RECORD_FIELDS;
        Ok(HostAtoms {
            promise: HostAtom::new(ctx, promise)?,
            redirect: HostAtom::new(ctx, redirect)?,
            unread: HostAtom::new(ctx, unread)?,
            denied: HostAtom::new(ctx, denied)?,
            api: HostAtom::new(ctx, api)?,
            part_fields: PART_FIELDS
                .iter()
                .map(|name| HostAtom::new(ctx, name))
                .collect::<rquickjs::Result<_>>()?,
            value: HostAtom::new(ctx, value)?,
            expires_at: HostAtom::new(ctx, expires_at)?,
        })
    }
}

/// The result of a QuickJS call that returns a negative number when it threw.
pub(crate) fn status(res: std::ffi::c_int) -> rquickjs::Result<()> {
    if res < 0 {
        Err(rquickjs::Error::Exception)
    } else {
        Ok(())
    }
}
