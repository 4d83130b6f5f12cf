//! Access-token signing and verification with the bundled development RSA key.
//!
//! **The key pair in `keys/` is public and insecure.** It is committed to the repository so that
//! every run signs byte-identical tokens (RS256 with PKCS#1 v1.5 padding is deterministic). It
//! must never protect anything real.
//!
//! Tokens are compact JWS strings, `base64url(header).base64url(claims).base64url(signature)`,
//! with the header `{"typ":"JWT","alg":"RS256","kid":"actsim-dev-key-1"}`: byte for byte what
//! `jsonwebtoken::encode` produces for the same claims. Verification accepts exactly the tokens
//! `jsonwebtoken::decode` accepts for RS256 with the public key and the expected audience and
//! issuer (and a `kid`, if any, of [`DEV_KEY_ID`]), and checks expiry against the tenant's
//! virtual clock instead of the system clock. The tests compare both with jsonwebtoken.
//!
//! RSA dominates the tenant's cost, so the work is done as rarely as possible:
//! - the key pair is parsed once per process (not once per token);
//! - a bounded memo maps recent signing inputs to their signatures, so the same claims (a burst
//!   of token requests within one second) cost one RSA signature;
//! - a bounded memo keeps the outcome of the signature, header, audience and issuer checks per
//!   token, so a bearer token presented again skips RSA; a token whose signature is still in the
//!   signature memo (issued recently by the same tenant) needs no RSA verification at all.
//!
//! The memos change no output: signatures are deterministic, and the expiry check runs on every
//! call.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::SigningKey;
use rsa::sha2::{Digest, Sha256};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{Pkcs1v15Sign, PrivateKey, PublicKey};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::TenantError;

/// PKCS#1 PEM of the development signing key. Public and insecure: for local emulation only.
pub const DEV_SIGNING_KEY_PEM: &str = include_str!("../keys/dev-signing-key.pem");

/// SPKI PEM of the development signing key's public half.
pub const DEV_PUBLIC_KEY_PEM: &str = include_str!("../keys/dev-signing-key.pub.pem");

/// The fixed `kid` of the development key, in token headers and the JWKS.
pub const DEV_KEY_ID: &str = "actsim-dev-key-1";

/// How many recent signing inputs (`header.payload`) keep their signature.
const SIGNATURE_MEMO_CAPACITY: usize = 64;

/// How many recently presented tokens keep the outcome of their (non-expiry) checks.
const VERDICT_MEMO_CAPACITY: usize = 64;

/// Claims of an access token issued by the mock tenant (client-credentials shape).
///
/// Serialized in this field order: `iss, sub, aud, iat, exp, scope, gty, azp`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccessTokenClaims {
    /// Issuer, `https://{domain}/`.
    pub iss: String,
    /// Subject, `{client_id}@clients`.
    pub sub: String,
    /// Audience (API identifier).
    pub aud: String,
    /// Issued-at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Granted scopes, space-separated.
    #[serde(default)]
    pub scope: String,
    /// Grant type, `client-credentials`.
    #[serde(default)]
    pub gty: String,
    /// Authorized party, the client id.
    #[serde(default)]
    pub azp: String,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Malformed, wrongly signed, wrong algorithm, issuer or audience.
    Invalid,
    /// Valid signature and audience, but `now >= exp`.
    Expired,
}

/// The parsed key pair and everything derived from it; immutable, shared by every [`Keys`].
struct KeyMaterial {
    /// RS256 signer over the private key, CRT values precomputed.
    signer: SigningKey<Sha256>,
    /// The published public key (from [`DEV_PUBLIC_KEY_PEM`]), which verification uses.
    public: PublicKey,
    /// Whether `public` is the signer's own public half. Only then does a signature this tenant
    /// produced prove that RSA verification would succeed (see [`Keys::signed_here`]).
    public_matches_signer: bool,
    /// `base64url(header JSON)`, the first part of every token.
    header_b64: String,
    /// The JSON Web Key Set publishing the public key.
    jwks: Value,
}

