//! Simulated users are made at their first login: a million users with ten logins runs, the
//! mock tenant holds only the users who logged in, and the trace stays byte-identical for a
//! seed. Arrival processes at extreme rates: a tiny rate gives (about) no logins, a huge one is
//! refused at its line and column.

use crate::common;

use std::path::Path;

use actsim_sim::{parse_scenario, Scenario};
use common::{events, metric, run};

/// An action that reads the tenant's user list through the Management API (a token from the
/// bundled local tenant's client) and logs its total and the login's user id.
const COUNTING_ACTION: &str = r#"
exports.onExecutePostLogin = async (event, api) => {
  const s = event.secrets;
  const t = await fetch('https://' + s.domain + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: s.clientID,
      client_secret: s.clientSecret, audience: 'https://' + s.domain + '/api/v2/' }),
  });
  const token = (await t.json()).access_token;
  const r = await fetch('https://' + s.domain + '/api/v2/users?include_totals=true&per_page=1', {
    headers: { authorization: 'Bearer ' + token },
  });
  const body = await r.json();
  console.log('user ' + event.user.user_id + ' total ' + body.total);
};
"#;

/// Writes the counting action and a scenario with `traffic` lines into `dir`; parses it.
fn scenario(dir: &Path, traffic: &str) -> Scenario {
    std::fs::write(dir.join("count.js"), COUNTING_ACTION).unwrap();
    let secrets = common::path("../../fixtures/secrets/local-tenant.env");
    let text = format!(
        "name = \"lazy\"\nduration = \"10m\"\n[[actions]]\nfile = \"count.js\"\nsecrets_file = {:?}\n[traffic]\n{traffic}\n",
        secrets.display().to_string()
    );
    let path = dir.join("lazy.toml");
    std::fs::write(&path, &text).unwrap();
    parse_scenario(&path, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// The `user … total …` lines the action logged, in order.
fn logged(trace: &[u8]) -> Vec<(String, u64)> {
    let text = String::from_utf8_lossy(trace);
    let mut lines = Vec::new();
    for piece in text.split("user auth0|sim-user-").skip(1) {
        let id: String = piece.chars().take_while(char::is_ascii_digit).collect();
        let total: u64 = piece
            .split_once(" total ")
            .map(|(_, rest)| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no total after user {id}"));
        lines.push((id, total));
    }
    lines
}

#[test]
fn a_million_users_with_ten_logins_runs_and_the_tenant_holds_only_those_who_logged_in() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(
        dir.path(),
        "arrivals = \"fixed\"\nrate = \"1/min\"\nusers = 1000000",
    );
    let (report, trace) = run(&sc, None);
    assert_eq!(metric(&report, "logins"), 10.0);
    let lines = logged(&trace);
    assert_eq!(lines.len(), 10, "{}", String::from_utf8_lossy(&trace));
    // The bundled local tenant configures this many users of its own.
    let configured = sc.tenant.users.len() as u64;
    let mut seen = std::collections::BTreeSet::new();
    for (id, total) in &lines {
        let n: u64 = id.parse().unwrap();
        assert!((1..=1_000_000).contains(&n), "user {id}");
        seen.insert(n);
        // The tenant knows its own users and each simulated user who has logged in so far
        // (this one included), not a million.
        assert_eq!(*total, configured + seen.len() as u64, "user {id}");
    }
    // Ten uniform draws from a million all below the old cap of 20 000 would be a 1e-17 chance.
    assert!(seen.iter().any(|&n| n > 20_000), "{seen:?}");
    // Arrival events number users from 1, as the ids do.
    let arrivals: Vec<u64> = events(&trace)
        .iter()
        .filter(|e| e["ev"] == "arrival")
        .map(|e| e["user"].as_u64().unwrap())
        .collect();
    let ids: Vec<u64> = lines.iter().map(|(id, _)| id.parse().unwrap()).collect();
    assert_eq!(arrivals, ids);
}

#[test]
fn lazy_users_are_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(
        dir.path(),
        "arrivals = \"poisson\"\nrate = \"2/min\"\nusers = 1000000",
    );
    let (report, a) = run(&sc, None);
    let (_, b) = run(&sc, None);
    assert!(metric(&report, "logins") > 0.0);
    assert!(a == b, "the same seed gave two traces");
    let (_, c) = run(&sc, Some(report.seed + 1));
    assert_ne!(logged(&a), logged(&c), "another seed drew the same users");
}

#[test]
fn tiny_rates_give_about_no_logins_and_never_overflow_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    for (traffic, at_most) in [
        // One login per 3e12 years: the first gap lands far after the end.
        ("arrivals = \"poisson\"\nrate = \"1e-20/s\"", 0.0),
        ("arrivals = \"poisson\"\nrate = \"1e-300/s\"", 0.0),
        // Fixed arrivals start with a login at `start`; the next one is centuries away.
        ("arrivals = \"fixed\"\nrate = \"1e-20/s\"", 1.0),
        ("arrivals = \"fixed\"\nrate = \"1e-300/s\"", 1.0),
    ] {
        let sc = scenario(dir.path(), &format!("{traffic}\nusers = 3"));
        let (report, _) = run(&sc, None);
        let logins = metric(&report, "logins");
        assert!(logins <= at_most, "{traffic}: {logins} logins");
    }
}

#[test]
fn rates_too_high_and_bursts_every_0s_are_refused_at_their_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("count.js"), COUNTING_ACTION).unwrap();
    for (traffic, words, column) in [
        ("rate = \"1e30/s\"", "is above 1000/s", 8),
        (
            "arrivals = \"bursts\"\nburst_every = \"0s\"",
            "burst_every: must be longer than 0",
            15,
        ),
        ("users = 1000000001", "is not between 1 and 1000000000", 9),
    ] {
        let text = format!(
            "name = \"x\"\nduration = \"1h\"\n[[actions]]\nfile = \"count.js\"\n[traffic]\nrate = \"1/min\"\n{traffic}\n"
        )
        .replacen("rate = \"1/min\"\nrate", "rate", 1);
        let path = dir.path().join("x.toml");
        let e = parse_scenario(&path, &text).expect_err(traffic);
        assert!(e.message.contains(words), "{traffic}: {}", e.message);
        // The last line of the file is the offending one.
        let last_line = text.lines().count();
        assert_eq!(e.line_col(), Some((last_line, column)), "{traffic}");
    }
}
