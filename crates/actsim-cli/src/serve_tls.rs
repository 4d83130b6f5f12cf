//! `actsim serve --tls`: a certificate authority and a server certificate made at start (never
//! reused, never written with their private keys), and a TLS front that terminates TLS on the
//! public port and passes the plain bytes to the tenant's local HTTP server.
//!
//! Clients trust the server by trusting the authority's certificate, which is written to a file:
//! Node.js reads it from `NODE_EXTRA_CA_CERTS`, curl from `--cacert`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A certificate authority and a server certificate signed by it.
pub struct Certificates {
    /// The authority's certificate (PEM): what clients trust.
    pub ca_pem: String,
    /// The server's TLS configuration (its certificate chain and key).
    config: Arc<ServerConfig>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").finish_non_exhaustive()
    }
}

/// Makes a new authority (`actsim serve local CA`) and a server certificate for `names`
/// (host names or IP addresses).
pub fn generate(names: &[String]) -> Result<Certificates, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    let ca_key = KeyPair::generate().map_err(|e| fail("cannot make a key", &e))?;
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| fail("CA parameters", &e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "actsim serve local CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| fail("cannot sign the CA certificate", &e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(|e| fail("cannot make a key", &e))?;
    let mut params =
        CertificateParams::new(names.to_vec()).map_err(|e| fail("server certificate", &e))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "actsim serve");
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| fail("cannot sign the server certificate", &e))?;

    let chain = vec![
        CertificateDer::from(server_cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail("TLS configuration", &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| fail("TLS configuration", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Certificates {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

/// Accepts connections on `listener` forever: each completes a TLS handshake and is then
/// joined, byte for byte, to a new connection to `backend`. `on_error` hears about failed
/// handshakes (e.g. a plain-HTTP client on the TLS port).
pub async fn serve(
    listener: TcpListener,
    backend: SocketAddr,
    certificates: &Certificates,
    on_error: Arc<dyn Fn(String) + Send + Sync>,
) {
    let acceptor = TlsAcceptor::from(Arc::clone(&certificates.config));
    loop {
        let Ok((socket, peer)) = listener.accept().await else {
            // Out of file descriptors or similar: wait a little instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let on_error = Arc::clone(&on_error);
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await
            {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    return on_error(format!(
                        "TLS handshake with {peer} failed: {e} (is the client using http:// instead of https://, or not trusting the certificate?)"
                    ))
                }
                Err(_) => return on_error(format!("TLS handshake with {peer} timed out")),
            };
            let Ok(mut upstream) = TcpStream::connect(backend).await else {
                return on_error("the tenant's local server is not answering".to_string());
            };
            let mut tls = tls;
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_ca_and_a_server_certificate() {
        let certs = generate(&["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        assert!(certs.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!certs.ca_pem.contains("PRIVATE KEY"));
        // A new authority each time.
        let again = generate(&["127.0.0.1".to_string()]).unwrap();
        assert_ne!(certs.ca_pem, again.ca_pem);
    }
}
