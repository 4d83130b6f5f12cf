//! JavaScript strings as Rust text. A JavaScript string is UTF-16 and may hold a lone surrogate
//! (half an emoji after `slice`); Rust's `String` cannot. Wherever actsim turns an action's
//! string into Rust text to encode it ([`Text`] as a native's parameter, [`js_string_text`]:
//! `TextEncoder`, `Buffer.from`, HTTP requests), a lone surrogate becomes U+FFFD, as Node does
//! whenever it encodes a string as UTF-8 (`Buffer.byteLength` therefore counts 3 bytes for
//! each). Nothing throws, and the rest of the string is kept.
//!
//! Values actsim *records* or *stores* (console lines, `api` commands' arguments, redirect URLs
//! and queries, `api.cache` keys and values) keep a lone surrogate instead ([`Kept`],
//! [`kept_json`]): it is carried in Rust text as a stand-in character, U+10F800 plus its offset
//! from U+D800 (the last 2048 code points of the private use plane 16; the convention is
//! actsim-cache's, `actsim_cache::FIRST_STAND_IN`, as the cache counts its sizes), and written
//! out as the escape Node's `JSON.stringify` writes (`\ud83d`) by [`escape_lone_surrogates`],
//! which the CLI applies to everything it prints. A stored or recorded value reaches JavaScript
//! as the lone surrogate again ([`kept_js_string`]: a cache record's value; `event.rs`: an event
//! field). [`node_utf8_len`] counts a stand-in as the 3 bytes Node counts. The one ambiguity: a
//! real character of U+10F800–U+10FFFF in a kept value is taken for the surrogate it stands for.

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

/// The first stand-in: a lone surrogate U+D800 + n is carried as U+10F800 + n.
const STAND_IN_BASE: u32 = actsim_cache::FIRST_STAND_IN as u32;

/// The stand-in character of the UTF-16 surrogate `unit` (U+D800–U+DFFF).
fn stand_in(unit: u32) -> char {
    char::from_u32(STAND_IN_BASE + (unit & 0x7FF)).unwrap_or('\u{FFFD}')
}

/// The surrogate a stand-in character carries, if `c` is one.
fn surrogate_of(c: char) -> Option<u32> {
    let c = c as u32;
    (c >= STAND_IN_BASE).then(|| 0xD800 + (c - STAND_IN_BASE))
}

/// A string argument of a native whose value actsim records: like [`Text`], but a lone
/// surrogate is kept as its stand-in (see the module comment).
pub(crate) struct Kept(pub String);

impl<'js> FromJs<'js> for Kept {
    fn from_js(ctx: &Ctx<'js>, value: Value<'js>) -> rquickjs::Result<Self> {
        match value.as_string() {
            Some(s) => js_string_kept(s).map(Kept),
            None => String::from_js(ctx, value).map(Kept),
        }
    }
}

/// The text of a JavaScript string, with each lone surrogate as its stand-in.
pub(crate) fn js_string_kept(s: &rquickjs::String<'_>) -> rquickjs::Result<String> {
    match s.to_string() {
        Ok(text) => Ok(text),
        Err(rquickjs::Error::Utf8(_)) => {
            let c = s.clone().to_cstring()?;
            // SAFETY: as in `js_string_text`: the bytes live as long as `c`.
            let bytes = unsafe { std::slice::from_raw_parts(c.as_ptr().cast::<u8>(), c.len()) };
            Ok(decode_wtf8(bytes, true))
        }
        Err(e) => Err(e),
    }
}

/// A JavaScript string with the text of `text`, each stand-in as the lone surrogate it stands
/// for (so a stored value read back is the string the action stored, `===`).
pub(crate) fn kept_js_string<'js>(
    ctx: &Ctx<'js>,
    text: &str,
) -> rquickjs::Result<rquickjs::String<'js>> {
    if !has_stand_in(text) {
        return rquickjs::String::from_str(ctx.clone(), text);
    }
    // As a JSON string whose stand-ins are `\udXXX` escapes, which JSON.parse makes the lone
    // surrogates (serde_json writes them raw and escapes every backslash of the text itself).
    let json = serde_json::Value::String(text.to_string()).to_string();
    let value = ctx.json_parse(escape_lone_surrogates(&json).into_owned())?;
    match value.into_string() {
        Some(s) => Ok(s),
        None => rquickjs::String::from_str(ctx.clone(), text),
    }
}

