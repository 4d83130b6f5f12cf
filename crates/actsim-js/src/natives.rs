//! Native helpers behind the Node-compatible globals and built-in modules: bytes and text
//! encodings (UTF-8, base64, hex), seeded random bytes, hashes and HMAC, and RSA keys with
//! RSASSA-PKCS1-v1_5 signatures (what `crypto.subtle`, `node:crypto` and JWT libraries need).
//!
//! Nothing here reads the OS clock or the OS random generator: random bytes come from the
//! instance's [`crate::SeededRng`], and RSA blinding uses that generator too (blinding never
//! changes a signature).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rquickjs::{Ctx, Exception, Object, TypedArray};
use rsa::pkcs1::der::{Decode, Encode};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, Pkcs1v15Sign, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::state::HostStateRef;

use crate::boundary::set_native;

type JsResult<T> = rquickjs::Result<T>;

/// A copy of a typed array's bytes (copied at once: no JavaScript runs while the slice lives).
fn bytes_of(array: &TypedArray<'_, u8>) -> Vec<u8> {
    // SAFETY: the slice is copied immediately, before any JavaScript can run.
    unsafe { array.as_bytes() }
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

fn new_bytes<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> JsResult<TypedArray<'js, u8>> {
    TypedArray::new(ctx.clone(), bytes)
}

fn type_error<T>(ctx: &Ctx<'_>, message: &str) -> JsResult<T> {
    Err(Exception::throw_type(ctx, message))
}

/// Register the native helpers on `host`.
pub(crate) fn build<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    encodings(ctx, host)?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "randomBytes",
        move |ctx: Ctx<'js>, n: f64| -> JsResult<TypedArray<'js, u8>> {
            if !(0.0..=65536.0 * 1024.0).contains(&n) {
                return type_error(&ctx, "randomBytes: size out of range");
            }
            let mut out = vec![0u8; n as usize];
            fill_random(&mut s.borrow_mut().rng, &mut out);
            new_bytes(&ctx, out)
        },
    )?;
    hashes(ctx, host)?;
    rsa_keys(ctx, host, state)?;
    Ok(())
}

fn fill_random(rng: &mut crate::rng::SeededRng, out: &mut [u8]) {
    for chunk in out.chunks_mut(8) {
        let bytes = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn encodings<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> JsResult<()> {
    set_native(
        ctx,
        host,
        "utf8Encode",
        |ctx: Ctx<'js>, crate::text::Text(s): crate::text::Text| -> JsResult<TypedArray<'js, u8>> {
            new_bytes(&ctx, s.into_bytes())
        },
    )?;
    set_native(
        ctx,
        host,
        "utf8Decode",
        |ctx: Ctx<'js>, bytes: TypedArray<'js, u8>, fatal: bool| -> JsResult<String> {
            let bytes = bytes_of(&bytes);
            if fatal {
                String::from_utf8(bytes).or_else(|_| {
                    let e = Exception::from_message(
                        ctx.clone(),
                        "The encoded data was not valid for encoding utf-8",
                    )?;
                    e.set("name", "TypeError")?;
                    e.set("code", "ERR_ENCODING_INVALID_ENCODED_DATA")?;
                    Err(ctx.throw(e.into_value()))
                })
            } else {
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
        },
    )?;
    set_native(
        ctx,
        host,
        "base64Encode",
        |bytes: TypedArray<'js, u8>, url: bool, pad: bool| -> String {
            let bytes = bytes_of(&bytes);
            match (url, pad) {
                (false, true) => STANDARD.encode(bytes),
                (false, false) => STANDARD_NO_PAD.encode(bytes),
                (true, true) => URL_SAFE.encode(bytes),
                (true, false) => URL_SAFE_NO_PAD.encode(bytes),
            }
        },
    )?;
    set_native(
        ctx,
        host,
        "base64Decode",
        |ctx: Ctx<'js>, s: String| -> JsResult<TypedArray<'js, u8>> {
            new_bytes(&ctx, lenient_base64(&s))
        },
    )?;
    set_native(
        ctx,
        host,
        "hexEncode",
        |bytes: TypedArray<'js, u8>| -> String {
            let bytes = bytes_of(&bytes);
            let mut out = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                out.push_str(&format!("{b:02x}"));
            }
            out
        },
    )?;
    set_native(
        ctx,
        host,
        "hexDecode",
        |ctx: Ctx<'js>, s: String| -> JsResult<TypedArray<'js, u8>> {
            // Like Node: decoding stops at the first pair that is not two hex digits.
            let digits = s.as_bytes();
            let mut out = Vec::with_capacity(digits.len() / 2);
            for pair in digits.chunks_exact(2) {
                let hi = (pair[0] as char).to_digit(16);
                let lo = (pair[1] as char).to_digit(16);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => break,
                }
            }
            new_bytes(&ctx, out)
        },
    )?;
    Ok(())
}

