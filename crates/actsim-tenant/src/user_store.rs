//! The users the tenant serves, in their current state, found by position (configuration
//! order, then the order they were added) or by `user_id`, each with the JSON text of its last
//! answer kept beside it.
//!
//! Why the text: every `PATCH /api/v2/users/{id}` changes a field or two of a user of some 40
//! fields and answers with the whole user. Writing that answer from the user's values reads
//! dozens of small allocations spread over the heap, cold by the time the same user comes back
//! (a simulation of 1 000 users PATCHes one of them on every login). Kept, the text of every
//! field the change did not touch is one contiguous copy, and only the changed fields are
//! written again (BENCHMARKS.md, "The tenant's answer to a PATCH").
//!
//! Changes go through [`UserEdit`], which records which fields it changed, so the text cannot
//! miss one; it finds each field by its place in the kept text, so the user's map is read only
//! where it changes (a hashed look-up would read a bucket and a key of that cold map). Without [`UserStore::keep_texts`] (actsim's `ACTSIM_FAST_PATHS=off`) every answer
//! is written from the values, and the texts are byte for byte the same (tested below; debug
//! builds check every kept text against a fresh one).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::json_text;

/// A map from `user_id` to position, looked up on every request for a user and never iterated.
type IdMap = HashMap<String, usize, foldhash::fast::FixedState>;

/// The tenant's users and the texts of their last answers.
#[derive(Clone, Debug, Default)]
pub(crate) struct UserStore {
    users: Vec<Value>,
    /// The position of the first user with each `user_id` (ids never change: a PATCH that
    /// would change one is refused).
    positions: IdMap,
    /// The kept text of each user (same positions as `users`), made at the first answer.
    texts: Vec<Option<UserText>>,
    /// Whether texts are kept (see the module comment).
    keep_texts: bool,
    /// The field ends a rewrite writes, swapped with the rewritten text's (no allocation).
    spare_ends: Vec<usize>,
}

impl UserStore {
    /// The store of `users` (their texts kept).
    pub(crate) fn new(users: Vec<Value>) -> UserStore {
        let mut store = UserStore {
            keep_texts: true,
            ..UserStore::default()
        };
        for user in users {
            store.push(user);
        }
        store
    }

    /// Keep the users' texts (`true`, the default) or write every answer from the values.
    pub(crate) fn keep_texts(&mut self, on: bool) {
        self.keep_texts = on;
        if !on {
            self.texts.iter_mut().for_each(|text| *text = None);
        }
    }

    /// Every user, in order.
    pub(crate) fn all(&self) -> &[Value] {
        &self.users
    }

    /// The user at `position` (a position [`UserStore::position`] gave).
    pub(crate) fn get(&self, position: usize) -> Option<&Value> {
        self.users.get(position)
    }

    /// The position of the first user whose `user_id` is `id`.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.positions.get(id).copied()
    }

    /// Add `user` at the end (found by its `user_id` unless an earlier user has the same).
    pub(crate) fn push(&mut self, user: Value) {
        if let Some(id) = user.get("user_id").and_then(Value::as_str) {
            self.positions
                .entry(id.to_string())
                .or_insert(self.users.len());
        }
        self.users.push(user);
        self.texts.push(None);
    }

    /// The compact JSON text of the user at `position` (what `serde_json::to_vec` writes);
    /// empty for a position out of range.
    pub(crate) fn text(&mut self, position: usize) -> Vec<u8> {
        let Some(user) = self.users.get(position) else {
            return Vec::new();
        };
        let Value::Object(fields) = user else {
            return json_text::to_vec(user);
        };
        if !self.keep_texts {
            return json_text::to_vec(user);
        }
        let kept = &mut self.texts[position];
        kept.get_or_insert_with(|| UserText::new(fields))
            .text
            .clone()
    }

    /// Change the fields of the user at `position` with `change` and answer the user's text
    /// after it (or the error `change` returned: the fields it changed before that stay
    /// changed). `None` when there is no user at `position` or it is not an object.
    pub(crate) fn edit<E>(
        &mut self,
        position: usize,
        change: impl FnOnce(&mut UserEdit<'_>) -> Result<(), E>,
    ) -> Option<Result<Vec<u8>, E>> {
        let Some(Value::Object(fields)) = self.users.get_mut(position) else {
            return None;
        };
        let kept = &mut self.texts[position];
        let mut edit = UserEdit {
            fields,
            kept: if self.keep_texts { kept.as_ref() } else { None },
            changed: Vec::new(),
            whole: false,
            head: Vec::new(),
        };
        let outcome = change(&mut edit);
        let (changed, whole) = (edit.changed, edit.whole);
        if !self.keep_texts {
            return Some(outcome.map(|()| json_text::to_vec(&self.users[position])));
        }
        let Value::Object(fields) = &self.users[position] else {
            return None;
        };
        let text = match kept {
            Some(old) if changed.is_empty() && !whole => old.text.clone(),
            Some(old) if !whole => old.rewrite(fields, &changed, &mut self.spare_ends),
            _ => kept.insert(UserText::new(fields)).text.clone(),
        };
        Some(outcome.map(|()| text))
    }
}

