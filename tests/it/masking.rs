//! The masking property, shared by the test suite and the fuzz target (`fuzz/`): whatever a
//! password holds, neither the URL parser nor any masking path shows it, and nothing panics.

use seamigrate::db::{DatabaseUrl, mask_password, mask_urls};

/// URLs a password is pasted into, as people write them (the last ones malformed).
pub const TEMPLATES: &[&str] = &[
    "postgres://app:{}@db.internal:5432/app",
    "postgresql://app:{}@10.0.0.7/app?sslmode=require&application_name=web",
    "mysql://root:{}@[::1]:3306/shop",
    "mariadb://svc:{}@maria-0.maria:3306/tenant_42?ssl-mode=REQUIRED",
    "postgres://app:{}@db:99999/app",
    "postgres://app:{}@/app",
    "mysql://root:{}@db",
    "postgres://app:{}@bad host/app",
];

/// Whether `output` shows `password`, encoded or not, or a piece of it of six characters with
/// two letters or digits among them that `baseline` (what is shown for other passwords: the
/// rest of the URL, the words of the messages) does not explain.
pub fn leaks(output: &str, password: &str, baseline: &str) -> Option<String> {
    let encoded: String = password.bytes().map(|b| format!("%{b:02X}")).collect();
    for whole in [password, encoded.as_str()] {
        if output.contains(whole) && !baseline.contains(whole) {
            return Some(whole.to_string());
        }
    }
    let chars: Vec<char> = password.chars().collect();
    chars
        .windows(6)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .find(|w| output.contains(w.as_str()) && !baseline.contains(w.as_str()))
}

/// Stand-ins whose outputs make the baseline: one per path a URL can take.
pub const PLACEHOLDERS: &[&str] = &["Q", "Q@h/x", "Q Q", "Q%ZZ", "Q'Q"];

/// Whether a password can be told apart from the text around it at all.
pub fn distinct(password: &str) -> bool {
    password.chars().count() >= 8 && password.chars().filter(|c| c.is_alphanumeric()).count() >= 3
}

/// Everything the library prints about `url`.
pub fn outputs(url: &str, password: &str) -> Vec<String> {
    let mut out = vec![mask_password(url)];
    if !password.chars().any(|c| c.is_whitespace() || "'\"`<>".contains(c)) {
        // Free text ends a URL at white space or a quote; the CLI masks its own URL whole.
        out.push(mask_urls(&format!("unexpected argument '{url}' found")));
    }
    match DatabaseUrl::parse(url) {
        Ok(parsed) => {
            out.push(parsed.masked());
            out.push(format!("{parsed:?}"));
            out.push(parsed.database_shown());
            out.push(parsed.redact(&format!("cannot connect to {url}: password {password} refused")));
        }
        Err(err) => out.push(err.to_string()),
    }
    out
}

/// What each template shows for the placeholders, computed once.
fn baselines() -> &'static [String] {
    static BASELINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    BASELINES.get_or_init(|| {
        TEMPLATES
            .iter()
            .map(|template| {
                let mut baseline = template.to_string();
                for placeholder in PLACEHOLDERS {
                    baseline.extend(outputs(&template.replace("{}", placeholder), placeholder));
                }
                baseline
            })
            .collect()
    })
}

/// Checks one password in every template, as written and percent-encoded; panics on a leak.
pub fn check_password(password: &str) {
    if !distinct(password) {
        return;
    }
    let encoded: String = password.bytes().map(|b| format!("%{b:02X}")).collect();
    for (template, baseline) in TEMPLATES.iter().zip(baselines()) {
        for form in [password, encoded.as_str()] {
            let url = template.replace("{}", form);
            for output in outputs(&url, password) {
                if let Some(piece) = leaks(&output, password, baseline) {
                    panic!("password {password:?} shows as {piece:?} in {output:?} (URL {url:?})");
                }
            }
        }
    }
}

/// The fuzz target's body: any bytes as a password, and as a URL of their own (which must not
/// panic whatever it holds).
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = outputs(&text, "");
    if text.chars().count() <= 40 {
        check_password(&text);
    }
}
