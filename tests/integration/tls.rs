//! The SDK HTTP client every process builds (`launcher::aws::sdk`) speaks real TLS on the ring
//! provider: moto is plain HTTP, so without these tests nothing offline would notice a TLS
//! stack that cannot complete a handshake — which every call to AWS needs once deployed.

use std::sync::{Arc, Mutex};

use aws_config::Region;
use aws_credential_types::Credentials;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CA: &[u8] = include_bytes!("../fixtures/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("../fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("../fixtures/tls/server.key");

const CALLER_IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/tls-test</Arn>
    <UserId>AIDATLSTEST</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>tls-1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

/// A loopback HTTPS server with the test CA's `localhost` certificate that answers every request
/// with a GetCallerIdentity result and keeps each request's head.
struct TlsServer {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    async fn start() -> Self {
        let certs = CertificateDer::pem_slice_iter(SERVER_CERT).collect::<Result<Vec<_>, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let kept = heads.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, kept) = (acceptor.clone(), kept.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to keep.
                    let Ok(mut tls) = acceptor.accept(socket).await else { return };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
                    kept.lock().unwrap().push(String::from_utf8_lossy(&request[..head_end]).into_owned());
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{CALLER_IDENTITY}",
                        CALLER_IDENTITY.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self { port, heads }
    }

    async fn sts(&self, http_client: aws_smithy_runtime_api::client::http::SharedHttpClient) -> aws_sdk_sts::Client {
        let sdk = launcher::aws::sdk::config_loader()
            .http_client(http_client)
            .endpoint_url(format!("https://localhost:{}", self.port))
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIATLSTEST", "tls-test-secret", None, None, "test"))
            .load()
            .await;
        aws_sdk_sts::Client::new(&sdk)
    }
}

#[tokio::test]
async fn the_sdk_client_completes_a_tls_handshake_on_ring() {
    let server = TlsServer::start().await;
    let sts = server.sts(launcher::aws::sdk::https_client_trusting(CA)).await;

    let identity = sts.get_caller_identity().send().await.expect("GetCallerIdentity over TLS");

    assert_eq!(identity.account(), Some("123456789012"));
    assert_eq!(identity.arn(), Some("arn:aws:iam::123456789012:user/tls-test"));
    let heads = server.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let head = heads[0].to_ascii_lowercase();
    assert!(head.starts_with("post / http/1.1"), "{head}");
    assert!(head.contains("authorization: aws4-hmac-sha256 credential=akiatlstest/"), "signed: {head}");
}

#[tokio::test]
async fn the_sdk_client_refuses_a_certificate_no_trusted_root_signed() {
    let server = TlsServer::start().await;
    // The production client: the system's roots, which do not include the test CA.
    let sts = server.sts(launcher::aws::sdk::https_client()).await;

    let err = sts.get_caller_identity().send().await.expect_err("an untrusted certificate must fail");

    assert!(
        matches!(err, aws_sdk_sts::error::SdkError::DispatchFailure(_)),
        "a failed handshake, not an answer: {err:?}"
    );
    assert!(server.heads.lock().unwrap().is_empty(), "no request may cross an untrusted connection");
}
