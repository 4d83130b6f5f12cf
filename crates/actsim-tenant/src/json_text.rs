//! The compact JSON text of a [`Value`], byte for byte what `serde_json::to_vec` writes, made
//! faster for the tenant's answers (a 40-field user for every `PATCH /api/v2/users/{id}`): text
//! that needs no escape (almost all of it) is checked eight bytes at a time and copied whole.
//! Text that needs an escape, and every number, is written by serde_json itself, so the two
//! can only differ in how a string is judged, never in what is written.

use serde_json::{Map, Value};

/// The compact JSON text of `value` (what `serde_json::to_vec(value)` writes).
pub(crate) fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value);
    out
}

/// Append the compact JSON text of `value` to `out`.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Writing into a Vec cannot fail.
        Value::Number(n) => drop(serde_json::to_writer(&mut *out, n)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

/// Append the compact JSON text of the object `map` to `out`.
pub(crate) fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    for (i, (key, item)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        write_value(out, item);
    }
    out.push(b'}');
}

/// Append `text` as a JSON string to `out`: copied between quotes when nothing in it needs an
/// escape.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        drop(serde_json::to_writer(&mut *out, text));
        return;
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether `bytes` hold a byte JSON escapes: a control character (below 0x20), `"` or `\`.
/// It may say yes for text that needs none (then serde_json writes it, just as well), never
/// no for text that needs one.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(array) = <[u8; 8]>::try_from(chunk) else {
            return true;
        };
        let x = u64::from_le_bytes(array);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // A byte below n sets its high bit in (x - n·ONES) & !x (n ≤ 128); a zero byte of
        // `quote` or `backslash` is a `"` or `\` of x.
        let flagged = (x.wrapping_sub(ONES * 0x20) & !x)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash);
        if flagged & HIGHS != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A deterministic stream of pseudo-random numbers (xorshift).
    struct Stream(u64);

    impl Stream {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Text of every length up to 40 from an alphabet of plain letters, every byte JSON
    /// escapes, DEL, two- to four-byte characters and a lone-surrogate-free emoji.
    fn text(s: &mut Stream) -> String {
        let alphabet: Vec<char> = ('\u{0}'..='\u{20}')
            .chain("\"\\/abcXYZ09 ~\u{7f}\u{80}é\u{2028}€\u{fffd}😀".chars())
            .collect();
        let len = (s.next() % 41) as usize;
        let plain = s.next().is_multiple_of(3);
        (0..len)
            .map(|_| {
                if plain {
                    char::from(b'a' + (s.next() % 26) as u8)
                } else {
                    alphabet[(s.next() % alphabet.len() as u64) as usize]
                }
            })
            .collect()
    }

    fn value(s: &mut Stream, depth: u32) -> Value {
        match s.next() % if depth > 3 { 5 } else { 7 } {
            0 => Value::Null,
            1 => Value::Bool(s.next().is_multiple_of(2)),
            2 => {
                let n = s.next();
                match n % 4 {
                    0 => json!(n),
                    1 => json!(-((n >> 2) as i64)),
                    2 => json!(f64::from_bits(n) / 3.0),
                    _ => json!((n % 1000) as f64 / 8.0),
                }
            }
            3 | 4 => Value::String(text(s)),
            5 => Value::Array((0..s.next() % 5).map(|_| value(s, depth + 1)).collect()),
            _ => Value::Object(
                (0..s.next() % 6)
                    .map(|_| (text(s), value(s, depth + 1)))
                    .collect(),
            ),
        }
    }

    /// Thousands of values (strings with and without escapes at every position and length,
    /// integers at the limits, floats, nesting, empty arrays and objects) are written exactly
    /// as serde_json writes them.
    #[test]
    fn writes_what_serde_json_writes() {
        let fixed = [
            json!({}),
            json!([]),
            json!(""),
            json!({"": [[], {}, null, true, false]}),
            json!([
                u64::MAX,
                i64::MIN,
                0,
                -0.0,
                0.1,
                1e300,
                -1.5e-300,
                123456789.125
            ]),
            json!("12345678\"2345678\\"),
            json!("1234567\u{1f}"),
            json!("\u{7f}\u{80}\u{ff}ÿ"),
        ];
        for v in &fixed {
            assert_eq!(to_vec(v), serde_json::to_vec(v).unwrap(), "{v}");
        }
        let mut s = Stream(0x2545_F491_4F6C_DD1D);
        let mut escaped = 0;
        for _ in 0..20_000 {
            let v = value(&mut s, 0);
            let want = serde_json::to_vec(&v).unwrap();
            escaped += usize::from(want.contains(&b'\\'));
            assert_eq!(to_vec(&v), want, "{v}");
        }
        // The stream did exercise escapes (and plain text: the fixed cases above and `plain`).
        assert!(escaped > 1_000, "{escaped}");
    }

    /// The check never misses a byte that needs an escape, wherever it sits in the text, and
    /// says no for text without one.
    #[test]
    fn the_check_finds_every_escaped_byte_at_every_position() {
        for len in 1..=24 {
            for pos in 0..len {
                for b in (0u8..0x20).chain([b'"', b'\\']) {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    assert!(needs_escape(&bytes), "{len} {pos} {b}");
                }
                for b in [
                    b' ', b'!', b'#', b'[', b']', b'~', 0x7f, 0x80, 0xa2, 0xdc, 0xff,
                ] {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    assert!(!needs_escape(&bytes), "{len} {pos} {b}");
                }
            }
        }
    }
}
