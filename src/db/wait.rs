//! Waiting for a database that is still starting: a deploy job or a container that starts
//! before its database retries the connection instead of failing at once.

use super::connect::ConnectError;
use std::future::Future;
use std::time::{Duration, Instant};

/// How often, at most, a retry is reported.
const REPORT_EVERY: Duration = Duration::from_secs(5);

impl ConnectError {
    /// Whether the server may answer if asked again: nothing listens yet, it is starting up or
    /// shutting down, it has no connection slot free. Wrong credentials, a database that does
    /// not exist, a certificate that does not verify will not mend by waiting.
    pub fn is_transient(&self) -> bool {
        self.hint == "check the host and port, and that the server is running" || transient(&self.reason)
    }
}

/// Whether a database's or the operating system's `words` say the server is not there yet.
pub fn transient(words: &str) -> bool {
    let words = words.to_ascii_lowercase();
    [
        "connection refused",
        "starting up",
        "shutting down",
        "in recovery",
        "too many connections",
        "timed out",
        "connection reset",
        "can't connect",
        "pool timed out",
        "broken pipe",
    ]
    .iter()
    .any(|w| words.contains(w))
}

/// Runs `connect` until it succeeds, fails otherwise than transiently, or `wait` has passed;
/// between tries, pauses growing from half a second to five, and calls `report` (with the
/// error and the time waited so far) at most every five seconds.
pub async fn retrying<T, F, Fut>(
    wait: Duration,
    report: &(dyn Fn(&ConnectError, Duration) + Send + Sync),
    mut connect: F,
) -> Result<T, ConnectError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConnectError>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    let mut reported: Option<Instant> = None;
    loop {
        let err = match connect().await {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        if !err.is_transient() || started.elapsed() + pause > wait {
            return Err(err);
        }
        if reported.is_none_or(|at| at.elapsed() >= REPORT_EVERY) {
            report(&err, started.elapsed());
            reported = Some(Instant::now());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
