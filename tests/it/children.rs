//! The child processes some tests start and kill: this test binary run again with an
//! environment variable naming the child, which takes over before the test harness starts (a
//! constructor function, through the `ctor` crate), does its work and exits. So no test entry
//! exists only to be started as a child.

/// Runs the child the environment names, if any, and exits; otherwise returns, and the tests run.
#[ctor::ctor]
fn child_process() {
    if let Ok(joined) = std::env::var(crate::bad_input::CHILD_ARGS) {
        crate::bad_input::cli_child(&joined);
    }
    if let Ok(url) = std::env::var(crate::adopt::CHILD_URL) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime for the child");
        runtime.block_on(crate::adopt::adoption_child(&url));
        std::process::exit(0);
    }
}
