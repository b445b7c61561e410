//! Secrets are never printed: random passwords drawn from all printable characters (ASCII and
//! beyond), pasted into URLs as they are or percent-encoded, never show in the output of the
//! commands that fail on them (a server that hangs up, a malformed URL, a URL where none belongs),
//! in text or JSON; and a short run of the fuzz target's property (`fuzz/`, see
//! docs/security.md) over random and mutated inputs.
//!
//! `SEAMIGRATE_SECRET_CASES` sets how many passwords (60 through the CLI, 50 times as many
//! through the library, 100 times as many fuzzed inputs); `SEAMIGRATE_SECRET_SEED` replays a failing run.

use crate::masking::{self, PLACEHOLDERS, distinct, leaks};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use seamigrate::cli::Console;

const UNICODE: &[char] = &['é', 'ß', '€', '密', '码', '🔑', 'ü', 'ø', 'Ω', 'ж', '¿', '·'];

fn password(rng: &mut StdRng) -> String {
    let len = rng.random_range(10..=24);
    (0..len)
        .map(|_| {
            if rng.random_bool(0.15) {
                UNICODE[rng.random_range(0..UNICODE.len())]
            } else {
                char::from(rng.random_range(0x20u8..=0x7e))
            }
        })
        .collect()
}

fn cases(default: usize) -> usize {
    std::env::var("SEAMIGRATE_SECRET_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn seeded() -> (u64, StdRng) {
    let seed = std::env::var("SEAMIGRATE_SECRET_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    (seed, StdRng::seed_from_u64(seed))
}

/// URLs that make a command fail before or while connecting, quickly: `PORT` is a server that
/// hangs up on every connection (a refused one is retried for a moment before the command
/// gives up, which would make this test slow).
const CLI_TEMPLATES: &[&str] = &[
    "postgres://app:{}@127.0.0.1:PORT/app",
    "mysql://root:{}@127.0.0.1:PORT/shop?ssl-mode=REQUIRED",
    "postgres://app:{}@127.0.0.1:99999/app",
    "postgres://app:{}@/app",
];

/// Listens on a free loopback port and closes every connection at once; returns the port.
async fn hang_up_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    port
}

fn commands(url: &str) -> Vec<Vec<String>> {
    let lines: [&[&str]; 5] = [
        &["status", "-u", url],
        &["--format", "json", "status", "-u", url],
        &["up", "-v", &format!("--database-url={url}")],
        &["status", url],
        &["--format", "json", "check", url],
    ];
    lines
        .iter()
        .map(|args| std::iter::once("migration").chain(args.iter().copied()).map(String::from).collect())
        .collect()
}

async fn output(args: &[String]) -> String {
    let console = Console::buffered();
    let code = seamigrate::cli::run::<migration::Migrator, _>(args.to_vec(), &console).await;
    let (out, err) = console.output();
    assert_ne!(code, 0, "{args:?} should fail");
    format!("{out}\n{err}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_never_printed_by_the_cli() {
    let (seed, mut rng) = seeded();
    let port = hang_up_server().await.to_string();
    let templates: Vec<String> = CLI_TEMPLATES.iter().map(|t| t.replace("PORT", &port)).collect();
    let mut baselines = Vec::new();
    for template in &templates {
        let mut per_command = vec![String::new(); commands("").len()];
        for placeholder in PLACEHOLDERS {
            for (i, args) in commands(&template.replace("{}", placeholder)).iter().enumerate() {
                per_command[i].push_str(&output(args).await);
            }
        }
        baselines.push(per_command);
    }
    let mut checked = 0;
    while checked < cases(60) {
        let password = password(&mut rng);
        if !distinct(&password) {
            continue;
        }
        checked += 1;
        let encoded: String = password.bytes().map(|b| format!("%{b:02X}")).collect();
        for (template, baseline) in templates.iter().zip(&baselines) {
            for form in [&password, &encoded] {
                for (args, baseline) in commands(&template.replace("{}", form)).iter().zip(baseline) {
                    let shown = output(args).await;
                    if let Some(piece) = leaks(&shown, &password, baseline) {
                        panic!("seed {seed}: {args:?} shows {piece:?} of password {password:?}:\n{shown}");
                    }
                }
            }
        }
    }
}

#[test]
fn passwords_never_shown_by_the_library() {
    let (seed, mut rng) = seeded();
    for _ in 0..cases(60) * 50 {
        let password = password(&mut rng);
        let outcome = std::panic::catch_unwind(|| masking::check_password(&password));
        assert!(outcome.is_ok(), "seed {seed}: password {password:?}");
    }
}

/// A short run of the fuzz target's body on random bytes and on templates with random bytes
/// spliced in: no panic, no leak.
#[test]
fn fuzz_property_short_run() {
    let (seed, mut rng) = seeded();
    for i in 0..cases(60) * 100 {
        let data: Vec<u8> = if i % 2 == 0 {
            (0..rng.random_range(0..64)).map(|_| rng.random()).collect()
        } else {
            let template = masking::TEMPLATES[rng.random_range(0..masking::TEMPLATES.len())];
            let at = rng.random_range(0..=template.len());
            let mut bytes = template.as_bytes()[..at].to_vec();
            bytes.extend((0..rng.random_range(0..12)).map(|_| rng.random_range(0x20u8..0x7f)));
            bytes.extend(&template.as_bytes()[at..]);
            bytes
        };
        let outcome = std::panic::catch_unwind(|| masking::check(&data));
        assert!(outcome.is_ok(), "seed {seed}: input {:?}", String::from_utf8_lossy(&data));
    }
}
