//! Where the CLI writes: the terminal, or a buffer in tests. Every line passes through the
//! database URL's redaction (and, before a URL is known, every URL in it is masked), so a
//! password cannot reach the output by any path.

use crate::db::DatabaseUrl;
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone)]
pub struct Console {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    out: Sink,
    err: Sink,
    url: Option<DatabaseUrl>,
    /// Answers to questions, in order: `None` reads them from a terminal.
    answers: Option<VecDeque<String>>,
}

enum Sink {
    Stdout,
    Stderr,
    Buffer(Vec<u8>),
}

impl Sink {
    fn write(&mut self, text: &str) {
        // Output that cannot be written (a closed pipe) is dropped; there is nowhere to report it.
        let _ = match self {
            Sink::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Sink::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
            Sink::Buffer(buf) => buf.write_all(text.as_bytes()),
        };
    }
}

impl Console {
    /// The process's standard output and error.
    pub fn terminal() -> Self {
        Self::with(Sink::Stdout, Sink::Stderr)
    }

    /// Captures everything, for tests; read it back with [`Console::output`].
    pub fn buffered() -> Self {
        Self::with(Sink::Buffer(Vec::new()), Sink::Buffer(Vec::new()))
    }

    fn with(out: Sink, err: Sink) -> Self {
        Console {
            inner: Arc::new(Mutex::new(Inner { out, err, url: None, answers: None })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether standard error is a terminal (never for a buffered console).
    pub fn stderr_is_terminal(&self) -> bool {
        matches!(self.lock().err, Sink::Stderr) && std::io::stderr().is_terminal()
    }

    /// From now on, mask this URL's password in everything written.
    pub fn redact_with(&self, url: &DatabaseUrl) {
        self.lock().url = Some(url.clone());
    }

    pub fn out(&self, line: impl AsRef<str>) {
        let mut inner = self.lock();
        let text = inner.clean(line.as_ref());
        inner.out.write(&text);
    }

    pub fn err(&self, line: impl AsRef<str>) {
        let mut inner = self.lock();
        let text = inner.clean(line.as_ref());
        inner.err.write(&text);
    }

    /// This console, answering its questions with `answers` in order (then with nothing), for
    /// tests of interactive commands.
    pub fn answering<I: IntoIterator<Item = S>, S: Into<String>>(self, answers: I) -> Self {
        self.lock().answers = Some(answers.into_iter().map(Into::into).collect());
        self
    }

    /// Writes `question` to standard error and reads one line of answer; `None` when there is
    /// no one to answer (standard input is not a terminal, or it is closed).
    pub fn ask(&self, question: &str) -> Option<String> {
        let scripted = self.lock().answers.is_some();
        if !scripted && !std::io::stdin().is_terminal() {
            return None;
        }
        self.err(question);
        if let Some(answers) = &mut self.lock().answers {
            return answers.pop_front();
        }
        let mut answer = String::new();
        match std::io::stdin().lock().read_line(&mut answer) {
            Ok(n) if n > 0 => Some(answer.trim().to_string()),
            _ => None,
        }
    }

    /// What was written to standard output and standard error (buffered consoles only).
    pub fn output(&self) -> (String, String) {
        let inner = self.lock();
        let text = |sink: &Sink| match sink {
            Sink::Buffer(buf) => String::from_utf8_lossy(buf).into_owned(),
            _ => String::new(),
        };
        (text(&inner.out), text(&inner.err))
    }
}

impl Inner {
    fn clean(&self, line: &str) -> String {
        let mut text = match &self.url {
            Some(url) => url.redact(line),
            None => crate::db::mask_urls(line),
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}
