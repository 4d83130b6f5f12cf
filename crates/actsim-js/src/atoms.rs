//! Property names the host reads and writes on every execution (the prelude's execution context,
//! the records `api.cache.get` returns), held as QuickJS atoms for the instance's life: reading
//! or writing a property by a Rust string makes and hashes an atom on every call, which was a
//! tenth of the host's own cost of an execution. The names are declared in boundary.rs.

use rquickjs::{qjs, Ctx, Object, Value};

use crate::boundary::{CONTEXT_FIELDS, PART_FIELDS, RECORD_FIELDS};

/// The property names, made once per instance. [`HostAtoms::free`] must release them before the
/// runtime goes (they are plain numbers, so copies may be kept until then).
#[derive(Clone, Copy)]
pub(crate) struct HostAtoms {
    pub promise: qjs::JSAtom,
    pub redirect: qjs::JSAtom,
    pub unread: qjs::JSAtom,
    pub denied: qjs::JSAtom,
    pub api: qjs::JSAtom,
    /// The context's fields that hold `api` parts (`parts`, `accessPart`, …): each points back
    /// to the context, so the host clears them when the execution ends.
    pub part_fields: [qjs::JSAtom; 5],
    pub value: qjs::JSAtom,
    pub expires_at: qjs::JSAtom,
}

impl HostAtoms {
    /// Make the atoms in `ctx`.
    pub fn new(ctx: &Ctx<'_>) -> rquickjs::Result<Self> {
        let atom = |name: &str| -> rquickjs::Result<qjs::JSAtom> {
            // SAFETY: the name's bytes are valid for its length; the context is live.
            let atom = unsafe {
                qjs::JS_NewAtomLen(ctx.as_raw().as_ptr(), name.as_ptr().cast(), name.len() as _)
            };
            if atom == qjs::JS_ATOM_NULL {
                return Err(rquickjs::Error::Exception);
            }
            Ok(atom)
        };
        let [promise, redirect, unread, denied, api] = CONTEXT_FIELDS;
        let [value, expires_at] = RECORD_FIELDS;
        let mut part_fields = [qjs::JS_ATOM_NULL; PART_FIELDS.len()];
        for (slot, name) in part_fields.iter_mut().zip(PART_FIELDS) {
            *slot = atom(name)?;
        }
        Ok(HostAtoms {
            promise: atom(promise)?,
            redirect: atom(redirect)?,
            unread: atom(unread)?,
            denied: atom(denied)?,
            api: atom(api)?,
            part_fields,
            value: atom(value)?,
            expires_at: atom(expires_at)?,
        })
    }

    /// `obj[atom]`.
    pub fn get<'js>(
        &self,
        ctx: &Ctx<'js>,
        obj: &Object<'js>,
        atom: qjs::JSAtom,
    ) -> rquickjs::Result<Value<'js>> {
        // SAFETY: the atom belongs to this context's runtime; the returned value is owned and
        // handed to a `Value`, which frees it.
        let value = unsafe {
            let raw = qjs::JS_GetProperty(ctx.as_raw().as_ptr(), obj.as_raw(), atom);
            Value::from_raw(ctx.clone(), raw)
        };
        if value.is_exception() {
            return Err(rquickjs::Error::Exception);
        }
        Ok(value)
    }

    /// `obj[atom] = null`.
    pub fn set_null(
        &self,
        ctx: &Ctx<'_>,
        obj: &Object<'_>,
        atom: qjs::JSAtom,
    ) -> rquickjs::Result<()> {
        // SAFETY: as in `get`; JS_SetProperty takes the (non-counted) null value.
        let res =
            unsafe { qjs::JS_SetProperty(ctx.as_raw().as_ptr(), obj.as_raw(), atom, qjs::JS_NULL) };
        status(res)
    }

    /// Define `obj[atom] = value` as an ordinary data property.
    pub fn define<'js>(
        &self,
        ctx: &Ctx<'js>,
        obj: &Object<'js>,
        atom: qjs::JSAtom,
        value: &Value<'js>,
    ) -> rquickjs::Result<()> {
        let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as _;
        let raw = ctx.as_raw().as_ptr();
        // SAFETY: as in `get`; JS_DefinePropertyValue consumes the reference duplicated for it.
        let res = unsafe {
            qjs::JS_DefinePropertyValue(
                raw,
                obj.as_raw(),
                atom,
                qjs::JS_DupValue(raw, value.as_raw()),
                flags,
            )
        };
        status(res)
    }

    /// Release the atoms (in the context they were made in).
    pub fn free(self, ctx: &Ctx<'_>) {
        let raw = ctx.as_raw().as_ptr();
        let fields = [
            self.promise,
            self.redirect,
            self.unread,
            self.denied,
            self.api,
            self.value,
            self.expires_at,
        ];
        for atom in fields.into_iter().chain(self.part_fields) {
            // SAFETY: each atom is released once; `self` is consumed.
            unsafe { qjs::JS_FreeAtom(raw, atom) };
        }
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