/// Node's base64 decoder: accepts the standard and URL-safe alphabets, ignores characters
/// outside them (whitespace), and stops at the first `=`.
pub(crate) fn lenient_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The hash algorithms actsim provides, by Node name (`sha256`) or WebCrypto name (`SHA-256`).
#[derive(Clone, Copy)]
enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Md5,
}

impl HashAlg {
    fn parse(name: &str) -> Option<HashAlg> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Some(HashAlg::Sha1),
            "sha256" | "rsasha256" => Some(HashAlg::Sha256),
            "sha384" | "rsasha384" => Some(HashAlg::Sha384),
            "sha512" | "rsasha512" => Some(HashAlg::Sha512),
            "md5" => Some(HashAlg::Md5),
            _ => None,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
            HashAlg::Md5 => md5::Md5::digest(data).to_vec(),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length.
            let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            HashAlg::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
            HashAlg::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
            HashAlg::Sha384 => run::<Hmac<sha2::Sha384>>(key, data),
            HashAlg::Sha512 => run::<Hmac<sha2::Sha512>>(key, data),
            HashAlg::Md5 => run::<Hmac<md5::Md5>>(key, data),
        }
    }
}

fn hash_alg(ctx: &Ctx<'_>, name: &str) -> JsResult<HashAlg> {
    HashAlg::parse(name).ok_or_else(|| {
        Exception::throw_message(
            ctx,
            &format!("Digest method not supported: '{name}' (actsim provides sha1, sha256, sha384, sha512 and md5)"),
        )
    })
}

fn hashes<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> JsResult<()> {
    // `Text`: a lone surrogate in the name is no algorithm, not a conversion error.
    set_native(
        ctx,
        host,
        "hashSupported",
        |crate::text::Text(name): crate::text::Text| HashAlg::parse(&name).is_some(),
    )?;
    set_native(
        ctx,
        host,
        "digest",
        |ctx: Ctx<'js>, alg: String, data: TypedArray<'js, u8>| -> JsResult<TypedArray<'js, u8>> {
            let alg = hash_alg(&ctx, &alg)?;
            new_bytes(&ctx, alg.digest(&bytes_of(&data)))
        },
    )?;
    set_native(
        ctx,
        host,
        "hmac",
        |ctx: Ctx<'js>,
         alg: String,
         key: TypedArray<'js, u8>,
         data: TypedArray<'js, u8>|
         -> JsResult<TypedArray<'js, u8>> {
            let alg = hash_alg(&ctx, &alg)?;
            new_bytes(&ctx, alg.hmac(&bytes_of(&key), &bytes_of(&data)))
        },
    )?;
    Ok(())
}

/// An RSA key as a JWK (base64url, unpadded big-endian integers): the one form keys take in
/// JavaScript, whatever format they were imported from.
#[derive(Serialize, Deserialize, Default)]
struct RsaJwk {
    kty: String,
    n: String,
    e: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    qi: Option<String>,
}

fn b64u(bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    URL_SAFE_NO_PAD.encode(&bytes[start..])
}

fn unb64u(s: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|e| format!("invalid base64url in an RSA JWK: {e}"))
}

fn uint(s: &str) -> Result<BoxedUint, String> {
    Ok(BoxedUint::from_be_slice_vartime(&unb64u(s)?))
}

fn jwk_from_public(der_pkcs1: &[u8]) -> Result<RsaJwk, String> {
    let key = rsa::pkcs1::RsaPublicKey::<rsa::pkcs1::UintRef<'_>>::from_der(der_pkcs1)
        .map_err(|e| format!("not an RSA public key: {e}"))?;
    Ok(RsaJwk {
        kty: "RSA".into(),
        n: b64u(key.modulus.as_bytes()),
        e: b64u(key.public_exponent.as_bytes()),
        ..RsaJwk::default()
    })
}

fn jwk_from_private(der_pkcs1: &[u8]) -> Result<RsaJwk, String> {
    let key = rsa::pkcs1::RsaPrivateKey::<rsa::pkcs1::UintRef<'_>>::from_der(der_pkcs1)
        .map_err(|e| format!("not an RSA private key: {e}"))?;
    Ok(RsaJwk {
        kty: "RSA".into(),
        n: b64u(key.modulus.as_bytes()),
        e: b64u(key.public_exponent.as_bytes()),
        d: Some(b64u(key.private_exponent.as_bytes())),
        p: Some(b64u(key.prime1.as_bytes())),
        q: Some(b64u(key.prime2.as_bytes())),
        dp: Some(b64u(key.exponent1.as_bytes())),
        dq: Some(b64u(key.exponent2.as_bytes())),
        qi: Some(b64u(key.coefficient.as_bytes())),
    })
}

