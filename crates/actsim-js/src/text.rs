//! JavaScript strings as Rust text. A JavaScript string is UTF-16 and may hold a lone surrogate
//! (half an emoji after `slice`); Rust's `String` cannot. Wherever actsim turns an action's
//! string into Rust text ([`Text`] as a native's parameter, [`js_string_text`], and JSON texts
//! made by `JSON.stringify` through [`well_formed_json`]), a lone surrogate becomes U+FFFD, as
//! Node does whenever it encodes a string as UTF-8 (`Buffer.from`, `TextEncoder`, its console,
//! `Buffer.byteLength`, which therefore counts 3 bytes for each). Nothing throws, and the rest of
//! the string is kept.

use std::borrow::Cow;

use rquickjs::{Ctx, FromJs, Value};

/// A string argument of a native, as Rust text (lone surrogates as U+FFFD).
pub(crate) struct Text(pub String);

impl<'js> FromJs<'js> for Text {
    fn from_js(ctx: &Ctx<'js>, value: Value<'js>) -> rquickjs::Result<Self> {
        match value.as_string() {
            Some(s) => js_string_text(s).map(Text),
            None => String::from_js(ctx, value).map(Text),
        }
    }
}

/// The text of a JavaScript string, with each lone surrogate as U+FFFD.
pub(crate) fn js_string_text(s: &rquickjs::String<'_>) -> rquickjs::Result<String> {
    match s.to_string() {
        Ok(text) => Ok(text),
        Err(rquickjs::Error::Utf8(_)) => {
            // QuickJS encodes a lone surrogate as its three-byte "generalised UTF-8" form.
            let c = s.clone().to_cstring()?;
            // SAFETY: `as_ptr` and `len` describe the bytes QuickJS made for `c`, which stay
            // alive (and unchanged) until `c` is dropped at the end of this block.
            let bytes = unsafe { std::slice::from_raw_parts(c.as_ptr().cast::<u8>(), c.len()) };
            Ok(from_wtf8(bytes))
        }
        Err(e) => Err(e),
    }
}

/// UTF-8 text from generalised UTF-8 bytes: each encoded surrogate (`ED A0..BF 80..BF`) becomes
/// U+FFFD; anything else invalid too (QuickJS makes nothing else invalid).
fn from_wtf8(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let surrogate = bytes[i] == 0xED
            && bytes.get(i + 1).is_some_and(|b| (0xA0..=0xBF).contains(b))
            && bytes.get(i + 2).is_some_and(|b| (0x80..=0xBF).contains(b));
        if surrogate {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// A JSON text made by `JSON.stringify` with each lone surrogate escape (`\ud83d` not part of
/// a pair) replaced by `\ufffd`, which serde_json accepts; borrowed when there is none.
pub(crate) fn well_formed_json(json: &str) -> Cow<'_, str> {
    let b = json.as_bytes();
    let escape_at = |i: usize| -> Option<u32> {
        if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
            let hex = json.get(i + 2..i + 6)?;
            u32::from_str_radix(hex, 16).ok()
        } else {
            None
        }
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(i) else {
            // Another escape (`\\`, `\"`, `\n`…): skip both characters.
            i += 2;
            continue;
        };
        let high = (0xD800..0xDC00).contains(&unit);
        let low = (0xDC00..0xE000).contains(&unit);
        if high && escape_at(i + 6).is_some_and(|u| (0xDC00..0xE000).contains(&u)) {
            i += 12;
            continue;
        }
        if high || low {
            let o = out.get_or_insert_with(|| String::with_capacity(json.len()));
            o.push_str(&json[copied..i]);
            o.push_str("\\ufffd");
            copied = i + 6;
        }
        i += 6;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut o) => {
            o.push_str(&json[copied..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_become_replacement_characters_and_pairs_stay() {
        assert_eq!(well_formed_json(r#"["a\ud83d"]"#), r#"["a\ufffd"]"#);
        assert_eq!(well_formed_json(r#"["\ude00b"]"#), r#"["\ufffdb"]"#);
        assert_eq!(
            well_formed_json(r#"["\ud83d\ude00"]"#),
            r#"["\ud83d\ude00"]"#
        );
        assert_eq!(well_formed_json(r#"["\\ud83d"]"#), r#"["\\ud83d"]"#);
        assert_eq!(
            well_formed_json(r#"{"\ud83d":"\ud83d\ud83d\ude00"}"#),
            r#"{"\ufffd":"\ufffd\ud83d\ude00"}"#
        );
        assert!(matches!(well_formed_json(r#"["plain"]"#), Cow::Borrowed(_)));
    }

    #[test]
    fn encoded_surrogates_become_replacement_characters() {
        assert_eq!(from_wtf8(b"a\xED\xA0\xBDb"), "a\u{FFFD}b");
        assert_eq!(from_wtf8("é😀".as_bytes()), "é😀");
    }
}