impl KeyMaterial {
    /// The embedded key pair, parsed on first use and shared for the rest of the process.
    fn shared() -> Result<Arc<KeyMaterial>, TenantError> {
        static SHARED: OnceLock<Result<Arc<KeyMaterial>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| KeyMaterial::parse().map(Arc::new))
            .clone()
            .map_err(TenantError::Key)
    }

    fn parse() -> Result<KeyMaterial, String> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(
                "no jsonwebtoken crypto provider (exactly one of its `rust_crypto`/`aws_lc_rs` features must be enabled)".to_string(),
            );
        }
        // jsonwebtoken reads the PEMs into PKCS#1 DER; its rust_crypto backend parses that DER
        // with `rsa` on every call. Here it is parsed once, by the same functions.
        let encoding = EncodingKey::from_rsa_pem(DEV_SIGNING_KEY_PEM.as_bytes())
            .map_err(|e| format!("private key: {e}"))?;
        let decoding = DecodingKey::from_rsa_pem(DEV_PUBLIC_KEY_PEM.as_bytes())
            .map_err(|e| format!("public key: {e}"))?;
        let private = PrivateKey::from_pkcs1_der(encoding.as_bytes())
            .map_err(|e| format!("private key: {e}"))?;
        let public_der = decoding
            .try_get_as_bytes()
            .map_err(|e| format!("public key: {e}"))?;
        let public =
            PublicKey::from_pkcs1_der(public_der).map_err(|e| format!("public key: {e}"))?;
        let public_matches_signer = private.as_public_key() == &public;

        let jwk =
            Jwk::from_encoding_key(&encoding, Algorithm::RS256).map_err(|e| format!("JWK: {e}"))?;
        let (n, e) = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => (rsa.n.clone(), rsa.e.clone()),
            _ => return Err("signing key is not RSA".to_string()),
        };
        let jwks = json!({
            "keys": [{
                "kty": "RSA",
                "kid": DEV_KEY_ID,
                "use": "sig",
                "alg": "RS256",
                "n": n,
                "e": e
            }]
        });

        // The header jsonwebtoken would write: its own `Header` type, serialized the same way.
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(DEV_KEY_ID.to_string());
        let header_json = serde_json::to_vec(&header).map_err(|e| format!("header: {e}"))?;

        Ok(KeyMaterial {
            signer: SigningKey::<Sha256>::new(private),
            public,
            public_matches_signer,
            header_b64: URL_SAFE_NO_PAD.encode(header_json),
            jwks,
        })
    }
}

/// A map that holds at most `capacity` entries and forgets the oldest insertion first.
///
/// It is only ever looked up by key, never iterated, so its contents cannot affect the order of
/// anything else.
struct BoundedMemo<V> {
    /// Keyed by whole tokens, hashed fast (with a fixed seed) as a PATCH looks one up.
    entries: HashMap<Arc<str>, V, foldhash::fast::FixedState>,
    order: VecDeque<Arc<str>>,
    capacity: usize,
}

