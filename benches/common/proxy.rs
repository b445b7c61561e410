//! A TCP proxy in front of a database server that counts what crosses it: connections that
//! carry data (sessions), connections that carry none (reachability probes), and flights, each
//! a burst of client messages that follows the server's last answer (a round trip).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Counts {
    connections: AtomicUsize,
    sessions: AtomicUsize,
    flights: AtomicUsize,
}

/// What was counted since the last [`Proxy::take`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub sessions: usize,
    pub probes: usize,
    pub flights: usize,
}

pub struct Proxy {
    pub addr: SocketAddr,
    counts: Arc<Counts>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let counts = Arc::new(Counts::default());
        let shared = Arc::clone(&counts);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let counts = Arc::clone(&shared);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(target).await {
                        relay(client, server, counts).await;
                    }
                });
            }
        });
        Proxy { addr, counts }
    }

    /// The counts so far, and zero again.
    pub fn take(&self) -> Tally {
        let connections = self.counts.connections.swap(0, Ordering::SeqCst);
        let sessions = self.counts.sessions.swap(0, Ordering::SeqCst);
        Tally { sessions, probes: connections.saturating_sub(sessions), flights: self.counts.flights.swap(0, Ordering::SeqCst) }
    }
}

const NONE: u8 = 0;
const CLIENT: u8 = 1;
const SERVER: u8 = 2;

async fn relay(client: TcpStream, server: TcpStream, counts: Arc<Counts>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let last = Arc::new(AtomicU8::new(NONE));
    let up_last = Arc::clone(&last);
    let up_counts = Arc::clone(&counts);
    let upstream = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut first = true;
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if std::mem::take(&mut first) {
                up_counts.sessions.fetch_add(1, Ordering::SeqCst);
            }
            if up_last.swap(CLIENT, Ordering::SeqCst) != CLIENT {
                up_counts.flights.fetch_add(1, Ordering::SeqCst);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            last.store(SERVER, Ordering::SeqCst);
            if client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}
