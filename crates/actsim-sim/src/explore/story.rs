//! The story of a run: a short timeline, one line per thing that happened (logins arriving,
//! executions and where they ran, cache reads and writes, tokens issued, redirects and where the
//! flow resumed, instances coming and going), read from the trace.

use crate::trace::TraceEvent;

/// At most this many lines; a longer run ends with a line saying how many were left out.
pub const STORY_LINES: usize = 60;

/// The timeline of `events` (a run that started at `start_ms`), at most `limit` lines.
pub fn story(events: &[TraceEvent], start_ms: i64, limit: usize) -> Vec<String> {
    let mut lines: Vec<String> = events
        .iter()
        .filter_map(|e| line(e).map(|(t, text)| format!("{:>10}  {text}", offset(t - start_ms))))
        .collect();
    if lines.len() > limit {
        let left = lines.len() - (limit - 1);
        lines.truncate(limit - 1);
        lines.push(format!(
            "{:>10}  … {left} more (the whole run: actsim simulate with --trace)",
            ""
        ));
    }
    lines
}

/// `+1.250s`, `+2m05.000s`, `+3h02m05.000s`.
fn offset(ms: i64) -> String {
    let ms = ms.max(0);
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    match (h, m) {
        (0, 0) => format!("+{s}.{milli:03}s"),
        (0, _) => format!("+{m}m{s:02}.{milli:03}s"),
        _ => format!("+{h}h{m:02}m{s:02}.{milli:03}s"),
    }
}

fn line(e: &TraceEvent) -> Option<(i64, String)> {
    Some(match e {
        TraceEvent::Start { .. } | TraceEvent::End { .. } | TraceEvent::Console { .. } => {
            return None
        }
        TraceEvent::InstanceUp {
            t,
            instance,
            reason,
        } => (*t, format!("instance {instance} up ({reason})")),
        TraceEvent::InstanceDown {
            t,
            instance,
            reason,
        } => (
            *t,
            format!("instance {instance} down ({reason}): its cache and module state are gone"),
        ),
        TraceEvent::Arrival { t, login, user } => {
            (*t, format!("login {login} arrives (user {user})"))
        }
        TraceEvent::ExecStart {
            t,
            login,
            instance,
            action,
            handler,
            cold,
        } => (
            *t,
            format!(
                "login {login}: {handler} of {action} starts on instance {instance}{}",
                if *cold { " (cold)" } else { "" }
            ),
        ),
        TraceEvent::Http {
            t,
            login,
            instance,
            method,
            url,
            status,
            error,
            token_issued,
            ..
        } => {
            let who =
                login.map_or_else(|| format!("instance {instance}"), |l| format!("login {l}"));
            let result = match (status, error) {
                (_, Some(e)) => e.clone(),
                (Some(s), None) => s.to_string(),
                (None, None) => "?".into(),
            };
            let token = token_issued.map_or_else(String::new, |n| format!(" (token #{n} issued)"));
            (*t, format!("{who}: {method} {url} → {result}{token}"))
        }
        TraceEvent::Cache {
            t,
            login,
            instance,
            op,
            key,
            result,
        } => (
            *t,
            format!("login {login}: cache.{op}({key}) → {result} on instance {instance}"),
        ),
        TraceEvent::Evicted { t, instance, key } => (
            *t,
            format!("instance {instance}: cache record {key} evicted early"),
        ),
        TraceEvent::Command { t, login, name, .. } => (*t, format!("login {login}: api.{name}")),
        TraceEvent::ExecEnd {
            t,
            login,
            action,
            outcome,
            message,
            ..
        } => (
            *t,
            match message {
                Some(m) => format!("login {login}: {action} {outcome}: {m}"),
                None => format!("login {login}: {action} {outcome}"),
            },
        ),
        TraceEvent::Redirect {
            t,
            login,
            instance,
            url,
        } => (
            *t,
            format!("login {login}: redirect to {url} (yields on instance {instance})"),
        ),
        TraceEvent::Abandon { t, login } => (*t, format!("login {login}: the user never returns")),
        TraceEvent::Resume {
            t,
            login,
            from,
            to,
            elsewhere,
        } => (
            *t,
            format!(
                "login {login}: the user returns; the flow resumes on instance {to}{}",
                if *elsewhere {
                    format!(" (it yielded on instance {from}: another cache)")
                } else {
                    " (where it yielded)".to_string()
                }
            ),
        ),
        TraceEvent::LoginEnd {
            t, login, result, ..
        } => (*t, format!("login {login} ends: {result}")),
        TraceEvent::Warning {
            t, kind, message, ..
        } => (*t, format!("warning {}: {message}", kind.as_str())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_durations() {
        assert_eq!(offset(1_250), "+1.250s");
        assert_eq!(offset(125_000), "+2m05.000s");
        assert_eq!(offset(3 * 3_600_000 + 125_000), "+3h02m05.000s");
    }

    #[test]
    fn long_stories_are_cut_with_a_count() {
        let events: Vec<TraceEvent> = (1..=10)
            .map(|login| TraceEvent::Arrival {
                t: login as i64 * 1000,
                login,
                user: 1,
            })
            .collect();
        let lines = story(&events, 0, 4);
        assert_eq!(lines.len(), 4);
        assert!(
            lines[0].ends_with("+1.000s  login 1 arrives (user 1)"),
            "{}",
            lines[0]
        );
        assert!(lines[3].contains("… 7 more"), "{}", lines[3]);
    }
}