impl<V> BoundedMemo<V> {
    fn new(capacity: usize) -> BoundedMemo<V> {
        BoundedMemo {
            entries: HashMap::default(),
            order: VecDeque::new(),
            capacity,
        }
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    /// Stores `value` under `key`, replacing an existing value in place, or else evicting the
    /// oldest entry when full.
    fn insert(&mut self, key: &str, value: V) {
        if let Some(slot) = self.entries.get_mut(key) {
            *slot = value;
            return;
        }
        while self.order.len() >= self.capacity.max(1) {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        let key: Arc<str> = Arc::from(key);
        self.order.push_back(Arc::clone(&key));
        self.entries.insert(key, value);
    }
}

/// The memoised outcome of every check but expiry, for one token.
struct Verdict {
    audience: String,
    issuer: String,
    /// The claims if the token passed, `None` if it is invalid.
    claims: Option<AccessTokenClaims>,
}

/// Memos of one [`Keys`] value.
struct Memos {
    /// Signing input (`header.payload`) → base64url signature.
    signatures: BoundedMemo<String>,
    /// Token → outcome of the checks for the audience and issuer it was last checked against.
    verdicts: BoundedMemo<Verdict>,
}

impl Default for Memos {
    fn default() -> Memos {
        Memos {
            signatures: BoundedMemo::new(SIGNATURE_MEMO_CAPACITY),
            verdicts: BoundedMemo::new(VERDICT_MEMO_CAPACITY),
        }
    }
}

/// The loaded key material plus memos of recent signatures and verifications.
///
/// The key material is shared (it is immutable); the memos are per value, behind a `Mutex` so
/// that `&Keys` can update them and `Keys` stays `Send + Sync`. A clone starts with empty memos,
/// which changes nothing but speed: outputs never depend on what is memoised.
pub(crate) struct Keys {
    material: Arc<KeyMaterial>,
    memos: Mutex<Memos>,
}

impl Clone for Keys {
    fn clone(&self) -> Keys {
        Keys {
            material: Arc::clone(&self.material),
            memos: Mutex::default(),
        }
    }
}

impl Keys {
    /// Loads the embedded development key pair (parsed once per process) and derives the JWKS.
    pub(crate) fn load() -> Result<Keys, TenantError> {
        Ok(Keys {
            material: KeyMaterial::shared()?,
            memos: Mutex::default(),
        })
    }

    /// The JSON Web Key Set publishing the public key.
    pub(crate) fn jwks(&self) -> &Value {
        &self.material.jwks
    }

    fn memos(&self) -> MutexGuard<'_, Memos> {
        // Every memo entry is correct on its own, so the memos stay usable after a panic.
        self.memos.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs `claims` as an RS256 JWT with header `{typ: "JWT", alg: "RS256", kid}`.
    ///
    /// The same claims always give the same token; recently signed inputs are answered from the
    /// signature memo without RSA.
    pub(crate) fn sign(&self, claims: &AccessTokenClaims) -> Result<String, String> {
        let payload = serde_json::to_vec(claims)
            .map_err(|e| jsonwebtoken::errors::Error::from(e).to_string())?;
        let header_b64 = &self.material.header_b64;
        // header + '.' + base64url(payload) + '.' + 342 signature characters (2048-bit key).
        let mut token = String::with_capacity(header_b64.len() + payload.len() * 4 / 3 + 348);
        token.push_str(header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        // `token` holds the signing input so far.
        let memoised = self.memos().signatures.get(&token).cloned();
        let signature = match memoised {
            Some(signature) => signature,
            None => {
                let signature = self
                    .material
                    .signer
                    .try_sign(token.as_bytes())
                    .map_err(|e| jsonwebtoken::errors::Error::from(e).to_string())?;
                let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
                self.memos().signatures.insert(&token, signature.clone());
                signature
            }
        };
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }

    /// Verifies an RS256 token for `audience` and `issuer`, and checks its expiry against
    /// `now_ms` (not the system clock): the token is expired once `now_ms >= exp * 1000`.
    ///
    /// Everything but expiry is memoised per token; expiry is checked on every call.
    pub(crate) fn verify(
        &self,
        token: &str,
        audience: &str,
        issuer: &str,
        now_ms: i64,
    ) -> Result<AccessTokenClaims, Rejection> {
        let memoised = match self.memos().verdicts.get(token) {
            Some(v) if v.audience == audience && v.issuer == issuer => Some(v.claims.clone()),
            _ => None,
        };
        let claims = match memoised {
            Some(claims) => claims,
            None => {
                let claims = self.check(token, audience, issuer);
                let verdict = Verdict {
                    audience: audience.to_string(),
                    issuer: issuer.to_string(),
                    claims: claims.clone(),
                };
                self.memos().verdicts.insert(token, verdict);
                claims
            }
        };
        let claims = claims.ok_or(Rejection::Invalid)?;
        if now_ms >= claims.exp.saturating_mul(1000) {
            return Err(Rejection::Expired);
        }
        Ok(claims)
    }

    /// Every check but expiry, with the outcome `jsonwebtoken::decode` would give for RS256, this
    /// key, `validate_exp = false`, required claims `exp, aud, iss, sub`, and the given audience
    /// and issuer (plus the `kid` check). The cheap checks run before the RSA verification.
    fn check(&self, token: &str, audience: &str, issuer: &str) -> Option<AccessTokenClaims> {
        // Split as jsonwebtoken does: the signature after the last '.', the payload after the
        // last '.' before it; the header is the rest (a '.' in it fails base64 decoding).
        let (message, signature) = token.rsplit_once('.')?;
        let (header, payload) = message.rsplit_once('.')?;
        if !header_is_acceptable(header) {
            return None;
        }
        let claims = claims_if_acceptable(payload, audience, issuer)?;
        let signature_ok =
            self.signed_here(message, signature) || self.rsa_verifies(message, signature);
        signature_ok.then_some(claims)
    }

    /// Whether this `Keys` recently signed `message` with exactly this signature. RSA PKCS#1 v1.5
    /// signatures are unique per message and key, so that proves the signature valid.
    fn signed_here(&self, message: &str, signature: &str) -> bool {
        self.material.public_matches_signer
            && self
                .memos()
                .signatures
                .get(message)
                .is_some_and(|s| s == signature)
    }

    /// RS256 verification of `signature` (base64url, unpadded) over `message`.
    fn rsa_verifies(&self, message: &str, signature: &str) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let digest = Sha256::digest(message.as_bytes());
        self.material
            .public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
            .is_ok()
    }
}

/// Whether the encoded JOSE header is one `jsonwebtoken::decode` accepts for RS256 (`alg` RS256;
/// `b64`, if present, a boolean and not `false`; `crit`, if present, exactly `["b64"]` with a
/// `b64` member) and its `kid`, if any, is [`DEV_KEY_ID`].
fn header_is_acceptable(encoded: &str) -> bool {
    let Ok(json) = URL_SAFE_NO_PAD.decode(encoded) else {
        return false;
    };
    let Ok(header) = serde_json::from_slice::<Header>(&json) else {
        return false;
    };
    if header.alg != Algorithm::RS256 || header.kid.as_deref().is_some_and(|k| k != DEV_KEY_ID) {
        return false;
    }
    let b64 = match header.extras.get::<bool>("b64") {
        Ok(b64) => b64,
        Err(_) => return false,
    };
    if b64 == Some(false) {
        return false;
    }
    match &header.crit {
        None => true,
        Some(crit) => b64.is_some() && crit.len() == 1 && crit[0] == "b64",
    }
}

/// The claims of the encoded payload, if they deserialize and pass jsonwebtoken's checks of the
/// registered claims (`exp`, `sub`, `iss`, `aud` present; `iss == issuer`; `aud == audience`).
fn claims_if_acceptable(encoded: &str, audience: &str, issuer: &str) -> Option<AccessTokenClaims> {
    let json = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    let claims: AccessTokenClaims = serde_json::from_slice(&json).ok()?;
    // jsonwebtoken deserializes the payload a second time, leniently, for its checks; that pass
    // fails on a few payloads the first accepts (a duplicated `nbf`, an `nbf` that is a non-empty
    // array or object), so it is repeated here with the same shape.
    let registered: RegisteredClaims = serde_json::from_slice(&json).ok()?;
    let passes = matches!(registered.exp, Lenient::Value(_))
        && matches!(registered.sub, Lenient::Value(_))
        && matches!(&registered.iss, Lenient::Value(iss) if iss == issuer)
        && matches!(&registered.aud, Lenient::Value(aud) if aud == audience);
    passes.then_some(claims)
}

/// The registered claims as jsonwebtoken reads them for validation: same fields, in the same
/// order, each read leniently (a malformed value is recorded, not an error). `exp` and `nbf`
/// count only as numbers representable as `u64`; `nbf` is read but never checked.
#[derive(Deserialize)]
struct RegisteredClaims {
    #[serde(default, deserialize_with = "lenient_timestamp")]
    exp: Lenient<u64>,
    #[serde(default, deserialize_with = "lenient_timestamp")]
    #[allow(dead_code)]
    nbf: Lenient<u64>,
    sub: Lenient<String>,
    iss: Lenient<String>,
    aud: Lenient<String>,
}

/// A claim value that was present and well-formed, absent (or `null`), or malformed.
#[derive(Default)]
enum Lenient<T> {
    Value(T),
    #[default]
    Absent,
    Malformed,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lenient<T>, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer) {
            Ok(Some(value)) => Lenient::Value(value),
            Ok(None) => Lenient::Absent,
            Err(_) => Lenient::Malformed,
        })
    }
}

