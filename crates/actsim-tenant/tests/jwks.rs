//! The JWKS endpoint publishes the key that signs the tokens.

use crate::common;

use actsim_tenant::HttpRequest;
use base64::Engine as _;
use common::*;
use jsonwebtoken::DecodingKey;

#[test]
fn jwks_endpoint_matches_tenant_jwks_and_shape() {
    let mut t = local();
    let resp = t.handle(&HttpRequest::new("GET", "/.well-known/jwks.json"), NOW);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let jwks = json_of(&resp);
    assert_eq!(jwks, t.jwks());
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k["kty"], "RSA");
    assert_eq!(k["kid"], "actsim-dev-key-1");
    assert_eq!(k["use"], "sig");
    assert_eq!(k["alg"], "RS256");
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(k["n"].as_str().unwrap())
        .expect("n is unpadded base64url");
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(k["e"].as_str().unwrap())
        .expect("e is unpadded base64url");
    assert_eq!(n.len(), 256, "2048-bit modulus without a leading zero byte");
    assert_eq!(e, [1, 0, 1], "public exponent 65537");
}

#[test]
fn tokens_verify_with_a_key_built_from_the_jwks_components() {
    let mut t = local();
    let jwks = t.jwks();
    let k = &jwks["keys"][0];
    let from_jwks =
        DecodingKey::from_rsa_components(k["n"].as_str().unwrap(), k["e"].as_str().unwrap())
            .unwrap();
    let token = mgmt_token(&mut t, NOW);
    let claims = verify_with(&token, &from_jwks, MGMT).expect("verifies with the JWKS key");
    assert_eq!(claims.sub, "actsim-local-m2m@clients");
    // ... and with the published SPKI PEM, so the PEM and the JWKS are the same key.
    verify_with(&token, &public_key(), MGMT).expect("verifies with the PEM public key");
    // A key with a different modulus rejects it (the check is not vacuous).
    let mut n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(k["n"].as_str().unwrap())
        .unwrap();
    n[100] ^= 0x01;
    let wrong = DecodingKey::from_rsa_raw_components(&n, &[1, 0, 1]);
    assert!(verify_with(&token, &wrong, MGMT).is_err());
}
