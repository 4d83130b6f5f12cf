//! The JSON text of one user as `GET`/`PATCH /api/v2/users/{id}` answer with it, written from
//! a memo: the text of each top-level field (`"key":value`) is kept with the value it was
//! written from, and reused while the user's field at that position has the same key and a
//! value equal to it in every detail the text shows (object order, number kind, `-0.0`). A
//! PATCH changes two or three of a user's forty fields, so the others are copied, not written
//! again. The memo checks values itself: code that changes users needs not tell it anything.
//! The body is byte for byte what `serde_json::to_vec` gives, which the tests check.

use std::collections::BTreeMap;

use serde_json::Value;

/// One top-level field: its key, the value its text was written from, and the text.
#[derive(Clone)]
struct FieldText {
    key: String,
    value: Value,
    text: Vec<u8>,
}

/// The field texts of the users answered so far, by position in the tenant's users.
#[derive(Clone, Default)]
pub(crate) struct UserTexts {
    users: BTreeMap<usize, Vec<FieldText>>,
}

impl UserTexts {
    /// The JSON text of `user`, the user at `position`.
    pub fn body(&mut self, position: usize, user: &Value) -> Vec<u8> {
        let Value::Object(map) = user else {
            return serde_json::to_vec(user).unwrap_or_default();
        };
        let memo = self.users.entry(position).or_default();
        memo.truncate(map.len());
        let size: usize = memo.iter().map(|f| f.text.len() + 1).sum();
        let mut out = Vec::with_capacity(size + 64);
        out.push(b'{');
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let kept = memo
                .get(i)
                .is_some_and(|f| f.key == *key && same_text(&f.value, value));
            if !kept {
                let field = FieldText {
                    key: key.clone(),
                    value: value.clone(),
                    text: field_text(key, value),
                };
                match memo.get_mut(i) {
                    Some(slot) => *slot = field,
                    None => memo.push(field),
                }
            }
            out.extend_from_slice(&memo[i].text);
        }
        out.push(b'}');
        out
    }
}

/// `"key":value` as serde_json writes a map entry.
fn field_text(key: &str, value: &Value) -> Vec<u8> {
    let mut text = serde_json::to_vec(key).unwrap_or_default();
    text.push(b':');
    // Writing a `Value` into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut text, value);
    text
}

/// Whether `a` and `b` are written as the same JSON text: equal, with objects in the same
/// order (serde_json's `==` ignores it) and numbers of the same kind and bits (`==` takes
/// `0.0` for `-0.0`).
fn same_text(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same_text(va, vb))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_text(p, q))
        }
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) if x.is_f64() && y.is_f64() => p.to_bits() == q.to_bits(),
            _ => x == y,
        },
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A user's top-level fields.
    type Fields = serde_json::Map<String, Value>;

    fn check(texts: &mut UserTexts, position: usize, user: &Value) {
        let expected = serde_json::to_vec(user).unwrap();
        let got = texts.body(position, user);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected)
        );
    }

    /// Every change a user can go through gives the text serde_json gives: a field changed,
    /// added, removed, reordered; metadata keys reordered (equal for `==`); `0.0` and `-0.0`;
    /// `1` and `1.0`; nested arrays; a user that is not an object; two users side by side.
    #[test]
    fn bodies_equal_serde_json_through_every_change() {
        let mut texts = UserTexts::default();
        let mut user = json!({
            "user_id": "auth0|1", "email": "a\"b@example.com", "logins_count": 3,
            "score": 0.0, "app_metadata": {"a": 1, "b": [1, {"c": "\u{e9}"}]},
            "identities": [{"provider": "auth0", "isSocial": false}], "note": "tab\there"
        });
        check(&mut texts, 0, &user);
        check(&mut texts, 0, &user);
        let changes: Vec<fn(&mut Fields)> = vec![
            |m| {
                m.insert("updated_at".into(), json!("2026-01-01T09:00:00.000Z"));
            },
            |m| {
                m.insert("updated_at".into(), json!("2026-01-01T09:00:01.000Z"));
            },
            |m| {
                m.insert("score".into(), json!(-0.0));
            },
            |m| {
                m.insert("logins_count".into(), json!(3.0));
            },
            |m| {
                m.insert(
                    "app_metadata".into(),
                    json!({"b": [1, {"c": "\u{e9}"}], "a": 1}),
                );
            },
            |m| {
                m.shift_remove("email");
            },
            |m| {
                m.insert("email".into(), json!("new@example.com"));
            },
            |m| {
                let first = m.shift_remove("user_id").unwrap();
                m.insert("user_id".into(), first);
            },
            |m| {
                m.insert(
                    "identities".into(),
                    json!([{"isSocial": false, "provider": "auth0"}]),
                );
            },
            |m| m.clear(),
            |m| {
                m.insert("user_id".into(), json!("auth0|1"));
            },
        ];
        for change in changes {
            if let Value::Object(map) = &mut user {
                change(map);
            }
            check(&mut texts, 0, &user);
            check(
                &mut texts,
                1,
                &json!({"user_id": "auth0|2", "n": [null, true]}),
            );
        }
        check(&mut texts, 0, &json!("not an object"));
        check(&mut texts, 0, &json!({"user_id": "auth0|1"}));
    }

    #[test]
    fn same_text_tells_apart_what_the_text_does() {
        assert!(same_text(
            &json!({"a": 1, "b": 2}),
            &json!({"a": 1, "b": 2})
        ));
        assert!(!same_text(
            &json!({"a": 1, "b": 2}),
            &json!({"b": 2, "a": 1})
        ));
        assert!(!same_text(&json!(0.0), &json!(-0.0)));
        assert!(!same_text(&json!(1), &json!(1.0)));
        assert!(same_text(&json!(-0.0), &json!(-0.0)));
        assert!(same_text(&json!([1, "x", null]), &json!([1, "x", null])));
        assert!(!same_text(&json!([1, "x"]), &json!([1, "y"])));
    }
}
