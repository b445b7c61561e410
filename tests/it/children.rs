//! The child processes some tests start and kill: this test binary run again with an
//! environment variable naming the child, which takes over before the test harness starts (a
//! constructor function, through the `ctor` crate), does its work and exits. So no test entry
//! exists only to be started as a child.

/// The reference application's credentials key in every test and child process (its seal
/// migration refuses to run without one), unless the environment sets one.
pub(crate) const TEST_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Runs the child the environment names, if any, and exits; otherwise returns, and the tests run.
#[ctor::ctor]
fn child_process() {
    if std::env::var_os("CREDENTIALS_KEY").is_none() {
        // SAFETY: a constructor runs before main, so before any other thread exists.
        unsafe { std::env::set_var("CREDENTIALS_KEY", TEST_KEY) };
    }
    if let Ok(joined) = std::env::var(crate::bad_input::CHILD_ARGS) {
        crate::bad_input::cli_child(&joined);
    }
    if let Ok(url) = std::env::var(crate::adopt::CHILD_URL) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime for the child");
        runtime.block_on(crate::adopt::adoption_child(&url));
        std::process::exit(0);
    }
    if let Ok(url) = std::env::var(crate::backfill::CHILD_URL) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime for the child");
        runtime.block_on(crate::backfill::backfill_child(&url));
        std::process::exit(0);
    }
}

/// What a child started by [`run_child`] does: `up` with `m` on a session of `url`, saying
/// `READY` before it starts and `DONE` once it has finished.
pub(crate) async fn up_between_ready_and_done(url: &str, m: impl FnOnce(seamigrate::db::Session) -> seamigrate::Migrator) {
    use std::io::Write;
    let url = seamigrate::DatabaseUrl::parse(url).unwrap();
    let session = seamigrate::db::Session::open(&url, &Default::default()).await.unwrap();
    let m = m(session);
    let mut out = std::io::stdout();
    let _ = writeln!(out, "READY");
    let _ = out.flush();
    m.up(&seamigrate::UpTarget::All, &seamigrate::RunOptions::default()).await.unwrap();
    let _ = writeln!(out, "DONE");
    let _ = out.flush();
}

/// Starts this test binary as the child `var` names (given `value`, and `env` besides), waits
/// until it prints `READY`, and kills it (SIGKILL) `delay` later, or lets it finish when
/// `delay` is `None`. Returns whether it printed `DONE`, and how long it ran after `READY`.
pub(crate) async fn run_child(
    var: &str,
    value: &str,
    env: &[(&str, &str)],
    delay: Option<std::time::Duration>,
) -> (bool, std::time::Duration) {
    use tokio::io::AsyncBufReadExt;
    let exe = std::env::current_exe().unwrap();
    let mut command = tokio::process::Command::new(exe);
    command.env(var, value).envs(env.iter().copied()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
    let mut child = command.kill_on_drop(true).spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains("READY") {
            break;
        }
    }
    let started = std::time::Instant::now();
    let mut done = false;
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("DONE") {
                return true;
            }
        }
        false
    };
    match delay {
        None => done = read.await,
        Some(delay) => {
            tokio::select! {
                finished = read => done = finished,
                _ = tokio::time::sleep(delay) => { let _ = child.start_kill(); }
            }
        }
    }
    let ran = started.elapsed();
    let _ = child.wait().await;
    (done, ran)
}
