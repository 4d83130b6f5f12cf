//! Node 22 parity where real packages need it: `tty` answers as Node does without a terminal,
//! `crypto.hkdf`/`hkdfSync` derive the keys Node derives (expected values computed with Node),
//! and the errors of calling what is not a function or constructor name it as Node does.

use crate::common;

use common::{console_texts, error_of, expect_completed, run_handler};

#[test]
fn tty_says_no_terminal_like_node_with_its_output_in_a_pipe() {
    let report = run_handler(
        "const tty = require('node:tty');\nconsole.log(tty.isatty(0), tty.isatty(1), tty.isatty(2), require('tty') === tty);\ntry { new tty.WriteStream(1); } catch (e) { console.log(e.code); }",
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        ["false false false true", "ERR_TTY_INIT_FAILED"]
    );
}

#[test]
fn hkdf_derives_what_node_derives() {
    let report = run_handler(
        r#"
const c = require('crypto');
console.log(Buffer.from(c.hkdfSync('sha256', 'secret', 'salt', 'info', 42)).toString('hex'));
console.log(Buffer.from(c.hkdfSync('sha512', Buffer.from('k'), '', 'ctx', 100)).toString('base64'));
console.log(c.hkdfSync('sha1', 'ikm', new Uint8Array([1, 2, 3]), '', 0).byteLength);
for (const bad of [() => c.hkdfSync('sha256', 'a', 'b', 'c', 255 * 32 + 1), () => c.hkdfSync('nope', 'a', 'b', 'c', 5)]) {
  try { bad(); } catch (e) { console.log(e.code, e.message); }
}
const key = await new Promise((resolve, reject) => c.hkdf('sha256', 'secret', 'salt', 'info', 8, (err, k) => (err ? reject(err) : resolve(k))));
console.log(key instanceof ArrayBuffer, Buffer.from(key).toString('hex'));
"#,
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [
            "f6d2fcc47cb939deafe3853a1e641a27e6924aff7a63d09cb04ccfffbe4776efdda39ae362b1346092d8",
            "z2FmXnspXPDUjEnlZzl4v8h0IoZQbmc7m/UqzVyul6fXWv0++p8Bzc3b8EU+t5UtF2LjuNuuCELOz5Mkg7+Z6dUTPFJiJi+RW9gXNX/PmPZKmQac4pjzb0sv+boCX7XQaff8Gw==",
            "0",
            "ERR_CRYPTO_INVALID_KEYLEN Invalid key length",
            "ERR_CRYPTO_INVALID_DIGEST Invalid digest: nope",
            "true f6d2fcc47cb939de",
        ]
    );
}

/// Each case: the handler's code, then the message and position Node 22 reports (taken from
/// `node` on the same file).
#[test]
fn type_errors_read_and_point_as_in_node() {
    for (code, message, line, column) in [
        (
            "exports.onExecutePostLogin = async (event, api) => {\n  const X = 5; new X();\n};\n",
            "X is not a constructor",
            2,
            16,
        ),
        (
            "exports.onExecutePostLogin = async (event, api) => {\n  const x = {}; x.foo();\n};\n",
            "x.foo is not a function",
            2,
            19,
        ),
        (
            "exports.onExecutePostLogin = async (event, api) => {\n  const o = {a:1}; new o.a(1, 2);\n};\n",
            "o.a is not a constructor",
            2,
            20,
        ),
        (
            "exports.onExecutePostLogin = async (event, api) => {\n  const u = undefined; u.v = 1;\n};\n",
            "Cannot set properties of undefined (setting 'v')",
            2,
            28,
        ),
        // Line 1 of a CommonJS file, which shares its line with actsim's wrapper.
        (
            "exports.onExecutePostLogin = async (event, api) => { const q = null; q.x; };\n",
            "Cannot read properties of null (reading 'x')",
            1,
            72,
        ),
        (
            "exports.onExecutePostLogin = async (event, api) => { null.x; };\n",
            "Cannot read properties of null (reading 'x')",
            1,
            59,
        ),
    ] {
        let (mut inst, clock) = common::instance(code);
        let report = common::run(&mut inst, &clock, common::post_login());
        let error = error_of(&report);
        assert_eq!(error.message, message, "{code}");
        let at = error.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (line, column), "{code}");
        if line == 1 {
            // The stack counts line 1's columns in the file too.
            let frame = format!("action.js:1:{}", error.stack.split("action.js:1:").nth(1).unwrap_or("").split(')').next().unwrap_or(""));
            let col: u32 = frame.rsplit(':').next().unwrap().parse().unwrap();
            assert!(col <= code.len() as u32, "{frame} is past the line's end");
        }
    }
}