/// The fields of one user, open for a change that is recorded field by field. With a kept
/// text, a field is found by its place in the text (the text's fields are the user's, in the
/// same order), not looked up by its key: the user's map is read only where it changes.
pub(crate) struct UserEdit<'a> {
    fields: &'a mut Map<String, Value>,
    /// The user's kept text, if any.
    kept: Option<&'a UserText>,
    /// The positions of the fields changed or added (with a kept text).
    changed: Vec<usize>,
    /// Whether the kept text cannot be reused (see [`UserEdit::update`]).
    whole: bool,
    /// Room for a key's text while it is looked for in the kept text.
    head: Vec<u8>,
}

impl UserEdit<'_> {
    /// The value of field `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// Set field `key` to `value` (in its place when it exists, at the end otherwise).
    pub(crate) fn set(&mut self, key: String, value: Value) {
        self.update(key, || Value::Null, |field| *field = value);
    }

    /// Change the value of field `key` in place with `change`, `default()` set first when the
    /// field is missing (added at the end).
    pub(crate) fn update(
        &mut self,
        key: String,
        default: impl FnOnce() -> Value,
        change: impl FnOnce(&mut Value),
    ) {
        let len = self.fields.len();
        if let Some(kept) = self.kept {
            match kept.position_of(&key, &mut self.head) {
                Some(position) if position < len => {
                    // (Stepping an iterator to a field reads no other field.)
                    if let Some((_, value)) = self.fields.iter_mut().nth(position) {
                        self.changed.push(position);
                        change(value);
                        return;
                    }
                    self.whole = true;
                }
                // Not in the text: a new field, added at the end (position `len`), unless the
                // text and the fields disagree (never: then the text is written whole).
                None if !self.fields.contains_key(&key) => self.changed.push(len),
                _ => self.whole = true,
            }
        }
        change(self.fields.entry(key).or_insert_with(default));
    }
}

/// The compact JSON text of a user object, with where each of its fields' `"key":value` ends.
#[derive(Clone, Debug)]
struct UserText {
    text: Vec<u8>,
    /// The end of field i's text; it starts one byte after field i − 1's end (after the comma),
    /// the first right after the `{`.
    ends: Vec<usize>,
}

impl UserText {
    /// The text of `fields`.
    fn new(fields: &Map<String, Value>) -> UserText {
        let mut kept = UserText {
            text: Vec::with_capacity(256),
            ends: Vec::with_capacity(fields.len()),
        };
        write(&mut kept.text, &mut kept.ends, fields, None);
        kept
    }

    /// The position of the field whose key is `key`, found in the text: the field whose text
    /// starts with `key` written as a JSON string and a colon. (Another key's text cannot start
    /// so: the quote after `key` would have to be the end of that key too.)
    /// (`head` is room for that text, reused from one call to the next.)
    fn position_of(&self, key: &str, head: &mut Vec<u8>) -> Option<usize> {
        head.clear();
        json_text::write_str(head, key);
        head.push(b':');
        (0..self.ends.len()).find(|&position| {
            let start = if position == 0 {
                1
            } else {
                self.ends[position - 1] + 1
            };
            self.text
                .get(start..self.ends[position])
                .is_some_and(|entry| entry.starts_with(head))
        })
    }

    /// Bring the text up to date with `fields`, whose fields at the positions in `changed`
    /// (and those added) are the only ones changed since it was written, and answer a copy of
    /// it.
    /// `spare_ends` is swapped with the text's ends.
    fn rewrite(
        &mut self,
        fields: &Map<String, Value>,
        changed: &[usize],
        spare_ends: &mut Vec<usize>,
    ) -> Vec<u8> {
        let mut fresh = Vec::with_capacity(self.text.len() + 64);
        spare_ends.clear();
        write(&mut fresh, spare_ends, fields, Some((self, changed)));
        std::mem::swap(&mut self.ends, spare_ends);
        self.text.clear();
        self.text.extend_from_slice(&fresh);
        fresh
    }
}

