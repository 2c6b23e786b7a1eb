//! Tiny TCP servers on loopback for testing the proxy against real sockets: one echoes, one
//! sends a known stream, one counts what it is sent.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// `n` bytes of a stream that shows any lost, doubled or reordered byte.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

async fn serve<F, Fut>(each: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(each(stream));
        }
    });
    addr
}

/// Sends back whatever it reads, until the client closes.
pub async fn echo() -> SocketAddr {
    serve(|mut stream| async move {
        let (mut read, mut write) = stream.split();
        let _ = tokio::io::copy(&mut read, &mut write).await;
    })
    .await
}

/// Sends `pattern(n)` after reading one byte, then closes.
pub async fn source(n: usize) -> SocketAddr {
    serve(move |mut stream| async move {
        let mut one = [0u8; 1];
        if stream.read_exact(&mut one).await.is_ok() {
            let _ = stream.write_all(&pattern(n)).await;
            let _ = stream.shutdown().await;
        }
    })
    .await
}

/// Reads until the client closes its side, then answers with the number of bytes it read (8
/// bytes, big-endian).
pub async fn sink() -> SocketAddr {
    serve(|mut stream| async move {
        let mut got = Vec::new();
        if stream.read_to_end(&mut got).await.is_ok() {
            let _ = stream.write_all(&(got.len() as u64).to_be_bytes()).await;
        }
    })
    .await
}