/// Read a DER key of `kind` (`spki`, `pkcs1-public`, `pkcs8`, `pkcs1-private`) into a JWK.
fn import_der(kind: &str, der: &[u8]) -> Result<RsaJwk, String> {
    const RSA_OID: rsa::pkcs8::ObjectIdentifier =
        rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    match kind {
        "spki" => {
            let info = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(der)
                .map_err(|e| format!("invalid SPKI public key: {e}"))?;
            if info.algorithm.oid != RSA_OID {
                return Err(format!(
                    "unsupported key type (algorithm {}): actsim supports RSA keys only",
                    info.algorithm.oid
                ));
            }
            let bits = info
                .subject_public_key
                .as_bytes()
                .ok_or("invalid SPKI public key: unaligned bit string")?;
            jwk_from_public(bits)
        }
        "pkcs1-public" => jwk_from_public(der),
        "pkcs8" => {
            let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(der)
                .map_err(|e| format!("invalid PKCS#8 private key: {e}"))?;
            if info.algorithm.oid != RSA_OID {
                return Err(format!(
                    "unsupported key type (algorithm {}): actsim supports RSA keys only",
                    info.algorithm.oid
                ));
            }
            jwk_from_private(info.private_key.as_bytes())
        }
        "pkcs1-private" => jwk_from_private(der),
        other => Err(format!("unsupported key format '{other}'")),
    }
}

fn public_key(jwk: &RsaJwk) -> Result<RsaPublicKey, String> {
    RsaPublicKey::new(uint(&jwk.n)?, uint(&jwk.e)?)
        .map_err(|e| format!("invalid RSA public key: {e}"))
}

fn private_key(jwk: &RsaJwk) -> Result<RsaPrivateKey, String> {
    let d = jwk.d.as_deref().ok_or("the key is not a private key")?;
    let mut primes = Vec::new();
    if let (Some(p), Some(q)) = (&jwk.p, &jwk.q) {
        primes.push(uint(p)?);
        primes.push(uint(q)?);
    }
    RsaPrivateKey::from_components(uint(&jwk.n)?, uint(&jwk.e)?, uint(d)?, primes)
        .map_err(|e| format!("invalid RSA private key: {e}"))
}

fn parse_jwk(json: &str) -> Result<RsaJwk, String> {
    serde_json::from_str(json).map_err(|e| format!("invalid RSA JWK: {e}"))
}

/// Blinding randomness for RSA signing from the instance's seeded generator (blinding hides
/// timing; it never changes the signature).
struct BlindingRng<'a>(&'a mut crate::rng::SeededRng);

impl rsa::rand_core::TryRng for BlindingRng<'_> {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0.next_u64() as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        fill_random(self.0, dst);
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for BlindingRng<'_> {}

fn pkcs1v15_sign(
    rng: &mut crate::rng::SeededRng,
    key: &RsaPrivateKey,
    alg: HashAlg,
    data: &[u8],
) -> Result<Vec<u8>, String> {
    let mut rng = BlindingRng(rng);
    let (scheme, hashed) = match alg {
        HashAlg::Sha1 => (Pkcs1v15Sign::new::<sha1::Sha1>(), alg.digest(data)),
        HashAlg::Sha256 => (Pkcs1v15Sign::new::<sha2::Sha256>(), alg.digest(data)),
        HashAlg::Sha384 => (Pkcs1v15Sign::new::<sha2::Sha384>(), alg.digest(data)),
        HashAlg::Sha512 => (Pkcs1v15Sign::new::<sha2::Sha512>(), alg.digest(data)),
        HashAlg::Md5 => return Err("RSA signatures with MD5 are not supported".into()),
    };
    key.sign_with_rng(&mut rng, scheme, &hashed)
        .map_err(|e| format!("RSA signing failed: {e}"))
}

fn pkcs1v15_verify(key: &RsaPublicKey, alg: HashAlg, data: &[u8], sig: &[u8]) -> bool {
    let scheme = match alg {
        HashAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        HashAlg::Md5 => return false,
    };
    key.verify(scheme, &alg.digest(data), sig).is_ok()
}