/// Whether `text` holds a stand-in (its UTF-8 starts `F4 8F A0..BF`).
fn has_stand_in(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.contains(&0xF4)
        && bytes
            .windows(3)
            .any(|w| w[0] == 0xF4 && w[1] == 0x8F && w[2] >= 0xA0)
}

/// `text` with each lone surrogate written as Node's `JSON.stringify` writes it (`\ud83d`):
/// valid inside a JSON string and readable in text. Borrowed when there is none.
pub fn escape_lone_surrogates(text: &str) -> Cow<'_, str> {
    if !has_stand_in(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match surrogate_of(c) {
            Some(unit) => out.push_str(&format!("\\u{unit:04x}")),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The length of `text` in bytes as Node's `Buffer.byteLength` counts the string it stands
/// for: a stand-in (4 bytes here) counts 3, as Node encodes a lone surrogate. The cache counts
/// its keys and values the same way (this is `actsim_cache::byte_len`).
pub fn node_utf8_len(text: &str) -> usize {
    actsim_cache::byte_len(text)
}

/// UTF-8 text from generalised UTF-8 bytes: each encoded surrogate (`ED A0..BF 80..BF`) becomes
/// U+FFFD; anything else invalid too (QuickJS makes nothing else invalid).
fn from_wtf8(bytes: &[u8]) -> String {
    decode_wtf8(bytes, false)
}

/// As [`from_wtf8`], with each surrogate as its stand-in when `keep` is set.
fn decode_wtf8(bytes: &[u8], keep: bool) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let surrogate = bytes[i] == 0xED
            && bytes.get(i + 1).is_some_and(|b| (0xA0..=0xBF).contains(b))
            && bytes.get(i + 2).is_some_and(|b| (0x80..=0xBF).contains(b));
        if surrogate {
            let unit =
                0xD000 | (u32::from(bytes[i + 1] & 0x3F) << 6) | u32::from(bytes[i + 2] & 0x3F);
            let c = if keep { stand_in(unit) } else { '\u{FFFD}' };
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
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
/// a pair) replaced by its stand-in character, which serde_json accepts, so the parsed value
/// keeps it (for recorded values); borrowed when there is none.
pub(crate) fn kept_json(json: &str) -> Cow<'_, str> {
    replace_lone_escapes(json, |unit| stand_in(unit).to_string())
}

/// `json` with each lone surrogate escape replaced by `with(unit)`.
fn replace_lone_escapes(json: &str, with: impl Fn(u32) -> String) -> Cow<'_, str> {
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
            o.push_str(&with(unit));
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

    /// Lone surrogate escapes as U+FFFD escapes (checks the escape scanner).
    fn well_formed_json(json: &str) -> Cow<'_, str> {
        replace_lone_escapes(json, |_| "\\ufffd".to_string())
    }

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
    fn kept_values_carry_lone_surrogates_and_print_as_node_escapes_them() {
        let kept = decode_wtf8(b"a\xED\xA0\xBDb", true);
        assert_eq!(kept.chars().nth(1), Some('\u{10F83D}'));
        assert_eq!(escape_lone_surrogates(&kept), "a\\ud83db");
        assert_eq!(node_utf8_len(&kept), 5);
        let json = kept_json(r#"["\ude00x","\ud83d\ude00"]"#);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value[0].as_str().unwrap(), "\u{10FE00}x");
        assert_eq!(value[1].as_str().unwrap(), "😀");
        assert_eq!(
            escape_lone_surrogates(&serde_json::to_string(&value).unwrap()),
            r#"["\ude00x","😀"]"#
        );
        assert!(matches!(escape_lone_surrogates("é😀"), Cow::Borrowed(_)));
    }

    #[test]
    fn encoded_surrogates_become_replacement_characters() {
        assert_eq!(from_wtf8(b"a\xED\xA0\xBDb"), "a\u{FFFD}b");
        assert_eq!(from_wtf8("é😀".as_bytes()), "é😀");
    }
}
