//! Event fixtures: the realistic default `event` per trigger (from `fixtures/events/`) and a
//! user's event file merged over it, so a fixture only needs the fields it cares about.

use actsim_js::Trigger;
use serde_json::Value;

use super::{json_error, InputError};

/// The default event for `trigger` (its entry in the trigger table, from `fixtures/events/`).
pub fn default_event(trigger: Trigger) -> Value {
    serde_json::from_str(trigger.info().default_event)
        .expect("bundled event fixtures are valid JSON")
}

/// Parse a user's event file and merge it over the default event. `secrets` in the file are
/// dropped (they come from `--secrets`); the returned note says so.
pub fn load_event(
    path: &str,
    source: &str,
    trigger: Trigger,
) -> Result<(Value, Option<String>), InputError> {
    let user: Value =
        serde_json::from_str(source).map_err(|e| json_error(path, source, &e, "an event file"))?;
    let Value::Object(mut user) = user else {
        return Err(InputError::at(
            path,
            source,
            0..0,
            format!("{path}: an event file must be a JSON object"),
            "not an object",
            Some("see fixtures/events/post-login.json for the shape".into()),
        ));
    };
    let note = user.remove("secrets").map(|_| {
        format!("{path}: ignored event.secrets in the event file; pass secrets with --secrets FILE")
    });
    let mut event = default_event(trigger);
    merge(&mut event, Value::Object(user));
    Ok((event, note))
}

/// Deep-merge `overlay` into `base`: objects merge key by key, anything else replaces.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_fields_override_defaults_and_the_rest_is_filled() {
        let (event, note) = load_event(
            "e.json",
            r#"{"user": {"email": "a@b.c", "app_metadata": {"plan": "pro"}}, "secrets": {"x": "y"}}"#,
            Trigger::PostLogin,
        )
        .unwrap();
        assert_eq!(event["user"]["email"], "a@b.c");
        assert_eq!(event["user"]["app_metadata"]["plan"], "pro");
        assert_eq!(event["user"]["user_id"], "auth0|5f7c8ec7c33c6c004bbafe82");
        assert_eq!(event["client"]["name"], "My Web App");
        assert!(event.get("secrets").is_none());
        assert!(note.unwrap().contains("--secrets"));
    }

    #[test]
    fn bad_json_points_at_the_position() {
        let err = load_event("e.json", "{\n  \"user\": {,\n}", Trigger::PostLogin).unwrap_err();
        assert_eq!(err.span.start, 13);
    }
}
