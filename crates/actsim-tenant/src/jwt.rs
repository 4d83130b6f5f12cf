//! Access-token signing and verification with the bundled development RSA key.
//!
//! **The key pair in `keys/` is public and insecure.** It is committed to the repository so that
//! every run signs byte-identical tokens (RS256 with PKCS#1 v1.5 padding is deterministic). It
//! must never protect anything real.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::TenantError;

/// PKCS#1 PEM of the development signing key. Public and insecure: for local emulation only.
pub const DEV_SIGNING_KEY_PEM: &str = include_str!("../keys/dev-signing-key.pem");

/// SPKI PEM of the development signing key's public half.
pub const DEV_PUBLIC_KEY_PEM: &str = include_str!("../keys/dev-signing-key.pub.pem");

/// The fixed `kid` of the development key, in token headers and the JWKS.
pub const DEV_KEY_ID: &str = "actsim-dev-key-1";

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

/// The loaded key material.
#[derive(Clone)]
pub(crate) struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: Value,
}

impl Keys {
    /// Loads the embedded development key pair and derives the JWKS.
    pub(crate) fn load() -> Result<Keys, TenantError> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(TenantError::Key(
                "no jsonwebtoken crypto provider (exactly one of its `rust_crypto`/`aws_lc_rs` features must be enabled)".to_string(),
            ));
        }
        let encoding = EncodingKey::from_rsa_pem(DEV_SIGNING_KEY_PEM.as_bytes())
            .map_err(|e| TenantError::Key(format!("private key: {e}")))?;
        let decoding = DecodingKey::from_rsa_pem(DEV_PUBLIC_KEY_PEM.as_bytes())
            .map_err(|e| TenantError::Key(format!("public key: {e}")))?;
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .map_err(|e| TenantError::Key(format!("JWK: {e}")))?;
        let (n, e) = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => (rsa.n.clone(), rsa.e.clone()),
            _ => return Err(TenantError::Key("signing key is not RSA".to_string())),
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
        Ok(Keys {
            encoding,
            decoding,
            jwks,
        })
    }

    /// The JSON Web Key Set publishing the public key.
    pub(crate) fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Signs `claims` as an RS256 JWT with header `{typ: "JWT", alg: "RS256", kid}`.
    pub(crate) fn sign(&self, claims: &AccessTokenClaims) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(DEV_KEY_ID.to_string());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies an RS256 token for `audience` and `issuer`, and checks its expiry against
    /// `now_ms` (not the system clock): the token is expired once `now_ms >= exp * 1000`.
    pub(crate) fn verify(
        &self,
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
        // jsonwebtoken's exp check reads the system clock; expiry is checked below against now_ms.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[issuer]);
        let data = jsonwebtoken::decode::<AccessTokenClaims>(token, &self.decoding, &validation)
            .map_err(|_| Rejection::Invalid)?;
        let claims = data.claims;
        if now_ms >= claims.exp.saturating_mul(1000) {
            return Err(Rejection::Expired);
        }
        Ok(claims)
    }
}
