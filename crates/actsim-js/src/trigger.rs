//! Triggers are data: [`TRIGGERS`] lists each trigger actsim runs, with its handler names,
//! whether it blocks, its `api` parts, its default event and whether it can redirect. The
//! prelude's trigger and handler codes ([`trigger_code`], [`handler_code`]) and the CLI's and
//! simulator's trigger lists are read from it.
//!
//! Adding a trigger: a [`Trigger`] variant, its entry here (in the variant's position), and its
//! `api` class in JavaScript (`triggerApis` in `js/prelude/api-rare.js`, keyed by the id). The
//! tests check each part against the others.

use serde::Serialize;

use crate::report::Phase;

/// The triggers whose `api` objects actsim provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// `post-login`: `onExecutePostLogin` and, after a redirect, `onContinuePostLogin`.
    PostLogin,
    /// `credentials-exchange`: `onExecuteCredentialsExchange`.
    CredentialsExchange,
    /// `pre-user-registration`: `onExecutePreUserRegistration`.
    PreUserRegistration,
    /// `post-user-registration`: `onExecutePostUserRegistration` (runs after the fact).
    PostUserRegistration,
    /// `post-change-password`: `onExecutePostChangePassword` (runs after the fact).
    PostChangePassword,
    /// `send-phone-message`: `onExecuteSendPhoneMessage`.
    SendPhoneMessage,
    /// `password-reset-post-challenge`: `onExecutePostChallenge` and, after a redirect or a
    /// prompt, `onContinuePostChallenge`.
    PasswordResetPostChallenge,
    /// `custom-token-exchange`: `onExecuteCustomTokenExchange`.
    CustomTokenExchange,
    /// `custom-email-provider`: `onExecuteCustomEmailProvider`.
    CustomEmailProvider,
    /// `custom-phone-provider`: `onExecuteCustomPhoneProvider`.
    CustomPhoneProvider,
    /// `event-stream`: `onExecuteEventStream` (runs after the fact).
    EventStream,
}

/// What actsim knows of a trigger: one entry of [`TRIGGERS`].
#[derive(Debug)]
pub struct TriggerInfo {
    /// The trigger.
    pub trigger: Trigger,
    /// Its id as Auth0 writes it (`post-login`).
    pub id: &'static str,
    /// The handler the trigger runs (`onExecutePostLogin`).
    pub execute: &'static str,
    /// The handler run when the user comes back from a redirect, if the trigger has one.
    pub continue_handler: Option<&'static str>,
    /// Whether the flow waits for the actions (a blocking trigger) rather than running them
    /// after the fact.
    pub blocks: bool,
    /// The members of its `api` object, in the order the prelude defines them.
    pub api_parts: &'static [&'static str],
    /// Its default `event` (JSON), from `fixtures/events/`.
    pub default_event: &'static str,
    /// Whether `api.redirect` can suspend the flow.
    pub can_redirect: bool,
    /// Whether each execution's `event.transaction.metadata` is present (an empty object when
    /// the event has none).
    pub transaction_metadata: bool,
}