/// Write the text of `fields` to `out` and where each field's `"key":value` ends to `ends`.
/// With `reuse = (old, changed)`, the text of each field that `old` has and whose position is
/// not in `changed` is copied from `old` (its key and value are not read): the caller vouches
/// that those fields, keys and values, are what `old` was written from.
fn write(
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
    fields: &Map<String, Value>,
    reuse: Option<(&UserText, &[usize])>,
) {
    // Fields are only ever set or added (never removed), so a field keeps its position; if
    // there are fewer than before, nothing is reused.
    let reuse = reuse.filter(|(old, _)| old.ends.len() <= fields.len());
    out.push(b'{');
    for (position, (key, value)) in fields.iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        match reuse {
            Some((old, changed)) if position < old.ends.len() && !changed.contains(&position) => {
                let start = if position == 0 {
                    1
                } else {
                    old.ends[position - 1] + 1
                };
                out.extend_from_slice(&old.text[start..old.ends[position]]);
            }
            _ => {
                json_text::write_str(out, key);
                out.push(b':');
                json_text::write_value(out, value);
            }
        }
        ends.push(out.len());
    }
    out.push(b'}');
    #[cfg(debug_assertions)]
    {
        let mut fresh = Vec::new();
        json_text::write_object(&mut fresh, fields);
        assert!(
            *out == fresh,
            "actsim bug: a kept user text differs from the user's"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(i: u64) -> Value {
        json!({
            "user_id": format!("auth0|{i}"),
            "email": format!("user{i}@example.com"),
            "name": "A \"quoted\" name\twith escapes",
            "app_metadata": {"plan": "free", "n": i},
            "user_metadata": {},
            "logins_count": i,
            "identities": [{"provider": "auth0", "isSocial": false}],
        })
    }

    /// A deterministic stream of pseudo-random numbers (xorshift).
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// Thousands of random changes (fields set in place, fields added, metadata merged and
    /// emptied, changes that fail half-way) to a few users: after each, the store's answer
    /// with texts kept is byte for byte the answer without them, which is serde_json's text
    /// of the user.
    #[test]
    fn kept_texts_answer_what_the_values_answer() {
        let users: Vec<Value> = (0..4).map(user).collect();
        let mut kept = UserStore::new(users.clone());
        let mut written = UserStore::new(users);
        written.keep_texts(false);
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        for step in 0..5_000u64 {
            let position = (next(&mut x) % 4) as usize;
            let key = [
                "email",
                "app_metadata",
                "new_field",
                "other",
                "logins_count",
            ][(next(&mut x) % 5) as usize]
                .to_string();
            let value = match next(&mut x) % 4 {
                0 => json!(step),
                1 => json!(format!("text \\ {step}")),
                2 => json!({"k": step, "list": [1, "two", null]}),
                _ => Value::Null,
            };
            let fail = next(&mut x).is_multiple_of(7);
            let in_place = next(&mut x).is_multiple_of(2);
            let change = |edit: &mut UserEdit<'_>| {
                if in_place {
                    edit.update(
                        key.clone(),
                        || json!({}),
                        |field| {
                            if let Value::Object(map) = field {
                                map.insert(format!("m{}", step % 3), value.clone());
                            } else {
                                *field = value.clone();
                            }
                        },
                    );
                } else {
                    edit.set(key.clone(), value.clone());
                }
                if fail {
                    return Err("refused");
                }
                edit.set("updated_at".into(), json!(format!("t{step}")));
                Ok(())
            };
            let a = kept.edit(position, change).expect("a user");
            let b = written.edit(position, change).expect("a user");
            assert_eq!(a, b, "step {step}");
            assert_eq!(kept.text(position), written.text(position), "step {step}");
            let want = serde_json::to_vec(&written.all()[position]).expect("json");
            assert_eq!(kept.text(position), want, "step {step}");
        }
    }

    /// Users are found by `user_id` (the first of two with the same id), texts are served for
    /// users never changed, and positions out of range or users that are not objects have no
    /// edit.
    #[test]
    fn finds_users_by_id_and_serves_their_text() {
        let mut store = UserStore::new(vec![
            user(1),
            user(2),
            json!({"user_id": "auth0|1"}),
            json!(7),
        ]);
        assert_eq!(store.position("auth0|1"), Some(0));
        assert_eq!(store.position("auth0|2"), Some(1));
        assert_eq!(store.position("auth0|3"), None);
        store.push(user(3));
        assert_eq!(store.position("auth0|3"), Some(4));
        assert_eq!(store.text(1), serde_json::to_vec(&user(2)).expect("json"));
        assert_eq!(store.text(3), b"7");
        assert_eq!(store.text(9), b"");
        assert!(store.edit(3, |_| Ok::<(), ()>(())).is_none());
        assert!(store.edit(9, |_| Ok::<(), ()>(())).is_none());
        let unchanged = store.edit(0, |_| Ok::<(), ()>(())).expect("a user");
        assert_eq!(unchanged, Ok(serde_json::to_vec(&user(1)).expect("json")));
    }
}
