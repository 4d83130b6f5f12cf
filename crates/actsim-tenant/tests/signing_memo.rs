//! Signing and verification are memoised inside the tenant; seen from outside, tokens and
//! verdicts are exactly what jsonwebtoken would produce, on every request.

use crate::common;

use actsim_tenant::{AccessTokenClaims, Tenant};
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const SIGNING_KEY_PEM: &str = include_str!("../keys/dev-signing-key.pem");

/// `jsonwebtoken::encode` of `claims` with the tenant's header and the development key.
fn jsonwebtoken_encode(claims: &AccessTokenClaims) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("actsim-dev-key-1".to_string());
    let key = EncodingKey::from_rsa_pem(SIGNING_KEY_PEM.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn status_of(t: &mut Tenant, token: &str, now_ms: i64) -> (u16, String) {
    let resp = t.handle(&bearer("GET", USER_PATH, token), now_ms);
    let code = resp.json().map_or(String::new(), |body| {
        body["errorCode"].as_str().unwrap_or_default().to_string()
    });
    (resp.status, code)
}

#[test]
fn issued_tokens_are_byte_identical_to_jsonwebtoken_encode() {
    let mut t = extended();
    for (client, secret, audience, now) in [
        (CLIENT_ID, SECRET, MGMT, NOW),
        (CLIENT_ID, SECRET, MGMT, NOW + 1_000),
        ("reader", "reader-secret", MGMT, NOW + 1_500),
        ("api-client", "api-secret", OTHER_API, NOW + 2_999),
    ] {
        let token = token_for(&mut t, client, secret, audience, now);
        let claims = verify_with(&token, &public_key(), audience).expect("jsonwebtoken accepts it");
        assert_eq!(claims.iat, now / 1000);
        assert_eq!(token, jsonwebtoken_encode(&claims));
    }
}

#[test]
fn token_requests_in_the_same_second_get_the_same_token() {
    let mut t = local();
    let first = mgmt_token(&mut t, NOW);
    for now in [NOW, NOW + 1, NOW + 999] {
        assert_eq!(mgmt_token(&mut t, now), first);
    }
    let next = mgmt_token(&mut t, NOW + 1_000);
    assert_ne!(
        next, first,
        "the next second has another iat, so another token"
    );
    // Another tenant (no shared memo) issues the same bytes.
    assert_eq!(mgmt_token(&mut local(), NOW + 500), first);
    assert_eq!(t.token_requests(), 5, "every request is still counted");
    assert_eq!(t.issued_tokens().len(), 5);
}

#[test]
fn a_token_accepted_many_times_expires_on_the_tenant_clock() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    let exp_ms = NOW + 86_400_000;
    for now in [NOW, NOW + 60_000, exp_ms - 1, exp_ms - 1] {
        assert_eq!(status_of(&mut t, &token, now), (200, String::new()));
    }
    for now in [exp_ms, exp_ms + 1, exp_ms] {
        assert_eq!(
            status_of(&mut t, &token, now),
            (401, "token_expired".to_string())
        );
    }
}

#[test]
fn one_changed_signature_character_is_invalid_after_the_genuine_token_was_accepted() {
    let mut t = local();
    // Signed by this tenant, and signed by another tenant (this one never saw its signature).
    let own = mgmt_token(&mut t, NOW);
    let foreign = mgmt_token(&mut local(), NOW + 7_000);
    for genuine in [own, foreign] {
        assert_eq!(status_of(&mut t, &genuine, NOW + 10_000).0, 200);
        let mut chars: Vec<char> = genuine.chars().collect();
        let i = chars.len() - 20;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let forged: String = chars.into_iter().collect();
        for _ in 0..2 {
            assert_eq!(
                status_of(&mut t, &forged, NOW + 10_000),
                (401, "invalid_token".to_string())
            );
        }
        assert_eq!(status_of(&mut t, &genuine, NOW + 10_000).0, 200);
    }
}

#[test]
fn a_token_for_another_audience_is_refused_after_a_management_token_was_accepted() {
    let mut t = extended();
    let mgmt = mgmt_token(&mut t, NOW);
    let other = token_for(&mut t, "api-client", "api-secret", OTHER_API, NOW);
    assert_eq!(status_of(&mut t, &mgmt, NOW).0, 200);
    for _ in 0..2 {
        assert_eq!(
            status_of(&mut t, &other, NOW),
            (401, "invalid_token".to_string())
        );
    }
    assert_eq!(status_of(&mut t, &mgmt, NOW).0, 200);
}

#[test]
fn a_cloned_tenant_answers_exactly_like_the_original() {
    let mut t = local();
    let token = mgmt_token(&mut t, NOW);
    assert_eq!(status_of(&mut t, &token, NOW).0, 200);
    let mut clone = t.clone();
    assert_eq!(status_of(&mut clone, &token, NOW).0, 200);
    assert_eq!(mgmt_token(&mut clone, NOW), token);
    assert_eq!(
        status_of(&mut clone, &token, NOW + 86_400_000),
        (401, "token_expired".to_string())
    );
}