/// Reads any JSON value; a non-negative integer, or a finite non-negative float below 2^64
/// (rounded), is a timestamp, anything else is malformed.
fn lenient_timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Lenient<u64>, D::Error> {
    struct Timestamp(PhantomData<Lenient<u64>>);

    impl Visitor<'_> for Timestamp {
        type Value = Lenient<u64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number of seconds representable as u64")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient<u64>, E> {
            Ok(Lenient::Value(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient<u64>, E> {
            if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 {
                Ok(Lenient::Value(v.round() as u64))
            } else {
                Err(E::custom("timestamp out of range"))
            }
        }
    }

    Ok(deserializer
        .deserialize_any(Timestamp(PhantomData))
        .unwrap_or(Lenient::Malformed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Validation;
    use proptest::prelude::*;

    const MGMT: &str = "https://tenant.actsim.test/api/v2/";
    const ISS: &str = "https://tenant.actsim.test/";
    const OTHER_API: &str = "https://api.example.test/";
    const IAT: i64 = 1_700_000_000;

    fn claims(iat: i64, aud: &str) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: ISS.to_string(),
            sub: "actsim-local-m2m@clients".to_string(),
            aud: aud.to_string(),
            iat,
            exp: iat + 86_400,
            scope: "read:users update:users".to_string(),
            gty: "client-credentials".to_string(),
            azp: "actsim-local-m2m".to_string(),
        }
    }

    fn jsonwebtoken_encoding_key() -> EncodingKey {
        EncodingKey::from_rsa_pem(DEV_SIGNING_KEY_PEM.as_bytes()).unwrap()
    }

    fn jsonwebtoken_decoding_key() -> DecodingKey {
        DecodingKey::from_rsa_pem(DEV_PUBLIC_KEY_PEM.as_bytes()).unwrap()
    }

    /// What `jsonwebtoken::encode` makes of `claims` with the tenant's header.
    fn jsonwebtoken_token(claims: &AccessTokenClaims) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(DEV_KEY_ID.to_string());
        jsonwebtoken::encode(&header, claims, &jsonwebtoken_encoding_key()).unwrap()
    }

    /// The verification this module did before it kept parsed keys and memos: jsonwebtoken's
    /// `decode` with the tenant's validation. The reference `Keys::verify` must agree with.
    fn reference_verify(
        token: &str,
        audience: &str,
        issuer: &str,
        now_ms: i64,
    ) -> Result<AccessTokenClaims, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Invalid)?;
        if header.kid.as_deref().is_some_and(|kid| kid != DEV_KEY_ID) {
            return Err(Rejection::Invalid);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[issuer]);
        let claims = jsonwebtoken::decode::<AccessTokenClaims>(
            token,
            &jsonwebtoken_decoding_key(),
            &validation,
        )
        .map_err(|_| Rejection::Invalid)?
        .claims;
        if now_ms >= claims.exp.saturating_mul(1000) {
            return Err(Rejection::Expired);
        }
        Ok(claims)
    }

    /// A token with the given raw header and payload JSON, genuinely signed with the dev key.
    fn raw_token(header: &str, payload: &str) -> String {
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &jsonwebtoken_encoding_key(),
            Algorithm::RS256,
        )
        .unwrap();
        format!("{message}.{signature}")
    }

    fn with_signature_char_changed(token: &str, index_from_end: usize) -> String {
        let mut chars: Vec<char> = token.chars().collect();
        let i = chars.len() - 1 - index_from_end;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    }

    #[test]
    fn tokens_are_byte_identical_to_jsonwebtoken_encode() {
        let keys = Keys::load().unwrap();
        let mut unusual = claims(IAT, MGMT);
        unusual.scope = "read:users \"quoted\" \u{e9}t\u{e9} \u{1F600} </script>".to_string();
        unusual.azp = String::new();
        for c in [
            claims(IAT, MGMT),
            claims(IAT + 1, OTHER_API),
            unusual,
            claims(0, ""),
        ] {
            let token = keys.sign(&c).unwrap();
            assert_eq!(token, jsonwebtoken_token(&c));
            // Memo hit: still the same bytes.
            assert_eq!(keys.sign(&c).unwrap(), token);
            let header = URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap();
            assert_eq!(
                header,
                br#"{"typ":"JWT","alg":"RS256","kid":"actsim-dev-key-1"}"#
            );
            // jsonwebtoken's own decode with the published public key accepts it.
            let mut validation = Validation::new(Algorithm::RS256);
            validation.validate_exp = false;
            validation.set_audience(&[c.aud.as_str()]);
            let decoded = jsonwebtoken::decode::<AccessTokenClaims>(
                &token,
                &jsonwebtoken_decoding_key(),
                &validation,
            )
            .unwrap();
            assert_eq!(decoded.claims, c);
            assert_eq!(decoded.header.kid.as_deref(), Some(DEV_KEY_ID));
        }
    }

    #[test]
    fn same_claims_give_the_same_token_on_every_path() {
        let keys = Keys::load().unwrap();
        let first = keys.sign(&claims(IAT, MGMT)).unwrap();
        assert_eq!(keys.sign(&claims(IAT, MGMT)).unwrap(), first);
        // Different claims, different token.
        let next_second = keys.sign(&claims(IAT + 1, MGMT)).unwrap();
        assert_ne!(next_second, first);
        // After the first input was evicted from the memo, and on a clone or a fresh load
        // (empty memos), signing again gives the same bytes.
        for i in 0..(SIGNATURE_MEMO_CAPACITY as i64 + 5) {
            keys.sign(&claims(IAT + 100 + i, MGMT)).unwrap();
        }
        assert_eq!(keys.sign(&claims(IAT, MGMT)).unwrap(), first);
        assert_eq!(keys.clone().sign(&claims(IAT, MGMT)).unwrap(), first);
        assert_eq!(
            Keys::load().unwrap().sign(&claims(IAT, MGMT)).unwrap(),
            first
        );
    }

    #[test]
    fn memoised_valid_token_expires_on_the_tenant_clock() {
        let keys = Keys::load().unwrap();
        let c = claims(IAT, MGMT);
        let token = keys.sign(&c).unwrap();
        let exp_ms = c.exp * 1000;
        for _ in 0..3 {
            assert_eq!(keys.verify(&token, MGMT, ISS, IAT * 1000), Ok(c.clone()));
        }
        assert_eq!(keys.verify(&token, MGMT, ISS, exp_ms - 1), Ok(c.clone()));
        assert_eq!(
            keys.verify(&token, MGMT, ISS, exp_ms),
            Err(Rejection::Expired)
        );
        assert_eq!(
            keys.verify(&token, MGMT, ISS, exp_ms + 86_400_000),
            Err(Rejection::Expired)
        );
        // The clock is an input, not state: an earlier `now_ms` is valid again.
        assert_eq!(keys.verify(&token, MGMT, ISS, exp_ms - 1), Ok(c));
    }

    #[test]
    fn changed_signature_character_is_invalid_after_the_valid_token_was_memoised() {
        // Once for a token this Keys signed (its signature memo knows it), once for a token it
        // did not sign (checked by RSA).
        let signer = Keys::load().unwrap();
        let c = claims(IAT, MGMT);
        let token = signer.sign(&c).unwrap();
        for keys in [signer.clone(), Keys::load().unwrap()] {
            assert!(keys.verify(&token, MGMT, ISS, IAT * 1000).is_ok());
            for index_from_end in [0, 1, 170, 341] {
                let forged = with_signature_char_changed(&token, index_from_end);
                assert_ne!(forged, token);
                assert_eq!(
                    keys.verify(&forged, MGMT, ISS, IAT * 1000),
                    Err(Rejection::Invalid),
                    "signature character {index_from_end} from the end changed"
                );
                // ... also when asked again (memoised as invalid) ...
                assert_eq!(
                    keys.verify(&forged, MGMT, ISS, IAT * 1000),
                    Err(Rejection::Invalid)
                );
            }
            // ... and the genuine token is still accepted.
            assert_eq!(keys.verify(&token, MGMT, ISS, IAT * 1000), Ok(c.clone()));
        }
        // Within the signing memo's reach, a forged payload with the genuine signature fails.
        let keys = Keys::load().unwrap();
        let token = keys.sign(&c).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut richer = c.clone();
        richer.scope.push_str(" delete:users");
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&richer).unwrap());
        let forged = format!("{}.{payload}.{}", parts[0], parts[2]);
        assert_eq!(
            keys.verify(&forged, MGMT, ISS, IAT * 1000),
            Err(Rejection::Invalid)
        );
    }

    #[test]
    fn token_for_another_audience_or_issuer_is_refused_after_it_was_memoised() {
        let keys = Keys::load().unwrap();
        let c = claims(IAT, MGMT);
        let token = keys.sign(&c).unwrap();
        let now = IAT * 1000;
        assert_eq!(keys.verify(&token, MGMT, ISS, now), Ok(c.clone()));
        assert_eq!(
            keys.verify(&token, OTHER_API, ISS, now),
            Err(Rejection::Invalid)
        );
        assert_eq!(
            keys.verify(&token, MGMT, "https://other.actsim.test/", now),
            Err(Rejection::Invalid)
        );
        // Alternating does not mix the outcomes up.
        assert_eq!(keys.verify(&token, MGMT, ISS, now), Ok(c.clone()));
        assert_eq!(
            keys.verify(&token, OTHER_API, ISS, now),
            Err(Rejection::Invalid)
        );
        // A token issued for the other audience: valid there, refused for the Management API.
        let other = keys.sign(&claims(IAT, OTHER_API)).unwrap();
        assert!(keys.verify(&other, OTHER_API, ISS, now).is_ok());
        assert_eq!(keys.verify(&other, MGMT, ISS, now), Err(Rejection::Invalid));
        assert_eq!(keys.verify(&token, MGMT, ISS, now), Ok(c));
    }

    #[test]
    fn verification_memo_is_bounded_and_old_tokens_still_verify() {
        let keys = Keys::load().unwrap();
        let tokens: Vec<(AccessTokenClaims, String)> = (0..(VERDICT_MEMO_CAPACITY as i64 * 2))
            .map(|i| {
                let c = claims(IAT + i, MGMT);
                let t = keys.sign(&c).unwrap();
                (c, t)
            })
            .collect();
        for (c, t) in tokens.iter().chain(tokens.iter()) {
            assert_eq!(keys.verify(t, MGMT, ISS, IAT * 1000), Ok(c.clone()));
        }
        let memos = keys.memos();
        assert_eq!(memos.verdicts.entries.len(), VERDICT_MEMO_CAPACITY);
        assert_eq!(memos.verdicts.order.len(), VERDICT_MEMO_CAPACITY);
        assert_eq!(memos.signatures.entries.len(), SIGNATURE_MEMO_CAPACITY);
    }

    #[test]
    fn bounded_memo_forgets_the_oldest_and_replaces_in_place() {
        let mut memo = BoundedMemo::new(3);
        for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
            memo.insert(k, v);
        }
        memo.insert("a", 10); // replaced in place; "a" stays the oldest
        assert_eq!(memo.get("a"), Some(&10));
        memo.insert("d", 4);
        assert_eq!(memo.get("a"), None);
        assert_eq!(
            (memo.get("b"), memo.get("c"), memo.get("d")),
            (Some(&2), Some(&3), Some(&4))
        );
        assert_eq!(memo.entries.len(), 3);
        assert_eq!(memo.order.len(), 3);
    }

    #[test]
    fn keys_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Keys>();
    }

    /// Payloads (as JSON text) probing jsonwebtoken's claim handling.
    fn probe_payloads() -> Vec<String> {
        let base = r#""iss":"https://tenant.actsim.test/","sub":"s@clients","aud":"https://tenant.actsim.test/api/v2/","iat":1700000000"#;
        let mut payloads: Vec<String> = [
            r#""exp":1700086400"#,
            r#""exp":1700086400,"scope":"a b","gty":"client-credentials","azp":"c""#,
            r#""exp":0"#,
            r#""exp":-1"#,
            r#""exp":1.7e9"#,
            r#""exp":"1700086400""#,
            r#""exp":null"#,
            r#""exp":1700086400,"exp":1700086400"#,
            r#""exp":1700086400,"nbf":0"#,
            r#""exp":1700086400,"nbf":-5"#,
            r#""exp":1700086400,"nbf":1.5"#,
            r#""exp":1700086400,"nbf":"soon""#,
            r#""exp":1700086400,"nbf":null"#,
            r#""exp":1700086400,"nbf":true"#,
            r#""exp":1700086400,"nbf":[]"#,
            r#""exp":1700086400,"nbf":[1]"#,
            r#""exp":1700086400,"nbf":[[1],2]"#,
            r#""exp":1700086400,"nbf":{}"#,
            r#""exp":1700086400,"nbf":{"a":1}"#,
            r#""exp":1700086400,"nbf":1,"nbf":2"#,
            r#""exp":1700086400,"nbf":99999999999"#,
            r#""exp":1700086400,"extra":{"nested":[1,2,{"x":null}]}"#,
            r#""exp":1700086400"#,
            r#""exp":1700086400,"scope":null"#,
        ]
        .iter()
        .map(|extra| format!("{{{base},{extra}}}"))
        .collect();
        payloads.extend(
            [
                r#"{"iss":"https://tenant.actsim.test/","aud":"https://tenant.actsim.test/api/v2/","iat":1,"exp":1700086400}"#,
                r#"{"iss":"https://other.test/","sub":"s","aud":"https://tenant.actsim.test/api/v2/","iat":1,"exp":1700086400}"#,
                r#"{"iss":"https://tenant.actsim.test/","sub":"s","aud":"https://api.example.test/","iat":1,"exp":1700086400}"#,
                r#"{"iss":"https://tenant.actsim.test/","sub":"s","aud":["https://tenant.actsim.test/api/v2/"],"iat":1,"exp":1700086400}"#,
                r#"{"iss":"https://tenant.actsim.test/","sub":7,"aud":"https://tenant.actsim.test/api/v2/","iat":1,"exp":1700086400}"#,
                r#"{"iss":"https://tenant.actsim.test/","sub":"s","aud":"https://tenant.actsim.test/api/v2/","exp":1700086400}"#,
                r#"{"iss":"https:\/\/tenant.actsim.test\/","sub":"s","aud":"https:\/\/tenant.actsim.test\/api\/v2\/","iat":1,"exp":1700086400}"#,
                r#"["https://tenant.actsim.test/","s","https://tenant.actsim.test/api/v2/",1,1700086400]"#,
                r#"[1700086400,0,"s","https://tenant.actsim.test/","https://tenant.actsim.test/api/v2/"]"#,
                r#"null"#,
                r#"{}"#,
                r#"not json"#,
                "",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        payloads
    }

    fn probe_headers() -> Vec<&'static str> {
        vec![
            r#"{"typ":"JWT","alg":"RS256","kid":"actsim-dev-key-1"}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"alg":"RS256","kid":null}"#,
            r#"{"alg":"RS256","kid":"another-key"}"#,
            r#"{"alg":"RS384","kid":"actsim-dev-key-1"}"#,
            r#"{"alg":"PS256"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"none"}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":"RS256","b64":true}"#,
            r#"{"alg":"RS256","b64":false}"#,
            r#"{"alg":"RS256","b64":"yes"}"#,
            r#"{"alg":"RS256","b64":true,"crit":["b64"]}"#,
            r#"{"alg":"RS256","crit":["b64"]}"#,
            r#"{"alg":"RS256","b64":true,"crit":[]}"#,
            r#"{"alg":"RS256","b64":true,"crit":["b64","b64"]}"#,
            r#"{"alg":"RS256","crit":["exp"]}"#,
            r#"{"alg":"RS256","custom":{"x":[1,2]},"jku":"https://x.test/"}"#,
            r#"{"alg":"RS256","alg":"RS256"}"#,
            r#"["RS256"]"#,
            "",
        ]
    }

    #[test]
    fn verification_agrees_with_jsonwebtoken_decode_on_crafted_tokens() {
        let signer = Keys::load().unwrap();
        let mut tokens = Vec::new();
        for header in probe_headers() {
            for payload in probe_payloads() {
                tokens.push(raw_token(header, &payload));
            }
        }
        let genuine = signer.sign(&claims(IAT, MGMT)).unwrap();
        let (message, signature) = genuine.rsplit_once('.').unwrap();
        tokens.extend([
            format!("{genuine}="),
            format!("{message}.{signature}=="),
            format!("{message}."),
            format!("{message}.{signature}.{signature}"),
            format!("x.{genuine}"),
            message.to_string(),
            format!(" {genuine}"),
            genuine.replace('.', ".."),
            String::new(),
            ".".to_string(),
            "..".to_string(),
            genuine.clone(),
        ]);
        let mut accepted = 0;
        // A Keys that signed `genuine` (memo shortcut) and one that did not; each asked twice
        // (miss, then hit), at a time before and after `exp`.
        let fresh = Keys::load().unwrap();
        for token in &tokens {
            for keys in [&signer, &fresh] {
                for now_ms in [IAT * 1000, 1_700_086_400_000] {
                    let expected = reference_verify(token, MGMT, ISS, now_ms);
                    accepted += usize::from(expected.is_ok());
                    for _ in 0..2 {
                        assert_eq!(
                            keys.verify(token, MGMT, ISS, now_ms),
                            expected,
                            "token {token}"
                        );
                    }
                }
            }
        }
        assert!(
            accepted > 20,
            "the probes include accepted tokens ({accepted})"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any one-character edit of a genuine token gets the same verdict as jsonwebtoken's.
        #[test]
        fn verification_agrees_with_jsonwebtoken_decode_on_edited_tokens(
            index in 0usize..2000,
            replacement in prop::sample::select(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".chars().collect::<Vec<_>>()
            ),
            edit in 0u8..3,
        ) {
            let keys = Keys::load().unwrap();
            let genuine = keys.sign(&claims(IAT, MGMT)).unwrap();
            let mut chars: Vec<char> = genuine.chars().collect();
            let i = index % chars.len();
            match edit {
                0 => chars[i] = replacement,
                1 => { chars.remove(i); }
                _ => chars.insert(i, replacement),
            }
            let token: String = chars.into_iter().collect();
            let expected = reference_verify(&token, MGMT, ISS, IAT * 1000);
            prop_assert_eq!(keys.verify(&token, MGMT, ISS, IAT * 1000), expected.clone());
            prop_assert_eq!(keys.verify(&token, MGMT, ISS, IAT * 1000), expected);
        }
    }
}
