//! TLS client setup for IMAP: rustls with the ring provider only (two providers in one
//! process make rustls panic, FACTS.md), Mozilla roots from webpki-roots plus an optional
//! private CA from a PEM file. Invalid certificates are never accepted.

use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::source::SourceError;

/// Build a client config trusting webpki roots and the certificates in `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, SourceError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            SourceError::Config(format!(
                "cannot read ca_file {}: {e}; fix the path or remove ca_file",
                path.display()
            ))
        })?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                SourceError::Config(format!("ca_file {} is not valid PEM: {e}", path.display()))
            })?;
        if certs.is_empty() {
            return Err(SourceError::Config(format!(
                "ca_file {} holds no certificate; point it at the CA's PEM file",
                path.display()
            )));
        }
        for c in certs {
            roots.add(c).map_err(|e| {
                SourceError::Config(format!(
                    "ca_file {} holds an unusable certificate: {e}",
                    path.display()
                ))
            })?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SourceError::Tls(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Run the TLS handshake on `tcp`, checking the certificate against `host`.
pub async fn handshake(
    config: Arc<ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, SourceError> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| SourceError::Config(format!("{host:?} is not a valid server name: {e}")))?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| SourceError::Tls(format!("TLS handshake with {host} failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_builds_with_ring_only() {
        assert!(client_config(None).is_ok());
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, b"not a certificate").unwrap();
        let e = client_config(Some(&p)).unwrap_err();
        assert!(e.to_string().contains("ca.pem"), "{e}");
        assert!(client_config(Some(&dir.path().join("missing.pem"))).is_err());
    }
}
