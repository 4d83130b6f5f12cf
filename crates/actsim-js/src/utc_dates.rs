//! The virtual `Date`'s UTC behaviour, natively: production runs in UTC, so the local-time
//! methods of `Date.prototype` become their UTC twins, `getTimezoneOffset` is 0, and the
//! methods that print a date in local time print it in UTC, as Node.js does with `TZ=UTC`.
//!
//! prelude/date.js calls [`install`] (`host.utcDatePrototype(proto)`) when an action first
//! reads `Date`. Done in Rust rather than JavaScript because most actions read `Date` (for
//! `Date.now()`), and the script version cost a sixth of a fresh instance.

use rquickjs::function::This;
use rquickjs::{qjs, Ctx, Exception, Function, Object, Value};

type JsResult<T> = rquickjs::Result<T>;

/// Local-time methods and the UTC methods that replace them.
const UTC_TWINS: [(&str, &str); 15] = [
    ("getFullYear", "getUTCFullYear"),
    ("getMonth", "getUTCMonth"),
    ("getDate", "getUTCDate"),
    ("getDay", "getUTCDay"),
    ("getHours", "getUTCHours"),
    ("getMinutes", "getUTCMinutes"),
    ("getSeconds", "getUTCSeconds"),
    ("getMilliseconds", "getUTCMilliseconds"),
    ("setFullYear", "setUTCFullYear"),
    ("setMonth", "setUTCMonth"),
    ("setDate", "setUTCDate"),
    ("setHours", "setUTCHours"),
    ("setMinutes", "setUTCMinutes"),
    ("setSeconds", "setUTCSeconds"),
    ("setMilliseconds", "setUTCMilliseconds"),
];

/// How each printing method shows a valid date.
#[derive(Clone, Copy)]
enum Format {
    /// `Thu Jan 01 2026 09:00:00 GMT+0000 (Coordinated Universal Time)`
    Full,
    /// `Thu Jan 01 2026`
    Date,
    /// `09:00:00 GMT+0000 (Coordinated Universal Time)`
    Time,
    /// `1/1/2026, 9:00:00 AM`
    Locale,
    /// `1/1/2026`
    LocaleDate,
    /// `9:00:00 AM`
    LocaleTime,
}

const PRINTERS: [(&str, Format); 6] = [
    ("toString", Format::Full),
    ("toDateString", Format::Date),
    ("toTimeString", Format::Time),
    ("toLocaleString", Format::Locale),
    ("toLocaleDateString", Format::LocaleDate),
    ("toLocaleTimeString", Format::LocaleTime),
];

/// `host.utcDatePrototype(proto)`: make `proto` (the engine's `Date.prototype`) print and
/// compute in UTC. Plain assignments keep the built-in methods' attributes (writable,
/// configurable, not enumerable).
pub(crate) fn install<'js>(ctx: Ctx<'js>, proto: Object<'js>) -> JsResult<()> {
    for (local, utc) in UTC_TWINS {
        let method: Value = proto.get(utc)?;
        proto.set(local, method)?;
    }
    // Each method is a native function holding (as engine data, which the garbage collector
    // sees) [`date_method`] and the engine's `getTime`; `magic` says which method it is.
    let shared = Function::new(ctx.clone(), date_method)?;
    let get_time: Function = proto.get("getTime")?;
    let methods = PRINTERS
        .iter()
        .map(|(name, _)| *name)
        .chain(std::iter::once("getTimezoneOffset"));
    for (magic, name) in methods.enumerate() {
        let mut data = [shared.as_raw(), get_time.as_raw()];
        // SAFETY: JS_NewCFunctionData copies (and counts) the two data values, which stay
        // alive meanwhile; it returns an owned value or an exception.
        let method = unsafe {
            let raw = qjs::JS_NewCFunctionData(
                ctx.as_raw().as_ptr(),
                Some(call_date_method),
                0,
                magic as i32,
                2,
                data.as_mut_ptr(),
            );
            if qjs::JS_IsException(raw) {
                return Err(rquickjs::Error::Exception);
            }
            Function::from_value(Value::from_raw(ctx.clone(), raw))?
        };
        proto.set(name, method.with_name(name)?)?;
    }
    Ok(())
}