fn rsa_keys<'js>(ctx: &Ctx<'js>, host: &Object<'js>, state: &HostStateRef) -> JsResult<()> {
    set_native(
        ctx,
        host,
        "rsaImportDer",
        |ctx: Ctx<'js>, kind: String, der: TypedArray<'js, u8>| -> JsResult<String> {
            let jwk = import_der(&kind, &bytes_of(&der)).or_else(|m| type_error(&ctx, &m))?;
            Ok(serde_json::to_string(&jwk).unwrap_or_default())
        },
    )?;
    set_native(
        ctx,
        host,
        "rsaCheckJwk",
        |ctx: Ctx<'js>, json: String| -> JsResult<f64> {
            // Validates the key and returns its modulus length in bits.
            let jwk = parse_jwk(&json).or_else(|m| type_error(&ctx, &m))?;
            if jwk.d.is_some() {
                let key = private_key(&jwk).or_else(|m| type_error(&ctx, &m))?;
                Ok((key.size() * 8) as f64)
            } else {
                let key = public_key(&jwk).or_else(|m| type_error(&ctx, &m))?;
                Ok((key.size() * 8) as f64)
            }
        },
    )?;
    set_native(
        ctx,
        host,
        "rsaExportDer",
        |ctx: Ctx<'js>, json: String, kind: String| -> JsResult<TypedArray<'js, u8>> {
            let jwk = parse_jwk(&json).or_else(|m| type_error(&ctx, &m))?;
            let der = match kind.as_str() {
                "spki" => public_key(&jwk)
                    .and_then(|k| k.to_public_key_der().map_err(|e| e.to_string()))
                    .map(|d| d.as_bytes().to_vec()),
                "pkcs1-public" => public_key(&jwk).and_then(|k| {
                    let n = k.n_bytes();
                    let e = k.e_bytes();
                    let key = rsa::pkcs1::RsaPublicKey {
                        modulus: rsa::pkcs1::UintRef::new(&n).map_err(|e| e.to_string())?,
                        public_exponent: rsa::pkcs1::UintRef::new(&e).map_err(|e| e.to_string())?,
                    };
                    key.to_der().map_err(|e| e.to_string())
                }),
                "pkcs8" => private_key(&jwk)
                    .and_then(|k| k.to_pkcs8_der().map_err(|e| e.to_string()))
                    .map(|d| d.as_bytes().to_vec()),
                other => Err(format!("unsupported export format '{other}'")),
            };
            let der = der.or_else(|m| type_error(&ctx, &m))?;
            new_bytes(&ctx, der)
        },
    )?;
    let s = state.clone();
    set_native(
        ctx,
        host,
        "rsaSign",
        move |ctx: Ctx<'js>,
              json: String,
              alg: String,
              data: TypedArray<'js, u8>|
              -> JsResult<TypedArray<'js, u8>> {
            let alg = hash_alg(&ctx, &alg)?;
            let jwk = parse_jwk(&json).or_else(|m| type_error(&ctx, &m))?;
            let key = private_key(&jwk).or_else(|m| type_error(&ctx, &m))?;
            let data = bytes_of(&data);
            let sig = pkcs1v15_sign(&mut s.borrow_mut().rng, &key, alg, &data)
                .or_else(|m| type_error(&ctx, &m))?;
            new_bytes(&ctx, sig)
        },
    )?;
    set_native(
        ctx,
        host,
        "rsaVerify",
        |ctx: Ctx<'js>,
         json: String,
         alg: String,
         data: TypedArray<'js, u8>,
         sig: TypedArray<'js, u8>|
         -> JsResult<bool> {
            let alg = hash_alg(&ctx, &alg)?;
            let jwk = parse_jwk(&json).or_else(|m| type_error(&ctx, &m))?;
            let key = public_key(&jwk).or_else(|m| type_error(&ctx, &m))?;
            Ok(pkcs1v15_verify(
                &key,
                alg,
                &bytes_of(&data),
                &bytes_of(&sig),
            ))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_base64_accepts_both_alphabets_and_stops_at_padding() {
        assert_eq!(lenient_base64("aGVsbG8="), b"hello");
        assert_eq!(lenient_base64("aGVs bG8"), b"hello");
        assert_eq!(lenient_base64("-_8"), vec![0xfb, 0xff]);
        assert_eq!(lenient_base64("+/8="), vec![0xfb, 0xff]);
        assert_eq!(lenient_base64("aGk=aGk="), b"hi");
    }

    #[test]
    fn hashes_match_known_vectors() {
        let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(HashAlg::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(HashAlg::Md5.digest(b"")),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hex(HashAlg::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