/// Every trigger, in the order of [`Trigger`]'s variants.
pub const TRIGGERS: &[TriggerInfo] = &[
    TriggerInfo {
        trigger: Trigger::PostLogin,
        id: "post-login",
        execute: "onExecutePostLogin",
        continue_handler: Some("onContinuePostLogin"),
        blocks: true,
        api_parts: &[
            "access",
            "accessToken",
            "idToken",
            "user",
            "multifactor",
            "transaction",
            "validation",
            "redirect",
            "cache",
            "authentication",
            "groups",
            "prompt",
            "refreshToken",
            "roles",
            "rules",
            "samlResponse",
            "session",
        ],
        default_event: include_str!("../../../fixtures/events/post-login.json"),
        can_redirect: true,
        transaction_metadata: true,
    },
    TriggerInfo {
        trigger: Trigger::CredentialsExchange,
        id: "credentials-exchange",
        execute: "onExecuteCredentialsExchange",
        continue_handler: None,
        blocks: true,
        api_parts: &["access", "accessToken", "cache", "transaction"],
        default_event: include_str!("../../../fixtures/events/credentials-exchange.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::PreUserRegistration,
        id: "pre-user-registration",
        execute: "onExecutePreUserRegistration",
        continue_handler: None,
        blocks: true,
        api_parts: &["access", "cache", "user", "validation"],
        default_event: include_str!("../../../fixtures/events/pre-user-registration.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::PostUserRegistration,
        id: "post-user-registration",
        execute: "onExecutePostUserRegistration",
        continue_handler: None,
        blocks: false,
        api_parts: &["cache"],
        default_event: include_str!("../../../fixtures/events/post-user-registration.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::PostChangePassword,
        id: "post-change-password",
        execute: "onExecutePostChangePassword",
        continue_handler: None,
        blocks: false,
        api_parts: &["cache"],
        default_event: include_str!("../../../fixtures/events/post-change-password.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::SendPhoneMessage,
        id: "send-phone-message",
        execute: "onExecuteSendPhoneMessage",
        continue_handler: None,
        blocks: true,
        api_parts: &["cache"],
        default_event: include_str!("../../../fixtures/events/send-phone-message.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::PasswordResetPostChallenge,
        id: "password-reset-post-challenge",
        execute: "onExecutePostChallenge",
        continue_handler: Some("onContinuePostChallenge"),
        blocks: true,
        api_parts: &[
            "access",
            "authentication",
            "cache",
            "prompt",
            "redirect",
            "transaction",
        ],
        default_event: include_str!("../../../fixtures/events/password-reset-post-challenge.json"),
        can_redirect: true,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::CustomTokenExchange,
        id: "custom-token-exchange",
        execute: "onExecuteCustomTokenExchange",
        continue_handler: None,
        blocks: true,
        api_parts: &["access", "authentication", "cache", "user"],
        default_event: include_str!("../../../fixtures/events/custom-token-exchange.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::CustomEmailProvider,
        id: "custom-email-provider",
        execute: "onExecuteCustomEmailProvider",
        continue_handler: None,
        blocks: true,
        api_parts: &["cache", "notification"],
        default_event: include_str!("../../../fixtures/events/custom-email-provider.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::CustomPhoneProvider,
        id: "custom-phone-provider",
        execute: "onExecuteCustomPhoneProvider",
        continue_handler: None,
        blocks: true,
        api_parts: &["cache", "notification"],
        default_event: include_str!("../../../fixtures/events/custom-phone-provider.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
    TriggerInfo {
        trigger: Trigger::EventStream,
        id: "event-stream",
        execute: "onExecuteEventStream",
        continue_handler: None,
        blocks: false,
        api_parts: &["cache"],
        default_event: include_str!("../../../fixtures/events/event-stream.json"),
        can_redirect: false,
        transaction_metadata: false,
    },
];

impl TriggerInfo {
    /// Its handler names: the execute handler, then the continue handler if it has one.
    pub fn handlers(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.execute).chain(self.continue_handler)
    }
}

impl Trigger {
    /// Every trigger, in table order.
    pub fn all() -> impl Iterator<Item = Trigger> {
        TRIGGERS.iter().map(|t| t.trigger)
    }

    /// The trigger's entry in [`TRIGGERS`].
    pub fn info(self) -> &'static TriggerInfo {
        &TRIGGERS[self as usize]
    }

    /// The trigger id as Auth0 writes it (`post-login`).
    pub fn as_str(self) -> &'static str {
        self.info().id
    }

    /// The handler that runs for `phase` on this trigger, or `None` if the trigger has no such
    /// phase (only post-login and password-reset-post-challenge continue after a redirect).
    pub fn handler_name(self, phase: Phase) -> Option<&'static str> {
        let info = self.info();
        match phase {
            Phase::Execute => Some(info.execute),
            Phase::Continue => info.continue_handler,
        }
    }
}

impl Trigger {
    /// The trigger an action's source is written for, read from the handler names it
    /// mentions (as whole words): the one trigger whose execute handler it names; post-login
    /// when it names none (running it then fails with the missing handler's message); an error
    /// listing them when it names the handlers of several triggers.
    pub fn detect(source: &str) -> Result<Trigger, String> {
        let named: Vec<&TriggerInfo> = TRIGGERS
            .iter()
            .filter(|t| mentions(source, t.execute))
            .collect();
        match named.as_slice() {
            [] => Ok(Trigger::PostLogin),
            [one] => Ok(one.trigger),
            several => {
                let list: Vec<String> = several
                    .iter()
                    .map(|t| format!("{} ({})", t.execute, t.id))
                    .collect();
                Err(format!(
                    "the action has handlers of several triggers: {}; choose one with --trigger",
                    list.join(", ")
                ))
            }
        }
    }
}

/// Whether `word` occurs in `source` as a whole identifier.
fn mentions(source: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    source.match_indices(word).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

impl std::str::FromStr for Trigger {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(info) = TRIGGERS.iter().find(|t| t.id == s) {
            return Ok(info.trigger);
        }
        let ids: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
        let list = match ids.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        Err(format!("unknown trigger '{s}': actsim supports {list}"))
    }
}

/// The trigger as the prelude's `__actsim_start` takes it: its position in [`TRIGGERS`]
/// (prelude.js reads `BOUNDARY.triggers`, generated from the table).
pub(crate) fn trigger_code(trigger: Trigger) -> u32 {
    trigger as u32
}

/// The handler as the prelude's index into `BOUNDARY.handlers` (each trigger's execute handler
/// then its continue handler, in table order: see `boundary::js_constants`), or `None` if the
/// trigger has no handler for `phase`.
pub(crate) fn handler_code(trigger: Trigger, phase: Phase) -> Option<u32> {
    let mut code = 0;
    for info in TRIGGERS {
        if info.trigger == trigger {
            return match phase {
                Phase::Execute => Some(code),
                Phase::Continue => info.continue_handler.map(|_| code + 1),
            };
        }
        code += 1 + u32::from(info.continue_handler.is_some());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_variant_order_with_unique_ids() {
        for (i, info) in TRIGGERS.iter().enumerate() {
            assert_eq!(info.trigger as usize, i, "{} is out of place", info.id);
            assert!(!TRIGGERS[..i].iter().any(|t| t.id == info.id));
            assert_eq!(info.id.parse::<Trigger>(), Ok(info.trigger));
            // The serde name is the id.
            assert_eq!(
                serde_json::to_value(info.trigger).unwrap(),
                serde_json::Value::String(info.id.to_string())
            );
            assert_eq!(info.can_redirect, info.continue_handler.is_some());
            let event: serde_json::Value = serde_json::from_str(info.default_event).unwrap();
            assert!(event.is_object());
        }
    }

    #[test]
    fn handler_codes_index_the_generated_handler_list() {
        let constants: serde_json::Value =
            serde_json::from_str(&crate::boundary::js_constants()).unwrap();
        let handlers = constants["handlers"].as_array().unwrap();
        let triggers = constants["triggers"].as_array().unwrap();
        for trigger in Trigger::all() {
            assert_eq!(triggers[trigger_code(trigger) as usize], trigger.as_str());
            for phase in [Phase::Execute, Phase::Continue] {
                match (handler_code(trigger, phase), trigger.handler_name(phase)) {
                    (Some(code), Some(name)) => assert_eq!(handlers[code as usize], name),
                    (None, None) => {}
                    other => panic!("{trigger:?} {phase:?}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn the_trigger_is_detected_from_the_handlers_a_source_names() {
        assert_eq!(
            Trigger::detect("exports.onExecutePostChallenge = async () => {};"),
            Ok(Trigger::PasswordResetPostChallenge)
        );
        assert_eq!(
            Trigger::detect("export const onExecuteEventStream = async () => {};"),
            Ok(Trigger::EventStream)
        );
        // A longer identifier that contains a handler name is not that handler.
        assert_eq!(
            Trigger::detect("const onExecuteEventStreamX = 1;"),
            Ok(Trigger::PostLogin)
        );
        assert_eq!(
            Trigger::detect("module.exports = {};"),
            Ok(Trigger::PostLogin)
        );
        assert_eq!(
            Trigger::detect("exports.onExecutePostLogin = f; exports.onExecuteSendPhoneMessage = g;"),
            Err("the action has handlers of several triggers: onExecutePostLogin (post-login), onExecuteSendPhoneMessage (send-phone-message); choose one with --trigger".to_string())
        );
    }

    #[test]
    fn unknown_triggers_are_refused_with_the_list() {
        let err = "pre-login".parse::<Trigger>().unwrap_err();
        assert_eq!(
            err,
            "unknown trigger 'pre-login': actsim supports post-login, credentials-exchange, pre-user-registration, post-user-registration, post-change-password, send-phone-message, password-reset-post-challenge, custom-token-exchange, custom-email-provider, custom-phone-provider and event-stream"
        );
    }
}