/// The body of the native methods [`install`] makes: [`date_method`] (`func_data[0]`) called
/// with the method's number (`magic`), `this` and the engine's `getTime` (`func_data[1]`).
unsafe extern "C" fn call_date_method(
    ctx: *mut qjs::JSContext,
    this: qjs::JSValue,
    _argc: std::ffi::c_int,
    _argv: *mut qjs::JSValue,
    magic: std::ffi::c_int,
    func_data: *mut qjs::JSValue,
) -> qjs::JSValue {
    // SAFETY: the engine passes the two data values given to JS_NewCFunctionData, so
    // `func_data.add(1)` is the second; it is borrowed, not taken.
    let get_time = unsafe { *func_data.add(1) };
    let mut args = [qjs::JS_MKVAL(qjs::JS_TAG_INT, magic), this, get_time];
    // SAFETY: the engine passes the two data values given to JS_NewCFunctionData; JS_Call
    // borrows its arguments and returns an owned value.
    unsafe { qjs::JS_Call(ctx, *func_data, qjs::JS_UNDEFINED, 3, args.as_mut_ptr()) }
}

/// Method number `which` ([`PRINTERS`] in order, then `getTimezoneOffset`) on `this`.
fn date_method<'js>(
    ctx: Ctx<'js>,
    which: usize,
    this: Value<'js>,
    get_time: Function<'js>,
) -> JsResult<Value<'js>> {
    // SAFETY: reading the class of a live value.
    if !unsafe { qjs::JS_IsDate(this.as_raw()) } {
        return Err(Exception::throw_type(&ctx, "this is not a Date object."));
    }
    // The engine's own getTime: an action may have replaced the prototype's.
    let time: f64 = get_time.call((This(this),))?;
    let Some((_, format)) = PRINTERS.get(which) else {
        let offset = if time.is_finite() { 0.0 } else { f64::NAN };
        return Ok(Value::new_float(ctx, offset));
    };
    let text = if time.is_finite() {
        print(time, *format)
    } else {
        "Invalid Date".to_string()
    };
    rquickjs::String::from_str(ctx, &text).map(|s| s.into_value())
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MS_PER_DAY: f64 = actsim_time::MS_PER_DAY as f64;

/// A valid time value (milliseconds since the epoch, at most 8.64e15 either way) printed in
/// UTC as `format`.
fn print(time: f64, format: Format) -> String {
    let days = (time / MS_PER_DAY).floor();
    let in_day = (time - days * MS_PER_DAY) as i64;
    let days = days as i64;
    let (year, month, day) = actsim_time::civil_from_days(days);
    let weekday = DAYS[actsim_time::weekday_from_days(days) as usize];
    let (hours, minutes, seconds) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60);
    // Years as V8 prints them: four digits at least, a sign before years before 1 AD.
    let padded_year = if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    };
    let date = format!(
        "{weekday} {} {day:02} {padded_year}",
        MONTHS[month as usize - 1]
    );
    let time_of_day =
        format!("{hours:02}:{minutes:02}:{seconds:02} GMT+0000 (Coordinated Universal Time)");
    let locale_date = format!("{month}/{day}/{year}");
    let twelve = if hours % 12 == 0 { 12 } else { hours % 12 };
    let half = if hours < 12 { "AM" } else { "PM" };
    let locale_time = format!("{twelve}:{minutes:02}:{seconds:02} {half}");
    match format {
        Format::Full => format!("{date} {time_of_day}"),
        Format::Date => date,
        Format::Time => time_of_day,
        Format::Locale => format!("{locale_date}, {locale_time}"),
        Format::LocaleDate => locale_date,
        Format::LocaleTime => locale_time,
    }
}

#[cfg(test)]
mod tests {
    use super::{print, Format};

    #[test]
    fn a_time_prints_like_node_in_utc() {
        // 2026-01-01T09:00:00Z, a Thursday.
        let t = 1_767_258_000_000.0;
        assert_eq!(
            print(t, Format::Full),
            "Thu Jan 01 2026 09:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(print(t, Format::Locale), "1/1/2026, 9:00:00 AM");
        assert_eq!(print(-1.0, Format::LocaleTime), "11:59:59 PM");
    }
}
