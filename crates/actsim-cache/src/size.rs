//! How the store counts a string's size: in the bytes Node's `Buffer.byteLength` counts for the
//! JavaScript string it holds ([`byte_len`]). A JavaScript string may hold a lone UTF-16
//! surrogate (half an emoji after `slice`), which Rust text cannot; the JavaScript host
//! (actsim-js, `text.rs`) carries each as a stand-in character, U+10F800 plus the surrogate's
//! offset from U+D800 ([`FIRST_STAND_IN`] on), so a key or value keeps it exactly. A stand-in is
//! 4 bytes of UTF-8 and counts the 3 bytes Node encodes a lone surrogate in.

/// The first stand-in character: the lone surrogate U+D800 + n is carried as U+10F800 + n (the
/// last 2048 code points of private use plane 16, up to U+10FFFF).
pub const FIRST_STAND_IN: char = '\u{10F800}';

/// Whether `c` is the stand-in of a lone surrogate (U+10F800–U+10FFFF).
pub fn is_stand_in(c: char) -> bool {
    c >= FIRST_STAND_IN
}

/// The size of `text` in bytes as Node's `Buffer.byteLength` counts the JavaScript string it
/// stands for: its UTF-8 length, with each stand-in (4 bytes here) counted as 3. Every size
/// the store checks (key, value, total) is counted this way.
pub fn byte_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    // A stand-in's UTF-8 is `F4 8F A0..BF xx`: most texts hold no byte F4 at all.
    if memchr::memchr(0xF4, bytes).is_none() {
        return bytes.len();
    }
    let stand_ins = bytes
        .windows(3)
        .filter(|w| w[0] == 0xF4 && w[1] == 0x8F && w[2] >= 0xA0)
        .count();
    bytes.len() - stand_ins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_count_three_bytes_and_everything_else_its_utf8_length() {
        assert_eq!(byte_len(""), 0);
        assert_eq!(byte_len("abc"), 3);
        // é is 2 bytes, 😀 (U+1F600) 4, € 3: as Buffer.byteLength counts them.
        assert_eq!(byte_len("é😀€"), 9);
        // The stand-ins of \ud83d and \ude00 (lone): 3 bytes each, as Node encodes them.
        assert_eq!(byte_len("k\u{10F83D}"), 4);
        assert_eq!(byte_len("\u{10FE00}\u{10F800}\u{10FFFF}"), 9);
        // U+10F7FF (F4 8F 9F BF) is the last character before the stand-ins: 4 bytes.
        assert_eq!(byte_len("\u{10F7FF}"), 4);
        assert!(is_stand_in(FIRST_STAND_IN) && is_stand_in('\u{10FFFF}'));
        assert!(!is_stand_in('\u{10F7FF}'));
    }
}
